/** table.rotateQr: a manager replaces a table's QR code (a photo of it left the restaurant, say). */
import { authorize, lockRow } from './access.ts';
import type { Mutator } from './types.ts';

/**
 * Bumps dining_table.qr_version: tokens printed with the old version no longer let anyone join.
 * Diners already seated keep their session: their tokens are bound to the session, not to the QR.
 */
export const rotateTableQr: Mutator<'table.rotateQr'> = async (m, { tableId }) => {
  const table = await lockRow<{ tenant_id: string; branch_id: string; code: string; qr_version: number }>(
    m,
    'dining_table',
    tableId,
    'Table',
    'tenant_id, branch_id, code, qr_version',
  );
  authorize(m, 'table.rotateQr', table.branch_id);
  const qrVersion = table.qr_version + 1;
  await m.tx.query('UPDATE dining_table SET qr_version = $2, updated_at = now() WHERE id = $1', [
    tableId,
    qrVersion,
  ]);
  await m.emit({
    type: 'TABLE_QR_ROTATED',
    tenantId: table.tenant_id,
    branchId: table.branch_id,
    entity: 'dining_table',
    entityId: tableId,
    tableId,
    payload: { tableCode: table.code, qrVersion },
  });
  return { tenantId: table.tenant_id, branchId: table.branch_id };
};
