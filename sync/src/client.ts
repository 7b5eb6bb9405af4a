/**
 * createSyncClient: the one object an app uses to read and write. It opens the local store,
 * subscribes the app's shapes into it, keeps the outbox draining, and exposes status signals.
 */
import { type MutationArgs, type MutationName, mutationArgs } from '@comanda/schema';
import { v7 as uuidv7 } from 'uuid';
import type { SyncAuth } from './auth.ts';
import { type Actor, effectsOf, statusStepOf } from './overlay/effects.ts';
import { Sender } from './sender.ts';
import { ShapeSync } from './shape-sync.ts';
import { resolveShape, type ShapeRef } from './shape-tables.ts';
import { Signal } from './signal.ts';
import { holdLeadership } from './tab-lock.ts';
import { TxidLog } from './txid-log.ts';
import type { LocalStore, MutationOutcome, RejectedMutation } from './types.ts';

/** What every app shows: reachability, what is waiting, what was refused, when it last synced. */
export interface SyncStatus {
  /** `syncing`: reachable and catching up (shapes not up to date, or the outbox not empty). */
  connection: 'online' | 'offline' | 'syncing' | 'unauthorized';
  /** Mutations stored on this device, not yet answered by the server. */
  pending: number;
  /** Mutations the server refused, kept until dismissed. */
  rejected: number;
  /** Epoch ms of the last time every shape was up to date. */
  lastSyncedAt: number | null;
  /** False in a tab that is not the device's syncing tab (another tab sends and receives). */
  leader: boolean;
}

export interface SyncClientOptions<S extends LocalStore> {
  /** Server origin, e.g. `https://caja.local:3000` (no trailing slash). */
  baseUrl: string;
  auth: SyncAuth;
  store: S;
  /** Shapes to replicate, e.g. `['tables', 'rounds', 'round_items']`. */
  shapes?: ShapeRef[];
  /** Query parameters for every shape, e.g. `{ branch: branchId }` for staff with several branches. */
  shapeParams?: Record<string, string>;
  /** Who acts, for optimistic effects (staff rounds go straight to the kitchen). Default staff. */
  actor?: Actor;
  fetch?: typeof fetch;
  /** Mutations per POST (default 100, the most the server takes in one). */
  batchSize?: number;
  /** Drop an applied mutation's overlay after this long if its rows never came back here. */
  confirmTimeoutMs?: number;
  /** Longest wait between retries while the server is unreachable (sender and shapes). Default 15 s. */
  maxRetryDelayMs?: number;
  /** Web Lock name for "one syncing tab per device"; use one per store. */
  lockName?: string;
}

/**
 * The answer of {@link SyncClient.mutate}: stored in the outbox, or refused before storing.
 * `coalesced`: the same status step was already waiting in the outbox (a double tap); nothing new
 * was stored and `id` is that earlier entry's. `ALREADY_DONE`: the row already has that status
 * here (synced, or applied and awaiting confirmation): the server could only refuse it.
 */
export type MutateResult =
  | { ok: true; id: string; coalesced?: true }
  | { ok: false; code: 'UNKNOWN_MUTATION' | 'VALIDATION_FAILED' | 'ALREADY_DONE'; message: string };

/**
 * @example
 * const client = await createSyncClient({ baseUrl, auth, store: pgliteStore({ dataDir: 'idb://kitchen' }), shapes: ['rounds'] });
 * client.status.subscribe((s) => badge(s.connection, s.pending));
 * await client.mutate('round.ready', { roundId });   // READY-pending at once
 */
export class SyncClient<S extends LocalStore = LocalStore> {
  readonly store: S;
  readonly status = new Signal<SyncStatus>({
    connection: 'offline',
    pending: 0,
    rejected: 0,
    lastSyncedAt: null,
    leader: false,
  });
  /** Rejected mutations with the server's code and message, oldest first. */
  readonly rejections = new Signal<RejectedMutation[]>([]);

