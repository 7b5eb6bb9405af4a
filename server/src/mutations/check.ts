/** check.request: the session's one check, its total computed from every non-canceled item. */
import { checkStatusFor } from '../domain/check.ts';
import type { CheckRow } from '../domain/rows.ts';
import { ensureSessionOpen } from '../domain/session.ts';
import { authorize } from './access.ts';
import { CHECK_OF_SESSION, lockSession, saveRetotaled } from './round.ts';
import { type Mutator, ok } from './types.ts';

export const requestCheck: Mutator<'check.request'> = async (m, { checkId, sessionId }) => {
  // Session first (lock order session -> check): a round submitted meanwhile waits, so the total is exact.
  const session = await lockSession(m, sessionId);
  authorize(m, 'check.request', session.branchId, session.id);
  ok(ensureSessionOpen(session));
  const [found] = await m.tx.query<{ totalCents: number; check: CheckRow | null }>(
    `SELECT (SELECT coalesce(sum(i.qty * i.unit_price_cents), 0) FROM round_item i JOIN round r ON r.id = i.round_id
        WHERE i.session_id = $1 AND r.status <> 'CANCELED')::int8 AS "totalCents",
       ${CHECK_OF_SESSION} AS check`,
    [session.id],
  );
  const { totalCents, check } = found!;
  const where = { ...session, sessionId: session.id };
  const event = {
    tenantId: session.tenantId,
    branchId: session.branchId,
    entity: 'check',
    sessionId: session.id,
    tableId: session.tableId,
  };
  if (check) {
    // Asking again answers with the same check; an OPEN one is brought up to date on the way.
    if (check.status === 'OPEN')
      await saveRetotaled(
        m,
        check,
        { ...check, totalCents, status: checkStatusFor(check.paidCents, totalCents) },
        where,
      );
    await m.emit({
      ...event,
      type: 'CHECK_REQUESTED',
      entityId: check.id,
      payload: {
        tableCode: session.tableCode,
        totalCents: check.status === 'OPEN' ? totalCents : check.totalCents,
        again: true,
      },
    });
    return { tenantId: session.tenantId, branchId: session.branchId, data: { checkId: check.id } };
  }
  const status = checkStatusFor(0, totalCents);
  m.write(
    `INSERT INTO dining_check (id, tenant_id, branch_id, session_id, table_id, status, total_cents, paid_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'PAID' THEN now() END)`,
    [checkId, session.tenantId, session.branchId, session.id, session.tableId, status, totalCents],
  );
  await m.emit({
    ...event,
    type: 'CHECK_REQUESTED',
    entityId: checkId,
    payload: { tableCode: session.tableCode, totalCents, status },
  });
  return { tenantId: session.tenantId, branchId: session.branchId, data: { checkId } };
};
