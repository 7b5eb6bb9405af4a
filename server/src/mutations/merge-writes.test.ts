import { describe, expect, it } from 'vitest';
import { mergeableWrites } from './run.ts';

describe('mergeableWrites', () => {
  it('turns plain writes into WITH parts, their parameters numbered after the recording statement', () => {
    const merged = mergeableWrites(
      [
        ['INSERT INTO round (id, number) VALUES ($1, $2)', ['r1', 3]],
        ['UPDATE dining_check SET total_cents = $2 WHERE id = $1 AND total_cents <> $2', ['c1', 500]],
      ],
      10,
    );
    expect(merged).toEqual({
      ctes:
        'w0 AS (INSERT INTO round (id, number) VALUES ($11, $12)), ' +
        'w1 AS (UPDATE dining_check SET total_cents = $14 WHERE id = $13 AND total_cents <> $14), ',
      params: ['r1', 3, 'c1', 500],
    });
  });

  it('leaves writes as statements of their own when one part would not see or would undo another', () => {
    // Nothing to merge.
    expect(mergeableWrites([], 10)).toBeUndefined();
    // A write with its own WITH cannot be nested in another WITH.
    expect(
      mergeableWrites(
        [['WITH s AS (UPDATE table_session SET status = $2) UPDATE dining_table SET x = 1', [1, 2]]],
        10,
      ),
    ).toBeUndefined();
    // Two writes to one table: the second would not see the first's row, and one row changed twice keeps one change.
    expect(
      mergeableWrites(
        [
          ['INSERT INTO round (id) VALUES ($1)', ['r1']],
          ['UPDATE round SET status = $2 WHERE id = $1', ['r1', 'READY']],
        ],
        10,
      ),
    ).toBeUndefined();
    // A table the recording statement writes itself.
    expect(mergeableWrites([['INSERT INTO event (id) VALUES ($1)', ['e1']]], 10)).toBeUndefined();
    // Not a plain INSERT, UPDATE or DELETE.
    expect(mergeableWrites([['SELECT pg_notify($1, $2)', ['a', 'b']]], 10)).toBeUndefined();
    // Dollar quoting: its text could hold what looks like a parameter.
    expect(
      mergeableWrites([['UPDATE product SET notes = $$costs $1$$ WHERE id = $1', ['p1']]], 10),
    ).toBeUndefined();
  });
});
