/** One transaction that changes a row in every branch shape of a branch: proves each live shape gets a change. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../server/src/db/types.ts';

/** The shapes `touchEveryShape` changes (one row each, or more). */
export const TOUCHED_SHAPES = [
  'tables',
  'sectors',
  'sessions',
  'diners',
  'rounds',
  'round_items',
  'kitchen_rounds',
  'kitchen_items',
  'service_calls',
  'checks',
  'payments',
  'branch_products',
  'events',
  'menu',
] as const;

/** Seats a table of `branchId` and runs it to a paid check, all in one transaction. Returns the new session id. */
export async function touchEveryShape(db: Db, tenantId: string, branchId: string): Promise<string> {
  const session = randomUUID();
  const round = randomUUID();
  const check = randomUUID();
  const diner = randomUUID();
  await db.transaction(async (tx) => {
    const [table] = await tx.query<{ id: string }>(
      `SELECT t.id FROM dining_table t WHERE t.branch_id = $1
         AND NOT EXISTS (SELECT 1 FROM table_session s WHERE s.table_id = t.id AND s.status = 'OPEN') LIMIT 1`,
      [branchId],
    );
    const [bp] = await tx.query<{ id: string; product_id: string; price_cents: number }>(
      'SELECT id, product_id, price_cents FROM branch_product WHERE branch_id = $1 AND is_available LIMIT 1',
      [branchId],
    );
    if (!table || !bp) throw new Error('branch has no free table or product');
    await tx.query('INSERT INTO sector (id, tenant_id, branch_id, name) VALUES ($1, $2, $3, $4)', [
      randomUUID(),
      tenantId,
      branchId,
      'Patio',
    ]);
    await tx.query(`UPDATE dining_table SET status = 'OCCUPIED', updated_at = now() WHERE id = $1`, [
      table.id,
    ]);
    await tx.query(
      `INSERT INTO table_session (id, tenant_id, branch_id, table_id, status) VALUES ($1, $2, $3, $4, 'OPEN')`,
      [session, tenantId, branchId, table.id],
    );
    await tx.query(
      'INSERT INTO diner (id, tenant_id, branch_id, session_id, name) VALUES ($1, $2, $3, $4, $5)',
      [diner, tenantId, branchId, session, 'Ana'],
    );
    await tx.query(
      `INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status) VALUES ($1, $2, $3, $4, $5, 1, 'IN_KITCHEN')`,
      [round, tenantId, branchId, session, table.id],
    );
    await tx.query(
      `INSERT INTO round_item (id, tenant_id, branch_id, round_id, session_id, product_id, product_name, qty, unit_price_cents)
       VALUES ($1, $2, $3, $4, $5, $6, 'Plato', 1, $7)`,
      [randomUUID(), tenantId, branchId, round, session, bp.product_id, bp.price_cents],
    );
    await tx.query(
      `INSERT INTO service_call (id, tenant_id, branch_id, session_id, table_id, kind, status) VALUES ($1, $2, $3, $4, $5, 'WAITER', 'OPEN')`,
      [randomUUID(), tenantId, branchId, session, table.id],
    );
    await tx.query(
      `INSERT INTO dining_check (id, tenant_id, branch_id, session_id, table_id, status, total_cents, paid_cents) VALUES ($1, $2, $3, $4, $5, 'PAID', $6, $6)`,
      [check, tenantId, branchId, session, table.id, bp.price_cents],
    );
    await tx.query(
      `INSERT INTO payment (id, tenant_id, branch_id, check_id, session_id, method, amount_cents) VALUES ($1, $2, $3, $4, $5, 'CASH', $6)`,
      [randomUUID(), tenantId, branchId, check, session, Math.max(1, bp.price_cents)],
    );
    await tx.query(
      'UPDATE branch_product SET price_cents = price_cents + 1, updated_at = now() WHERE id = $1',
      [bp.id],
    );
    await tx.query(
      `INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind) VALUES ($1, $2, $3, 'SESSION_OPENED', 'table_session', $4, $4, $5, 'system')`,
      [randomUUID(), tenantId, branchId, session, table.id],
    );
    // Events of two kinds of entity: shapes that keep some entities from some roles have both.
    await tx.query(
      `INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, payload)
       VALUES ($1, $2, $3, 'ROUND_IN_KITCHEN', 'round', $4, $5, $6, 'system', '{}'),
              ($7, $2, $3, 'CHECK_PAID', 'check', $8, $5, $6, 'system', jsonb_build_object('totalCents', $9::int))`,
      [randomUUID(), tenantId, branchId, round, session, table.id, randomUUID(), check, bp.price_cents],
    );
  });
  return session;
}
