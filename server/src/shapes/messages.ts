/** Change-log rows and snapshot rows as shape messages (ELECTRIC-PROTOCOL.md "Body"). */
import { type BoundShape, ident, rowMatches } from './access.ts';
import type { TableInfo } from './catalog.ts';
import type { LogRow } from './change-feed.ts';
import { parseRecordText } from './record-text.ts';

export type Values = Record<string, string | null>;

export interface ChangeMessage {
  key: string;
  value: Values;
  old_value?: Values;
  headers: {
    operation: 'insert' | 'update' | 'delete';
    relation: [string, string];
    lsn?: string;
    op_position?: number;
    txids?: number[];
    last?: boolean;
  };
}

export type ControlMessage = {
  headers: { control: 'up-to-date'; global_last_seen_lsn: string } | { control: 'must-refetch' };
};

/** Column -> text of a record literal, by the table's column order. */
export function recordValues(table: TableInfo, text: string): Values {
  const fields = parseRecordText(text);
  const out: Values = {};
  table.columns.forEach((c, i) => {
    out[c] = fields[i] ?? null;
  });
  return out;
}

const parsedCache = new WeakMap<LogRow, { n?: Values; o?: Values }>();

function parsed(table: TableInfo, row: LogRow) {
  let p = parsedCache.get(row);
  if (!p) {
    p = {
      n: row.new_row === null ? undefined : recordValues(table, row.new_row),
      o: row.old_row === null ? undefined : recordValues(table, row.old_row),
    };
    parsedCache.set(row, p);
  }
  return p;
}

/** `"public"."round"/"<id>"`; a `/` inside a key value is doubled. */
export function rowKey(table: TableInfo, v: Values): string {
  return `"public"."${table.name}"/${table.primaryKey.map((c) => `"${String(v[c] ?? '').replace(/\//g, '//')}"`).join('/')}`;
}

const pick = (v: Values, cols: readonly string[]) => {
  const out: Values = {};
  for (const c of cols) out[c] = v[c] ?? null;
  return out;
};

/** Snapshot row -> insert message (no lsn: snapshot rows sit at the virtual offsets 0_*). */
export function snapshotMessage(shape: BoundShape, table: TableInfo, v: Values): ChangeMessage {
  return {
    key: rowKey(table, v),
    value: pick(v, shape.access.columns),
    headers: { operation: 'insert', relation: ['public', table.name] },
  };
}

/**
 * SQL that makes a snapshot row's insert message as JSON text, equal to
 * `JSON.stringify(snapshotMessage(shape, table, recordValues(table, t::text)))` but built by the
 * database: a large snapshot then costs the server no parsing and no objects, only string joins.
 * `t` is the table's alias. Values are each column's output-function text, as in record text:
 * `::text` is that for every type except the few whose cast to text is a function of its own
 * (bool gives `true` instead of `t`, bpchar drops trailing blanks, ...), which go through format().
 */
export function snapshotMessageSql(shape: BoundShape, table: TableInfo): string {
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const json = (expr: string) => `coalesce(to_json(${expr})::text, 'null')`;
  const text = (c: string) => {
    const t = table.types[c];
    const col = `t.${ident(c)}`;
    if (!t) throw new Error(`shape ${shape.def.name}: column ${c} is not in ${table.name}`);
    if (t.dims) return `${col}::text`;
    if (t.type === 'bool') return `CASE WHEN ${col} THEN 't' WHEN NOT ${col} THEN 'f' END`;
    if (OWN_TEXT_CAST.has(t.type)) return `CASE WHEN ${col} IS NOT NULL THEN format('%s', ${col}) END`;
    return `${col}::text`;
  };
  const key = table.primaryKey
    .map((c) => `'"' || replace(coalesce(${text(c)}, ''), '/', '//') || '"'`)
    .join(` || '/' || `);
  const value = shape.access.columns
    .map((c, i) => `${lit(`${i ? ',' : ''}${JSON.stringify(c)}:`)} || ${json(text(c))}`)
    .join(' || ');
  const headers = JSON.stringify({ operation: 'insert', relation: ['public', table.name] });
  return `'{"key":' || to_json(${lit(`"public"."${table.name}"/`)} || ${key})::text || ',"value":{' || ${value} || ${lit(`},"headers":${headers}}`)}`;
}

/** Types whose cast to text is not their output function (pg_cast castmethod 'f'). */
const OWN_TEXT_CAST = new Set(['bool', 'char', 'name', 'inet', 'cidr', 'bpchar']);

/** A JSON array of already serialized messages followed by `more`. */
export function messagesJson(raw: readonly string[], more: readonly unknown[]): string {
  if (!raw.length) return JSON.stringify(more);
  const tail = more.map((m) => JSON.stringify(m));
  return `[${[...raw, ...tail].join(',')}]`;
}

/**
 * The messages `rows` mean for one shape. A row crossing the shape's filter becomes an insert or a
 * delete; an update sends the key plus the changed columns (`replica=full`: every column, plus
 * `old_value`); an update changing no visible column is dropped. The last message of each
 * transaction carries `last: true`.
 */
export function changeMessages(
  shape: BoundShape,
  table: TableInfo,
  rows: readonly LogRow[],
  replicaFull: boolean,
): ChangeMessage[] {
  const out: ChangeMessage[] = [];
  const cols = shape.access.columns;
  const pk = table.primaryKey;
  let txStart = 0;
  let txPos = -1;
  const closeTx = () => {
    if (out.length > txStart) out[out.length - 1]!.headers.last = true;
    txStart = out.length;
  };
  for (const row of rows) {
    if (row.tbl !== table.name) continue;
    if (row.pos !== txPos) {
      closeTx();
      txPos = row.pos;
    }
    const { n, o } = parsed(table, row);
    const inNew = n !== undefined && rowMatches(shape, n);
    const inOld = o !== undefined && rowMatches(shape, o);
    const headers = (operation: 'insert' | 'update' | 'delete') => ({
      operation,
      relation: ['public', table.name] as [string, string],
      lsn: String(row.pos),
      op_position: row.op,
      txids: [row.xid],
    });
    if (inNew && inOld) {
      const changed = cols.filter((c) => n[c] !== o[c]);
      if (!changed.length) continue;
      const msg: ChangeMessage = {
        key: rowKey(table, n),
        value: replicaFull ? pick(n, cols) : pick(n, [...pk, ...changed.filter((c) => !pk.includes(c))]),
        headers: headers('update'),
      };
      if (replicaFull) msg.old_value = pick(o, changed);
      out.push(msg);
    } else if (inNew) {
      out.push({ key: rowKey(table, n), value: pick(n, cols), headers: headers('insert') });
    } else if (inOld) {
      out.push({
        key: rowKey(table, o),
        value: replicaFull ? pick(o, cols) : pick(o, pk),
        headers: headers('delete'),
      });
    }
  }
  closeTx();
  return out;
}
