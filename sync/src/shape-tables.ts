/** Which local table each named shape of the server fills (the shape's own table, as shared/schema defines it). */
export const SHAPE_TABLES: Record<string, string> = {
  tables: 'dining_table',
  sectors: 'sector',
  sessions: 'table_session',
  diners: 'diner',
  rounds: 'round',
  round_items: 'round_item',
  kitchen_rounds: 'round',
  kitchen_items: 'round_item',
  service_calls: 'service_call',
  checks: 'dining_check',
  payments: 'payment',
  branch_products: 'branch_product',
  events: 'event',
  products: 'product',
  categories: 'category',
  menu: 'menu_item',
};

/**
 * A shape to subscribe: its name on the server, or `{ name, table?, params? }` (the local table
 * defaults from {@link SHAPE_TABLES}; `params` are extra query parameters such as `branch`).
 * Two shapes of one device must fill different tables.
 */
export type ShapeRef = string | { name: string; table?: string; params?: Record<string, string> };

export function resolveShape(s: ShapeRef): { name: string; table: string; params?: Record<string, string> } {
  const ref = typeof s === 'string' ? { name: s } : s;
  const table = ref.table ?? SHAPE_TABLES[ref.name];
  if (!table) throw new Error(`unknown shape "${ref.name}": pass { name, table }`);
  return { ...ref, table };
}
