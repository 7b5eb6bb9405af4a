import { describe, expect, it } from 'vitest';
import { storable } from './storable.ts';

const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

describe('storable', () => {
  it.each([
    ['plain JSON, unchanged', { a: [1, 'b', null, true] }, { a: [1, 'b', null, true] }],
    ['NUL in a value', { notes: 'sin\u0000sal' }, { notes: 'sin\uFFFDsal' }],
    ['NUL in a key', { ['k\u0000']: 1 }, { ['k\uFFFD']: 1 }],
    ['a lone surrogate', ['x\ud800'], ['x\uFFFD']],
    ['a real surrogate pair (emoji) kept', ['🍷'], ['🍷']],
    ['too deep', deep(17), { truncated: true }],
    ['deep enough', deep(16), deep(16)],
    ['100,000 levels deep', deep(100_000), { truncated: true }],
    ['too long', { body: 'x'.repeat(8_001) }, { truncated: true }],
    ['undefined', undefined, null],
  ])('%s', (_name, input, expected) => {
    expect(storable(input)).toEqual(expected);
  });
});
