import { describe, expect, it } from 'vitest';
import type { ProductFacts } from './chunking.ts';
import { chunkIsAbout, productsNamed } from './matching.ts';

const dish = (name: string, ingredients: string[] = []): ProductFacts => ({
  productId: name,
  name,
  description: '',
  category: '',
  ingredients,
  allergens: [],
  mayContain: [],
  dietary: [],
  spiceLevel: 0,
  tags: [],
  priceCents: 0,
  currency: 'ARS',
  available: true,
  branchName: '',
});
const carne = dish('Empanadas de carne cortada a cuchillo (2 u.)');
const humita = dish('Empanadas de humita (2 u.)');
const bife = dish('Ojo de bife (400 g)', ['ojo de bife', 'chimichurri']);
const milanesa = dish('Milanesa napolitana con papas fritas', ['papas']);
const trucha = dish('Trucha cítrica', ['trucha', 'papas']);
const parrillada = dish('Parrillada para dos');

describe('chunkIsAbout', () => {
  // [heading, dish, about?]
  const cases: [string, ProductFacts, boolean][] = [
    ['Empanadas de carne cortada a cuchillo', carne, true],
    // Only "empanadas" is left of the heading once generic words go: still not the humita's sheet.
    ['Empanadas de carne cortada a cuchillo', humita, false],
    ['Chimichurri de la casa', bife, true],
    ['Chimichurri de la casa', trucha, false],
    ['Papas fritas', milanesa, true],
    ['Papas fritas', trucha, false],
    ['Parrillada para dos', parrillada, true],
    ['Trucha cítrica', trucha, true],
    ['Porciones', parrillada, false],
    ['Fichas técnicas — Parrilla Demo', dish('Vacío a la parrilla'), false],
  ];
  it.each(cases)('%s about %s: %s', (heading, f, about) => {
    expect(chunkIsAbout({ heading }, f)).toBe(about);
  });
});

describe('productsNamed', () => {
  it('takes the dish named most fully', () => {
    const rows = [carne, humita].map((facts) => ({ facts }));
    expect(productsNamed('¿Las empanadas de humita tienen huevo?', rows).map((r) => r.facts.name)).toEqual([
      humita.name,
    ]);
    expect(productsNamed('¿Las empanadas tienen huevo?', rows)).toHaveLength(2);
  });
});
