/**
 * Data survives a stop and a start: the server opens the database itself, as `npm start` does (PGlite on
 * disk in a temporary DATA_DIR; on PostgreSQL a fresh database through DATABASE_URL), is stopped, and a
 * new server opens the same place. Migrations are recorded once and not run again.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoginAnswer, MIGRATIONS, type MutationResult } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, testConfig } from '../../server/src/config.ts';
import { migrate } from '../../server/src/db/index.ts';
import { type RunningServer, startServer } from '../../server/src/server.ts';
import { createTestDatabase, TEST_DB, type TestDatabase } from '../support/db.ts';
import { demo } from '../support/demo.ts';
import { roundArgs } from '../support/floor.ts';

describe(`persistence on ${TEST_DB}`, () => {
  let dataDir: string | undefined;
  let database: TestDatabase | undefined;
  let config: Config;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    // No jwtSecret: the server makes one and keeps it in the database, as on a real first start.
    const base = { loadDemo: true, jwtSecret: undefined };
    if (TEST_DB === 'pglite') {
      dataDir = mkdtempSync(join(tmpdir(), 'comanda-data-'));
      config = testConfig({ ...base, dataDir });
    } else {
      database = await createTestDatabase('postgres');
      config = testConfig({ ...base, databaseUrl: database.url });
    }
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (path: string, json: unknown, token?: string) => {
    const res = await fetch(`${server!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(json),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const mutate = async (token: string, id: string, name: string, args: unknown) => {
    const r = await post('/api/mutations', { mutations: [{ id, name, args }] }, token);
    expect(r.status).toBe(200);
    return (r.body.results as MutationResult[])[0]!;
  };
  const migrations = () =>
    server!.ctx.db.query<{ id: string; applied_at: Date }>(
      'SELECT id, applied_at FROM schema_migration ORDER BY id',
    );

  it('keeps what the write path wrote, the sign-ins and the migrations across a restart', async () => {
    server = await startServer(config);
    expect(server.ctx.db.kind).toBe(TEST_DB);
    const first = await migrations();
    expect(first.map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));

    const login = await post('/api/auth/login', { email: demo.users.waiterCentro, password: 'demo1234' });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.body as unknown as LoginAnswer;
    const sessionId = randomUUID();
    const opened = await mutate(accessToken, randomUUID(), 'session.open', {
      sessionId,
      tableId: demo.tables(demo.centro.id)[0]!.id,
    });
    expect(opened.status).toBe('applied');
    const round = roundArgs(sessionId, demo.centro.id, [{ qty: 2 }, {}]);
    const submitId = randomUUID();
    const submitted = await mutate(accessToken, submitId, 'round.submit', round);
    expect(submitted.status).toBe('applied');
    await server.close();
    server = undefined;
    if (dataDir) expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    server = await startServer(config);
    const db = server.ctx.db;
    expect(await db.query('SELECT status FROM table_session WHERE id = $1', [sessionId])).toEqual([
      { status: 'OPEN' },
    ]);
    expect(
      await db.query('SELECT id, qty FROM round_item WHERE round_id = $1 ORDER BY qty DESC', [round.roundId]),
    ).toEqual(round.items.map((i) => ({ id: i.id, qty: i.qty })));
    // Recorded once, not run again (same rows, same times), and nothing left to apply.
    expect(await migrations()).toEqual(first);
    expect(await migrate(db)).toEqual([]);
    // The demo restaurant is there once.
    expect(await db.query('SELECT count(*)::int AS n FROM app_user')).toEqual([{ n: 10 }]);
    // The waiter stays signed in (the signing key was kept), a retry still gets the first answer,
    // and the refresh token still works.
    expect(await mutate(accessToken, submitId, 'round.submit', round)).toEqual(submitted);
    expect(await db.query('SELECT count(*)::int AS n FROM round WHERE session_id = $1', [sessionId])).toEqual(
      [{ n: 1 }],
    );
    const next = await mutate(
      accessToken,
      randomUUID(),
      'round.submit',
      roundArgs(sessionId, demo.centro.id),
    );
    expect(next.status).toBe('applied');
    expect((await post('/api/auth/refresh', { refreshToken })).status).toBe(200);
  });
});
