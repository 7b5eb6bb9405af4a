import { describe, expect, it } from 'vitest';
import { readSentence } from './statements.ts';
import type { Lang } from './vocabulary.ts';

/** "allergen:polarity" per statement ("!" marks a suitability promise), clauses split by " | ". */
const read = (s: string, lang: Lang = 'es') =>
  readSentence(s, lang)
    .map((c) =>
      c.uncertain
        ? 'uncertain'
        : c.allergens.map((a) => `${a.allergen}:${a.polarity}${a.suitability ? '!' : ''}`).join(' '),
    )
    .join(' | ');

describe('readSentence', () => {
  const cases: [string, string, Lang?][] = [
    ['El vinagre de vino contiene sulfitos.', 'sulphites:contains'],
    ['No, no tiene gluten.', 'gluten:free'],
    ['Sí, es apta para celíacos.', 'gluten:free!'],
    ['No la recomendamos a personas celíacas.', 'gluten:trace'],
    [
      'Las papas fritas pueden contener trazas de gluten y no son aptas para celíacos.',
      'gluten:trace gluten:trace',
    ],
    ['El brownie no lleva nueces, pero puede contener trazas de frutos secos.', 'nuts:free | nuts:trace'],
    ['La leche de coco no es un lácteo.', 'milk:free'],
    ['Lleva nuez moscada.', ''],
    ['Sin alérgenos declarados.', 'any-allergen:free'],
    ['Sí, es vegano y no tiene trazas de nada.', 'any-trace:free'],
    ['Sin trazas de mostaza.', 'mustard:free'],
    ['contienen sulfitos y la morcilla puede contener trazas de gluten', 'sulphites:contains gluten:trace'],
    ['No hacemos milanesa sin TACC: el pan rallado es de trigo.', 'gluten:trace | gluten:mention'],
    ['No figuran como sin TACC y no podemos confirmar que sean aptos: A.', 'uncertain | '],
    ['Soy celíaco.', 'gluten:mention'],
    ['The provoleta is gluten-free.', 'gluten:free!', 'en'],
    ['The curry is not gluten free.', 'gluten:trace', 'en'],
    ["It doesn't contain nuts.", 'nuts:free', 'en'],
    [
      'It has no gluten as an ingredient, but it may contain traces of gluten.',
      'gluten:free | gluten:trace',
      'en',
    ],
    ['Contains soy.', 'soy:contains', 'en'],
  ];
  it.each(cases)('%s -> %s', (sentence, expected, lang) => {
    expect(read(sentence, lang)).toBe(expected);
  });

  it('reads diets, and their negation', () => {
    expect(readSentence('Es apto para veganos.', 'es')[0]!.diets).toEqual([
      { diet: 'vegan', suitable: true },
    ]);
    expect(readSentence('No figura como apto para veganos.', 'es')[0]!.diets).toEqual([
      { diet: 'vegan', suitable: false },
    ]);
  });
});
