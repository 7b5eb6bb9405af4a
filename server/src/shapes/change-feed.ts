/**
 * Follows the change log for one server: reads new positions as soon as a transaction commits
 * (the server's own commits wake it in-process; other writers through LISTEN/NOTIFY on PostgreSQL,
 * PGlite's in-process notifications), keeps a window of recent rows in memory so live clients are
 * answered without a query each, and wakes the long-polls a change is for.
 *
 * Commit order (migration 0010): each writing transaction draws one position at COMMIT, without a
 * lock, so a later position can become visible before an earlier one whose transaction is still
 * committing. The feed never passes a missing position while it may still appear. A position
 * missing below a visible one was drawn by a transaction that had an xid before the read began and
 * had not committed by then. Right after that read the feed notes every transaction running at that
 * moment (`pg_stat_activity`, which also lists the running xids a snapshot leaves out because they
 * are above its xmax); once a later read's snapshot shows all of them ended, the position is there,
 * or its transaction rolled back and it never will be. `head` only ever passes settled positions.
 */
import type { Db } from '../db/index.ts';
import { after, type LogOffset } from './protocol.ts';

/** One captured row change, as stored in change_log. */
export interface LogRow {
  pos: number;
  op: number;
  xid: number;
  tbl: string;
  kind: 'insert' | 'update' | 'delete';
  tenant_id: string | null;
  branch_id: string | null;
  new_row: string | null;
  old_row: string | null;
}

/** A parked live request: `take` returns true when the new rows answered it. */
export interface Waiter {
  take(rows: readonly LogRow[], head: number): boolean;
}

export interface FeedOptions {
  /** Rows kept in memory; older positions are read from the database. */
  windowRows?: number;
  /** Safety net when a notification is lost (a dropped LISTEN connection): read anyway this often. */
  pollMs?: number;
}

const ROW_COLUMNS =
  'pos, op, xid, tbl, kind, tenant_id::text AS tenant_id, branch_id::text AS branch_id, new_row, old_row';

/** A snapshot as `pg_current_snapshot()::text` gives it: `xmin:xmax:xip,...`. */
export interface Snapshot {
  xmin: number;
  xmax: number;
  running: Set<number>;
}

export function parseSnapshot(text: string): Snapshot {
  const [xmin, xmax, xip] = text.split(':');
  return {
    xmin: Number(xmin),
    xmax: Number(xmax),
    running: new Set(xip ? xip.split(',').map(Number) : []),
  };
}

/** True when transaction `xid` may still be running as `snap` sees it (above xmax: not known to have ended). */
const runningIn = (snap: Snapshot, xid: number) =>
  xid >= snap.xmin && (xid >= snap.xmax || snap.running.has(xid));

const EPOCH = 2 ** 32;

/** A 32-bit xid as the full transaction id nearest to `near` (a full id): same epoch, or one either side at a wrap. */
export function fullXid(xid: number, near: number): number {
  const epoch = Math.floor(near / EPOCH);
  const low = near - epoch * EPOCH;
  if (xid - low > EPOCH / 2) return (epoch - 1) * EPOCH + xid;
  if (low - xid > EPOCH / 2) return (epoch + 1) * EPOCH + xid;
  return epoch * EPOCH + xid;
}

/** How long the change log may be read back at start for positions still being committed. */
const START_LOOKBACK = 10_000;

export class ChangeFeed {
  /** Every position up to here has been read or is a settled gap (of a rolled-back transaction): nothing at or below it can still appear. */
  head = 0;
  /** The window holds every row with pos > windowStart. */
  windowStart = 0;
  epoch = '';
  trimmedUpto = 0;
  readonly #db: Db;
  readonly #opts: Required<FeedOptions>;
  #rows: LogRow[] = [];
  readonly #waiters = new Set<Waiter>();
  #chain: Promise<void> = Promise.resolve();
  #queued = false;
  #stopListening?: () => Promise<void>;
  #timer?: NodeJS.Timeout;
  #closed = false;
  /** Missing positions seen below a visible one, and the transactions running right after (see #runningNow). */
  readonly #gaps = new Map<number, number[] | undefined>();
  #gapTimer?: NodeJS.Timeout;
  /** The highest position any read has seen, held back behind a gap or not. */
  #seen = 0;
  /** `comanda.naive_change_log = on`: trust position order (only to show the concurrency test failing). */
  #naive = false;

