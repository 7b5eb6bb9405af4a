/**
 * The one outbox sender of a device: drains the outbox in order, in batches, and turns every
 * answer into a definitive outcome or a retry. Never skips an entry, never blocks on a rejection.
 */
import { ErrorCode, MAX_BATCH, type MutationResult } from '@comanda/schema';
import type { SyncAuth } from './auth.ts';
import { Backoff, type BackoffOptions, retryAfterMs, sleep } from './backoff.ts';
import type { LocalStore, MutationOutcome, OutboxEntry } from './types.ts';

/** How one POST ended: every entry answered, or the batch must be tried again. */
export type SendResult =
  | { kind: 'accepted'; outcomes: MutationOutcome[] }
  | { kind: 'rejected'; outcomes: MutationOutcome[] }
  | { kind: 'retry'; reason: 'network' | 'server' | 'unauthorized' | 'split'; delayFloorMs?: number };

export interface SenderOptions {
  baseUrl: string;
  store: LocalStore;
  auth: SyncAuth;
  fetch?: typeof fetch;
  batchSize?: number;
  backoff?: BackoffOptions;
  /** Per-request timeout: a proxy that swallows a request must not stall the outbox forever. */
  requestTimeoutMs?: number;
  /** Transaction ids already seen in shape streams, per table (an answer can arrive after its row). */
  seenTxids: (txid: string) => string[];
  /** Called after outcomes are stored. */
  onSettled?: (outcomes: MutationOutcome[]) => void;
  /** Reachability as the sender sees it. */
  onConnection?: (state: 'online' | 'offline' | 'unauthorized') => void;
  onError?: (e: unknown) => void;
}

/**
 * Drains the outbox. `kick()` after an enqueue; `retryNow()` when the network comes back.
 *
 * @example
 * const sender = new Sender({ baseUrl, store, auth, seenTxids });
 * sender.start();
 * await store.enqueue(entry, effects); sender.kick();
 */
export class Sender {
  readonly #o: SenderOptions;
  readonly #backoff: Backoff;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #sleeper = new AbortController();
  #stop = new AbortController();
  /** After a 400 for a whole batch, send one at a time to find the entry that the server refuses. */
  #single = false;

  constructor(o: SenderOptions) {
    this.#o = o;
    this.#backoff = new Backoff({ initialMs: 250, maxMs: 15_000, ...o.backoff });
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stop = new AbortController();
    this.#loop = this.#run();
  }

  /** Stops after the request in flight (its answer is still stored). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
  }

  /** New entries in the outbox. */
  kick(): void {
    this.#wake?.();
  }

