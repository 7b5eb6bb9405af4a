/** payment.record: a cash or card payment against the check, never more than what is owed; the tip goes apart. */
import { checkStatusFor, ensurePayable, remainingCents } from '../domain/check.ts';
import type { CheckRow } from '../domain/rows.ts';
import { authorize, staffId } from './access.ts';
import { type Mutator, ok, Rejection } from './types.ts';

export const recordPayment: Mutator<'payment.record'> = async (
  m,
  { paymentId, checkId, method, amountCents, tipCents = 0 },
) => {
  // The check row lock makes concurrent payments queue: the second sees what the first paid.
  const [check] = await m.tx.query<
    CheckRow & { tenantId: string; branchId: string; sessionId: string; tableId: string; tableCode: string }
  >(
    `SELECT c.id, c.status, c.total_cents AS "totalCents", c.paid_cents AS "paidCents", c.tenant_id AS "tenantId",
       c.branch_id AS "branchId", c.session_id AS "sessionId", c.table_id AS "tableId", t.code AS "tableCode"
     FROM dining_check c JOIN dining_table t ON t.id = c.table_id
     WHERE c.id = $1 AND c.tenant_id = $2 FOR UPDATE OF c`,
    [checkId, m.principal.tenantId],
  );
  if (!check) throw new Rejection('NOT_FOUND', 'Check not found.', { id: checkId });
  authorize(m, 'payment.record', check.branchId, check.sessionId);
  ok(ensurePayable(check, amountCents));
  const paidCents = check.paidCents + amountCents;
  const status = checkStatusFor(paidCents, check.totalCents);
  m.write(
    `WITH p AS (
       INSERT INTO payment (id, tenant_id, branch_id, check_id, session_id, method, amount_cents, tip_cents, recorded_by_user_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     )
     UPDATE dining_check SET paid_cents = $10, tip_cents = tip_cents + $8, status = $11,
       paid_at = CASE WHEN $11 = 'PAID' THEN now() END, updated_at = now()
     WHERE id = $4`,
    [
      paymentId,
      check.tenantId,
      check.branchId,
      check.id,
      check.sessionId,
      method,
      amountCents,
      tipCents,
      staffId(m),
      paidCents,
      status,
    ],
  );
  const event = {
    tenantId: check.tenantId,
    branchId: check.branchId,
    sessionId: check.sessionId,
    tableId: check.tableId,
  };
  const remaining = remainingCents({ totalCents: check.totalCents, paidCents });
  await m.emit({
    ...event,
    type: 'PAYMENT_APPROVED',
    entity: 'payment',
    entityId: paymentId,
    payload: {
      tableCode: check.tableCode,
      checkId: check.id,
      method,
      amountCents,
      tipCents,
      paidCents,
      remainingCents: remaining,
    },
  });
  if (status === 'PAID')
    await m.emit({
      ...event,
      type: 'CHECK_PAID',
      entity: 'check',
      entityId: check.id,
      payload: { tableCode: check.tableCode, totalCents: check.totalCents, paidCents, status },
    });
  return { tenantId: check.tenantId, branchId: check.branchId };
};
