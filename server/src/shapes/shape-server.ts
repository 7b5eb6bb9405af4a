/** Answers shape requests from the change log: snapshot, catch-up and live long-poll. */
import { SYNCED_TABLES } from '@comanda/schema';
import type { Db } from '../db/index.ts';
import { type BoundShape, ident, whereSql } from './access.ts';
import { type ColumnSchema, loadCatalog, type TableInfo } from './catalog.ts';
import { ChangeFeed, type LogRow, type Waiter } from './change-feed.ts';
import {
  type ChangeMessage,
  type ControlMessage,
  changeMessages,
  messagesJson,
  snapshotMessageSql,
} from './messages.ts';
import {
  after,
  formatOffset,
  type LogOffset,
  makeHandle,
  nextCursor,
  readHandle,
  type ShapeRequest,
} from './protocol.ts';

/** What the route sends back: status, electric-* headers and the JSON body. */
export interface ShapeAnswer {
  status: 200 | 409;
  headers: Record<string, string>;
  body: (ChangeMessage | ControlMessage)[];
  /** `body` already serialized (shared by every client answered from the same batch). */
  text?: string;
}

/** Per batch of new log rows: the answer of each (shape, offset) group, serialized once. */
const sharedAnswers = new WeakMap<
  readonly LogRow[],
  Map<string, { msgs: (ChangeMessage | ControlMessage)[]; text?: string }>
>();

export interface ShapeServerOptions {
  /** How long a live request waits for a change before answering up-to-date (Electric: about 20 s). */
  liveTimeoutMs: number;
  /** Most log rows read from the database for one catch-up answer (the rest comes in the next request). */
  catchUpLimit?: number;
  windowRows?: number;
  /** The change feed's safety-net read interval (see Config.shapeFeedPollMs). */
  pollMs?: number;
}

const INF = Number.POSITIVE_INFINITY;
const maxOffset = (a: LogOffset, b: LogOffset) => (after(a, b) ? a : b);

/**
 * Lets a parked long-poll go when its client hangs up: registers `f` (called at most once) and
 * returns what unregisters it. A callback, not an AbortSignal: making an AbortController for every
 * live request was about a tenth of the CPU each one cost (V8 profile, 200 live clients).
 */
export type OnHangUp = (f: () => void) => () => void;

/** What a 200 answer says: its handle, the offset it covers, its messages, the head, up to date or not. */
type AnswerParts = [
  handle: string,
  offset: LogOffset,
  messages: (ChangeMessage | ControlMessage)[],
  head: number,
  upToDate: boolean,
];

/**
 * A 200 answer: electric-* headers (`schema`, the electric-schema header, on requests that are not
 * live), the messages, and an up-to-date control message when it is up to date.
 */
function answerOf(
  req: ShapeRequest,
  schema: string | undefined,
  ...[handle, offset, messages, head, upToDate]: AnswerParts
): ShapeAnswer {
  const headers: Record<string, string> = {
    'electric-handle': handle,
    'electric-offset': formatOffset(offset),
  };
  if (req.live) headers['electric-cursor'] = nextCursor(req.cursor);
  else if (schema !== undefined) headers['electric-schema'] = schema;
  const body = [...messages];
  if (upToDate) {
    headers['electric-up-to-date'] = 'true';
    // Positions are global and commit-ordered: nothing at or below `head` can still arrive.
    body.push({
      headers: { control: 'up-to-date', global_last_seen_lsn: String(Math.max(head, offset.pos)) },
    });
  }
  return { status: 200, headers, body };
}

/**
 * A live request with nothing to send yet, parked until a change for its shape commits, its
 * timeout passes or its client hangs up; whichever comes first answers it.
 */
