/** The contracts between the sync client's parts: outbox entries, row effects, shape batches, the local store. */
import type { MutationName } from '@comanda/schema';

/** A mutation waiting in the outbox, in the order it was made. */
export interface OutboxEntry {
  /** Client-generated UUID: the idempotency key the server records. */
  id: string;
  name: MutationName | string;
  args: unknown;
  /** Position in the outbox; the sender drains in this order. */
  seq: number;
  createdAt: number;
}

/** A mutation the server refused, kept until the person dismisses it. */
export interface RejectedMutation {
  id: string;
  name: string;
  args: unknown;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  rejectedAt: number;
}

/** The server's definitive answer for one mutation. */
export type MutationOutcome =
  | { id: string; status: 'applied'; txid: string }
  | { id: string; status: 'rejected'; code: string; message: string; details?: Record<string, unknown> };

/**
 * One optimistic change to one row, derived from a mutation's args. `values` are column values
 * as the server stores them (snake_case columns, JSON-compatible values).
 */
export interface RowEffect {
  table: string;
  key: string;
  op: 'insert' | 'update' | 'delete';
  values: Record<string, unknown>;
}

/** Where a shape stream stands: what a reload resumes from. */
export interface ShapePosition {
  handle: string;
  offset: string;
}

/** Column types of a shape, as the `electric-schema` header gives them. */
export type ShapeSchema = Record<
  string,
  { type: string; dims?: number; pk_index?: number; not_null?: boolean }
>;

/** A change to apply to a replica table (already parsed by @electric-sql/client). */
export interface RowChange {
  op: 'insert' | 'update' | 'delete';
  /** The row's primary key value(s), in key order. */
  key: string;
  value: Record<string, unknown>;
}

/** What one response of a shape stream asks the replica to do, in one transaction. */
export interface ShapeBatch {
  /** Shape name (`rounds`) and the table it fills (`round`). */
  shape: string;
  table: string;
  schema: ShapeSchema;
  /** Replace every row of the table with `changes` (initial sync or must-refetch), instead of applying them. */
  replace: boolean;
  changes: RowChange[];
  /** Transaction ids seen in this batch's change messages. */
  txids: string[];
  position: ShapePosition;
}

/** Counts for the status signal. */
export interface StoreCounts {
  pending: number;
  rejected: number;
  /** Applied mutations whose effect has not yet come back through sync. */
  confirming: number;
}

/** Reads the merged (synced + optimistic) state, for computing the next mutation's effects. */
export interface RowReader {
  /** One row by primary key, or undefined (also when the table is not replicated here). */
  get(table: string, key: string): Promise<Record<string, unknown> | undefined>;
  /** Rows of `table` whose `column` equals `value`. */
  where(table: string, column: string, value: unknown): Promise<Record<string, unknown>[]>;
  /** True when this device replicates `table`. */
  has(table: string): boolean;
}

/**
 * Durable local state of a sync client: replica tables, their shape positions, the outbox, the
 * optimistic overlay and the rejections. Every method is one atomic transaction in the store.
 */
export interface LocalStore extends RowReader {
  readonly kind: 'pglite' | 'dexie';
  open(): Promise<void>;
  /** Stores the mutation and its optimistic effects together, durably, before anything is sent. */
  enqueue(entry: Omit<OutboxEntry, 'seq'>, effects: RowEffect[]): Promise<OutboxEntry>;
  /** The oldest `limit` entries of the outbox, in order. */
  pending(limit: number): Promise<OutboxEntry[]>;
  /** The newest outbox entry of mutation `name` whose args include `match` (e.g. `{ roundId }`). */
  findPending(name: string, match: Record<string, string>): Promise<OutboxEntry | undefined>;
  /**
   * Records definitive answers: each entry leaves the outbox; a rejection is kept and its overlay
   * removed; an applied one keeps its overlay only on tables where `seenTxids` has not yet shown it.
   */
  settle(outcomes: MutationOutcome[], seenTxids: (txid: string) => string[]): Promise<void>;
  /** Applies one shape batch with its position; drops overlays confirmed by its txids. */
  applyShape(batch: ShapeBatch): Promise<void>;
  position(shape: string): Promise<ShapePosition | undefined>;
  /** The columns of a replicated table, when it exists here. */
  schemaOf?(table: string): ShapeSchema | undefined;
  /** Drops the overlay of applied mutations older than `appliedBefore` (their txid never came back on a shape here). */
  expireConfirmations(appliedBefore: number): Promise<number>;
  counts(): Promise<StoreCounts>;
  rejections(): Promise<RejectedMutation[]>;
  dismiss(id: string): Promise<void>;
  /** Rows changed without passing through this store (another tab wrote): live queries read again. */
  notifyChange?(): void;
  /** Deletes every local row: replica, positions, outbox, overlay, rejections. */
  wipe(): Promise<void>;
  close(): Promise<void>;
}
