/** SQL of the PGlite replica: bookkeeping tables, typed replica tables from a shape schema, overlay views. */
import type { ShapeSchema } from '../types.ts';

/** Quotes an identifier (shape schemas come from our server, but a quote never hurts). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Schema of the synced rows; the apps read views of the same name in `public`. */
export const SYNCED = 'comanda_synced';

export const BOOKKEEPING = `
CREATE SCHEMA IF NOT EXISTS comanda;
CREATE SCHEMA IF NOT EXISTS ${SYNCED};
CREATE TABLE IF NOT EXISTS comanda.outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  name text NOT NULL,
  args jsonb NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS comanda.overlay (
  ord bigserial PRIMARY KEY,
  mutation_id uuid NOT NULL,
  tbl text NOT NULL,
  pk text NOT NULL,
  op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
  patch jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS overlay_row ON comanda.overlay (tbl, pk);
CREATE INDEX IF NOT EXISTS overlay_mutation ON comanda.overlay (mutation_id);
CREATE TABLE IF NOT EXISTS comanda.applied (
  id uuid PRIMARY KEY,
  txid text NOT NULL,
  applied_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS applied_txid ON comanda.applied (txid);
CREATE TABLE IF NOT EXISTS comanda.rejection (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  args jsonb NOT NULL,
  code text NOT NULL,
  message text NOT NULL,
  details jsonb,
  rejected_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS comanda.shape (
  name text PRIMARY KEY,
  tbl text NOT NULL,
  schema jsonb NOT NULL,
  handle text,
  "offset" text
);
DO $$ BEGIN
  CREATE AGGREGATE comanda.jsonb_merge(jsonb) (SFUNC = jsonb_concat, STYPE = jsonb, INITCOND = '{}');
EXCEPTION WHEN duplicate_function THEN NULL;
END $$;
`;

/** PostgreSQL types a replica column may have; anything else (enums, domains) is kept as text. */
const KNOWN = new Set([
  'uuid',
  'text',
  'varchar',
  'bpchar',
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'bool',
  'timestamptz',
  'timestamp',
  'date',
  'time',
  'interval',
  'json',
  'jsonb',
  'bytea',
]);

const columnType = (c: ShapeSchema[string]) =>
  `${KNOWN.has(c.type) ? c.type : 'text'}${'[]'.repeat(c.dims ?? 0)}`;

/** Primary key columns in key order. */
export function primaryKey(schema: ShapeSchema): string[] {
  return Object.entries(schema)
    .filter(([, c]) => c.pk_index !== undefined)
    .sort(([, a], [, b]) => (a.pk_index ?? 0) - (b.pk_index ?? 0))
    .map(([name]) => name);
}

/** The text the overlay uses to find a row: pk values joined with '/'. */
export const pkExpr = (pk: string[], alias: string) =>
  pk.length === 1
    ? `${alias}.${ident(pk[0]!)}::text`
    : pk.map((c) => `${alias}.${ident(c)}::text`).join(` || '/' || `);

/** The synced table and the view the apps read: synced rows, with pending effects on top (`_pending`). */
export function tableDdl(table: string, schema: ShapeSchema): string {
  const pk = primaryKey(schema);
  if (pk.length === 0) throw new Error(`shape for ${table} has no primary key`);
  const cols = Object.entries(schema).map(([n, c]) => `${ident(n)} ${columnType(c)}`);
  const synced = `${SYNCED}.${ident(table)}`;
  const lit = `'${table.replace(/'/g, "''")}'`;
  return `
CREATE TABLE ${synced} (${cols.join(', ')}, PRIMARY KEY (${pk.map(ident).join(', ')}));
CREATE VIEW public.${ident(table)} AS
  SELECT s.*, false AS _pending FROM ${synced} s
   WHERE NOT EXISTS (SELECT 1 FROM comanda.overlay o WHERE o.tbl = ${lit} AND o.pk = ${pkExpr(pk, 's')})
  UNION ALL
  SELECT (jsonb_populate_record(NULL::${synced}, coalesce(to_jsonb(s), '{}'::jsonb) || o.patch)).*, true
    FROM (SELECT pk, comanda.jsonb_merge(patch ORDER BY ord) AS patch,
                 (array_agg(op ORDER BY ord DESC))[1] AS last_op, bool_or(op = 'insert') AS inserted
            FROM comanda.overlay WHERE tbl = ${lit} GROUP BY pk) o
    LEFT JOIN ${synced} s ON ${pkExpr(pk, 's')} = o.pk
   WHERE o.last_op <> 'delete' AND (o.inserted OR s.${ident(pk[0]!)} IS NOT NULL);
`;
}

export const dropTableDdl = (table: string) =>
  `DROP VIEW IF EXISTS public.${ident(table)}; DROP TABLE IF EXISTS ${SYNCED}.${ident(table)};`;