class ParkedPoll implements Waiter {
  #done = false;
  #timer?: NodeJS.Timeout;
  #cancel?: () => void;
  #release?: () => void;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly shape: BoundShape,
    private readonly table: TableInfo,
    private readonly req: ShapeRequest,
    private readonly handle: string,
    /** Everything up to here has been sent: the answer starts after it. */
    private readonly since: LogOffset,
    private readonly resolve: (a: ShapeAnswer) => void,
  ) {}

  park(timeoutMs: number, onHangUp: OnHangUp | undefined) {
    this.#cancel = this.feed.wait(this);
    this.#timer = setTimeout(() => this.#finish(this.#idle()), timeoutMs);
    this.#release = onHangUp?.(() => this.#finish(this.#idle()));
  }

  take(batch: readonly LogRow[], newHead: number): boolean {
    const { shape, req, since } = this;
    // Many clients wait on the same shape from the same offset (every tablet of a kitchen):
    // their answer is computed and serialized once per batch, not once per client.
    const key = `${shape.tenantId}|${shape.identity}|${req.replicaFull ? 1 : 0}|${since.pos}_${since.op}`;
    let groups = sharedAnswers.get(batch);
    if (!groups) sharedAnswers.set(batch, (groups = new Map()));
    let shared = groups.get(key);
    if (!shared) {
      const fresh = batch.filter((r) => after(r, since));
      shared = { msgs: changeMessages(shape, this.table, fresh, req.replicaFull) };
      groups.set(key, shared);
    }
    if (!shared.msgs.length && batch.length) return false;
    const answer = answerOf(
      req,
      undefined,
      this.handle,
      maxOffset(since, { pos: newHead, op: INF }),
      shared.msgs,
      newHead,
      true,
    );
    shared.text ??= JSON.stringify(answer.body);
    answer.text = shared.text;
    this.#finish(answer);
    return true;
  }

  /** Nothing new: up to date as of the feed's head now. */
  #idle(): ShapeAnswer {
    const head = this.feed.head;
    return answerOf(
      this.req,
      undefined,
      this.handle,
      maxOffset(this.since, { pos: head, op: INF }),
      [],
      head,
      true,
    );
  }

  #finish(answer: ShapeAnswer) {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#cancel?.();
    this.#release?.();
    this.resolve(answer);
  }
}

export class ShapeServer {
  readonly feed: ChangeFeed;
  #catalog = new Map<string, TableInfo>();
  readonly #db: Db;
  readonly #opts: ShapeServerOptions;
  readonly #schemas = new Map<string, string>();

  constructor(db: Db, opts: ShapeServerOptions) {
    this.#db = db;
    this.#opts = opts;
    this.feed = new ChangeFeed(db, { windowRows: opts.windowRows, pollMs: opts.pollMs });
  }

  async start() {
    this.#catalog = await loadCatalog(this.#db, SYNCED_TABLES);
    await this.feed.start();
  }

  close() {
    return this.feed.close();
  }

