/** table.clear: the people left; close the session, free the table. Refused while food is pending or the check is unpaid. */
import type { CheckRow, RoundRow, SessionRow } from '../domain/rows.ts';
import { canClearTable } from '../domain/table.ts';
import { authorize, staffId } from './access.ts';
import { type Mutator, ok, Rejection } from './types.ts';

export const clearTable: Mutator<'table.clear'> = async (m, { tableId }) => {
  // Lock order table -> session -> check, the same as session.open and round.submit.
  const [table] = await m.tx.query<{ id: string; tenantId: string; branchId: string; code: string }>(
    `SELECT id, tenant_id AS "tenantId", branch_id AS "branchId", code FROM dining_table
     WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
    [tableId, m.principal.tenantId],
  );
  if (!table) throw new Rejection('NOT_FOUND', 'Table not found.', { id: tableId });
  authorize(m, 'table.clear', table.branchId);
  const [session] = await m.tx.query<SessionRow>(
    "SELECT id, status FROM table_session WHERE table_id = $1 AND status = 'OPEN' FOR UPDATE",
    [table.id],
  );
  const [found] = session
    ? await m.tx.query<{ rounds: RoundRow[]; check: CheckRow | null }>(
        `SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'number', number, 'status', status) ORDER BY number), '[]')
            FROM round WHERE session_id = $1) AS rounds,
           (SELECT jsonb_build_object('id', id, 'status', status, 'totalCents', total_cents, 'paidCents', paid_cents)
            FROM dining_check WHERE session_id = $1 FOR UPDATE) AS check`,
        [session.id],
      )
    : [];
  ok(canClearTable(session, found?.check ?? undefined, found?.rounds ?? []));
  const s = session!;
  // Calls nobody answered die with the session: they must not linger on the waiters' screens.
  m.write(
    `WITH s AS (UPDATE table_session SET status = 'CLOSED', closed_at = now() WHERE id = $1),
       c AS (UPDATE service_call SET status = 'ACKED', acked_at = now(), acked_by_user_id = $3
             WHERE session_id = $1 AND status = 'OPEN')
     UPDATE dining_table SET status = 'FREE', updated_at = now() WHERE id = $2`,
    [s.id, table.id, staffId(m)],
  );
  await m.emit({
    type: 'TABLE_CLEARED',
    tenantId: table.tenantId,
    branchId: table.branchId,
    entity: 'dining_table',
    entityId: table.id,
    sessionId: s.id,
    tableId: table.id,
    payload: { tableCode: table.code, checkId: found?.check?.id ?? null },
  });
  return { tenantId: table.tenantId, branchId: table.branchId };
};
