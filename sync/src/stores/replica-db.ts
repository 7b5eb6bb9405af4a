/**
 * The tab's side of a replica that lives in a PGlite worker ({@link runReplicaWorker}), in IndexedDB.
 *
 * Flushing to IndexedDB (Emscripten's IDBFS.syncfs) compares the whole data directory with its
 * IndexedDB copy: tens to hundreds of milliseconds on a tablet. PGlite's worker, as shipped, does it
 * after every wire-protocol message (six per query); this class and the worker together do it once
 * per write and never for a read:
 * - the worker (`openReplicaPglite`) no longer flushes on its own;
 * - this class notes whether any statement since the last flush can have written (anything but a
 *   plain SELECT, BEGIN or ROLLBACK), and only then lets PGlite's `syncToFs()` reach the worker;
 * - a transaction flushes once, after COMMIT (PGlite's worker client flushes per statement outside
 *   transactions only);
 * - with `deferFlushMs`, those flushes wait that long, so a burst of writes (a shape batch per shape
 *   after one change on the server) flushes once, after the screen has read them; a write that must
 *   be on disk before going on (an outbox entry, a dismissed rejection, a wipe) calls
 *   {@link ReplicaDb.flush}. Writes lost to a crash inside that window leave IndexedDB at an earlier
 *   consistent point (one flush is one IndexedDB transaction): replica rows come again from their
 *   stored shape position, an answered mutation is sent again and the server returns its stored
 *   result.
 * A read never changes committed data, so skipping its flush loses nothing.
 */
import type { Transaction } from '@electric-sql/pglite';
import { PGliteWorker, type PGliteWorkerOptions } from '@electric-sql/pglite/worker';

/** Statements that cannot change committed data. SELECT with a side-effecting function is not one. */
const READ_ONLY = /^\s*(select|begin|rollback|show)\b/i;
const WRITES_ANYWAY = /\b(into|nextval|setval|pg_notify|set_config|lo_\w+|pg_advisory\w*|for\s+update)\b/i;

/** The SQL of a Parse ('P') or simple Query ('Q') message; undefined for other messages. */
function sqlOf(message: Uint8Array): string | undefined {
  const kind = message[0];
  if (kind !== 0x50 && kind !== 0x51) return undefined;
  let start = 5;
  if (kind === 0x50) {
    // Parse: statement name (NUL-terminated), then the query text.
    while (start < message.length && message[start] !== 0) start++;
    start++;
  }
  let end = start;
  while (end < message.length && message[end] !== 0) end++;
  return new TextDecoder().decode(message.subarray(start, end));
}

/** True when `message` may change what is stored (conservative: unknown messages count as writes). */
export function mayWrite(message: Uint8Array): boolean {
  const kind = message[0];
  // Bind, Describe, Execute, Sync, Close, Flush carry no SQL: what they run was judged at Parse.
  if (kind === 0x42 || kind === 0x44 || kind === 0x45 || kind === 0x53 || kind === 0x43 || kind === 0x48)
    return false;
  const sql = sqlOf(message);
  if (sql === undefined) return true;
  return !READ_ONLY.test(sql) || WRITES_ANYWAY.test(sql);
}

/**
 * A PGliteWorker that flushes to IndexedDB only after writes. Use with a worker running
 * `runReplicaWorker()` (`@comanda/sync/worker`).
 *
 * @example
 * const pg = new ReplicaDb(new Worker(new URL('./replica-worker.ts', import.meta.url), { type: 'module' }),
 *   { dataDir: 'idb://comanda-kitchen', extensions: { live } });
 * await pg.waitReady;
 */
export class ReplicaDb extends PGliteWorker {
  #dirty = false;
  /** The flush under way (flushes run one after another). */
  #flushing: Promise<void> = Promise.resolve();
  readonly #deferMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(worker: Worker, options?: PGliteWorkerOptions & { deferFlushMs?: number }) {
    super(worker, options);
    this.#deferMs = options?.deferFlushMs ?? 0;
  }

  #note(message: Uint8Array) {
    if (!this.#dirty && mayWrite(message)) this.#dirty = true;
  }

  override execProtocolRaw(message: Uint8Array): Promise<Uint8Array> {
    this.#note(message);
    return super.execProtocolRaw(message);
  }

  override execProtocol(message: Uint8Array): ReturnType<PGliteWorker['execProtocol']> {
    this.#note(message);
    return super.execProtocol(message);
  }

  override execProtocolStream(message: Uint8Array): ReturnType<PGliteWorker['execProtocolStream']> {
    this.#note(message);
    return super.execProtocolStream(message);
  }

  override execProtocolRawStream(
    message: Uint8Array,
    options: { onRawData: (data: Uint8Array) => void },
  ): Promise<void> {
    this.#note(message);
    return super.execProtocolRawStream(message, options);
  }

  /** PGlite calls this after each write outside a transaction: flushes now, or after `deferFlushMs`. */
  override syncToFs(): Promise<void> {
    if (!this.#deferMs) return this.flush();
    if (this.#dirty && !this.#timer)
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.#deferMs);
    return Promise.resolve();
  }

  /** Flushes what was written since the last flush; with nothing written, waits for a flush under way. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty) return this.#flushing;
    this.#dirty = false;
    const run = this.#flushing.then(() => super.syncToFs());
    this.#flushing = run.catch(() => {
      // Not flushed: the next write's flush takes it along.
      this.#dirty = true;
    });
    return run;
  }

  override async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await super.close();
  }

  override async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await super.transaction(callback);
    } finally {
      await this.syncToFs();
    }
  }
}

/** Flushes `pg` to its storage now when it is a {@link ReplicaDb} (others flush on their own). */
export async function flushNow(pg: object): Promise<void> {
  if (pg instanceof ReplicaDb) await pg.flush();
}
