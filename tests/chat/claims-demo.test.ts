/**
 * The claim checker against the demo restaurant's real sheets and documents, with the wrong
 * answers an audit found it let through when it took the whole tenant as evidence. Each must be
 * flagged; the true sentences beside them must not be (a checker that flags everything proves nothing).
 */
import { describe, expect, it } from 'vitest';
import { unsupportedClaims } from '../../server/src/chat/claims.ts';
import { type BranchSlug, demoScope } from './demo-scope.ts';

// [answer, question (the dish a sentence naming none is about), branch, flagged?]
const cases: [string, string | undefined, BranchSlug, boolean][] = [
  ['Flan casero con dulce de leche contiene gluten.', undefined, 'centro', true],
  ['Sorbete de maracuyá contiene lácteos.', undefined, 'centro', true],
  ['Sorbete de maracuyá contiene huevo.', undefined, 'centro', true],
  ['El flan casero con dulce de leche lleva nueces.', undefined, 'centro', true],
  ['El flan casero con dulce de leche puede contener trazas de mostaza.', undefined, 'centro', true],
  ['Parrillada para dos no tiene gluten y es apta para celíacos.', undefined, 'centro', true],
  ['Vacío a la parrilla no tiene sulfitos.', undefined, 'centro', true],
  ['Ojo de bife (400 g) no tiene sulfitos entre sus alérgenos declarados.', undefined, 'centro', true],
  ['No, no tiene gluten.', '¿La milanesa tiene gluten?', 'centro', true],
  ['Sí, es apta para celíacos.', '¿Es apta para celíacos la parrillada?', 'centro', true],
  ['Sí, es vegano y no tiene trazas de nada.', '¿El curry es vegano?', 'centro', true],
  [
    'Parrillada para dos no lleva sulfitos como ingrediente, pero puede contener trazas de sulfitos.',
    undefined,
    'centro',
    true,
  ],
  [
    'Empanadas de humita (2 u.) no tiene huevo entre sus alérgenos declarados. Según Fichas técnicas: Relleno con huevo duro y aceituna verde.',
    '¿Las empanadas de humita tienen huevo?',
    'centro',
    true,
  ],
  // A Norte-only document quoted to a Centro diner is not evidence in their scope.
  [
    'Según Especiales de Sucursal Norte: Locro: solo el 25 de mayo y el 9 de julio, fuera de carta.',
    '¿Tienen locro?',
    'centro',
    true,
  ],
  ['Curry de garbanzos: sin alérgenos ni trazas.', undefined, 'centro', true],
  ['The parrillada para dos is gluten-free.', undefined, 'centro', true],
  // True, and must stay clean.
  [
    'Según Especiales de Sucursal Norte: Locro: solo el 25 de mayo y el 9 de julio, fuera de carta.',
    '¿Tienen locro?',
    'norte',
    false,
  ],
  [
    'Vacío a la parrilla contiene sulfitos, según Fichas técnicas › Chimichurri de la casa.',
    undefined,
    'centro',
    false,
  ],
  ['Parrillada para dos puede contener trazas de gluten.', undefined, 'centro', false],
  ['Sí, es apto para veganos. Puede contener trazas de mostaza.', '¿El curry es vegano?', 'centro', false],
  ['Sí, no tiene gluten.', '¿La provoleta tiene gluten?', 'centro', false],
  [
    'Brownie con helado no lleva frutos secos como ingrediente, pero puede contener trazas de frutos secos.',
    undefined,
    'centro',
    false,
  ],
  ['Empanadas de humita (2 u.) no tiene huevo entre sus alérgenos declarados.', undefined, 'centro', false],
  [
    'Según Fichas técnicas: Relleno con huevo duro y aceituna verde.',
    '¿Las empanadas de carne tienen huevo?',
    'centro',
    false,
  ],
];

describe('unsupportedClaims on the demo restaurant', () => {
  it.each(cases)('%s (asked: %s, %s) -> flagged %s', (answer, question, branch, flagged) => {
    const lang = /^The /.test(answer) ? 'en' : 'es';
    const problems = unsupportedClaims(answer, demoScope(branch, lang, question));
    expect(problems.length > 0, JSON.stringify(problems)).toBe(flagged);
  });
});
