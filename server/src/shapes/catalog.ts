/** What the database says about the synced tables: column order (to read record text), types (electric-schema) and keys. */
import type { Queryable } from '../db/index.ts';

/** One column as the `electric-schema` header describes it. */
export interface ColumnSchema {
  type: string;
  dims?: number;
  pk_index?: number;
  not_null?: boolean;
  max_length?: number;
  length?: number;
  precision?: number;
  scale?: number;
}

export interface TableInfo {
  name: string;
  /** Every column, in the order record text lists them. */
  columns: string[];
  types: Record<string, ColumnSchema>;
  primaryKey: string[];
}

interface AttRow {
  attname: string;
  typname: string;
  elemname: string | null;
  is_array: boolean;
  attnotnull: boolean;
  atttypmod: number;
  pk_index: number | null;
}

/** Reads the catalog for `tables` (public schema). */
export async function loadCatalog(db: Queryable, tables: readonly string[]): Promise<Map<string, TableInfo>> {
  const out = new Map<string, TableInfo>();
  for (const name of tables) {
    const rows = await db.query<AttRow>(
      `SELECT a.attname, t.typname, et.typname AS elemname, t.typcategory = 'A' AS is_array, a.attnotnull,
              a.atttypmod, array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) AS pk_index
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
         LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
        WHERE a.attrelid = ('public.' || $1)::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [name],
    );
    if (!rows.length) throw new Error(`synced table ${name} does not exist`);
    const types: Record<string, ColumnSchema> = {};
    const primaryKey: { col: string; idx: number }[] = [];
    for (const r of rows) {
      const base = r.is_array && r.elemname ? r.elemname : r.typname;
      const s: ColumnSchema = { type: base };
      if (r.is_array) s.dims = 1;
      if (r.pk_index !== null && r.pk_index >= 0) {
        s.pk_index = r.pk_index;
        primaryKey.push({ col: r.attname, idx: r.pk_index });
      }
      if (r.attnotnull) s.not_null = true;
      // typmod layouts per PostgreSQL's format_type: varchar/bpchar carry length + 4, numeric packs precision and scale.
      if (r.atttypmod > 0) {
        if (base === 'varchar') s.max_length = r.atttypmod - 4;
        else if (base === 'bpchar') s.length = r.atttypmod - 4;
        else if (base === 'numeric') {
          s.precision = ((r.atttypmod - 4) >> 16) & 0xffff;
          s.scale = (r.atttypmod - 4) & 0xffff;
        }
      }
      types[r.attname] = s;
    }
    out.set(name, {
      name,
      columns: rows.map((r) => r.attname),
      types,
      primaryKey: primaryKey.sort((a, b) => a.idx - b.idx).map((p) => p.col),
    });
  }
  return out;
}
