/**
 * Db.transaction's early commit(): COMMIT sent right behind the last statements (one round trip
 * less on the write path). It must commit exactly those statements, in the same transaction, and
 * never commit anything when a statement before it failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

describe('Db.transaction with an early commit()', () => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, xid text NOT NULL)');
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('commits the statements sent before it, in the same transaction as the ones before them', async () => {
    const xids = await db.transaction(async (tx) => {
      const [first] = await tx.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x');
      // Not awaited one by one: sent together with COMMIT.
      const a = tx.query('INSERT INTO t VALUES (1, pg_current_xact_id()::text) RETURNING xid AS x');
      const b = tx.query('INSERT INTO t VALUES (2, pg_current_xact_id()::text) RETURNING xid AS x');
      const committed = tx.commit();
      const [ra, rb] = await Promise.all([a, b, committed]);
      return [first!.x, ra[0]!.x, rb[0]!.x] as string[];
    });
    expect(new Set(xids).size).toBe(1);
    const rows = await db.query<{ id: number; xid: string }>('SELECT id, xid FROM t ORDER BY id');
    expect(rows).toEqual([
      { id: 1, xid: xids[0] },
      { id: 2, xid: xids[0] },
    ]);
  });

  it('commits nothing when a statement before it fails, and says so', async () => {
    let commitOutcome = 'not asked';
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES (10, 'x')");
        const dup = tx.query("INSERT INTO t VALUES (1, 'duplicate key')");
        const after = tx.query("INSERT INTO t VALUES (11, 'x')");
        const committed = tx.commit();
        const settled = await Promise.allSettled([dup, after, committed]);
        commitOutcome = settled[2]!.status;
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      }),
    ).rejects.toMatchObject({ code: '23505' });
    // On PostgreSQL the COMMIT came back as a rollback; PGlite commits only after the function.
    if (db.kind === 'postgres') expect(commitOutcome).toBe('rejected');
    const ids = await db.query<{ id: number }>('SELECT id FROM t ORDER BY id');
    expect(ids.map((r) => r.id)).toEqual([1, 2]);
    // The connection is clean for the next transaction.
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (3, 'x')");
    });
    expect((await db.query('SELECT id FROM t WHERE id = 3')).length).toBe(1);
  });
});
