/** Admin catalog: branchProduct.update sets a product's price and availability in one branch. */
import { v7 as uuidv7 } from 'uuid';
import { authorize, ensureBranch } from './access.ts';
import { type Mutator, Rejection } from './types.ts';

export const updateBranchProduct: Mutator<'branchProduct.update'> = async (
  m,
  { branchId, productId, priceCents, isAvailable },
) => {
  // Tenant before role: a branch of another restaurant is NOT_FOUND, like one that does not exist.
  await ensureBranch(m, branchId);
  authorize(m, 'branchProduct.update', branchId);
  const tenantId = m.principal.tenantId;
  const [current] = await m.tx.query<{ id: string; priceCents: number; isAvailable: boolean }>(
    `SELECT id, price_cents AS "priceCents", is_available AS "isAvailable" FROM branch_product
     WHERE branch_id = $1 AND product_id = $2 AND tenant_id = $3 FOR UPDATE`,
    [branchId, productId, tenantId],
  );
  let row: { id: string; priceCents: number; isAvailable: boolean };
  if (current) {
    row = {
      id: current.id,
      priceCents: priceCents ?? current.priceCents,
      isAvailable: isAvailable ?? current.isAvailable,
    };
    m.write(
      'UPDATE branch_product SET price_cents = $2, is_available = $3, updated_at = now() WHERE id = $1',
      [row.id, row.priceCents, row.isAvailable],
    );
  } else {
    // A tenant product the branch never sold: starting to sell it needs a price.
    const [product] = await m.tx.query('SELECT 1 FROM product WHERE id = $1 AND tenant_id = $2', [
      productId,
      tenantId,
    ]);
    if (!product) throw new Rejection('NOT_FOUND', 'Product not found.', { id: productId });
    if (priceCents === undefined)
      throw new Rejection(
        'VALIDATION_FAILED',
        'This branch does not sell the product yet: give it a price.',
        {
          issues: [{ path: 'priceCents', message: 'Required to start selling the product in this branch' }],
        },
      );
    row = { id: uuidv7(), priceCents, isAvailable: isAvailable ?? true };
    // ON CONFLICT: a concurrent first price for the same product in the same branch keeps one row.
    m.write(
      `INSERT INTO branch_product (id, tenant_id, branch_id, product_id, price_cents, is_available)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (branch_id, product_id) DO UPDATE SET price_cents = EXCLUDED.price_cents,
         is_available = EXCLUDED.is_available, updated_at = now()`,
      [row.id, tenantId, branchId, productId, row.priceCents, row.isAvailable],
    );
  }
  await m.emit({
    type: 'CATALOG_CHANGED',
    tenantId,
    branchId,
    entity: 'branch_product',
    entityId: row.id,
    payload: { productId, priceCents: row.priceCents, isAvailable: row.isAvailable },
  });
  return { tenantId, branchId };
};
