/**
 * What the write path records for every mutation: one audit_log row per mutation, applied or rejected,
 * and, on an applied result, the transaction id clients wait for in the shape stream, which must be the
 * xid of the transaction that wrote the rows (as the change log and the rows' xmin recorded it).
 */
import { randomUUID } from 'node:crypto';
import type { MutationResult } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { openTable, roundArgs, seatDiner, type Staff, startFloor } from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

interface AuditRow {
  mutation_id: string;
  tenant_id: string;
  branch_id: string | null;
  actor_kind: string;
  actor_id: string;
  action: string;
  status: string;
  code: string | null;
  args: unknown;
}

describe('audit log and transaction ids', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let sessionId: string;
  const tables = demo.tables(demo.centro.id);
  const userId = async (email: string) =>
    (await s.db.query<{ id: string }>('SELECT id FROM app_user WHERE email = $1', [email]))[0]!.id;
  const audit = (ids: string[]) =>
    s.db.query<AuditRow>(
      `SELECT mutation_id, tenant_id, branch_id, actor_kind, actor_id, action, status, code, args
         FROM audit_log WHERE mutation_id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
  beforeAll(async () => {
    ({ s, t } = await startFloor());
    sessionId = await openTable(s, t.waiterCentro, tables[0]!.id);
  });
  afterAll(() => s?.close());

  it('writes one audit row per mutation, applied or rejected, and none more on a retry', async () => {
    const round = roundArgs(sessionId, demo.centro.id);
    const batch = [
      { id: randomUUID(), name: 'session.open', args: { sessionId: randomUUID(), tableId: tables[1]!.id } },
      { id: randomUUID(), name: 'round.submit', args: round },
      // TABLE_BUSY: decided by the mutator on the rows.
      { id: randomUUID(), name: 'session.open', args: { sessionId: randomUUID(), tableId: tables[0]!.id } },
      // FORBIDDEN: the role check before validation.
      { id: randomUUID(), name: 'round.ready', args: { roundId: round.roundId } },
      { id: randomUUID(), name: 'round.cancel', args: { roundId: round.roundId, reason: '' } },
      { id: randomUUID(), name: 'round.confirm', args: { roundId: randomUUID() } },
      { id: randomUUID(), name: 'round.delete\u0000', args: { roundId: round.roundId } },
    ];
    const results = await s.mutate(t.waiterCentro, ...batch);
    expect(results.map((r) => (r.status === 'applied' ? 'applied' : r.code))).toEqual([
      'applied',
      'applied',
      'TABLE_BUSY',
      'FORBIDDEN',
      'VALIDATION_FAILED',
      'NOT_FOUND',
      'UNKNOWN_MUTATION',
    ]);
    const waiter = await userId(demo.users.waiterCentro);
    const rows = await audit(batch.map((m) => m.id));
    expect(rows).toHaveLength(batch.length);
    for (const [i, m] of batch.entries()) {
      const r = results[i]!;
      const row = rows.find((x) => x.mutation_id === m.id);
      expect(row, m.name).toEqual({
        mutation_id: m.id,
        tenant_id: demo.tenant.id,
        // Applied: the branch of the rows it touched. Rejected staff mutations may have touched none.
        branch_id: r.status === 'applied' ? demo.centro.id : null,
        actor_kind: 'staff',
        actor_id: waiter,
        // A name the text column can't hold is kept with a visible stand-in.
        action: m.name.replace('\u0000', '\uFFFD'),
        status: r.status,
        code: r.status === 'rejected' ? r.code : null,
        args: m.args,
      });
    }
    expect(await s.mutate(t.waiterCentro, ...batch)).toEqual(results);
    expect(await audit(batch.map((m) => m.id))).toEqual(rows);
  });

  it("writes a diner's mutations with the diner as actor, in the table's branch", async () => {
    const diner = await seatDiner(s, sessionId);
    const ok = { id: randomUUID(), name: 'round.submit', args: roundArgs(sessionId, demo.centro.id) };
    const refused = { id: randomUUID(), name: 'table.clear', args: { tableId: tables[0]!.id } };
    const results = await s.mutate(diner.token, ok, refused);
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected']);
    expect(
      (await audit([ok.id, refused.id])).map((r) => [
        r.mutation_id,
        r.actor_kind,
        r.actor_id,
        r.branch_id,
        r.status,
      ]),
    ).toEqual([
      [ok.id, 'diner', diner.dinerId, demo.centro.id, 'applied'],
      [refused.id, 'diner', diner.dinerId, demo.centro.id, 'rejected'],
    ]);
  });

  /** The xids the change log recorded for the rows of `tbl` with primary key `id`, and every xid of those positions. */
  const loggedXids = async (tbl: string, id: string) => {
    const rows = await s.db.query<{ xid: number; same_pos_xids: number[] }>(
      `SELECT c.xid, array(SELECT DISTINCT o.xid FROM change_log o WHERE o.pos = c.pos) AS same_pos_xids
         FROM change_log c WHERE c.tbl = $1 AND starts_with(c.new_row, '(' || $2 || ',')`,
      [tbl, id],
    );
    return rows;
  };
  const xmin = async (tbl: string, id: string) =>
    (await s.db.query<{ x: string }>(`SELECT xmin::text AS x FROM ${tbl} WHERE id = $1`, [id]))[0]?.x;

  it("answers each applied mutation with its own transaction's xid, as the change log and the rows recorded it", async () => {
    const session = randomUUID();
    const rounds = [0, 1, 2].map(() => roundArgs(session, demo.centro.id));
    const batch = [
      { name: 'session.open', args: { sessionId: session, tableId: tables[2]!.id } },
      ...rounds.map((args) => ({ name: 'round.submit', args })),
      { name: 'round.confirm', args: { roundId: randomUUID() } },
    ];
    const results = await s.mutate(t.waiterCentro, ...batch);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'rejected']);
    const written: [string, string][] = [
      ['table_session', session],
      ...rounds.map((r): [string, string] => ['round', r.roundId]),
    ];
    const txids = results.slice(0, 4).map((r) => (r as Extract<MutationResult, { status: 'applied' }>).txid);
    for (const [i, [tbl, id]] of written.entries()) {
      const txid = txids[i]!;
      expect(txid, tbl).toMatch(/^[1-9]\d*$/);
      expect(await xmin(tbl, id), tbl).toBe(txid);
      const logged = await loggedXids(tbl, id);
      expect(logged.length, tbl).toBe(1);
      // Every change captured at that position (the round's items, the events...) is that transaction's.
      expect(logged[0]!.same_pos_xids.map(Number), tbl).toEqual([Number(txid)]);
      expect(Number(logged[0]!.xid)).toBe(Number(txid));
    }
    // One transaction per mutation, each with its own id; a rejection has none.
    expect(new Set(txids).size).toBe(4);
    expect(results[4]).not.toHaveProperty('txid');
    // A retry answers the first txid, not a new transaction's.
    const again = await s.mutate(t.waiterCentro, {
      id: results[1]!.id,
      name: 'round.submit',
      args: rounds[0],
    });
    expect(again).toEqual([results[1]]);
  });
});
