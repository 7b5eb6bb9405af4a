/** session.open: a waiter seats people at a free table. The opening itself is shared with the diner's QR join. */
import type { Queryable } from '../db/index.ts';
import { authorize, lockRow, staffId } from './access.ts';
import { type Mutator, type MutatorContext, Rejection } from './types.ts';

/** The columns of dining_table that opening a session needs. */
export interface TableRow {
  id: string;
  tenant_id: string;
  branch_id: string;
  status: string;
  code: string;
}

/** The table's active session, if any. Call it with the table row locked, or the answer may be stale. */
export async function findOpenSession(tx: Queryable, tableId: string): Promise<{ id: string } | undefined> {
  const [open] = await tx.query<{ id: string }>(
    "SELECT id FROM table_session WHERE table_id = $1 AND status = 'OPEN'",
    [tableId],
  );
  return open;
}

/**
 * Opens session `sessionId` at `table`, which the caller has locked FOR UPDATE and found without an
 * open session: marks the table OCCUPIED and emits SESSION_OPENED. The lock serializes everyone who
 * opens a table (waiters' session.open and diners' QR joins); the partial unique index
 * table_session_one_open backs it at the database level.
 */
export async function openTableSession(
  m: Pick<MutatorContext, 'tx' | 'emit'>,
  table: TableRow,
  sessionId: string,
  openedByUserId: string | null,
): Promise<void> {
  await m.tx.query(
    `INSERT INTO table_session (id, tenant_id, branch_id, table_id, status, opened_by_user_id)
     VALUES ($1, $2, $3, $4, 'OPEN', $5)`,
    [sessionId, table.tenant_id, table.branch_id, table.id, openedByUserId],
  );
  await m.tx.query("UPDATE dining_table SET status = 'OCCUPIED', updated_at = now() WHERE id = $1", [
    table.id,
  ]);
  await m.emit({
    type: 'SESSION_OPENED',
    tenantId: table.tenant_id,
    branchId: table.branch_id,
    entity: 'table_session',
    entityId: sessionId,
    sessionId,
    tableId: table.id,
    payload: { tableCode: table.code },
  });
}

export const openSession: Mutator<'session.open'> = async (m, { sessionId, tableId }) => {
  const table = await lockRow<TableRow>(m, 'dining_table', tableId, 'Table');
  authorize(m, 'session.open', table.branch_id);
  const open = await findOpenSession(m.tx, tableId);
  if (open)
    throw new Rejection('TABLE_BUSY', `Table ${table.code} already has an open session.`, {
      sessionId: open.id,
    });
  await openTableSession(m, table, sessionId, staffId(m));
  return { tenantId: table.tenant_id, branchId: table.branch_id };
};
