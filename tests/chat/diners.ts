/** Diners for chat tests: each one scans the QR of a free table of the branch and joins (the real POST /api/diner/join). */
import type { DinerJoinAnswer } from '@comanda/schema';
import { demo } from '../support/demo.ts';
import type { TestServer } from '../support/server.ts';

const used = new WeakMap<TestServer, Set<string>>();

/** Seats a new diner at a table of `branchId` nobody else in this test uses; returns their token and ids. */
export async function seatDiner(s: TestServer, branchId: string, tenantId = demo.tenant.id) {
  const taken = used.get(s) ?? new Set<string>();
  used.set(s, taken);
  const table = demo.tables(branchId).find((t) => !taken.has(t.id));
  if (!table) throw new Error('no free table left for another diner');
  taken.add(table.id);
  const [row] = await s.db.query<{ qr_version: number }>(
    'SELECT qr_version FROM dining_table WHERE id = $1',
    [table.id],
  );
  // The QR printed on the table, signed as the admin endpoint signs it (any tenant, without its admin's login).
  const tableToken = await s.server.ctx.tokens.table({
    tbl: table.id,
    tid: tenantId,
    bid: branchId,
    v: row!.qr_version,
  });
  const res = await s.fetch('/api/diner/join', { json: { tableToken } });
  if (res.status !== 200) throw new Error(`join ${table.code}: ${res.status} ${await res.text()}`);
  const joined = (await res.json()) as DinerJoinAnswer;
  return {
    token: joined.dinerToken,
    dinerId: joined.dinerId,
    sessionId: joined.sessionId,
    tableId: table.id,
  };
}
