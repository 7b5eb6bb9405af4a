/**
 * Named shapes as data (ARCHITECTURE.md "Sync"): the table, the columns a caller may see and the
 * filter built from the caller's token. A client names a shape; it never picks a table, a column or
 * a filter itself. The server turns a definition into SQL (snapshot) and into a row predicate
 * (change log), so both always agree.
 */
import type { Role } from './roles.ts';

/** A value taken from the caller: their tenant, the branch they work in, or a diner's table session. */
export type ScopeRef = { scope: 'tenantId' | 'branchId' | 'sessionId' };

/** One condition of a shape's filter; a shape's filter is the AND of its conditions. */
export type ShapeCondition =
  { column: string; equals: ScopeRef | string | boolean } | { column: string; in: readonly string[] };

/** How one kind of caller reads a shape. */
export interface ShapeAccess {
  /** Columns sent, primary key first. Never a secret (password hash, token) and, for diners, no staff ids. */
  columns: readonly string[];
  where: readonly ShapeCondition[];
}

export interface ShapeDefinition {
  name: string;
  /** Table in the public schema; primary key `id`. */
  table: string;
  /** Staff access: which roles may read it, and whether it is per branch (needs the `branch` param) or per tenant. */
  staff?: ShapeAccess & {
    roles: readonly Role[];
    per: 'branch' | 'tenant';
    /**
     * Fewer rows for some roles: when every role the caller holds in the shape's scope is in
     * `roles`, `where` is added to the shape's filter (a cook reads the events of rounds, not the
     * amounts of checks and payments that the floor's shapes keep from them).
     */
    narrowed?: { roles: readonly Role[]; where: readonly ShapeCondition[] };
  };
  /** Diner access (token of one open table session). */
  diner?: ShapeAccess;
}

const ALL_STAFF: readonly Role[] = ['ADMIN', 'MANAGER', 'WAITER', 'KITCHEN'];
const FLOOR: readonly Role[] = ['ADMIN', 'MANAGER', 'WAITER'];

const tenant: ShapeCondition = { column: 'tenant_id', equals: { scope: 'tenantId' } };
const branch: readonly ShapeCondition[] = [tenant, { column: 'branch_id', equals: { scope: 'branchId' } }];
const session = (column = 'session_id'): readonly ShapeCondition[] => [
  ...branch,
  { column, equals: { scope: 'sessionId' } },
];
/** Rounds the kitchen works on: confirmed and not yet served. */
export const KITCHEN_ROUND_STATUSES = ['IN_KITCHEN', 'READY'] as const;

const ROUND_COLUMNS = [
  'id',
  'tenant_id',
  'branch_id',
  'session_id',
  'table_id',
  'number',
  'status',
  'submitted_by_user_id',
  'submitted_by_diner_id',
  'cancel_reason',
  'created_at',
  'confirmed_at',
  'ready_at',
  'served_at',
  'canceled_at',
  'updated_at',
] as const;
const ROUND_ITEM_COLUMNS = [
  'id',
  'tenant_id',
  'branch_id',
  'round_id',
  'session_id',
  'product_id',
  'product_name',
  'qty',
  'unit_price_cents',
  'notes',
  'diner_id',
  'round_status',
  'created_at',
] as const;
const MENU_COLUMNS = [
  'id',
  'branch_id',
  'product_id',
  'category_id',
  'category_name',
  'category_sort',
  'name',
  'description',
  'ingredients',
  'allergens',
  'may_contain',
  'dietary',
  'spice_level',
  'tags',
  'price_cents',
  'is_available',
  'updated_at',
] as const;