  constructor(db: Db, opts: FeedOptions = {}) {
    this.#db = db;
    this.#opts = { windowRows: opts.windowRows ?? 50_000, pollMs: opts.pollMs ?? 2_000 };
  }

  async start(): Promise<void> {
    const [meta] = await this.#db.query<{
      epoch: string;
      trimmed_upto: number;
      head: number;
      positions: number[];
      naive: boolean;
    }>(
      `SELECT epoch, trimmed_upto, h.head,
         (SELECT coalesce(array_agg(DISTINCT pos ORDER BY pos), '{}') FROM change_log WHERE pos > h.head - $1) AS positions,
         coalesce(current_setting('comanda.naive_change_log', true), '') = 'on' AS naive
       FROM change_log_meta, (SELECT coalesce(max(pos), 0) AS head FROM change_log) h`,
      [START_LOOKBACK],
    );
    if (!meta) throw new Error('change_log_meta is empty: migration 0002 did not run');
    this.epoch = meta.epoch;
    this.trimmedUpto = Number(meta.trimmed_upto);
    this.#naive = meta.naive;
    // The last positions of the log may have gaps that are still being committed: start below the
    // first one, and let the first read settle them like any other.
    let head = Number(meta.head);
    const positions = meta.positions.map(Number);
    if (!this.#naive) {
      const running = await this.#runningNow();
      for (let i = 1; i < positions.length; i++)
        for (let gap = positions[i - 1]! + 1; gap < positions[i]!; gap++) {
          head = Math.min(head, gap - 1);
          this.#gaps.set(gap, running);
        }
    }
    this.head = Math.max(head, this.trimmedUpto);
    this.windowStart = this.head;
    this.#stopListening = await this.#db.listen('comanda_change', () => this.poke());
    this.#timer = setInterval(() => this.poke(), this.#opts.pollMs);
    this.#timer.unref();
    if (this.#gaps.size) this.poke();
  }

