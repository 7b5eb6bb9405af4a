/**
 * The Dexie replica (menu app, IndexedDB): synced rows, positions, outbox, overlay and rejections
 * in one Dexie database, so each step is one IndexedDB transaction. Reads merge the overlay in JS.
 */
import { Dexie, type EntityTable, liveQuery, type Table } from 'dexie';
import type {
  LocalStore,
  MutationOutcome,
  OutboxEntry,
  RejectedMutation,
  RowEffect,
  ShapeBatch,
  ShapePosition,
  ShapeSchema,
  StoreCounts,
} from '../types.ts';

interface SyncedRow {
  tbl: string;
  pk: string;
  row: Record<string, unknown>;
}
interface OverlayRow {
  ord?: number;
  mutation_id: string;
  tbl: string;
  pk: string;
  op: RowEffect['op'];
  patch: Record<string, unknown>;
}
interface OutboxRow {
  seq?: number;
  id: string;
  name: string;
  args: unknown;
  createdAt: number;
}
interface AppliedRow {
  id: string;
  txid: string;
  appliedAt: number;
}
interface ShapeRow {
  name: string;
  tbl: string;
  schema: ShapeSchema;
  handle?: string;
  offset?: string;
}

type Db = Dexie & {
  rows: Table<SyncedRow, [string, string]>;
  overlay: EntityTable<OverlayRow, 'ord'>;
  outbox: EntityTable<OutboxRow, 'seq'>;
  applied: EntityTable<AppliedRow, 'id'>;
  rejection: EntityTable<RejectedMutation, 'id'>;
  shape: EntityTable<ShapeRow, 'name'>;
};

export interface DexieStoreOptions {
  /** IndexedDB database name, e.g. `comanda-menu`. */
  name: string;
}

/** A merged row: the synced values with pending effects on top. */
export type ReplicaRow = Record<string, unknown> & { _pending: boolean };

/** The primary key columns of a shape, in key order. */
const pkColumns = (schema: ShapeSchema) =>
  Object.entries(schema)
    .filter(([, c]) => c.pk_index !== undefined)
    .sort(([, a], [, b]) => (a.pk_index ?? 0) - (b.pk_index ?? 0))
    .map(([n]) => n);

const pkOf = (pk: readonly string[], row: Record<string, unknown>) =>
  pk.length === 1 ? String(row[pk[0]!]) : pk.map((n) => String(row[n])).join('/');

/**
 * @example
 * const store = dexieStore({ name: 'comanda-menu' });
 * const client = await createSyncClient({ baseUrl, auth: staticAuth(dinerToken), store, shapes: ['menu'], actor: { kind: 'diner' } });
 * const off = client.store.live('product', (rows) => render(rows));
 */
export class DexieStore implements LocalStore {
  readonly kind = 'dexie' as const;
  readonly #o: DexieStoreOptions;
  #db: Db | undefined;
  readonly #tables = new Map<string, ShapeSchema>();

  constructor(o: DexieStoreOptions) {
    this.#o = o;
  }

