/** Postgres mode: a real PostgreSQL server through the `postgres` driver. */
import net from 'node:net';
import postgres from 'postgres';
import { type Db, type Queryable, type Row, type Transaction, type TransactionSequence } from './types.ts';

type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

const wrap = (sql: Sql): Queryable => ({
  async query<T = Row>(text: string, params: readonly unknown[] = []) {
    const q = sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
    // Queued now, not when awaited: statements go out in the order they were called, so a
    // transaction's early COMMIT (also queued at once) can never overtake them.
    q.execute();
    return (await q) as unknown as T[];
  },
  async exec(text: string) {
    await sql.unsafe(text);
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
  sent: () => void = () => {},
): Promise<T> {
  // The change log's commit-order lock is taken at COMMIT by the capture trigger (migration 0004).
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
    return result;
  } finally {
    sent();
  }
}

async function transaction<T>(
  sql: postgres.Sql,
  fn: (tx: Transaction) => Promise<T>,
  readOnly: boolean,
): Promise<T> {
  const conn = await sql.reserve();
  try {
    return await transactionOn(conn, fn, readOnly);
  } finally {
    conn.release();
  }
}

/** See TransactionSequence: one reserved connection, each transaction's turn after the previous one's last statement. */
function sequence(sql: postgres.Sql): TransactionSequence {
  let conn: Promise<postgres.ReservedSql> | undefined;
  let turn: Promise<void> = Promise.resolve();
  return {
    ...wrap(sql),
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
        return await transactionOn(c, fn, opts?.readOnly ?? false, sent);
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

/** Connects to `url` (postgres://...). */
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
  });
  await sql`select 1`;
  return {
    kind: 'postgres',
    ...wrap(sql),
    transaction: (fn, opts) => transaction(sql, fn, opts?.readOnly ?? false),
    sequence: () => sequence(sql),
    async listen(channel, onNotify) {
      const sub = await sql.listen(channel, (payload) => onNotify(payload));
      return () => sub.unlisten();
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