  readonly #o: SyncClientOptions<S>;
  readonly #txids = new TxidLog();
  readonly #shapes: ShapeSync[];
  readonly #sender: Sender;
  readonly #closing = new AbortController();
  readonly #waiters = new Map<string, (o: MutationOutcome) => void>();
  /** Rejections being dismissed: still listed until the store has them gone for good. */
  readonly #dismissing = new Map<string, RejectedMutation>();
  #reachable: 'online' | 'offline' | 'unauthorized' = 'offline';
  #timer: ReturnType<typeof setInterval> | undefined;
  #countsSoon: ReturnType<typeof setTimeout> | undefined;
  /** mutate() calls run one after another: each sees the overlay of the one before (a double tap, round numbers). */
  #mutating: Promise<unknown> = Promise.resolve();
  /** A mutate() is between storing and counting its entry: a recount read meanwhile may or may not include it. */
  #enqueuing = 0;
  /** Bumped when a mutate() counts its entry into `status.pending`: a recount that overlapped it is stale. */
  #countGen = 0;
  #channel: BroadcastChannel | undefined;
  #offAuth: (() => void) | undefined;
  #onOnline = () => this.retryNow();

  constructor(o: SyncClientOptions<S>) {
    this.#o = o;
    this.store = o.store;
    const baseUrl = o.baseUrl.replace(/\/$/, '');
    const onConnection = (s: 'online' | 'offline' | 'unauthorized') => {
      this.#reachable = s;
      this.#refreshStatus();
    };
    this.#sender = new Sender({
      baseUrl,
      store: o.store,
      auth: o.auth,
      fetch: o.fetch,
      batchSize: o.batchSize,
      backoff: { maxMs: o.maxRetryDelayMs ?? 15_000 },
      seenTxids: (t) => this.#txids.tablesOf(t),
      onConnection,
      onSettled: (outcomes) => {
        this.#channel?.postMessage('changed');
        // Signals first, so whoever awaits settled() already sees the rejection listed.
        void this.#refreshCounts().then(() => {
          for (const out of outcomes) this.#waiters.get(out.id)?.(out);
        });
      },
    });
    this.#shapes = (o.shapes ?? []).map(resolveShape).map(
      (s) =>
        new ShapeSync({
          baseUrl,
          name: s.name,
          table: s.table,
          params: { ...o.shapeParams, ...s.params },
          store: o.store,
          auth: o.auth,
          fetch: o.fetch,
          maxRetryDelayMs: o.maxRetryDelayMs ?? 15_000,
          onConnection,
          onApplied: (table, txids) => {
            this.#txids.add(table, txids);
            // Other tabs read the same database: their live queries read again.
            this.#channel?.postMessage('changed');
            if (txids.length) this.#scheduleCounts();
          },
          onUpToDate: () => {
            // "Last synced" means every shape, not the first one back after an outage.
            if (this.#shapes.every((x) => x.upToDate)) this.status.update({ lastSyncedAt: Date.now() });
            this.#refreshStatus();
          },
          onStale: () => this.#refreshStatus(),
        }),
    );
  }

  /** Opens the store and starts syncing (in the leading tab). Called by {@link createSyncClient}. */
  async start(): Promise<void> {
    await this.store.open();
    await this.#refreshCounts();
    const lockName = this.#o.lockName ?? `comanda-sync:${this.#o.baseUrl}`;
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(lockName);
      // Another tab wrote to the shared store: the leader sends it, everyone recounts.
      this.#channel.onmessage = (e) => {
        if (e.data === 'kick') this.#sender.kick();
        this.store.notifyChange?.();
        void this.#refreshCounts();
      };
    }
    this.#offAuth = this.#o.auth.onChange?.(() => {
      this.#sender.retryNow();
      for (const s of this.#shapes)
        if (!s.upToDate && this.status.get().leader)
          void s.stop().then(async () => {
            if (!this.#closing.signal.aborted) await s.start();
          });
    });
    holdLeadership(
      lockName,
      async () => {
        if (this.#closing.signal.aborted) return;
        this.status.update({ leader: true });
        this.#sender.start();
        for (const s of this.#shapes) await s.start();
        globalThis.addEventListener?.('online', this.#onOnline);
      },
      this.#closing.signal,
    );
    // Every tab: a count that failed to refresh (a store hiccup) comes right at the next tick.
    this.#timer = setInterval(() => void this.#housekeeping(), 5_000);
  }

  /**
   * Stores a mutation in the outbox with its optimistic effects, durably, and returns its id.
   * The server's answer comes later: see {@link settled}, `status` and `rejections`.
   */
  async mutate<N extends MutationName>(
    name: N,
    args: MutationArgs<N>,
    opts: { id?: string } = {},
  ): Promise<MutateResult> {
    if (!Object.hasOwn(mutationArgs, name))
      return { ok: false, code: 'UNKNOWN_MUTATION', message: `There is no mutation called "${name}".` };
    const parsed = mutationArgs[name].safeParse(args);
    // Checked here too so a typo fails in the person's hands, not silently later.
    if (!parsed.success)
      return {
        ok: false,
        code: 'VALIDATION_FAILED',
        message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      };
    const run = this.#mutating.then(() => this.#record(name, parsed.data, opts.id ?? uuidv7()));
    this.#mutating = run.catch(() => undefined);
    return run;
  }

  /** The serialized part of mutate(): duplicate check, effects, enqueue, count. */
  async #record(name: MutationName, args: unknown, id: string): Promise<MutateResult> {
    const step = statusStepOf(name, args);
    if (step && this.store.has(step.table)) {
      const row = await this.store.get(step.table, step.key);
      if (row && row.status === step.status) {
        const earlier = await this.store.findPending(name, step.match);
        if (earlier) return { ok: true, id: earlier.id, coalesced: true };
        return {
          ok: false,
          code: 'ALREADY_DONE',
          message: `${step.table} ${step.key} is already ${step.status}.`,
        };
      }
    }
    const effects = await effectsOf(name, args, this.store, this.#o.actor ?? { kind: 'staff' });
    this.#enqueuing++;
    try {
      await this.store.enqueue({ id, name, args, createdAt: Date.now() }, effects);
      // Counted here rather than by a recount: a screen showing the new pending ticket shows its
      // count too, and a burst of mutations costs no count query each.
      this.#countGen++;
      this.status.update({ pending: this.status.get().pending + 1 });
    } finally {
      this.#enqueuing--;
    }
    this.#refreshStatus();
    this.#sender.kick();
    this.#channel?.postMessage('kick');
    // The store stays the truth: recount once the burst is over (another tab may have written too).
    this.#scheduleCounts();
    return { ok: true, id };
  }

  /** Whether each shape is up to date now, by shape name (false from a failed request until caught up). */
  shapeStatus(): Record<string, boolean> {
    return Object.fromEntries(this.#shapes.map((s) => [s.name, s.upToDate]));
  }

  /** The network is back (or the person pressed "retry"): stop waiting out the backoff. */
  retryNow(): void {
    this.#sender.retryNow();
    for (const s of this.#shapes) s.refresh();
  }

  /** Resolves with the server's answer for mutation `id` (sent by this tab). */
  settled(id: string): Promise<MutationOutcome> {
    return new Promise((resolve) => {
      this.#waiters.set(id, (o) => {
        this.#waiters.delete(id);
        resolve(o);
      });
    });
  }

  /** Resolves once the outbox is empty (or after `timeoutMs`, with false). */
  async drained(timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await this.store.counts()).pending === 0) {
        // The signals may still be waiting for their coalesced recount: bring them up to date first.
        await this.#refreshCounts();
        return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Resolves once every shape is up to date (or after `timeoutMs`, with false). */
  async synced(timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.#shapes.every((s) => s.upToDate)) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  /** The person has seen a rejection: forget it. */
  async dismiss(id: string): Promise<void> {
    // Shown until the dismissal is stored for good (the store flushes it to disk): a recount in
    // between must not hide it, or a reload right then would bring it back.
    const shown = this.rejections.get().find((r) => r.id === id);
    if (shown) this.#dismissing.set(id, shown);
    try {
      await this.store.dismiss(id);
    } finally {
      this.#dismissing.delete(id);
    }
    await this.#refreshCounts();
  }

  /** Stops syncing and closes the store; the outbox stays for the next start. */
  async close(): Promise<void> {
    this.#closing.abort();
    clearInterval(this.#timer);
    clearTimeout(this.#countsSoon);
    globalThis.removeEventListener?.('online', this.#onOnline);
    this.#offAuth?.();
    this.#channel?.close();
    await this.#sender.stop();
    await Promise.all(this.#shapes.map((s) => s.stop()));
    await this.store.close();
  }

  /**
   * Signs out: wipes every local row. Refuses while writes are still pending or rejected and
   * unseen, unless `discardPending` (nothing is ever dropped without the person saying so).
   */
  async signOut(
    opts: { discardPending?: boolean } = {},
  ): Promise<{ ok: true } | { ok: false; code: 'PENDING_WRITES'; pending: number; rejected: number }> {
    const c = await this.store.counts();
    if ((c.pending || c.rejected) && !opts.discardPending)
      return { ok: false, code: 'PENDING_WRITES', pending: c.pending, rejected: c.rejected };
    this.#closing.abort();
    clearInterval(this.#timer);
    await this.#sender.stop();
    await Promise.all(this.#shapes.map((s) => s.stop()));
    await this.store.wipe();
    await (this.#o.auth as { signOut?: () => Promise<void> }).signOut?.();
    await this.store.close();
    this.#channel?.close();
    return { ok: true };
  }

  async #housekeeping(): Promise<void> {
    try {
      if (this.status.get().leader)
        await this.store.expireConfirmations(Date.now() - (this.#o.confirmTimeoutMs ?? 30_000));
    } catch {
      // The store is closing; the next start does it.
    }
    await this.#refreshCounts();
  }

  /** Recounts soon, once for a burst of mutations. */
  #scheduleCounts(): void {
    if (this.#countsSoon) return;
    this.#countsSoon = setTimeout(() => {
      this.#countsSoon = undefined;
      void this.#refreshCounts();
    }, 20);
  }

  /**
   * Reads the counts from the store. Errors are not retried here: the housekeeping tick recounts
   * every 5 s anyway. The pending count of a recount that overlapped a mutate() is not used (it may
   * or may not include that entry, which mutate() already counted): another recount follows.
   */
  async #refreshCounts(): Promise<void> {
    const gen = this.#countGen;
    const overlapped = () => gen !== this.#countGen || this.#enqueuing > 0;
    try {
      const busy = overlapped();
      const c = await this.store.counts();
      const pending = busy || overlapped() ? this.status.get().pending : c.pending;
      if (busy || overlapped()) this.#scheduleCounts();
      if (this.#dismissing.size) {
        const stored = await this.store.rejections();
        const left = [...this.#dismissing.values()].filter((d) => !stored.some((r) => r.id === d.id));
        this.status.update({ pending, rejected: c.rejected + left.length });
        this.rejections.set([...stored, ...left]);
      } else {
        this.status.update({ pending, rejected: c.rejected });
        if (c.rejected !== this.rejections.get().length || c.rejected)
          this.rejections.set(await this.store.rejections());
      }
    } catch {
      return;
    }
    this.#refreshStatus();
  }

  #refreshStatus(): void {
    const s = this.status.get();
    let connection: SyncStatus['connection'] = this.#reachable;
    if (connection === 'online' && (s.pending > 0 || this.#shapes.some((x) => !x.upToDate)))
      connection = 'syncing';
    this.status.update({ connection });
  }
}

/** Creates a client, opens its store and starts syncing. */
export async function createSyncClient<S extends LocalStore>(
  o: SyncClientOptions<S>,
): Promise<SyncClient<S>> {
  const client = new SyncClient(o);
  await client.start();
  return client;
}