  get db(): Db {
    if (!this.#db) throw new Error('store not open');
    return this.#db;
  }

  async open(): Promise<void> {
    if (this.#db) return;
    // The global IndexedDB (the browser's; in Node unit tests, fake-indexeddb/auto): Dexie's liveQuery observes that one.
    const db = new Dexie(this.#o.name) as Db;
    db.version(1).stores({
      rows: '[tbl+pk], tbl',
      overlay: '++ord, mutation_id, [tbl+pk], tbl',
      outbox: '++seq, &id',
      applied: 'id, txid, appliedAt',
      rejection: 'id, rejectedAt',
      shape: 'name',
    });
    await db.open();
    this.#db = db;
    for (const s of await db.shape.toArray()) this.#tables.set(s.tbl, s.schema);
  }

  has(table: string): boolean {
    return this.#tables.has(table);
  }

  schemaOf(table: string): ShapeSchema | undefined {
    return this.#tables.get(table);
  }

  /** Every row of `table` with pending effects merged, `_pending` on those a pending write changes. */
  async rows(table: string): Promise<ReplicaRow[]> {
    const db = this.db;
    return db.transaction('r', db.rows, db.overlay, async () => {
      const synced = await db.rows.where('tbl').equals(table).toArray();
      const overlay = await db.overlay.where('tbl').equals(table).sortBy('ord');
      return merge(synced, overlay);
    });
  }

  /** Live rows of `table`: calls `onRows` now and after every change. Returns the unsubscribe function. */
  live(table: string, onRows: (rows: ReplicaRow[]) => void, onError?: (e: unknown) => void): () => void {
    const sub = liveQuery(() => this.rows(table)).subscribe({ next: onRows, error: onError });
    return () => sub.unsubscribe();
  }

  async get(table: string, key: string): Promise<Record<string, unknown> | undefined> {
    const db = this.db;
    const synced = await db.rows.get([table, key]);
    const overlay = await db.overlay.where('[tbl+pk]').equals([table, key]).sortBy('ord');
    return merge(synced ? [synced] : [], overlay)[0];
  }

  async where(table: string, column: string, value: unknown): Promise<Record<string, unknown>[]> {
    return (await this.rows(table)).filter((r) => String(r[column]) === String(value));
  }

  async enqueue(entry: Omit<OutboxEntry, 'seq'>, effects: RowEffect[]): Promise<OutboxEntry> {
    const db = this.db;
    return db.transaction('rw', db.outbox, db.overlay, async () => {
      const seq = (await db.outbox.add({
        id: entry.id,
        name: entry.name,
        args: entry.args,
        createdAt: entry.createdAt,
      })) as number;
      await db.overlay.bulkAdd(
        effects.map((e) => ({ mutation_id: entry.id, tbl: e.table, pk: e.key, op: e.op, patch: e.values })),
      );
      return { ...entry, seq };
    });
  }

  async pending(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.outbox.orderBy('seq').limit(limit).toArray();
    return rows.map((r) => ({ seq: r.seq!, id: r.id, name: r.name, args: r.args, createdAt: r.createdAt }));
  }

  async findPending(name: string, match: Record<string, string>): Promise<OutboxEntry | undefined> {
    const r = await this.db.outbox
      .orderBy('seq')
      .reverse()
      .filter(
        (x) =>
          x.name === name &&
          Object.entries(match).every(([k, v]) => (x.args as Record<string, unknown> | null)?.[k] === v),
      )
      .first();
    return r && { seq: r.seq!, id: r.id, name: r.name, args: r.args, createdAt: r.createdAt };
  }

  async settle(outcomes: MutationOutcome[], seenTxids: (txid: string) => string[]): Promise<void> {
    const db = this.db;
    const now = Date.now();
    await db.transaction('rw', [db.outbox, db.overlay, db.applied, db.rejection], async () => {
      for (const o of outcomes) {
        const entry = await db.outbox.where('id').equals(o.id).first();
        if (!entry) continue;
        await db.outbox.delete(entry.seq!);
        if (o.status === 'rejected') {
          await db.overlay.where('mutation_id').equals(o.id).delete();
          await db.rejection.put({
            id: o.id,
            name: entry.name,
            args: entry.args,
            code: o.code,
            message: o.message,
            ...(o.details ? { details: o.details } : {}),
            rejectedAt: now,
          });
          continue;
        }
        const seen = new Set(seenTxids(o.txid));
        await db.overlay
          .where('mutation_id')
          .equals(o.id)
          .filter((x) => seen.has(x.tbl))
          .delete();
        if ((await db.overlay.where('mutation_id').equals(o.id).count()) > 0)
          await db.applied.put({ id: o.id, txid: o.txid, appliedAt: now });
      }
    });
  }

  async applyShape(b: ShapeBatch): Promise<void> {
    const db = this.db;
    await db.transaction('rw', [db.rows, db.shape, db.overlay, db.applied], async () => {
      const known = this.#tables.get(b.table);
      // A new table or a full snapshot replaces the rows; new columns just show up in the next rows.
      if (!known || b.replace) {
        await db.rows.where('tbl').equals(b.table).delete();
      }
      const puts: SyncedRow[] = [];
      const flush = async () => {
        if (puts.length) await db.rows.bulkPut(puts.splice(0));
      };
      const pkCols = pkColumns(b.schema);
      for (const c of b.changes) {
        const pk = pkOf(pkCols, c.value);
        if (c.op === 'insert') {
          puts.push({ tbl: b.table, pk, row: c.value });
          continue;
        }
        await flush();
        if (c.op === 'delete') await db.rows.delete([b.table, pk]);
        else {
          const cur = await db.rows.get([b.table, pk]);
          if (cur) await db.rows.put({ ...cur, row: { ...cur.row, ...c.value } });
        }
      }
      await flush();
      await db.shape.put({
        name: b.shape,
        tbl: b.table,
        schema: b.schema,
        handle: b.position.handle,
        offset: b.position.offset,
      });
      const confirmed = b.replace
        ? await db.applied.toArray()
        : b.txids.length
          ? await db.applied.where('txid').anyOf(b.txids).toArray()
          : [];
      for (const a of confirmed) {
        await db.overlay
          .where('mutation_id')
          .equals(a.id)
          .filter((x) => x.tbl === b.table)
          .delete();
        if ((await db.overlay.where('mutation_id').equals(a.id).count()) === 0) await db.applied.delete(a.id);
      }
    });
    this.#tables.set(b.table, b.schema);
  }

  async position(shape: string): Promise<ShapePosition | undefined> {
    const s = await this.db.shape.get(shape);
    return s?.handle && s.offset ? { handle: s.handle, offset: s.offset } : undefined;
  }

  async expireConfirmations(appliedBefore: number): Promise<number> {
    const db = this.db;
    return db.transaction('rw', db.applied, db.overlay, async () => {
      const old = await db.applied.where('appliedAt').below(appliedBefore).toArray();
      for (const a of old) {
        await db.overlay.where('mutation_id').equals(a.id).delete();
        await db.applied.delete(a.id);
      }
      return old.length;
    });
  }

  async counts(): Promise<StoreCounts> {
    const db = this.db;
    return db.transaction('r', db.outbox, db.rejection, db.applied, async () => ({
      pending: await db.outbox.count(),
      rejected: await db.rejection.count(),
      confirming: await db.applied.count(),
    }));
  }

  rejections(): Promise<RejectedMutation[]> {
    return this.db.rejection.orderBy('rejectedAt').toArray();
  }

  async dismiss(id: string): Promise<void> {
    await this.db.rejection.delete(id);
  }

  async wipe(): Promise<void> {
    const db = this.db;
    await db.transaction(
      'rw',
      [db.rows, db.overlay, db.outbox, db.applied, db.rejection, db.shape],
      async () => {
        await Promise.all([
          db.rows.clear(),
          db.overlay.clear(),
          db.outbox.clear(),
          db.applied.clear(),
          db.rejection.clear(),
          db.shape.clear(),
        ]);
      },
    );
    this.#tables.clear();
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}

/** Synced rows with the overlay (sorted by `ord`) applied on top. */
function merge(synced: SyncedRow[], overlay: OverlayRow[]): ReplicaRow[] {
  const out = new Map<string, ReplicaRow>();
  for (const s of synced) out.set(s.pk, { ...s.row, _pending: false });
  const byPk = new Map<string, OverlayRow[]>();
  for (const o of overlay) byPk.set(o.pk, [...(byPk.get(o.pk) ?? []), o]);
  for (const [pk, ops] of byPk) {
    const base = out.get(pk);
    if (ops.at(-1)?.op === 'delete') {
      out.delete(pk);
      continue;
    }
    if (!base && !ops.some((o) => o.op === 'insert')) continue;
    let row: Record<string, unknown> = base ? { ...base } : {};
    for (const o of ops) row = { ...row, ...o.patch };
    out.set(pk, { ...row, _pending: true });
  }
  return [...out.values()];
}

/** A Dexie replica; see {@link DexieStore}. */
export const dexieStore = (o: DexieStoreOptions) => new DexieStore(o);
