import { describe, expect, it } from 'vitest';
import { chunkDocument, formatPrice } from './chunking.ts';
import { fold, singular } from './normalize.ts';
import { allergensIn, dietsIn } from './vocabulary.ts';

describe('chunkDocument', () => {
  it('splits along headings and keeps the heading of each section', () => {
    const chunks = chunkDocument(
      'Fichas',
      '# Fichas\n\nIntro.\n\n## Papas fritas\nSe fríen en la freidora.\n\n## Trucha\nA la plancha.\n',
    );
    expect(chunks.map((c) => [c.heading, c.body])).toEqual([
      ['Fichas', 'Intro.'],
      ['Papas fritas', 'Se fríen en la freidora.'],
      ['Trucha', 'A la plancha.'],
    ]);
  });

  it('makes one chunk per item of a list, lines of an item joined', () => {
    const chunks = chunkDocument(
      'Glosario',
      '# Glosario\n\n- Chutney: conserva.\n- Locro: guiso de maíz,\n  porotos y zapallo.\n',
    );
    expect(chunks.map((c) => c.body)).toEqual([
      'Chutney: conserva.',
      'Locro: guiso de maíz, porotos y zapallo.',
    ]);
  });
});

describe('vocabulary', () => {
  const cases: [string, 'es' | 'en', string[]][] = [
    ['¿Es apto para celíacos?', 'es', ['gluten']],
    ['¿tiene algo sin TACC?', 'es', ['gluten']],
    ['sin frutos secos por favor', 'es', ['nuts']],
    ['¿lleva lácteos?', 'es', ['milk']],
    ['Soy alérgico al maní', 'es', ['peanuts']],
    ['Is there soy in it?', 'en', ['soy']],
    ['Does it have dairy or nuts?', 'en', ['milk', 'nuts']],
  ];
  it.each(cases)('%s -> %j', (text, lang, expected) => {
    expect(allergensIn(text, lang)).toEqual(expected);
  });

  it('finds diets in either language, and folds accents and plurals', () => {
    expect(dietsIn('¿Qué platos veganos hay?')).toEqual(['vegan']);
    expect(dietsIn('vegetarian options')).toEqual(['vegetarian']);
    expect(fold('Ñoquis CELÍACOS')).toBe('noquis celiacos');
    expect(singular('empanadas')).toBe('empanada');
    expect(singular('nueces')).toBe('nuez');
  });

  it('formats prices in the branch currency', () => {
    expect(formatPrice(2_380_000, 'ARS', 'es')).toMatch(/^\$\s?23\.800$/);
  });
});
