/** The one database interface the server uses, over embedded PGlite or the `postgres` driver. */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with `$1`-style parameters. int8 comes back as number, timestamptz as Date, jsonb parsed. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

/** The statements of one transaction, plus an early COMMIT. */
export interface Transaction extends Queryable {
  /**
   * Sends COMMIT right behind the statements already sent, without waiting for their answers: one
   * network round trip less for a transaction whose last statements are pipelined. Resolves once
   * committed; rejects if the commit failed, or if a statement sent before it failed (PostgreSQL
   * then rolls the transaction back instead). Call it last and await everything sent before it; the
   * function given to `transaction` must throw exactly when something here rejected.
   *
   * `after`: COMMIT is sent only once it resolves; if it rejects, nothing is committed and this
   * rejects with its reason (a batch's mutation that must not outlive the one before it).
   */
  commit(after?: Promise<unknown>): Promise<void>;
}

/**
 * Transactions one after another on one connection (a batch of mutations): the next may start as
 * soon as the one before has sent its COMMIT, so its first statements travel with that COMMIT
 * instead of waiting for its answer. They never interleave. `release()` when done.
 */
export interface TransactionSequence extends Queryable {
  transaction<T>(fn: (tx: Transaction) => Promise<T>, opts?: { readOnly?: boolean }): Promise<T>;
  release(): void;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. `readOnly`
   * makes it a READ ONLY transaction. (Change-log positions are drawn by the capture trigger at
   * COMMIT and put in commit order by the change feed: migration 0010.)
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, opts?: { readOnly?: boolean }): Promise<T>;
  /** A {@link TransactionSequence} (PGlite: transactions run one at a time anyway). */
  sequence(): TransactionSequence;
  /**
   * LISTEN on a channel (in process on PGlite). Resolves to the function that stops listening. On
   * PostgreSQL the change log's channel also hears of this Db's own commits, which do not notify.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
