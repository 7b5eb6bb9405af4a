/** The shape protocol's request parameters, offsets and handles (ELECTRIC-PROTOCOL.md "Request"). */
import { createHash, randomBytes } from 'node:crypto';

/** A position in the change log: transaction position `pos` and operation `op` (Infinity: after all ops of `pos`). */
export interface LogOffset {
  pos: number;
  op: number;
}

export type RequestOffset =
  { kind: 'start' } | { kind: 'now' } | { kind: 'log'; at: LogOffset; snapshotEnd: boolean };

export interface ShapeRequest {
  offset: RequestOffset;
  handle?: string;
  live: boolean;
  replicaFull: boolean;
  changesOnly: boolean;
  cursor?: string;
  branch?: string;
}

/** Parameter name -> problems, as Electric reports a 400. */
export type ParamErrors = Record<string, string[]>;

const OFFSET = /^(\d{1,18})_(\d{1,9}|inf)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `a` strictly after `b`. */
export const after = (a: LogOffset, b: LogOffset) => a.pos > b.pos || (a.pos === b.pos && a.op > b.op);

/** Offset text: `<pos>_<op>`, or `<pos>_inf`. */
export const formatOffset = (o: LogOffset) => `${o.pos}_${Number.isFinite(o.op) ? o.op : 'inf'}`;

/** Reads the query string; unknown parameters (cache busters, `table`, `where`, `columns` sent by a client) are ignored. */
export function parseShapeRequest(
  q: URLSearchParams,
): { ok: true; req: ShapeRequest } | { ok: false; errors: ParamErrors } {
  const errors: ParamErrors = {};
  const fail = (p: string, m: string) => {
    errors[p] = [...(errors[p] ?? []), m];
  };
  const raw = q.get('offset');
  let offset: RequestOffset = { kind: 'start' };
  if (raw === null) fail('offset', "can't be blank");
  else if (raw === '-1') offset = { kind: 'start' };
  else if (raw === 'now') offset = { kind: 'now' };
  else {
    const m = OFFSET.exec(raw);
    if (!m) fail('offset', 'has invalid format');
    else {
      const pos = Number(m[1]);
      const op = m[2] === 'inf' ? Number.POSITIVE_INFINITY : Number(m[2]);
      offset = { kind: 'log', at: { pos, op }, snapshotEnd: pos === 0 };
    }
  }
  const live = q.get('live');
  if (live !== null && live !== 'true' && live !== 'false') fail('live', 'must be true or false');
  // No server-sent events here: answering JSON to an SSE request would let the client lose data silently.
  for (const p of ['live_sse', 'experimental_live_sse'])
    if (q.get(p) === 'true')
      fail(p, 'server-sent events are not supported by this server; use long polling (liveSse: false)');
  if ([...q.keys()].some((k) => k.startsWith('subset__')))
    fail('subset', 'subset snapshots are not supported');
  const handle = q.get('handle') ?? undefined;
  if (offset.kind === 'log' && !handle) fail('handle', "can't be blank when offset is not -1 or now");
  if (handle !== undefined && (handle.length > 200 || !/^[\w.-]+$/.test(handle)))
    fail('handle', 'has invalid format');
  if (live === 'true' && offset.kind === 'start') fail('live', "can't be true with offset -1");
  if (live === 'true' && offset.kind === 'now') fail('live', "can't be true with offset now");
  const replica = q.get('replica');
  if (replica !== null && replica !== 'default' && replica !== 'full')
    fail('replica', 'must be default or full');
  const log = q.get('log');
  if (log !== null && log !== 'full' && log !== 'changes_only') fail('log', 'must be full or changes_only');
  const branch = q.get('branch') ?? undefined;
  if (branch !== undefined && !UUID.test(branch)) fail('branch', 'must be a branch id');
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    req: {
      offset,
      handle,
      live: live === 'true',
      replicaFull: replica === 'full',
      changesOnly: log === 'changes_only',
      cursor: q.get('cursor') ?? undefined,
      branch: branch?.toLowerCase(),
    },
  };
}

/**
 * A handle names one snapshot of one shape for one scope: `<snapshot position>-<nonce>-<digest>`.
 * The digest covers the log's epoch, the shape's definition and the caller's scope, so a handle made
 * for another branch, another definition or a recreated log is stale (409) instead of silently
 * wrong. The nonce makes every snapshot's handle new, so a refetch never gets back the handle the
 * client just marked expired. Handles are stateless: the server keeps nothing per client.
 */
export function makeHandle(snapshotPos: number, identity: string): string {
  const nonce = randomBytes(4).toString('hex');
  return `${snapshotPos}-${nonce}-${digest(`${snapshotPos}-${nonce}|${identity}`)}`;
}

export function readHandle(handle: string, identity: string): { snapshotPos: number } | undefined {
  // A device sends the same handle with each of its requests: its digest is checked once.
  const known = checked.get(handle);
  if (known && known.identity === identity) return known.read;
  const m = /^(\d{1,18})-([0-9a-f]{8})-([0-9a-f]{20})$/.exec(handle);
  if (!m || m[3] !== digest(`${m[1]}-${m[2]}|${identity}`)) return undefined;
  const read = { snapshotPos: Number(m[1]) };
  if (checked.size >= CHECKED_CACHE_SIZE) checked.clear();
  checked.set(handle, { identity, read });
  return read;
}

const CHECKED_CACHE_SIZE = 10_000;
const checked = new Map<string, { identity: string; read: { snapshotPos: number } }>();

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 20);

/** The live cursor: seconds, strictly above the one the client sent (Electric's cache-busting rule). */
export function nextCursor(sent: string | undefined): string {
  const now = Math.floor(Date.now() / 1000);
  const prev = sent && /^\d{1,15}$/.test(sent) ? Number(sent) : 0;
  return String(Math.max(now, prev + 1));
}
