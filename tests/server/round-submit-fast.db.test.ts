/**
 * round.submit in one round trip (migration 0009's function, server/src/mutations/round-submit-fast.ts)
 * writes exactly what round.ts writes. Two servers with the demo restaurant get the same orders with
 * the same ids: one as it runs (the function first), one whose database connection refuses the
 * function, so every order goes through round.ts. Rounds, items, events, audit rows, recorded
 * results, the check and the change log (the function records its own changes, migration 0011) must
 * come out the same, and the first server must have used one statement for each plain order.
 */
import { randomUUID } from 'node:crypto';
import type { MutationResult } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Transaction, TransactionSequence } from '../../server/src/db/types.ts';
import { demo } from '../support/demo.ts';
import { one, seatDiner, startFloor } from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

const FUNCTION = 'comanda_round_submit';

/**
 * `db` as the server sees it, recording the text of each statement sent in a transaction (what a
 * mutation sends; the change feed's reads and token checks are single statements outside one);
 * with `refuse`, the function call fails.
 */
function observed(db: Db, seen: string[], refuse: boolean): Db {
  const tx = (t: Transaction): Transaction => ({
    query: (sql, params) => {
      seen.push(sql);
      if (refuse && sql.includes(FUNCTION))
        return Promise.reject(Object.assign(new Error('refused by the test'), { code: 'CMF01' }));
      return t.query(sql, params);
    },
    exec: (sql) => t.exec(sql),
    commit: (after) => t.commit(after),
  });
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn, opts) => db.transaction((t) => fn(tx(t)), opts),
    sequence(): TransactionSequence {
      const s = db.sequence();
      return {
        query: (sql, params) => s.query(sql, params),
        exec: (sql) => s.exec(sql),
        transaction: (fn, opts) => s.transaction((t) => fn(tx(t)), opts),
        release: () => s.release(),
      };
    },
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}

const table = demo.tables(demo.centro.id)[4]!;
const menu = demo.products(demo.centro.id);
const offMenu = demo.products(demo.centro.id, false)[0]!;

/** The same orders, with the same ids, for both servers. */
const ids = {
  session: randomUUID(),
  check: randomUUID(),
  mutations: Array.from({ length: 8 }, () => randomUUID()),
  rounds: Array.from({ length: 8 }, () => randomUUID()),
  items: Array.from({ length: 20 }, () => randomUUID()),
};
const item = (i: number, productIndex: number, qty = 1, extra: object = {}) => ({
  id: ids.items[i]!,
  productId: menu[productIndex % menu.length]!.id,
  qty,
  ...extra,
});

interface Run {
  s: TestServer;
  seen: string[];
  diners: string[];
  results: MutationResult[];
  /** Statements the server sent for each order, in order. */
  statements: string[][];
}

async function orderAll(refuse: boolean): Promise<Run> {
  const { s } = await startFloor();
  const seen: string[] = [];
  await s.restart({ wrapDb: (db) => observed(db, seen, refuse) });
  const token = (await s.login(demo.users.waiterCentro)).accessToken;
  const run: Run = { s, seen, diners: [], results: [], statements: [] };
  const send = async (who: string, name: string, args: unknown, n: number) => {
    seen.length = 0;
    run.results.push(await one(s, who, name, args, ids.mutations[n]));
    run.statements.push([...seen]);
  };
  await send(token, 'session.open', { sessionId: ids.session, tableId: table.id }, 0);
  const ana = await seatDiner(s, ids.session);
  const beto = await seatDiner(s, ids.session);
  run.diners.push(ana.dinerId, beto.dinerId);
  const round = (n: number, items: object[]) => ({ roundId: ids.rounds[n]!, sessionId: ids.session, items });
  // A waiter's order: straight to the kitchen, notes and quantities kept.
  await send(
    token,
    'round.submit',
    round(1, [item(0, 0, 2), item(1, 1, 1, { notes: 'sin sal' }), item(2, 2, 3)]),
    1,
  );
  // A diner's order, one item for themself and one for another diner at the table (the shared cart).
  await send(ana.token, 'round.submit', round(2, [item(3, 3), item(4, 4, 2, { dinerId: beto.dinerId })]), 2);
  // Refused: a product switched off in Centro; two items with one id.
  await send(token, 'round.submit', round(3, [item(5, 0), { ...item(6, 0), productId: offMenu.id }]), 3);
  await send(token, 'round.submit', round(4, [item(7, 1), item(7, 2)]), 4);
  // After the check is asked for, an order grows it.
  await send(token, 'check.request', { sessionId: ids.session, checkId: ids.check }, 5);
  await send(token, 'round.submit', round(5, [item(8, 5), item(9, 6, 2)]), 6);
  // The same order again (a retry): the first answer, nothing written twice.
  await send(
    token,
    'round.submit',
    round(1, [item(0, 0, 2), item(1, 1, 1, { notes: 'sin sal' }), item(2, 2, 3)]),
    1,
  );
  return run;
}