  /** The network is back: cut the backoff wait short. */
  retryNow(): void {
    this.#sleeper.abort();
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let batch: OutboxEntry[];
      try {
        batch = await this.#o.store.pending(this.#single ? 1 : (this.#o.batchSize ?? MAX_BATCH));
      } catch (e) {
        // The store closed under us (sign-out, tab closing): nothing to do but stop.
        this.#o.onError?.(e);
        if (!this.#running) return;
        await this.#pause(1000);
        continue;
      }
      if (!this.#running) return;
      if (batch.length === 0) {
        this.#single = false;
        await this.#idle();
        continue;
      }
      if (!this.#o.auth.token()) {
        this.#o.onConnection?.('unauthorized');
        await this.#idle();
        continue;
      }
      const result = await this.send(batch);
      if (result.kind === 'retry') {
        if (result.reason === 'split') {
          this.#single = true;
          continue;
        }
        if (result.reason === 'unauthorized') {
          const ok = await this.#o.auth.refresh().catch(() => undefined);
          if (ok === true) continue;
          if (ok === false) {
            // The session is over: keep every entry and wait for a new sign-in.
            this.#o.onConnection?.('unauthorized');
            await this.#idle();
            continue;
          }
        }
        await this.#pause(this.#backoff.next(result.delayFloorMs));
        continue;
      }
      this.#backoff.reset();
      try {
        await this.#o.store.settle(result.outcomes, this.#o.seenTxids);
      } catch (e) {
        // Not stored: the entries stay in the outbox and are sent again; the server answers the same.
        this.#o.onError?.(e);
        await this.#pause(this.#backoff.next());
        continue;
      }
      this.#o.onSettled?.(result.outcomes);
    }
  }

  /** One POST /api/mutations for `batch`, classified. Public for tests of the classification. */
  async send(batch: OutboxEntry[]): Promise<SendResult> {
    const token = this.#o.auth.token();
    const timeout = AbortSignal.timeout(this.#o.requestTimeoutMs ?? 30_000);
    const signal = AbortSignal.any([timeout, this.#stop.signal]);
    let res: Response;
    try {
      res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}/api/mutations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({
          mutations: batch.slice(0, MAX_BATCH).map(({ id, name, args }) => ({ id, name, args })),
        }),
        signal,
      });
    } catch {
      this.#o.onConnection?.('offline');
      return { kind: 'retry', reason: 'network' };
    }
    this.#o.onConnection?.('online');
    if (res.status === 401) return drain(res, { kind: 'retry', reason: 'unauthorized' });
    if (res.status >= 500 || res.status === 429 || res.status === 408)
      return drain(res, {
        kind: 'retry',
        reason: 'server',
        delayFloorMs: retryAfterMs(res.headers.get('retry-after')),
      });
    if (res.status === 200) {
      const body = (await res.json().catch(() => undefined)) as { results?: MutationResult[] } | undefined;
      const outcomes = matchResults(batch, body?.results);
      // A cut body or a stranger's answer: the ids are safe to send again.
      if (!outcomes) return { kind: 'retry', reason: 'network' };
      return { kind: outcomes.some((o) => o.status === 'rejected') ? 'rejected' : 'accepted', outcomes };
    }
    // 400 / 413 for the whole request: our error body names what is wrong with it.
    const err = (await res.json().catch(() => undefined)) as
      { error?: { code?: string; message?: string } } | undefined;
    const code = err?.error?.code;
    if ((res.status === 400 || res.status === 413) && code && Object.hasOwn(ErrorCode, code)) {
      if (batch.length > 1) return { kind: 'retry', reason: 'split' };
      const [only] = batch as [OutboxEntry];
      return {
        kind: 'rejected',
        outcomes: [
          { id: only.id, status: 'rejected', code, message: err?.error?.message ?? `HTTP ${res.status}` },
        ],
      };
    }
    // Any other answer (a captive portal, a proxy's 404): not about our mutations, try again later.
    return { kind: 'retry', reason: 'server' };
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
      // Re-check now and then even without a kick: another tab may have written to the outbox.
      setTimeout(() => this.#wake?.(), 5_000);
    });
  }

  async #pause(ms: number): Promise<void> {
    this.#sleeper = new AbortController();
    await sleep(ms, AbortSignal.any([this.#sleeper.signal, this.#stop.signal]));
  }
}

async function drain(res: Response, r: SendResult): Promise<SendResult> {
  await res.body?.cancel().catch(() => undefined);
  return r;
}

/** The results in batch order, or undefined unless every entry has exactly its answer. */
function matchResults(
  batch: OutboxEntry[],
  results: MutationResult[] | undefined,
): MutationOutcome[] | undefined {
  if (!Array.isArray(results)) return undefined;
  const sent = batch.slice(0, MAX_BATCH);
  if (results.length !== sent.length) return undefined;
  const out: MutationOutcome[] = [];
  for (const [i, r] of results.entries()) {
    if (!r || r.id !== sent[i]?.id) return undefined;
    if (r.status === 'applied') out.push({ id: r.id, status: 'applied', txid: String(r.txid) });
    else if (r.status === 'rejected')
      out.push(
        r.details
          ? { id: r.id, status: 'rejected', code: r.code, message: r.message, details: r.details }
          : { id: r.id, status: 'rejected', code: r.code, message: r.message },
      );
    else return undefined;
  }
  return out;
}
