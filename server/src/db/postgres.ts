/** Postgres mode: a real PostgreSQL server through the `postgres` driver. */
import net from 'node:net';
import postgres from 'postgres';
import { type Db, type Queryable, type Row, type Transaction, type TransactionSequence } from './types.ts';

type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

/** The channel the change capture notifies on (migrations 0002, 0010). */
const CHANGE_CHANNEL = 'comanda_change';

/** Called after this server's own writes have committed (see `wrote` in openPostgres). */
type Wrote = () => void;

/** A statement that may write: anything but a plain SELECT. */
const mayWrite = (text: string) => !/^\s*SELECT\b/i.test(text);

/** Statements on `sql`; `wrote` (outside a transaction) hears of each that may have written. */
const wrap = (sql: Sql, wrote?: Wrote): Queryable => ({
  async query<T = Row>(text: string, params: readonly unknown[] = []) {
    const q = sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
    // Queued now, not when awaited: statements go out in the order they were called, so a
    // transaction's early COMMIT (also queued at once) can never overtake them.
    q.execute();
    const rows = (await q) as unknown as T[];
    if (wrote && mayWrite(text)) wrote();
    return rows;
  },
  async exec(text: string) {
    await sql.unsafe(text);
    if (wrote && mayWrite(text)) wrote();
  },
});

/**
 * One transaction on a reserved connection. BEGIN is not awaited on its own: the driver pipelines
 * it with the transaction's first statement, one network round trip less than `sql.begin`. `sent` is called once this transaction will send nothing more (COMMIT or
 * ROLLBACK queued): the next one of a sequence may start then.
 */
