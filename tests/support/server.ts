/** A real Comanda server for tests, on PGlite or a fresh PostgreSQL database, with small API helpers. */
import { randomUUID } from 'node:crypto';
import type { LoginAnswer, MutationResult } from '@comanda/schema';
import { type Config, testConfig } from '../../server/src/config.ts';
import type { Db } from '../../server/src/db/types.ts';
import { type RunningServer, startServer } from '../../server/src/server.ts';
import { createTestDatabase, type DbKind, TEST_DB, type TestDatabase } from './db.ts';

export interface TestServer {
  kind: DbKind;
  url: string;
  db: Db;
  server: RunningServer;
  /** Stops the HTTP server (the database stays, for a restart). */
  stop(): Promise<void>;
  /**
   * Starts a new server on the same database. `wrapDb` lets a test stand between that server and
   * the database (hold one query to make a race happen on purpose).
   */
  restart(opts?: { wrapDb?: (db: Db) => Db }): Promise<void>;
  /** Stops everything and drops the database. */
  close(): Promise<void>;
  fetch(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  login(email: string, password?: string): Promise<LoginAnswer>;
  /** Sends one batch; returns the results. */
  mutate(
    token: string,
    ...mutations: { id?: string; name: string; args: unknown }[]
  ): Promise<MutationResult[]>;
}

/**
 * fetch, tried again when the connection was reset before any answer: after a server restart a
 * pooled keep-alive socket of the old server can be handed out once. Safe for the harness's own
 * calls: logins are read-only and mutation batches are idempotent by id.
 */
async function fetchRetryingResets(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw e;
    }
  }
}

export async function startTestServer(
  opts: { db?: DbKind; demo?: boolean; config?: Partial<Config> } = {},
): Promise<TestServer> {
  const database: TestDatabase = await createTestDatabase(opts.db ?? TEST_DB);
  const db = await database.open();
  const config = testConfig({ loadDemo: opts.demo ?? true, ...opts.config });
  let server = await startServer(config, { db });
  const port = server.port;
  const t: TestServer = {
    kind: database.kind,
    get url() {
      return server.url;
    },
    db,
    get server() {
      return server;
    },
    stop: () => server.close(),
    async restart(o = {}) {
      await server.close();
      server = await startServer({ ...config, port }, { db: o.wrapDb ? o.wrapDb(db) : db });
    },
    async close() {
      await server.close();
      await db.close();
      await database.drop();
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetchRetryingResets(`${server.url}${path}`, {
        ...init,
        headers,
        body,
        method: init.method ?? (body ? 'POST' : 'GET'),
      });
    },
    async login(email, password = 'demo1234') {
      const res = await t.fetch('/api/auth/login', { json: { email, password } });
      if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
      return (await res.json()) as LoginAnswer;
    },
    async mutate(token, ...mutations) {
      const res = await t.fetch('/api/mutations', {
        token,
        json: { mutations: mutations.map((m) => ({ id: m.id ?? randomUUID(), name: m.name, args: m.args })) },
      });
      if (res.status !== 200) throw new Error(`mutations: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { results: MutationResult[] }).results;
    },
  };
  return t;
}
