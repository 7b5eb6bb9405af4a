import { describe, expect, it } from 'vitest';
import type { ProductFacts } from './chunking.ts';
import { type ClaimScope, unsupportedClaims } from './claims.ts';
import type { Section } from './matching.ts';

const product = (name: string, over: Partial<ProductFacts>): ProductFacts => ({
  productId: name,
  name,
  description: '',
  category: '',
  ingredients: [],
  allergens: [],
  mayContain: [],
  dietary: [],
  spiceLevel: 0,
  tags: [],
  priceCents: 0,
  currency: 'ARS',
  available: true,
  branchName: 'Centro',
  ...over,
});

const products = [
  product('Milanesa napolitana', {
    ingredients: ['pan rallado', 'huevo', 'muzzarella'],
    allergens: ['gluten', 'eggs', 'milk'],
  }),
  product('Brownie con helado', {
    ingredients: ['harina de trigo', 'chocolate'],
    allergens: ['gluten', 'milk'],
    mayContain: ['nuts'],
  }),
  product('Ensalada de rúcula, pera y nueces', {
    ingredients: ['rúcula', 'pera', 'nueces'],
    allergens: ['nuts'],
    dietary: ['vegetarian', 'gluten_free'],
  }),
  product('Provoleta', {
    ingredients: ['queso provolone', 'orégano'],
    allergens: ['milk'],
    dietary: ['vegetarian', 'gluten_free'],
  }),
  product('Bife de chorizo', {
    ingredients: ['bife de chorizo', 'chimichurri'],
    dietary: ['gluten_free', 'lactose_free'],
  }),
  product('Sorbete de limón', {
    ingredients: ['limón', 'azúcar'],
    dietary: ['vegan', 'vegetarian', 'gluten_free', 'lactose_free'],
  }),
];
const doc = (heading: string, body: string): Section => ({
  kind: 'document',
  title: 'Fichas',
  heading,
  body,
});
const documents = [
  doc('Chimichurri', 'Perejil, ajo y vinagre. El vinagre de vino contiene sulfitos.'),
  doc(
    'Brownie con helado',
    'Se elabora en la mesada donde se trabajan nueces: puede contener trazas de frutos secos.',
  ),
  doc('Política', 'Nuestra cocina trabaja harina de trigo todos los días.'),
];
const scope = (question?: string): ClaimScope => ({ products, documents, question, lang: 'es' });

describe('unsupportedClaims', () => {
  // [what, answer, question, flagged]: 0 = supported, 1 = at least one unsupported claim found.
  const cases: [string, string, string | undefined, number][] = [
    ['a true allergen', 'Milanesa napolitana contiene gluten.', undefined, 0],
    ['a dish said free of what it contains', 'La milanesa napolitana no tiene gluten.', undefined, 1],
    [
      '"apta para celíacos" for a dish with gluten',
      'El brownie con helado es apto para celíacos.',
      undefined,
      1,
    ],
    ['a trace on record', 'Brownie con helado puede contener trazas de frutos secos.', undefined, 0],
    ['a trace invented', 'Provoleta puede contener trazas de sésamo.', undefined, 1],
    ['an allergen invented', 'La provoleta contiene huevo.', undefined, 1],
    [
      'an allergen no document about that dish states, though another document names it',
      'La provoleta contiene gluten.',
      undefined,
      1,
    ],
    [
      'allergen words in a dish name are not claims',
      'Sin gluten: Ensalada de rúcula, pera y nueces, Provoleta.',
      undefined,
      0,
    ],
    ['a dish listed as free of its trace', 'Sin frutos secos: Brownie con helado, Provoleta.', undefined, 1],
    ['a free-of the sheet and the tags support', 'Sin gluten: Provoleta, Sorbete de limón.', undefined, 0],
    [
      'a sauce sheet puts sulphites in the dish served with it',
      'Bife de chorizo no tiene sulfitos.',
      undefined,
      1,
    ],
    ['...and saying it contains them is supported', 'Bife de chorizo contiene sulfitos.', undefined, 0],
    [
      'a sentence without a dish is about the question’s dish',
      'No, no tiene gluten.',
      '¿La milanesa tiene gluten?',
      1,
    ],
    ['...and true of it is fine', 'No, no tiene gluten.', '¿La provoleta tiene gluten?', 0],
    ['an allergen claim about no dish at all', 'No tiene gluten.', undefined, 1],
    [
      '"no traces" for a dish with traces',
      'Sí, es vegetariano y no tiene trazas de nada.',
      '¿El brownie con helado es vegetariano?',
      1,
    ],
    ['"no allergens" for a dish with allergens', 'Sin alérgenos declarados.', '¿Qué tiene la provoleta?', 1],
    ['a diet the sheet does not give', 'La provoleta es vegana.', undefined, 1],
    ['a diet denied is no claim', 'La provoleta no es vegana.', undefined, 0],
    [
      '"not as an ingredient, but traces" for a trace',
      'Brownie con helado no lleva frutos secos como ingrediente, pero puede contener trazas de frutos secos.',
      undefined,
      0,
    ],
    [
      '"not as an ingredient, but traces" for what it contains',
      'Milanesa napolitana no lleva huevo como ingrediente, pero puede contener trazas de huevo.',
      undefined,
      1,
    ],
    ['an ingredient not in the dish', 'Provoleta lleva nueces.', undefined, 1],
    ['an ingredient denied that it has', 'La milanesa napolitana no lleva huevo.', undefined, 1],
    [
      'a quote of the evidence',
      'Según Fichas: El vinagre de vino contiene sulfitos.',
      '¿El bife de chorizo tiene sulfitos?',
      0,
    ],
    ['a made-up quote', 'Según Fichas: La provoleta no lleva queso.', undefined, 1],
    [
      'a quote cut short of its trace',
      'Según Fichas: Se elabora en la mesada donde se trabajan nueces.',
      '¿El brownie con helado tiene nueces?',
      1,
    ],
    [
      'a quote about another dish',
      'Provoleta contiene lácteos. Según Fichas: El vinagre de vino contiene sulfitos.',
      '¿La provoleta tiene sulfitos?',
      1,
    ],
    [
      'an item note with a wrong trace',
      'Postres: Brownie con helado (puede contener trazas de mostaza).',
      undefined,
      1,
    ],
    [
      'an item note from a document',
      'Contienen sulfitos: Bife de chorizo (contiene sulfitos según Fichas › Chimichurri).',
      undefined,
      0,
    ],
    [
      '"we can’t confirm" claims nothing',
      'No figuran como sin TACC y no podemos confirmar que sean aptos: Bife de chorizo.',
      undefined,
      0,
    ],
  ];
  it.each(cases)('%s', (_what, answer, question, problems) => {
    expect(Math.min(1, unsupportedClaims(answer, scope(question)).length)).toBe(problems);
  });

  it('reads English answers too', () => {
    const en = { ...scope(), lang: 'en' as const };
    expect(unsupportedClaims('The provoleta is gluten-free.', en)).toHaveLength(0);
    expect(unsupportedClaims('The brownie con helado is nut free.', en).length).toBeGreaterThan(0);
    expect(unsupportedClaims('Bife de chorizo does not contain sulphites.', en).length).toBeGreaterThan(0);
  });
});