async function transactionOn<T>(
  conn: postgres.ReservedSql,
  fn: (tx: Transaction) => Promise<T>,
  readOnly: boolean,
  wrote: Wrote,
  sent: () => void = () => {},
): Promise<T> {
  // Change-log positions are drawn at COMMIT by the capture trigger and ordered by the change feed (migration 0010).
  const opening = [conn.unsafe(readOnly ? 'BEGIN READ ONLY' : 'BEGIN').execute()];
  // Their errors surface through the first statement too; this only keeps them from going unhandled.
  for (const q of opening) q.catch(() => {});
  let committing: Promise<void> | undefined;
  let commitSent = false;
  const sendCommit = async () => {
    const q = conn.unsafe('COMMIT').execute();
    commitSent = true;
    sent();
    const r = await q;
    // COMMIT in a transaction a failed statement aborted answers ROLLBACK, not an error.
    if (r.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${r.command})`);
  };
  const tx: Transaction = {
    ...wrap(conn),
    commit(after) {
      committing ??= after ? after.then(sendCommit) : sendCommit();
      committing.catch(() => {});
      return committing;
    },
  };
  try {
    let result: T;
    try {
      result = await fn(tx);
      await Promise.all(opening);
    } catch (e) {
      if (committing) await committing.catch(() => {});
      // A COMMIT already sent ended the transaction either way; a ROLLBACK now could hit the next one.
      if (!commitSent) await conn.unsafe('ROLLBACK').catch(() => {});
      throw e;
    }
    if (committing) await committing;
    else await sendCommit();
    if (!readOnly) wrote();
    return result;
  } finally {
    sent();
  }
}

async function transaction<T>(
  sql: postgres.Sql,
  fn: (tx: Transaction) => Promise<T>,
  readOnly: boolean,
  wrote: Wrote,
): Promise<T> {
  const conn = await sql.reserve();
  try {
    return await transactionOn(conn, fn, readOnly, wrote);
  } finally {
    conn.release();
  }
}

/** See TransactionSequence: one reserved connection, each transaction's turn after the previous one's last statement. */
function sequence(sql: postgres.Sql, wrote: Wrote): TransactionSequence {
  let conn: Promise<postgres.ReservedSql> | undefined;
  let turn: Promise<void> = Promise.resolve();
  return {
    ...wrap(sql, wrote),
    async transaction(fn, opts) {
      const mine = turn;
      let done!: () => void;
      turn = new Promise((resolve) => (done = resolve));
      let ended = false;
      const sent = () => {
        if (ended) return;
        ended = true;
        done();
      };
      try {
        await mine;
        const c = await (conn ??= sql.reserve());
        return await transactionOn(c, fn, opts?.readOnly ?? false, wrote, sent);
      } finally {
        sent();
      }
    },
    release() {
      const c = conn;
      conn = undefined;
      // After the last transaction's turn: nothing of this sequence is still on the connection.
      void turn.then(async () => (await c)?.release());
    },
  };
}

export interface PostgresOptions {
  /** Pool size; the default suits a small server next to its database. */
  max?: number;
}

/** The driver holds messages smaller than this until setImmediate; a buffer reaching it is written at once. */
const DRIVER_FLUSH_BYTES = 1024;

/**
 * A connection to PostgreSQL whose writes of one tick leave in one system call. The driver (see
 * `write` in postgres/src/connection.js) writes its buffer at once when it reaches 1 KiB, and holds
 * anything smaller until setImmediate. So a pipelined mutation went out as several small TCP writes,
 * each waking the backend: corked until the end of the tick, Node sends them together (writev),
 * about 15% less CPU per round.submit in the server and in PostgreSQL. A buffer the driver writes
 * at once (1 KiB or more: a mutation's writes and its result statement) is usually followed by a
 * short message the driver then holds until its setImmediate (the COMMIT): the socket stays corked
 * until an immediate queued after the driver's, so the COMMIT leaves in the same writev instead of
 * a write of its own, which PostgreSQL also read and answered on its own. What is written, and in
 * what order, is unchanged. The socket is handed over still connecting (the driver writes its
 * startup message into it): a failed connect is an 'error' and a 'close', as with the driver's own
 * socket.
 */
function coalescingSockets() {
  // Like the driver's own sockets: each new connection goes to the next host of a multi-host URL,
  // and carries `host` (the driver names it to TLS for SNI and certificate checks).
  let next = 0;
  return (o: { host: string[]; port: number[]; path?: string | false }): net.Socket => {
    const i = next++ % o.host.length;
    const host = o.host[i]!;
    const port = o.port[i] ?? o.port[0]!;
    const s = Object.assign(o.path ? net.connect(o.path) : net.connect(port, host), { host, port });
    s.setNoDelay(true);
    const write = s.write.bind(s) as (...a: unknown[]) => boolean;
    let corked = false;
    let waitForDriver = false;
    const uncork = () => {
      corked = false;
      waitForDriver = false;
      s.uncork();
    };
    s.write = ((...a: unknown[]) => {
      const data = a[0] as { length: number };
      if (!corked) {
        corked = true;
        s.cork();
        process.nextTick(() => {
          // After this tick's microtasks: the driver's setImmediate for what it holds, if any, is
          // queued by now, so an immediate queued now runs after it.
          if (waitForDriver) setImmediate(uncork);
          else uncork();
        });
      }
      if (data.length >= DRIVER_FLUSH_BYTES) waitForDriver = true;
      return write(...a);
    }) as typeof s.write;
    return s;
  };
}

/**
 * Connects to `url` (postgres://...). The server's own connections do not NOTIFY when they write
 * captured rows (`comanda.notify = off`, migration 0010): PostgreSQL holds a global lock from a
 * notifying transaction's commit until its WAL flush is over, so every writer waited for the flush
 * of the one before. Listeners of the change log's channel hear of the server's own commits
 * in-process instead, as soon as each has committed; other writers (psql, scripts, another
 * process) still notify.
 */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const sql = postgres(url, {
    max: opts.max ?? 20,
    onnotice: () => {},
    // The driver's `socket` option (a function returning the socket) is missing from its types.
    ...({ socket: coalescingSockets() } as object),
    // int8 as number, like PGlite (see pglite.ts); everything else keeps the driver's defaults.
    types: {
      int8: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
    },
    // Sent with each connection's start-up message: a setting of the session, not a statement.
    connection: { 'comanda.notify': 'off' },
  });
  await sql`select 1`;
  const listeners = new Set<(payload: string) => void>();
  const wrote: Wrote = () => {
    for (const l of listeners) {
      try {
        l('');
      } catch (e) {
        console.error('[comanda] a commit listener failed', e);
      }
    }
  };
  return {
    kind: 'postgres',
    ...wrap(sql, wrote),
    transaction: (fn, opts) => transaction(sql, fn, opts?.readOnly ?? false, wrote),
    sequence: () => sequence(sql, wrote),
    async listen(channel, onNotify) {
      const sub = await sql.listen(channel, (payload) => onNotify(payload));
      if (channel !== CHANGE_CHANNEL) return () => sub.unlisten();
      listeners.add(onNotify);
      return async () => {
        listeners.delete(onNotify);
        await sub.unlisten();
      };
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