/** What both runs must agree on: rows and answers without server-made ids, times and transaction ids. */
async function written(run: Run) {
  const q = (sql: string, params: unknown[] = [ids.session]) => run.s.db.query(sql, params);
  const data = {
    results: run.results.map(({ id, status, ...rest }) => ({
      id,
      status,
      ...(status === 'rejected' ? rest : {}),
    })),
    rounds: await q(
      `SELECT id, tenant_id, branch_id, table_id, number, status, submitted_by_user_id, submitted_by_diner_id,
         confirmed_at IS NOT NULL AS confirmed FROM round WHERE session_id = $1 ORDER BY number`,
    ),
    items: await q(
      `SELECT id, tenant_id, branch_id, round_id, product_id, product_name, qty, unit_price_cents, notes, diner_id,
         round_status FROM round_item WHERE session_id = $1 ORDER BY id`,
    ),
    events: await q(
      `SELECT type, tenant_id, branch_id, entity, entity_id, table_id, actor_kind, actor_id, payload
       FROM event WHERE session_id = $1 ORDER BY id`,
    ),
    audit: await q(
      `SELECT mutation_id, tenant_id, branch_id, actor_kind, actor_id, action, status, code, args
       FROM audit_log WHERE mutation_id = ANY($1::uuid[]) ORDER BY mutation_id, status`,
      [ids.mutations],
    ),
    recorded: await q(
      `SELECT id, tenant_id, actor_id, name, result - 'txid' AS result FROM applied_mutation
       WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids.mutations],
    ),
    check: await q('SELECT status, total_cents, paid_cents FROM dining_check WHERE session_id = $1'),
    // The captured changes, transaction by transaction (tx: 1, 2, ... in position order; every row of
    // a position that touched the session): tables and kinds (in a stable order: within a transaction
    // the order of inserts into different tables carries no meaning, and round.ts's merged
    // statement has its own), whether a captured row is the row as stored (no order's rows are
    // changed afterwards), whether the position has one transaction id and its ops are 0..n-1.
    changes: await q(
      `WITH c AS (
         SELECT pos, op, xid, tbl, kind, new_row, substring(coalesce(new_row, old_row) from 2 for 36) AS row_id
         FROM change_log
         WHERE pos IN (SELECT pos FROM change_log WHERE strpos(coalesce(new_row, old_row), $1) > 0)
       )
       SELECT dense_rank() OVER (ORDER BY pos)::int AS tx, tbl, kind,
         new_row = CASE tbl
           WHEN 'round' THEN (SELECT r::text FROM round r WHERE r.id::text = row_id)
           WHEN 'round_item' THEN (SELECT r::text FROM round_item r WHERE r.id::text = row_id)
           WHEN 'event' THEN (SELECT r::text FROM event r WHERE r.id::text = row_id)
         END AS as_stored,
         min(xid) OVER w = max(xid) OVER w AS one_xid,
         min(op) OVER w = 0 AND max(op) OVER w = count(*) OVER w - 1 AS numbered
       FROM c WINDOW w AS (PARTITION BY pos) ORDER BY pos, tbl, kind, as_stored`,
    ),
    changedOrders: await q(
      `SELECT dense_rank() OVER (ORDER BY pos)::int AS tx, ids FROM (
         SELECT pos, array_agg(substring(new_row from 2 for 36) ORDER BY new_row)
           FILTER (WHERE tbl IN ('round', 'round_item')) AS ids
         FROM change_log WHERE strpos(coalesce(new_row, old_row), $1) > 0 GROUP BY pos
       ) t ORDER BY pos`,
    ),
  };
  // Diners get their ids from the server: the same diner at both tables is "diner 1" and "diner 2".
  let text = JSON.stringify(data);
  run.diners.forEach((d, i) => (text = text.replaceAll(d, `diner ${i + 1}`)));
  return JSON.parse(text) as typeof data;
}

describe('round.submit in one round trip', () => {
  let oneTrip: Run;
  let roundTs: Run;
  beforeAll(async () => {
    oneTrip = await orderAll(false);
    roundTs = await orderAll(true);
  });
  afterAll(async () => {
    await oneTrip?.s.close();
    await roundTs?.s.close();
  });

  it('writes what round.ts writes, and answers the same', async () => {
    const a = await written(oneTrip);
    const b = await written(roundTs);
    // The orders did what they should (so the comparison is about something).
    expect(a.results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'rejected',
      'rejected',
      'applied',
      'applied',
      'applied',
    ]);
    expect(a.results.slice(3, 5).map((r) => (r as { code?: string }).code)).toEqual([
      'PRODUCT_UNAVAILABLE',
      'VALIDATION_FAILED',
    ]);
    expect(a.rounds.map((r) => r.number)).toEqual([1, 2, 3]);
    expect(a.items).toHaveLength(7);
    expect(a.check).toEqual([{ status: 'OPEN', total_cents: expect.any(Number), paid_cents: 0 }]);
    expect(a.events.map((e) => e.type)).toContain('ROUND_IN_KITCHEN');
    // The waiter's order: one transaction (the round, its 3 items, 2 events), as stored.
    const order = a.changes.filter((c) => c.tx === a.changes.find((x) => x.tbl === 'round')!.tx);
    expect(order.map((c) => c.tbl)).toEqual([
      'event',
      'event',
      'round',
      'round_item',
      'round_item',
      'round_item',
    ]);
    for (const c of a.changes) {
      expect(c, JSON.stringify(c)).toMatchObject({ one_xid: true, numbered: true });
      if (['round', 'round_item', 'event'].includes(c.tbl as string)) expect(c.as_stored).toBe(true);
    }
    // Both ways, the same.
    expect(a).toEqual(b);
  });

  it('sends a plain order as one statement, and leaves the rest to round.ts', () => {
    const calls = (run: Run, n: number) => run.statements[n]!;
    // The waiter's and the diner's orders: the function alone.
    for (const n of [1, 2]) {
      expect(calls(oneTrip, n), calls(oneTrip, n).join('\n---\n')).toHaveLength(1);
      expect(calls(oneTrip, n)[0]).toContain(FUNCTION);
    }
    // A refused order, and one after the check was asked for: the function, then round.ts's statements.
    for (const n of [3, 4, 6]) {
      expect(calls(oneTrip, n)[0]).toContain(FUNCTION);
      expect(calls(oneTrip, n).length).toBeGreaterThan(1);
    }
    // The server whose connection refuses the function took round.ts's way every time.
    expect(calls(roundTs, 1).length).toBeGreaterThan(1);
  });
});
