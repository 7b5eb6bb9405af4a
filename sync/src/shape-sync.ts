/**
 * One shape stream into the local store: @electric-sql/client's ShapeStream, resumed from the
 * persisted position, each response applied with its new position in one store transaction.
 */
import {
  type ChangeMessage,
  isChangeMessage,
  isControlMessage,
  type Message,
  type Row,
  ShapeStream,
} from '@electric-sql/client';
import type { SyncAuth } from './auth.ts';
import type { LocalStore, RowChange, ShapeSchema } from './types.ts';

export interface ShapeSyncOptions {
  baseUrl: string;
  /** Shape name on the server (`rounds`) and the table its rows fill (`round`). */
  name: string;
  table: string;
  /** Extra query parameters (`branch`). */
  params?: Record<string, string>;
  store: LocalStore;
  auth: SyncAuth;
  fetch?: typeof fetch;
  maxRetryDelayMs?: number;
  /** After each batch stored: the transaction ids it carried (maybe none). */
  onApplied?: (table: string, txids: string[]) => void;
  onUpToDate?: (name: string) => void;
  /** The shape stopped being up to date (a request failed, or the server asked for a refetch). */
  onStale?: (name: string) => void;
  onConnection?: (state: 'online' | 'offline' | 'unauthorized') => void;
  onError?: (e: unknown) => void;
}

/**
 * @example
 * const rounds = new ShapeSync({ baseUrl, name: 'rounds', table: 'round', store, auth });
 * await rounds.start();
 */