const defs: ShapeDefinition[] = [
  {
    name: 'tables',
    table: 'dining_table',
    // qr_version stays out: only admin needs it, through the QR endpoint.
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: ['id', 'tenant_id', 'branch_id', 'sector_id', 'code', 'seats', 'status', 'updated_at'],
      where: branch,
    },
  },
  {
    name: 'sectors',
    table: 'sector',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: ['id', 'tenant_id', 'branch_id', 'name', 'sort'],
      where: branch,
    },
  },
  {
    name: 'sessions',
    table: 'table_session',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: [
        'id',
        'tenant_id',
        'branch_id',
        'table_id',
        'status',
        'opened_by_user_id',
        'opened_at',
        'closed_at',
      ],
      where: branch,
    },
    diner: {
      columns: ['id', 'branch_id', 'table_id', 'status', 'opened_at', 'closed_at'],
      where: session('id'),
    },
  },
  {
    name: 'diners',
    table: 'diner',
    staff: {
      roles: FLOOR,
      per: 'branch',
      columns: ['id', 'branch_id', 'session_id', 'name', 'created_at'],
      where: branch,
    },
    diner: { columns: ['id', 'session_id', 'name', 'created_at'], where: session() },
  },
  {
    name: 'rounds',
    table: 'round',
    staff: { roles: ALL_STAFF, per: 'branch', columns: ROUND_COLUMNS, where: branch },
    diner: {
      columns: ROUND_COLUMNS.filter((c) => c !== 'submitted_by_user_id' && c !== 'tenant_id'),
      where: session(),
    },
  },
  {
    name: 'round_items',
    table: 'round_item',
    staff: { roles: ALL_STAFF, per: 'branch', columns: ROUND_ITEM_COLUMNS, where: branch },
    diner: { columns: ROUND_ITEM_COLUMNS.filter((c) => c !== 'tenant_id'), where: session() },
  },
  {
    name: 'kitchen_rounds',
    table: 'round',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: ROUND_COLUMNS,
      where: [...branch, { column: 'status', in: KITCHEN_ROUND_STATUSES }],
    },
  },
  {
    // round_item.round_status is kept equal to its round's status by a trigger, so "items of the
    // rounds in the kitchen" is a filter on one table (move-in/move-out with the round).
    name: 'kitchen_items',
    table: 'round_item',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: ROUND_ITEM_COLUMNS,
      where: [...branch, { column: 'round_status', in: KITCHEN_ROUND_STATUSES }],
    },
  },
  {
    name: 'service_calls',
    table: 'service_call',
    staff: {
      roles: FLOOR,
      per: 'branch',
      columns: [
        'id',
        'tenant_id',
        'branch_id',
        'session_id',
        'table_id',
        'kind',
        'status',
        'created_by_user_id',
        'created_by_diner_id',
        'acked_by_user_id',
        'created_at',
        'acked_at',
      ],
      where: branch,
    },
    diner: {
      columns: [
        'id',
        'session_id',
        'table_id',
        'kind',
        'status',
        'created_by_diner_id',
        'created_at',
        'acked_at',
      ],
      where: session(),
    },
  },
  {
    name: 'checks',
    table: 'dining_check',
    staff: {
      roles: FLOOR,
      per: 'branch',
      columns: [
        'id',
        'tenant_id',
        'branch_id',
        'session_id',
        'table_id',
        'status',
        'total_cents',
        'paid_cents',
        'tip_cents',
        'requested_at',
        'paid_at',
        'updated_at',
      ],
      where: branch,
    },
    diner: {
      columns: [
        'id',
        'session_id',
        'table_id',
        'status',
        'total_cents',
        'paid_cents',
        'tip_cents',
        'requested_at',
        'paid_at',
        'updated_at',
      ],
      where: session(),
    },
  },
  {
    name: 'payments',
    table: 'payment',
    staff: {
      roles: FLOOR,
      per: 'branch',
      columns: [
        'id',
        'tenant_id',
        'branch_id',
        'check_id',
        'session_id',
        'method',
        'amount_cents',
        'tip_cents',
        'recorded_by_user_id',
        'created_at',
      ],
      where: branch,
    },
    diner: {
      columns: ['id', 'check_id', 'session_id', 'method', 'amount_cents', 'tip_cents', 'created_at'],
      where: session(),
    },
  },
  {
    name: 'branch_products',
    table: 'branch_product',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: ['id', 'tenant_id', 'branch_id', 'product_id', 'price_cents', 'is_available', 'updated_at'],
      where: branch,
    },
  },
  {
    name: 'events',
    table: 'event',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: [
        'id',
        'tenant_id',
        'branch_id',
        'type',
        'entity',
        'entity_id',
        'session_id',
        'table_id',
        'actor_kind',
        'actor_id',
        'payload',
        'created_at',
      ],
      where: branch,
      // The kitchen reads checks and payments nowhere else: their events (with amounts) neither.
      narrowed: {
        roles: ['KITCHEN'],
        where: [{ column: 'entity', in: ['round', 'branch_product', 'product'] }],
      },
    },
  },
  {
    name: 'products',
    table: 'product',
    staff: {
      roles: ALL_STAFF,
      per: 'tenant',
      columns: [
        'id',
        'tenant_id',
        'category_id',
        'name',
        'description',
        'ingredients',
        'allergens',
        'may_contain',
        'dietary',
        'spice_level',
        'tags',
        'vat_rate',
        'updated_at',
      ],
      where: [tenant],
    },
  },
  {
    name: 'categories',
    table: 'category',
    staff: { roles: ALL_STAFF, per: 'tenant', columns: ['id', 'tenant_id', 'name', 'sort'], where: [tenant] },
    diner: { columns: ['id', 'name', 'sort'], where: [tenant] },
  },
  {
    // menu_item is branch_product joined with product and category, kept by triggers (migration
    // 0002): a join-shaped view served as a single-table shape. Unavailable dishes move out.
    name: 'menu',
    table: 'menu_item',
    staff: {
      roles: ALL_STAFF,
      per: 'branch',
      columns: MENU_COLUMNS,
      where: [...branch, { column: 'is_available', equals: true }],
    },
    diner: { columns: MENU_COLUMNS, where: [...branch, { column: 'is_available', equals: true }] },
  },
];

/** Every shape by name. */
export const SHAPES: Readonly<Record<string, ShapeDefinition>> = Object.fromEntries(
  defs.map((d) => [d.name, d]),
);

/** Tables whose changes the change log captures (every table some shape reads). */
export const SYNCED_TABLES: readonly string[] = [...new Set(defs.map((d) => d.table))].sort();

/** The shapes each app follows live; kept small so an app never needs many open requests. */
export const APP_SHAPES = {
  kitchen: ['kitchen_rounds', 'kitchen_items', 'events', 'tables'],
  diner: ['menu', 'categories', 'sessions', 'rounds', 'round_items'],
} as const;