  /** Trusting position order as it comes (see `comanda.naive_change_log`). */
  get naive(): boolean {
    return this.#naive;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#gapTimer);
    await this.#stopListening?.();
    await this.#chain;
    for (const w of this.#waiters) w.take([], this.head);
    this.#waiters.clear();
  }

  /** Something committed: read the new positions. Reads run one at a time; pokes while one is queued are merged. */
  poke(): void {
    if (this.#closed || this.#queued) return;
    this.#queued = true;
    this.#chain = this.#chain
      .then(() => {
        this.#queued = false;
        return this.#closed ? undefined : this.#readNew();
      })
      .catch((e) => {
        if (!this.#closed) console.error('[comanda] change feed read failed', e);
      });
  }

  /**
   * Resolves once every position committed before the call has been read: also past a gap that
   * was still being committed then (for at most about a second, should one hang).
   */
  async catchUp(): Promise<void> {
    this.poke();
    await this.#chain;
    // Only what was visible then: with writes going on, new gaps keep opening above it.
    const visible = this.#seen;
    for (let i = 0; this.head < visible && i < 200 && !this.#closed; i++) {
      await new Promise((r) => setTimeout(r, 5));
      this.poke();
      await this.#chain;
    }
  }

  async #readNew(): Promise<void> {
    // A closed range, not just `pos > $1`: the planner then always takes it for a narrow one and
    // scans the primary key. Open-ended, the plan cached while the log was small (or before it had
    // statistics) was a sequential scan of the whole log, on every commit: about 1 ms of database
    // CPU per write once the log held a few thousand rows, more than the write itself.
    // The statement's snapshot, taken once (an uncorrelated subquery); in the select list it was
    // built and printed again for every row.
    const rows = await this.#db.query<LogRow & { snap: string }>(
      `SELECT ${ROW_COLUMNS}, (SELECT pg_current_snapshot()::text) AS snap FROM change_log
        WHERE pos > $1 AND pos <= $2 ORDER BY pos, op`,
      [this.head, Number.MAX_SAFE_INTEGER],
    );
    if (!rows.length) return;
    this.#seen = Math.max(this.#seen, Number(rows[rows.length - 1]!.pos));
    const snap = parseSnapshot(rows[0]!.snap);
    // Rows up to the first gap that may still be filled; the rest wait for the next read.
    let next = this.head + 1;
    let cut = rows.length;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      r.pos = Number(r.pos);
      r.xid = Number(r.xid);
      delete (r as Partial<typeof r>).snap;
      if (r.pos < next) continue;
      for (; next < r.pos && cut === rows.length; next++) if (!this.#gapSettled(next, snap)) cut = i;
      if (cut !== rows.length) break;
      next = r.pos + 1;
    }
    // Gaps seen for the first time: who was running right after this read (not settled before a
    // later read's snapshot shows all of them ended).
    const fresh = [...this.#gaps].filter(([, running]) => !running).map(([gap]) => gap);
    if (fresh.length) {
      const running = await this.#runningNow();
      for (const gap of fresh) this.#gaps.set(gap, running);
    }
    clearTimeout(this.#gapTimer);
    if (this.#gaps.size)
      // A transaction that rolled back notifies nobody: look again soon rather than at the next poll.
      this.#gapTimer = setTimeout(() => this.poke(), 10);
    if (!cut) return;
    const batch = cut === rows.length ? rows : rows.slice(0, cut);
    this.#rows.push(...batch);
    this.head = batch[batch.length - 1]!.pos;
    for (const gap of this.#gaps.keys()) if (gap <= this.head) this.#gaps.delete(gap);
    if (this.#rows.length > this.#opts.windowRows)
      this.#dropThrough(this.#rows[this.#rows.length - this.#opts.windowRows]!.pos);
    for (const w of [...this.#waiters]) if (w.take(batch, this.head)) this.#waiters.delete(w);
  }

  /**
   * May the feed pass `pos`, missing from the log in `snap`? Not when first seen missing; then only
   * once every transaction running right after that read has ended: it is there, or never will be.
   */
  #gapSettled(pos: number, snap: Snapshot): boolean {
    if (this.#naive) return true;
    if (!this.#gaps.has(pos)) {
      this.#gaps.set(pos, undefined);
      return false;
    }
    const running = this.#gaps.get(pos);
    return running !== undefined && !running.some((xid) => runningIn(snap, xid));
  }

  /**
   * The transactions running now, as full transaction ids: those a snapshot lists, and those it
   * leaves out because their xids are above its xmax (`pg_stat_activity.backend_xid`, a 32-bit xid,
   * put in the epoch that brings it closest to the snapshot's xmax). PGlite runs one transaction at
   * a time: nothing else is running then.
   */
  async #runningNow(): Promise<number[]> {
    if (this.#db.kind === 'pglite') return [];
    const [r] = await this.#db.query<{ snap: string; active: number[] }>(
      `SELECT s::text AS snap,
         coalesce((SELECT array_agg(a.backend_xid::text::bigint) FROM pg_stat_activity a
                   WHERE a.backend_xid IS NOT NULL), '{}') AS active
       FROM pg_current_snapshot() s`,
    );
    const snap = parseSnapshot(r!.snap);
    return [...new Set([...snap.running, ...r!.active.map((x) => fullXid(Number(x), snap.xmax))])];
  }

  /** Forgets rows at or below `pos` (whole positions only, so a transaction is never half in memory). */
  #dropThrough(pos: number) {
    if (pos <= this.windowStart) return;
    let i = 0;
    while (i < this.#rows.length && this.#rows[i]!.pos <= pos) i++;
    this.#rows.splice(0, i);
    this.windowStart = pos;
  }

  /** Rows after `from` from memory, or undefined when the window does not reach back that far. */
  fromMemory(from: LogOffset): LogRow[] | undefined {
    if (from.pos < this.windowStart) return undefined;
    // Binary search for the first row after `from`.
    let lo = 0;
    let hi = this.#rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (after(this.#rows[mid]!, from)) hi = mid;
      else lo = mid + 1;
    }
    return this.#rows.slice(lo);
  }

  /** Rows after `from`, up to `head`, of one table and scope, from the database; at most about `limit`, cut on a transaction boundary. */
  async fromDb(
    from: LogOffset,
    scope: { tbl: string; tenantId: string; branchId?: string },
    limit: number,
  ): Promise<{ rows: LogRow[]; complete: boolean; trimmedUpto: number }> {
    const params: unknown[] = [
      from.pos,
      Number.isFinite(from.op) ? from.op : 2 ** 31 - 1,
      scope.tbl,
      scope.tenantId,
      this.head,
      limit + 1,
    ];
    let branchSql = '';
    if (scope.branchId) {
      params.push(scope.branchId);
      branchSql = ` AND branch_id = $${params.length}`;
    }
    const rows = await this.#db.query<LogRow & { trimmed_upto: number }>(
      `SELECT ${ROW_COLUMNS}, (SELECT trimmed_upto FROM change_log_meta) AS trimmed_upto FROM change_log
        WHERE (pos, op) > ($1, $2) AND pos <= $5 AND tbl = $3 AND tenant_id = $4${branchSql}
        ORDER BY pos, op LIMIT $6`,
      params,
    );
    const [meta] = rows.length
      ? [{ trimmed_upto: rows[0]!.trimmed_upto }]
      : await this.#db.query<{ trimmed_upto: number }>('SELECT trimmed_upto FROM change_log_meta');
    for (const r of rows) {
      r.pos = Number(r.pos);
      r.xid = Number(r.xid);
    }
    let complete = true;
    if (rows.length > limit) {
      complete = false;
      const lastPos = rows[limit]!.pos;
      const cut = rows.findIndex((r) => r.pos === lastPos);
      if (cut === 0) {
        // One transaction larger than the limit: send it whole.
        const whole = await this.fromDb(
          { pos: lastPos - 1, op: Number.POSITIVE_INFINITY },
          scope,
          Number.MAX_SAFE_INTEGER,
        );
        return {
          rows: whole.rows.filter((r) => r.pos === lastPos),
          complete: false,
          trimmedUpto: whole.trimmedUpto,
        };
      }
      rows.length = cut;
    }
    return { rows, complete, trimmedUpto: Number(meta?.trimmed_upto ?? 0) };
  }

  /** Parks a live request until `take` accepts new rows (or `cancel`). */
  wait(w: Waiter): () => void {
    this.#waiters.add(w);
    return () => this.#waiters.delete(w);
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Retention: deletes positions older than `olderThanMs` and remembers the highest one removed; a
   * client still behind it gets 409 must-refetch. Returns that position.
   */
  async trim(olderThanMs: number): Promise<number> {
    const upto = await this.#db.transaction(async (tx) => {
      const [row] = await tx.query<{ upto: number | null }>(
        `SELECT max(pos) AS upto FROM change_log WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)`,
        [olderThanMs],
      );
      const cut = Number(row?.upto ?? 0);
      if (!cut) return 0;
      await tx.query('DELETE FROM change_log WHERE pos <= $1', [cut]);
      const [m] = await tx.query<{ trimmed_upto: number }>(
        'UPDATE change_log_meta SET trimmed_upto = greatest(trimmed_upto, $1) RETURNING trimmed_upto',
        [cut],
      );
      return Number(m?.trimmed_upto ?? cut);
    });
    if (upto) {
      this.trimmedUpto = Math.max(this.trimmedUpto, upto);
      this.#dropThrough(Math.min(upto, this.head));
    }
    return upto;
  }
}