export class ShapeSync {
  readonly #o: ShapeSyncOptions;
  #stream: ShapeStream<Row> | undefined;
  #abort = new AbortController();
  #schema: ShapeSchema | undefined;
  /** Rows of a full snapshot being received: applied together, replacing the table, at up-to-date. */
  #replacing: RowChange[] | undefined;
  #upToDate = false;
  #stopped = true;
  #saved: { handle: string; offset: string } | undefined;
  /** The server refused this shape for good (4xx other than 401/408/429): not retried. */
  #failed = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(o: ShapeSyncOptions) {
    this.#o = o;
  }

  get name(): string {
    return this.#o.name;
  }

  /** True from an up-to-date answer until the next failed request or must-refetch. */
  get upToDate(): boolean {
    return this.#upToDate;
  }

  /**
   * Not up to date any more: from the moment a request fails, what the server has may have moved on
   * without us, so "synced" (and a fresh "last synced" time) waits for the next up-to-date.
   */
  #stale(): void {
    if (!this.#upToDate) return;
    this.#upToDate = false;
    this.#o.onStale?.(this.#o.name);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#abort = new AbortController();
    const pos = await this.#o.store.position(this.#o.name);
    this.#saved = pos;
    this.#upToDate = false;
    // Without a position the first answers are a snapshot: keep them until complete, so a table is never half there.
    this.#replacing = pos ? undefined : [];
    const stream = new ShapeStream<Row>({
      url: `${this.#o.baseUrl}/api/shapes/${this.#o.name}`,
      ...(pos ? { offset: pos.offset as `${number}_${number}`, handle: pos.handle } : {}),
      headers: { authorization: () => `Bearer ${this.#o.auth.token() ?? ''}` },
      ...(this.#o.params && Object.keys(this.#o.params).length ? { params: this.#o.params as never } : {}),
      // Money is int8 cents, far below 2^53: numbers are what the apps and the overlay use.
      parser: { int8: (v: string) => Number(v) },
      signal: this.#abort.signal,
      fetchClient: this.#fetch,
      backoffOptions: { initialDelay: 250, maxDelay: this.#o.maxRetryDelayMs ?? 15_000, multiplier: 2 },
      onError: async (e) => {
        const status = (e as { status?: number }).status;
        if (status === 401) {
          const ok = await this.#o.auth.refresh().catch(() => undefined);
          if (ok) return { headers: { authorization: `Bearer ${this.#o.auth.token() ?? ''}` } };
          if (ok === undefined) return {}; // refresh unreachable: try again (the client backs off)
          this.#o.onConnection?.('unauthorized');
          return;
        }
        this.#stale();
        this.#o.onError?.(e);
        // A request the server refused for good (bad shape, no access): retrying cannot help.
        if (isPermanent(status)) {
          this.#failed = true;
          return;
        }
        // Anything else is the network or a passing server fault: an answer cut mid-body (a 200
        // whose body died), a refused connection, a 5xx. Ask again (the client backs off).
        return {};
      },
    });
    this.#stream = stream;
    this.#failed = false;
    stream.subscribe(
      (messages) => this.#onMessages(stream, messages),
      (e) => {
        this.#stale();
        this.#o.onError?.(e);
        // The stream gave up (it does after many failed retries in a row): a kitchen tablet must
        // not silently stop receiving tickets, so start again from the stored position.
        if (stream === this.#stream && !this.#stopped && !this.#failed) this.#restartLater();
      },
    );
  }

  #restartLater() {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (this.#stopped) return;
      void this.stop().then(() => this.start());
    }, this.#o.maxRetryDelayMs ?? 15_000);
  }

  /** Cuts a backoff wait or a long poll short and asks again now. */
  refresh(): void {
    void this.#stream?.forceDisconnectAndRefresh().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    this.#stream?.unsubscribeAll();
    this.#abort.abort();
    this.#stream = undefined;
  }

  /** Records the schema header and reachability; the client itself does the rest. */
  #fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      const res = await (this.#o.fetch ?? fetch)(input, init);
      // A 5xx or 429 is a failed request too (a 409 says so with its must-refetch message).
      if (res.status >= 500 || res.status === 429) this.#stale();
      this.#o.onConnection?.(res.status === 401 ? 'unauthorized' : 'online');
      const schema = res.headers.get('electric-schema');
      if (schema) this.#schema = JSON.parse(schema) as ShapeSchema;
      return res;
    } catch (e) {
      if (!init?.signal?.aborted) {
        this.#stale();
        this.#o.onConnection?.('offline');
      }
      throw e;
    }
  };

  async #onMessages(stream: ShapeStream<Row>, messages: Message<Row>[]): Promise<void> {
    if (this.#stopped || stream !== this.#stream) return;
    const changes: RowChange[] = [];
    const txids = new Set<string>();
    let upToDate = false;
    for (const m of messages) {
      if (isChangeMessage(m)) {
        changes.push(toChange(m));
        for (const t of (m.headers as { txids?: unknown[] }).txids ?? []) txids.add(String(t));
      } else if (isControlMessage(m)) {
        if (m.headers.control === 'must-refetch') {
          // The server's log moved on without us: start over, replacing the rows once complete.
          this.#stale();
          this.#replacing = [];
          changes.length = 0;
          txids.clear();
        } else if (m.headers.control === 'up-to-date') upToDate = true;
      }
    }
    const position = { handle: stream.shapeHandle ?? '', offset: stream.lastOffset };
    try {
      if (this.#replacing) {
        // A loop, not push(...changes): a large snapshot page would overflow the argument limit.
        for (const c of changes) this.#replacing.push(c);
        if (!upToDate) return;
        const rows = this.#replacing;
        await this.#apply(rows, [...txids], position, true);
        this.#replacing = undefined;
      } else if (
        changes.length ||
        position.offset !== this.#saved?.offset ||
        position.handle !== this.#saved?.handle
      ) {
        await this.#apply(changes, [...txids], position, false);
      }
    } catch (e) {
      // Not stored: restart from the last stored position so nothing is skipped.
      this.#o.onError?.(e);
      if (!this.#stopped) {
        await this.stop();
        await this.start();
      }
      return;
    }
    if (upToDate) {
      this.#upToDate = true;
      this.#o.onUpToDate?.(this.#o.name);
    }
  }

  async #apply(
    changes: RowChange[],
    txids: string[],
    position: { handle: string; offset: string },
    replace: boolean,
  ) {
    const schema = this.#schema ?? this.#o.store.schemaOf?.(this.#o.table);
    if (!schema) throw new Error(`no schema for shape ${this.#o.name}`);
    await this.#o.store.applyShape({
      shape: this.#o.name,
      table: this.#o.table,
      schema,
      replace,
      changes,
      txids,
      position,
    });
    this.#saved = position;
    this.#o.onApplied?.(this.#o.table, txids);
  }
}

function isPermanent(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function toChange(m: ChangeMessage<Row>): RowChange {
  return { op: m.headers.operation, key: m.key, value: m.value as Record<string, unknown> };
}
