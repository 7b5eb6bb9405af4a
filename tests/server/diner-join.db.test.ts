import { randomUUID } from 'node:crypto';
import type { DinerJoinAnswer } from '@comanda/schema';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { joinAsDiner, tableToken } from '../support/diner.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const centro = demo.tables(demo.centro.id);
const norte = demo.tables(demo.norte.id);

describe('diner join through the table QR', () => {
  let s: TestServer;
  let waiter: string;
  beforeAll(async () => {
    s = await startTestServer({ config: { joinRateLimit: { windowMs: 60_000, limit: 1000 } } });
    waiter = (await s.login(demo.users.waiterCentro)).accessToken;
  });
  afterAll(() => s?.close());

  const join = (json: unknown) => s.fetch('/api/diner/join', { json });
  const sessions = (tableId: string) =>
    s.db.query<{ id: string; status: string; opened_by_user_id: string | null }>(
      'SELECT id, status, opened_by_user_id FROM table_session WHERE table_id = $1',
      [tableId],
    );
  const events = (tableId: string) =>
    s.db.query<{ type: string; actor_kind: string; actor_id: string | null }>(
      'SELECT type, actor_kind, actor_id FROM event WHERE table_id = $1 ORDER BY id',
      [tableId],
    );

  it('opens the session on the first scan and seats the second diner in the same one', async () => {
    const table = centro[2]!;
    const ana = await joinAsDiner(s, table.id, 'Ana');
    expect(ana).toMatchObject({ tableId: table.id, branchId: demo.centro.id });
    expect(ana.dinerToken.split('.')).toHaveLength(3);
    const beto = await joinAsDiner(s, table.id);
    expect(beto.sessionId).toBe(ana.sessionId);
    expect(beto.dinerId).not.toBe(ana.dinerId);

    expect(await sessions(table.id)).toEqual([
      { id: ana.sessionId, status: 'OPEN', opened_by_user_id: null },
    ]);
    const [t] = await s.db.query<{ status: string }>('SELECT status FROM dining_table WHERE id = $1', [
      table.id,
    ]);
    expect(t?.status).toBe('OCCUPIED');
    const diners = await s.db.query<{ id: string; name: string | null; session_id: string }>(
      'SELECT id, name, session_id FROM diner WHERE session_id = $1 ORDER BY name NULLS LAST',
      [ana.sessionId],
    );
    expect(diners).toEqual([
      { id: ana.dinerId, name: 'Ana', session_id: ana.sessionId },
      { id: beto.dinerId, name: null, session_id: ana.sessionId },
    ]);
    expect(await events(table.id)).toEqual([
      { type: 'SESSION_OPENED', actor_kind: 'diner', actor_id: ana.dinerId },
      { type: 'DINER_JOINED', actor_kind: 'diner', actor_id: ana.dinerId },
      { type: 'DINER_JOINED', actor_kind: 'diner', actor_id: beto.dinerId },
    ]);
  });

  it("joins the session a waiter opened, and then the waiter's session.open is TABLE_BUSY", async () => {
    const table = centro[3]!;
    const sessionId = randomUUID();
    const [opened] = await s.mutate(waiter, { name: 'session.open', args: { sessionId, tableId: table.id } });
    expect(opened).toMatchObject({ status: 'applied' });
    const diner = await joinAsDiner(s, table.id);
    expect(diner.sessionId).toBe(sessionId);

    const other = centro[4]!;
    const first = await joinAsDiner(s, other.id);
    const [busy] = await s.mutate(waiter, {
      name: 'session.open',
      args: { sessionId: randomUUID(), tableId: other.id },
    });
    expect(busy).toMatchObject({ status: 'rejected', code: 'TABLE_BUSY' });
    expect((await sessions(other.id)).map((r) => r.id)).toEqual([first.sessionId]);
  });

  it('keeps one session when diners and waiters open the same table at the same moment', async () => {
    const table = centro[5]!;
    const token = await tableToken(s, table.id);
    const waiter2 = (await s.login(demo.users.waiter2Centro)).accessToken;
    const diners = Array.from({ length: 8 }, () => join({ tableToken: token }));
    const waiters = [waiter, waiter2].map((w) =>
      s.mutate(w, { name: 'session.open', args: { sessionId: randomUUID(), tableId: table.id } }),
    );
    const [joined, opened] = await Promise.all([Promise.all(diners), Promise.all(waiters)]);
    const answers = (await Promise.all(joined.map((r) => r.json()))) as DinerJoinAnswer[];
    expect(joined.map((r) => r.status)).toEqual(Array(8).fill(200));

    const open = await sessions(table.id);
    expect(open).toHaveLength(1);
    expect(new Set(answers.map((a) => a.sessionId))).toEqual(new Set([open[0]!.id]));
    const results = opened.map(([r]) => r!);
    // At most one waiter got the table; if one did, it was first and everyone joined that session.
    expect(results.filter((r) => r.status === 'applied').length).toBeLessThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.code).toBe('TABLE_BUSY');
    const types = (await events(table.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'SESSION_OPENED')).toHaveLength(1);
    expect(types.filter((t) => t === 'DINER_JOINED')).toHaveLength(8);
  });

  it('refuses a QR whose table had its code replaced (qr_version bumped), and accepts the new one', async () => {
    const table = norte[0]!;
    const old = await tableToken(s, table.id);
    await s.db.query('UPDATE dining_table SET qr_version = qr_version + 1 WHERE id = $1', [table.id]);
    const res = await join({ tableToken: old });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/replaced/) },
    });
    expect(await sessions(table.id)).toEqual([]);
    const fresh = await tableToken(s, table.id);
    expect(fresh).not.toBe(old);
    expect((await join({ tableToken: fresh })).status).toBe(200);
  });

  it('refuses forged and wrong-kind table tokens, and writes nothing', async () => {
    const table = norte[1]!;
    const real = await tableToken(s, table.id);
    const claims = JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = await sign(claims, 'not-the-server-secret-0123456789abcdef', 'HS256');
    // Same signature, payload pointing at another table.
    const [h, , sig] = real.split('.');
    const moved = Buffer.from(JSON.stringify({ ...claims, tbl: norte[2]!.id })).toString('base64url');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${real.split('.')[1]}.`;
    const access = (await s.login(demo.users.admin)).accessToken;
    const diner = (await joinAsDiner(s, centro[6]!.id)).dinerToken;
    for (const tableToken of [forged, `${h}.${moved}.${sig}`, none, access, diner, 'x'.repeat(40)]) {
      const res = await join({ tableToken });
      expect(res.status, tableToken).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    expect(await sessions(table.id)).toEqual([]);
    expect(await sessions(norte[2]!.id)).toEqual([]);
  });

  it('answers bad bodies with 400 and nothing written', async () => {
    const before = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM diner');
    const token = await tableToken(s, centro[9]!.id);
    for (const json of [
      {},
      { tableToken: 42 },
      { tableToken: 'abc' },
      { tableToken: 'x'.repeat(20), extra: 1 },
      // A name PostgreSQL can't store (it used to be a 500), a blank one, one too long.
      { tableToken: token, name: 'Ana\u0000' },
      { tableToken: token, name: 'Ana\udc00' },
      { tableToken: token, name: '   ' },
      { tableToken: token, name: 'A'.repeat(61) },
    ]) {
      const res = await join(json);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await s.db.query('SELECT count(*)::int AS n FROM diner')).toEqual(before);
    expect(await sessions(centro[9]!.id)).toEqual([]);
  });

  it('lets a diner token act only as a diner of its own session', async () => {
    const d = await joinAsDiner(s, centro[7]!.id);
    // Staff-only mutation: rejected for a diner.
    const [r] = await s.mutate(d.dinerToken, {
      name: 'session.open',
      args: { sessionId: randomUUID(), tableId: centro[8]!.id },
    });
    expect(r).toMatchObject({ status: 'rejected', code: 'FORBIDDEN' });
    expect(await sessions(centro[8]!.id)).toEqual([]);
    // Staff-only route: 403.
    const qr = await s.fetch(`/api/admin/tables/${centro[7]!.id}/qr`, { token: d.dinerToken });
    expect(qr.status).toBe(403);
  });
});

describe('diner join rate limit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { joinRateLimit: { windowMs: 60_000, limit: 3 } } });
  });
  afterAll(() => s?.close());

  it('answers 429 RATE_LIMITED past the per-address limit', async () => {
    const token = await tableToken(s, centro[0]!.id);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await s.fetch('/api/diner/join', { json: { tableToken: token } })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const res = await s.fetch('/api/diner/join', { json: { tableToken: token } });
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    const [n] = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM diner');
    expect(n?.n).toBe(3);
  });
});

describe('diner token expiry', () => {
  let s: TestServer;
  beforeAll(async () => {
    // 2 s, not 1: a 1 s token signed late in a second is already dead a moment later on a busy machine.
    s = await startTestServer({ config: { dinerTokenTtlSec: 2 } });
  });
  afterAll(() => s?.close());

  it('answers 401 once the diner token has expired, writes nothing, and a new scan seats the diner again', async () => {
    const table = centro[10]!;
    const d = await joinAsDiner(s, table.id);
    const claims = JSON.parse(Buffer.from(d.dinerToken.split('.')[1]!, 'base64url').toString()) as {
      exp: number;
      iat: number;
    };
    expect(claims.exp - claims.iat).toBe(2);
    const call = (token: string) =>
      s.fetch('/api/mutations', {
        token,
        json: {
          mutations: [
            {
              id: randomUUID(),
              name: 'serviceCall.create',
              args: { serviceCallId: randomUUID(), sessionId: d.sessionId, kind: 'WAITER' },
            },
          ],
        },
      });
    await new Promise((r) => setTimeout(r, claims.exp * 1000 - Date.now() + 50));
    const [calls] = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM service_call');
    const late = await call(d.dinerToken);
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({
      error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/expired/) },
    });
    expect(await s.db.query('SELECT count(*)::int AS n FROM service_call')).toEqual([calls]);
    // The table's session is untouched: scanning the QR again joins it with a fresh token that works.
    const again = await joinAsDiner(s, table.id);
    expect(again.sessionId).toBe(d.sessionId);
    const ok = await call(again.dinerToken);
    expect(((await ok.json()) as { results: { status: string }[] }).results[0]!.status).toBe('applied');
  });
});
