/** Admin catalog: product.update edits the tenant's product sheet (name, description, ingredients, allergens...). */
import { authorizeTenant } from './access.ts';
import { type Mutator, Rejection } from './types.ts';

export const updateProduct: Mutator<'product.update'> = async (m, { productId, ...fields }) => {
  // Role before existence would tell a waiter nothing either way; tenant before existence hides other restaurants.
  authorizeTenant(m, 'product.update');
  const [row] = await m.tx.query<{ id: string; tenantId: string }>(
    `UPDATE product SET
       name = coalesce($3, name),
       description = coalesce($4, description),
       ingredients = CASE WHEN $5::jsonb IS NULL THEN ingredients ELSE ARRAY(SELECT jsonb_array_elements_text($5::jsonb)) END,
       allergens = CASE WHEN $6::jsonb IS NULL THEN allergens ELSE ARRAY(SELECT jsonb_array_elements_text($6::jsonb)) END,
       may_contain = CASE WHEN $7::jsonb IS NULL THEN may_contain ELSE ARRAY(SELECT jsonb_array_elements_text($7::jsonb)) END,
       dietary = CASE WHEN $8::jsonb IS NULL THEN dietary ELSE ARRAY(SELECT jsonb_array_elements_text($8::jsonb)) END,
       spice_level = coalesce($9, spice_level),
       vat_rate = coalesce($10::numeric, vat_rate),
       updated_at = now()
     WHERE id = $1 AND tenant_id = $2
     RETURNING id, tenant_id AS "tenantId"`,
    [
      productId,
      m.principal.tenantId,
      fields.name ?? null,
      fields.description ?? null,
      fields.ingredients ?? null,
      fields.allergens ?? null,
      fields.mayContain ?? null,
      fields.dietary ?? null,
      fields.spiceLevel ?? null,
      fields.vatRate ?? null,
    ],
  );
  if (!row) throw new Rejection('NOT_FOUND', 'Product not found.', { id: productId });
  await m.emit({
    type: 'CATALOG_CHANGED',
    tenantId: row.tenantId,
    branchId: null,
    entity: 'product',
    entityId: row.id,
    payload: {
      productId: row.id,
      changed: Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined),
    },
  });
  return { tenantId: row.tenantId, branchId: null };
};
