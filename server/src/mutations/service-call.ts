/** Service calls: a diner (or a waiter for them) calls the waiter or asks for help paying; a waiter acknowledges. */
import type { ServiceCallStatus } from '@comanda/schema';
import { ensureCallOpen } from '../domain/service-call.ts';
import { ensureSessionOpen } from '../domain/session.ts';
import { authorize, dinerId, staffId } from './access.ts';
import { lockSession } from './round.ts';
import { type Mutator, ok, Rejection } from './types.ts';

export const createServiceCall: Mutator<'serviceCall.create'> = async (
  m,
  { serviceCallId, sessionId, kind },
) => {
  const session = await lockSession(m, sessionId);
  authorize(m, 'serviceCall.create', session.branchId, session.id);
  ok(ensureSessionOpen(session));
  m.write(
    `INSERT INTO service_call (id, tenant_id, branch_id, session_id, table_id, kind, status, created_by_user_id, created_by_diner_id)
     VALUES ($1, $2, $3, $4, $5, $6, 'OPEN', $7, $8)`,
    [
      serviceCallId,
      session.tenantId,
      session.branchId,
      session.id,
      session.tableId,
      kind,
      staffId(m),
      dinerId(m),
    ],
  );
  await m.emit({
    type: 'SERVICE_CALL_CREATED',
    tenantId: session.tenantId,
    branchId: session.branchId,
    entity: 'service_call',
    entityId: serviceCallId,
    sessionId: session.id,
    tableId: session.tableId,
    payload: { tableCode: session.tableCode, kind },
  });
  return { tenantId: session.tenantId, branchId: session.branchId };
};

export const ackServiceCall: Mutator<'serviceCall.ack'> = async (m, { serviceCallId }) => {
  const [call] = await m.tx.query<{
    id: string;
    status: ServiceCallStatus;
    kind: string;
    tenantId: string;
    branchId: string;
    sessionId: string;
    tableId: string;
    tableCode: string;
  }>(
    `SELECT c.id, c.status, c.kind, c.tenant_id AS "tenantId", c.branch_id AS "branchId", c.session_id AS "sessionId",
       c.table_id AS "tableId", t.code AS "tableCode"
     FROM service_call c JOIN dining_table t ON t.id = c.table_id
     WHERE c.id = $1 AND c.tenant_id = $2 FOR UPDATE OF c`,
    [serviceCallId, m.principal.tenantId],
  );
  if (!call) throw new Rejection('NOT_FOUND', 'Service call not found.', { id: serviceCallId });
  authorize(m, 'serviceCall.ack', call.branchId, call.sessionId);
  ok(ensureCallOpen(call));
  m.write("UPDATE service_call SET status = 'ACKED', acked_by_user_id = $2, acked_at = now() WHERE id = $1", [
    call.id,
    staffId(m),
  ]);
  await m.emit({
    type: 'SERVICE_CALL_ACKED',
    tenantId: call.tenantId,
    branchId: call.branchId,
    entity: 'service_call',
    entityId: call.id,
    sessionId: call.sessionId,
    tableId: call.tableId,
    payload: { tableCode: call.tableCode, kind: call.kind },
  });
  return { tenantId: call.tenantId, branchId: call.branchId };
};
