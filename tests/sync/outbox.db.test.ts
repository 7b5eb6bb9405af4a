import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createSyncClient, PgliteStore, StaffAuth, staticAuth } from '@comanda/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const countApplied = async (s: TestServer, id: string) =>
  (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM applied_mutation WHERE id = $1', [id]))[0]!.n;

describe('outbox and sender against the real write path', { timeout: 120_000 }, () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'comanda-outbox-'));
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps mutations made while the server is down and sends each exactly once when it is back', async () => {
    const { accessToken } = await s.login(demo.users.waiterCentro);
    await s.stop();
    const client = await createSyncClient({ baseUrl: s.url, auth: staticAuth(accessToken), store: new PgliteStore() });
    const tables = demo.tables(demo.centro.id).slice(1, 4);
    const ids: string[] = [];
    for (const t of tables) {
      const r = await client.mutate('session.open', { sessionId: randomUUID(), tableId: t.id });
      expect(r.ok).toBe(true);
      if (r.ok) ids.push(r.id);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(client.status.get()).toMatchObject({ pending: 3, connection: 'offline' });
    await s.restart();
    expect(await client.drained(20_000)).toBe(true);
    for (const id of ids) expect(await countApplied(s, id)).toBe(1);
    const open = await s.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM table_session WHERE status = 'OPEN' AND table_id = ANY($1)",
      [tables.map((t) => t.id)],
    );
    expect(open[0]!.n).toBe(3);
    expect(client.status.get().pending).toBe(0);
    await client.close();
  });

  it('sends what was left in the outbox of a closed client once, after reopening', async () => {
    const { accessToken } = await s.login(demo.users.waiterCentro);
    const dataDir = join(dir, 'reopen');
    await s.stop();
    const first = await createSyncClient({ baseUrl: s.url, auth: staticAuth(accessToken), store: new PgliteStore({ dataDir }) });
    const table = demo.tables(demo.centro.id)[5]!;
    const r = await first.mutate('session.open', { sessionId: randomUUID(), tableId: table.id });
    expect(r.ok).toBe(true);
    await first.close();
    await s.restart();
    const second = await createSyncClient({ baseUrl: s.url, auth: staticAuth(accessToken), store: new PgliteStore({ dataDir }) });
    expect(second.status.get().pending).toBe(1);
    expect(await second.drained(20_000)).toBe(true);
    expect(await countApplied(s, r.ok ? r.id : '')).toBe(1);
    await second.close();
    // A third start finds nothing to send.
    const third = await createSyncClient({ baseUrl: s.url, auth: staticAuth(accessToken), store: new PgliteStore({ dataDir }) });
    expect(third.status.get().pending).toBe(0);
    await third.close();
  });

  it('keeps a rejection with the server code until the person dismisses it, and goes on with the next', async () => {
    const { accessToken } = await s.login(demo.users.waiterCentro);
    const client = await createSyncClient({ baseUrl: s.url, auth: staticAuth(accessToken), store: new PgliteStore() });
    const busy = demo.tables(demo.centro.id)[1]!; // opened by the first test
    const free = demo.tables(demo.centro.id)[6]!;
    const a = await client.mutate('session.open', { sessionId: randomUUID(), tableId: busy.id });
    const b = await client.mutate('session.open', { sessionId: randomUUID(), tableId: free.id });
    expect(await client.drained(20_000)).toBe(true);
    const rejected = client.rejections.get();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ id: a.ok && a.id, name: 'session.open', code: 'TABLE_BUSY' });
    expect(await countApplied(s, b.ok ? b.id : '')).toBe(1);
    expect(client.status.get()).toMatchObject({ rejected: 1, pending: 0 });
    await client.dismiss(rejected[0]!.id);
    expect(client.rejections.get()).toHaveLength(0);
    await client.close();
  });

  it('refuses invalid args before storing anything', async () => {
    const client = await createSyncClient({ baseUrl: s.url, auth: staticAuth('x'.repeat(20)), store: new PgliteStore() });
    const r = await client.mutate('session.open', { sessionId: 'not-a-uuid', tableId: randomUUID() });
    expect(r).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(client.status.get().pending).toBe(0);
    await client.close();
  });

  it('refreshes an expired access token on 401 and sends, rotating the refresh token', async () => {
    const login = await s.login(demo.users.waiter2Centro);
    const saved: string[] = [];
    const auth = new StaffAuth({
      baseUrl: s.url,
      tokens: { accessToken: 'expired.token.value', refreshToken: login.refreshToken },
      onTokens: (p) => p && saved.push(p.refreshToken),
    });
    const client = await createSyncClient({ baseUrl: s.url, auth, store: new PgliteStore() });
    const table = demo.tables(demo.centro.id)[7]!;
    const r = await client.mutate('session.open', { sessionId: randomUUID(), tableId: table.id });
    expect(await client.drained(20_000)).toBe(true);
    expect(await countApplied(s, r.ok ? r.id : '')).toBe(1);
    expect(saved).toHaveLength(1);
    expect(saved[0]).not.toBe(login.refreshToken);
    // The client holds the rotated token: using it works, and from then on the old one is refused
    // (within 60 s an unused successor still lets a lost refresh answer be retried; see README "Security").
    const next = await s.fetch('/api/auth/refresh', { json: { refreshToken: saved[0] } });
    expect(next.status).toBe(200);
    const old = await s.fetch('/api/auth/refresh', { json: { refreshToken: login.refreshToken } });
    expect(old.status).toBe(401);
    await client.close();
  });
});
