import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { one, openTable, roundArgs, snapshot, type Staff, startFloor } from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

describe('exactly once', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let sessionId: string;
  beforeAll(async () => {
    ({ s, t } = await startFloor());
    sessionId = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id)[0]!.id);
  });
  afterAll(() => s?.close());

  const rounds = async () =>
    (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM round_item'))[0]!.n;

  it('applies a re-sent mutation once and answers with the first result', async () => {
    const id = randomUUID();
    const args = roundArgs(sessionId, demo.centro.id, [{}, {}, {}]);
    const first = await one(s, t.waiterCentro, 'round.submit', args, id);
    expect(first.status).toBe('applied');
    const before = await snapshot(s);
    const second = await one(s, t.waiterCentro, 'round.submit', args, id);
    expect(second).toEqual(first);
    expect(await snapshot(s)).toEqual(before);
    // The same id inside one batch, twice: still once.
    const batch = await s.mutate(
      t.waiterCentro,
      { id, name: 'round.submit', args },
      { id, name: 'round.submit', args },
    );
    expect(batch).toEqual([first, first]);
    expect(await snapshot(s)).toEqual(before);
  });

  it('answers a re-sent rejection with the same rejection, even once the reason is gone', async () => {
    const id = randomUUID();
    const tableId = demo.tables(demo.centro.id)[1]!.id;
    const clear = await one(s, t.waiterCentro, 'table.clear', { tableId }, id);
    expect(clear).toMatchObject({ status: 'rejected', code: 'SESSION_NOT_OPEN' });
    await openTable(s, t.waiterCentro, tableId);
    // Now the table could be cleared, but this mutation was already answered.
    expect(await one(s, t.waiterCentro, 'table.clear', { tableId }, id)).toEqual(clear);
    const [row] = await s.db.query<{ status: string }>('SELECT status FROM dining_table WHERE id = $1', [
      tableId,
    ]);
    expect(row!.status).toBe('OCCUPIED');
  });

  it('answers the same id sent concurrently once, with one result for all', async () => {
    const id = randomUUID();
    const args = roundArgs(sessionId, demo.centro.id, [{}, {}]);
    const before = await rounds();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => one(s, t.waiterCentro, 'round.submit', args, id)),
    );
    expect(results[0]!.status).toBe('applied');
    for (const r of results) expect(r).toEqual(results[0]);
    expect(await rounds()).toBe(before + 2);
  });

  it("refuses someone else's mutation id (ID_CONFLICT) and writes nothing", async () => {
    const id = randomUUID();
    await one(s, t.waiterCentro, 'round.submit', roundArgs(sessionId, demo.centro.id), id);
    const before = await snapshot(s);
    const other = await one(s, t.waiter2Centro, 'round.submit', roundArgs(sessionId, demo.centro.id), id);
    expect(other).toMatchObject({ status: 'rejected', code: 'ID_CONFLICT' });
    expect(await snapshot(s)).toEqual(before);
  });

  it('runs a batch in order even when a mutation fails only at its last write', async () => {
    // The server starts each mutation of a batch before the previous one's COMMIT has come back;
    // here the second one's COMMIT fails (its round id is taken), so the ones after it must run on
    // the rows without it, and each still gets its own answer.
    const tableId = demo.tables(demo.centro.id)[5]!.id;
    const taken = roundArgs(sessionId, demo.centro.id);
    expect(await one(s, t.waiterCentro, 'round.submit', taken)).toMatchObject({ status: 'applied' });
    const session = randomUUID();
    const later = Array.from({ length: 30 }, () => roundArgs(session, demo.centro.id));
    const results = await s.mutate(
      t.waiterCentro,
      { name: 'session.open', args: { sessionId: session, tableId } },
      { name: 'round.submit', args: { ...roundArgs(session, demo.centro.id), roundId: taken.roundId } },
      ...later.map((args) => ({ name: 'round.submit', args })),
      { name: 'table.clear', args: { tableId } },
      { name: 'round.submit', args: roundArgs(session, demo.centro.id) },
    );
    expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
      'applied',
      'ID_CONFLICT',
      ...later.map(() => 'applied'),
      'ROUNDS_PENDING',
      'applied',
    ]);
    const rows = await s.db.query<{ id: string; number: number }>(
      'SELECT id, number FROM round WHERE session_id = $1 ORDER BY number',
      [session],
    );
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(rows.slice(0, 30).map((r) => r.id)).toEqual(later.map((a) => a.roundId));
    const recorded = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM applied_mutation WHERE id = ANY($1::uuid[])',
      [results.map((r) => r.id)],
    );
    expect(recorded[0]!.n).toBe(results.length);
  });

  it('refuses a round id that already exists (ID_CONFLICT) and writes nothing', async () => {
    const args = roundArgs(sessionId, demo.centro.id);
    await one(s, t.waiterCentro, 'round.submit', args);
    const before = await snapshot(s);
    const again = { ...roundArgs(sessionId, demo.centro.id), roundId: args.roundId };
    expect(await one(s, t.waiterCentro, 'round.submit', again)).toMatchObject({ code: 'ID_CONFLICT' });
    expect(await snapshot(s)).toEqual(before);
  });
});