  /** Answers one request. `onHangUp` ends a parked long-poll when the client goes away. */
  async answer(shape: BoundShape, req: ShapeRequest, onHangUp?: OnHangUp): Promise<ShapeAnswer> {
    const table = this.#catalog.get(shape.def.table);
    if (!table)
      throw new Error(`shape ${shape.def.name} reads ${shape.def.table}, which is not in the catalog`);
    const identity = `${this.feed.epoch}|${shape.identity}`;
    const { offset } = req;
    if (offset.kind === 'start') return this.#snapshot(shape, table, identity, req);
    if (offset.kind === 'now') {
      const head = this.feed.head;
      return this.#ok(shape, table, req, makeHandle(head, identity), { pos: head, op: INF }, [], head, true);
    }
    const handle = req.handle ? readHandle(req.handle, identity) : undefined;
    if (!handle) return this.#mustRefetch(identity);
    let from: LogOffset;
    if (offset.snapshotEnd) {
      // Only the end of the snapshot (0_inf) can be resumed: the snapshot itself is never served in parts.
      if (offset.at.op !== INF) return this.#mustRefetch(identity);
      from = { pos: handle.snapshotPos, op: INF };
    } else {
      if (offset.at.pos < handle.snapshotPos) return this.#mustRefetch(identity);
      from = offset.at;
    }
    const handleText = req.handle!;

    // A request that does not wait is answered with everything committed before it arrived (a
    // client that has just written reads its write back), not just what the feed had read by then:
    // the notification of a commit can still be on its way when the writer's next request comes.
    if (!req.live) await this.feed.catchUp();
    const head = this.feed.head;
    let rows = this.feed.fromMemory(from);
    let complete = true;
    let covered: LogOffset = maxOffset(from, { pos: head, op: INF });
    if (!rows) {
      // Older than the memory window: from the database, unless trimming took what this client needs.
      if (from.pos < this.feed.trimmedUpto) return this.#mustRefetch(identity);
      const got = await this.feed.fromDb(
        from,
        { tbl: table.name, tenantId: shape.tenantId, branchId: shape.branchId },
        this.#opts.catchUpLimit ?? 10_000,
      );
      if (from.pos < got.trimmedUpto) return this.#mustRefetch(identity);
      rows = got.rows;
      complete = got.complete;
      if (!complete) covered = { pos: rows[rows.length - 1]!.pos, op: INF };
    }
    let messages = changeMessages(shape, table, rows, req.replicaFull);
    // The answer covers positions up to `covered`, and its up-to-date says so: never the feed's head
    // of now, which the database read above may have let move on. pglite-sync drops every later
    // change at or below an up-to-date's global_last_seen_lsn, so a promise past what was sent
    // would lose the rows in between for good.
    if (!complete) return this.#ok(shape, table, req, handleText, covered, messages, covered.pos, false);
    if (messages.length || !req.live)
      return this.#ok(shape, table, req, handleText, covered, messages, covered.pos, true);

    // Live and nothing yet. Rows read while the database answered are in memory: look once more,
    // then park without awaiting in between, so no batch can slip past.
    const more = this.feed.fromMemory(covered);
    // The window moved past `covered` meanwhile (a burst of writes): answer what is covered, and
    // let the client's next request read the rest from the database, rather than park past rows.
    if (!more) return this.#ok(shape, table, req, handleText, covered, [], covered.pos, true);
    if (more.length) {
      covered = maxOffset(covered, { pos: this.feed.head, op: INF });
      messages = changeMessages(shape, table, more, req.replicaFull);
      if (messages.length)
        return this.#ok(shape, table, req, handleText, covered, messages, this.feed.head, true);
    }
    covered = maxOffset(covered, { pos: this.feed.head, op: INF });
    return new Promise<ShapeAnswer>((resolve) => {
      const poll = new ParkedPoll(this.feed, shape, table, req, handleText, covered, resolve);
      poll.park(this.#opts.liveTimeoutMs, onHangUp);
    });
  }

  async #snapshot(
    shape: BoundShape,
    table: TableInfo,
    identity: string,
    req: ShapeRequest,
  ): Promise<ShapeAnswer> {
    const { sql, params } = whereSql(shape, (c) => {
      const t = table.types[c];
      if (!t || t.dims)
        throw new Error(`shape ${shape.def.name} filters on ${c}, not a scalar column of ${table.name}`);
      return t.type;
    });
    const read = (settled: number) =>
      this.#db.transaction(
        async (tx) => {
          // One snapshot for the rows and the log position: every position up to `pos` is in the
          // rows, none after it, so changes resume exactly after `pos`.
          await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
          // Sorting 10,000 rows with their message text takes about 10 MB: in memory, not on disk.
          await tx.exec("SET LOCAL work_mem = '32MB'");
          // Positions up to `settled` (the feed's head when this began) are all in this snapshot.
          // Above it, a position may still be committing while later ones are visible (migration
          // 0010): the snapshot is then not cut at any position, and is taken again.
          const [m] = await tx.query<{ trimmed: number; top: number | null; n: number }>(
            `SELECT (SELECT trimmed_upto FROM change_log_meta) AS trimmed, max(pos) AS top, count(DISTINCT pos)::int AS n
             FROM change_log WHERE pos > $1 AND pos <= $2`,
            [settled, Number.MAX_SAFE_INTEGER],
          );
          const top = m?.top === null || m?.top === undefined ? settled : Number(m.top);
          if (top - settled !== Number(m?.n ?? 0) && !this.feed.naive) return undefined;
          // Each row's message comes out of the database as JSON text (see snapshotMessageSql).
          const rows = req.changesOnly
            ? []
            : await tx.query<{ m: string }>(
                `SELECT ${snapshotMessageSql(shape, table)} AS m FROM ${ident(table.name)} t WHERE ${sql} ORDER BY t.id`,
                params,
              );
          return { pos: Math.max(top, Number(m?.trimmed ?? 0)), rows };
        },
        { readOnly: true },
      );
    let got = await read(this.feed.head);
    for (let tries = 0; !got; tries++) {
      if (tries >= 50) throw new Error('the change log kept a gap open for too long to take a snapshot');
      // Let the feed pass what has committed meanwhile (and settle gaps of rolled-back transactions).
      await this.feed.catchUp();
      got = await read(this.feed.head);
    }
    const { pos, rows } = got;
    const answer = this.#ok(shape, table, req, makeHandle(pos, identity), { pos: 0, op: INF }, [], pos, true);
    answer.text = messagesJson(
      rows.map((r) => r.m),
      answer.body,
    );
    return answer;
  }

  #ok(shape: BoundShape, table: TableInfo, req: ShapeRequest, ...parts: AnswerParts): ShapeAnswer {
    return answerOf(req, req.live ? undefined : this.#schema(shape, table), ...parts);
  }

  #mustRefetch(identity: string): ShapeAnswer {
    return {
      status: 409,
      headers: { 'electric-handle': makeHandle(this.feed.head, identity) },
      body: [{ headers: { control: 'must-refetch' } }],
    };
  }

  #schema(shape: BoundShape, table: TableInfo): string {
    const key = `${table.name}|${shape.access.columns.join(',')}`;
    let s = this.#schemas.get(key);
    if (!s) {
      const out: Record<string, ColumnSchema> = {};
      for (const c of shape.access.columns) {
        const t = table.types[c];
        if (!t) throw new Error(`shape ${shape.def.name}: column ${c} is not in ${table.name}`);
        out[c] = t;
      }
      s = JSON.stringify(out);
      this.#schemas.set(key, s);
    }
    return s;
  }
}
