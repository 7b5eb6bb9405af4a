/**
 * The order path (round.submit: a round and up to 50 items) without the foreign keys that only
 * re-check, row by row, what the write path has just read and locked in the same transaction.
 *
 * round.submit takes tenant, branch and table from the session row it locks, each product from the
 * branch's offer it reads, each diner from the session's diners; nothing deletes a tenant, branch,
 * table, staff member, product or diner (they are switched off, never removed). A foreign key on
 * those columns ran one more query per item and column, and took a FOR KEY SHARE lock on the few
 * rows every order shares (the tenant, the branch, a popular dish): under concurrent orders those
 * locks become MultiXacts, the most expensive part of a submit. The keys to rows made or locked in
 * the same transaction stay (an item's round, its session).
 */
const dropped: Record<string, string[]> = {
  round: ['tenant_id', 'branch_id', 'table_id', 'submitted_by_user_id', 'submitted_by_diner_id'],
  round_item: ['tenant_id', 'branch_id', 'product_id', 'diner_id'],
  event: ['tenant_id', 'branch_id'],
};

export const hotPathKeys = Object.entries(dropped)
  .flatMap(([table, columns]) =>
    columns.map((c) => `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${c}_fkey;`),
  )
  .join('\n');
