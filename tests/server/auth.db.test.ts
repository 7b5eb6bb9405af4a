import { createHash, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { LoginAnswer } from '@comanda/schema';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { joinAsDiner, tableToken } from '../support/diner.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const WRONG = { error: { code: 'UNAUTHORIZED', message: 'Wrong email or password.' } };
const centroTable = demo.tables(demo.centro.id)[0]!;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** POST from a chosen loopback address (127.0.0.x), to tell the per-address limit from the per-account one. */
function postFrom(
  url: string,
  localAddress: string,
  path: string,
  json: unknown,
): Promise<{ status: number; body: unknown }> {
  const u = new URL(path, url);
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('staff sign-in', () => {
  let s: TestServer;
  /** Every answer body this suite saw, to check that none carries a secret. */
  const seen: string[] = [];
  const call = async (path: string, json?: unknown, token?: string) => {
    const res = await s.fetch(path, json === undefined ? { token } : { json, token });
    const text = await res.text();
    seen.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
  };
  const login = async (email: string, password = 'demo1234') => {
    const r = await call('/api/auth/login', { email, password });
    expect(r.status).toBe(200);
    return r.body as unknown as LoginAnswer;
  };
  const mutateStatus = async (token: string) =>
    (
      await call(
        '/api/mutations',
        {
          mutations: [
            {
              id: randomUUID(),
              name: 'session.open',
              args: { sessionId: randomUUID(), tableId: randomUUID() },
            },
          ],
        },
        token,
      )
    ).status;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('signs in with the demo password and answers the user with roles per branch, and no-store', async () => {
    const res = await s.fetch('/api/auth/login', {
      json: { email: 'Mozo.Centro@demo.test', password: 'demo1234' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const a = (await res.json()) as LoginAnswer;
    seen.push(JSON.stringify(a));
    expect(a.user).toEqual({
      id: expect.any(String),
      tenantId: demo.tenant.id,
      email: demo.users.waiterCentro,
      name: expect.any(String),
      roles: [{ branchId: demo.centro.id, role: 'WAITER' }],
      branches: [{ id: demo.centro.id, name: demo.centro.name }],
    });
    expect(claimsOf(a.accessToken)).toMatchObject({ typ: 'access', sub: a.user.id, tid: demo.tenant.id });
    expect(a.refreshToken.length).toBeGreaterThanOrEqual(40);
  });

  it('gives the same 401 for a wrong password, an unknown email and a disabled account', async () => {
    const wrong = await call('/api/auth/login', { email: demo.users.waiterCentro, password: 'demo12345' });
    const unknown = await call('/api/auth/login', { email: 'nadie@demo.test', password: 'demo1234' });
    await s.db.query("UPDATE app_user SET active = false WHERE email = 'mozo2.centro@demo.test'");
    const disabled = await call('/api/auth/login', { email: demo.users.waiter2Centro, password: 'demo1234' });
    await s.db.query("UPDATE app_user SET active = true WHERE email = 'mozo2.centro@demo.test'");
    for (const r of [wrong, unknown, disabled]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual(WRONG);
    }
  });

  it('treats SQL-looking login fields as wrong credentials and changes nothing', async () => {
    const [before] = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM app_user');
    for (const [email, password] of [
      ["admin@demo.test' OR '1'='1", 'x'],
      ["' OR 1=1; DROP TABLE app_user; --", 'x'],
      [demo.users.admin, "' OR '1'='1' --"],
      ["admin@demo.test'--", 'demo1234'],
    ]) {
      const r = await call('/api/auth/login', { email, password });
      expect(r.status, email).toBe(401);
      expect(r.body).toEqual(WRONG);
    }
    expect(await s.db.query('SELECT count(*)::int AS n FROM app_user')).toEqual([before]);
  });

  it('answers bad login bodies with 400 VALIDATION_FAILED', async () => {
    for (const json of [
      {},
      { email: 'a@b.c' },
      { email: 1, password: 2 },
      { email: 'a@b.c', password: 'x', admin: true },
      [],
      // Text no account can hold: refused before the lookup (PostgreSQL would answer 22021, a 500).
      { email: 'mozo.centro@demo.test\u0000', password: 'demo1234' },
      { email: 'mozo.centro\ud800@demo.test', password: 'demo1234' },
      { email: demo.users.waiterCentro, password: 'demo1234\u0000' },
      { email: 'x'.repeat(255), password: 'demo1234' },
    ]) {
      const r = await call('/api/auth/login', json);
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('stores passwords as argon2id hashes', async () => {
    const rows = await s.db.query<{ password_hash: string }>('SELECT password_hash FROM app_user');
    expect(rows.length).toBe(10);
    for (const r of rows)
      expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(new Set(rows.map((r) => r.password_hash)).size).toBe(rows.length);
  });

  it('rotates the refresh token: the new pair works, the used token is dead', async () => {
    const first = await login(demo.users.managerCentro);
    const r = await call('/api/auth/refresh', { refreshToken: first.refreshToken });
    expect(r.status).toBe(200);
    const next = r.body as unknown as LoginAnswer;
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.user.roles).toEqual([{ branchId: demo.centro.id, role: 'MANAGER' }]);
    expect(await mutateStatus(next.accessToken)).toBe(200);
    // The stored value is the token's SHA-256, never the token.
    const stored = await s.db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_token');
    expect(stored.map((t) => t.token_hash)).toContain(sha256(next.refreshToken));
    expect(stored.map((t) => t.token_hash)).not.toContain(next.refreshToken);
    expect((await call('/api/auth/refresh', { refreshToken: next.refreshToken })).status).toBe(200);
    // Its successor used, the first token is dead (presenting it is reuse: see the family tests below).
    expect((await call('/api/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);
  });

  const refresh = async (refreshToken: string) => {
    const r = await call('/api/auth/refresh', { refreshToken });
    return { status: r.status, token: (r.body as unknown as LoginAnswer).refreshToken, body: r.body };
  };

  it('revokes the whole family when a rotated token is presented after its successor was used', async () => {
    const stolen = await login(demo.users.managerNorte);
    const other = await login(demo.users.managerNorte); // another device: a separate family
    const legit = await refresh(stolen.refreshToken);
    const legitNext = await refresh(legit.token!);
    expect(legitNext.status).toBe(200);
    const replay = await refresh(stolen.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    // The legitimate holder's newest token went down with the family...
    expect((await refresh(legitNext.token!)).status).toBe(401);
    // ...but the other device's family is untouched.
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it('lets a refresh whose answer was lost be retried with the old token, once per rotation', async () => {
    const a = await login(demo.users.waiterNorte);
    const lost = await refresh(a.refreshToken); // the answer never reached the phone
    expect(lost.status).toBe(200);
    const retried = await refresh(a.refreshToken);
    expect(retried.status).toBe(200);
    expect(retried.token).not.toBe(lost.token);
    // A copy of the "lost" token that did arrive (a second tab) can still move on.
    const tab = await refresh(lost.token!);
    expect(tab.status).toBe(200);
    // One live token per family: the newest. Moving on from it works.
    const live = await s.db.query<{ token_hash: string }>(
      `SELECT token_hash FROM refresh_token WHERE revoked_at IS NULL AND family_id =
         (SELECT family_id FROM refresh_token WHERE token_hash = $1)`,
      [sha256(a.refreshToken)],
    );
    expect(live).toEqual([{ token_hash: sha256(tab.token!) }]);
    const next = await refresh(tab.token!);
    expect(next.status).toBe(200);
    // Now the successors were used: the first token again is reuse, and ends the family.
    expect((await refresh(a.refreshToken)).status).toBe(401);
    expect((await refresh(next.token!)).status).toBe(401);
  });

  it('treats a retry after the grace window as reuse', async () => {
    const a = await login(demo.users.kitchenNorte);
    const lost = await refresh(a.refreshToken);
    await s.db.query(
      "UPDATE refresh_token SET revoked_at = now() - interval '61 seconds' WHERE token_hash = $1",
      [sha256(a.refreshToken)],
    );
    expect((await refresh(a.refreshToken)).status).toBe(401);
    expect((await refresh(lost.token!)).status).toBe(401);
  });

  it('logout revokes the refresh token; unknown tokens are accepted quietly', async () => {
    const a = await login(demo.users.kitchenCentro);
    expect(await call('/api/auth/logout', { refreshToken: a.refreshToken })).toMatchObject({
      status: 200,
      body: { ok: true },
    });
    expect((await call('/api/auth/refresh', { refreshToken: a.refreshToken })).status).toBe(401);
    expect((await call('/api/auth/logout', { refreshToken: 'x'.repeat(43) })).status).toBe(200);
    expect((await call('/api/auth/refresh', { refreshToken: 'y'.repeat(43) })).status).toBe(401);
  });

  it('refuses forged, tampered, foreign-algorithm and wrong-kind bearer tokens', async () => {
    const waiter = await login(demo.users.waiterCentro);
    const claims = claimsOf(waiter.accessToken);
    const [h, , sig] = waiter.accessToken.split('.');
    const escalated = {
      ...claims,
      roles: [
        [demo.centro.id, 'ADMIN'],
        [demo.norte.id, 'ADMIN'],
      ],
    };
    const noExp = { ...claims };
    delete noExp.exp;
    const forged: Record<string, string> = {
      'wrong secret': await sign(escalated, 'some-other-secret-0123456789abcdef0123', 'HS256'),
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(escalated)}.`,
      'alg none, signature kept': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(escalated)}.${sig}`,
      'tampered payload': `${h}.${b64(escalated)}.${sig}`,
      'HS512 with the right secret': await sign(
        claims,
        'test-secret-0123456789abcdef0123456789abcdef',
        'HS512',
      ),
      'no exp, right secret': await sign(noExp, 'test-secret-0123456789abcdef0123456789abcdef', 'HS256'),
      'table (QR) token': await tableToken(s, centroTable.id),
      'refresh token': waiter.refreshToken,
      garbage: 'a.b.c.d.e.f.g.h.i.j',
    };
    for (const [what, token] of Object.entries(forged)) {
      const r = await call(
        '/api/mutations',
        {
          mutations: [
            {
              id: randomUUID(),
              name: 'session.open',
              args: { sessionId: randomUUID(), tableId: centroTable.id },
            },
          ],
        },
        token,
      );
      expect(r.status, what).toBe(401);
      expect(r.body, what).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect((await call(`/api/admin/tables/${centroTable.id}/qr`, undefined, token)).status, what).toBe(401);
    }
    expect((await call('/api/mutations', { mutations: [] })).status).toBe(401);
    const [n] = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM table_session WHERE table_id = $1',
      [centroTable.id],
    );
    expect(n?.n).toBe(0);
  });

  it('keeps a diner token off staff-only routes and out of staff mutations', async () => {
    const d = await joinAsDiner(s, demo.tables(demo.centro.id)[1]!.id);
    const qr = await call(`/api/admin/tables/${centroTable.id}/qr`, undefined, d.dinerToken);
    expect(qr.status).toBe(403);
    expect(qr.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const [r] = (
      await call(
        '/api/mutations',
        { mutations: [{ id: randomUUID(), name: 'table.rotateQr', args: { tableId: centroTable.id } }] },
        d.dinerToken,
      )
    ).body.results as { code: string }[];
    expect(r).toMatchObject({ status: 'rejected', code: 'FORBIDDEN' });
  });

  it("treats another tenant's staff token as a stranger to this tenant's rows", async () => {
    const other = await login(demo.users.otherAdmin);
    const [open] = (
      await call(
        '/api/mutations',
        {
          mutations: [
            {
              id: randomUUID(),
              name: 'session.open',
              args: { sessionId: randomUUID(), tableId: centroTable.id },
            },
          ],
        },
        other.accessToken,
      )
    ).body.results as unknown[];
    expect(open).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
    const qr = await call(`/api/admin/tables/${centroTable.id}/qr`, undefined, other.accessToken);
    expect(qr.status).toBe(404);
    // A token claiming the demo tenant but signed by someone else is just forged.
    const claims = {
      ...claimsOf(other.accessToken),
      tid: demo.tenant.id,
      roles: [[demo.centro.id, 'ADMIN']],
    };
    expect(await mutateStatus(await sign(claims, 'otro-secret-0123456789abcdef0123456789ab', 'HS256'))).toBe(
      401,
    );
  });

  it('never answers with a password hash or a stored refresh token hash', async () => {
    const hashes = [
      ...(await s.db.query<{ h: string }>('SELECT password_hash AS h FROM app_user')),
      ...(await s.db.query<{ h: string }>('SELECT token_hash AS h FROM refresh_token')),
    ].map((r) => r.h);
    expect(seen.length).toBeGreaterThan(30);
    const all = seen.join('\n');
    expect(all).not.toMatch(/password_hash|passwordHash|token_hash|tokenHash|\$argon2/);
    for (const h of hashes) expect(all.includes(h)).toBe(false);
  });
});

describe('access token expiry', () => {
  let s: TestServer;
  beforeAll(async () => {
    // 2 s, not 1: a 1 s token signed late in a second is already dead a moment later on a busy machine.
    s = await startTestServer({ config: { accessTokenTtlSec: 2 } });
  });
  afterAll(() => s?.close());

  it('answers 401 once the access token has expired, and refresh gives a working one', async () => {
    const a = await s.login(demo.users.waiterCentro);
    const body = {
      mutations: [
        { id: randomUUID(), name: 'session.open', args: { sessionId: randomUUID(), tableId: randomUUID() } },
      ],
    };
    expect((await s.fetch('/api/mutations', { token: a.accessToken, json: body })).status).toBe(200);
    const exp = claimsOf(a.accessToken).exp as number;
    expect(exp - (claimsOf(a.accessToken).iat as number)).toBe(2);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    const late = await s.fetch('/api/mutations', { token: a.accessToken, json: body });
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({
      error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/expired/) },
    });
    const fresh = (await (
      await s.fetch('/api/auth/refresh', { json: { refreshToken: a.refreshToken } })
    ).json()) as LoginAnswer;
    expect((await s.fetch('/api/mutations', { token: fresh.accessToken, json: body })).status).toBe(200);
  });
});

describe('login rate limit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 3 } } });
  });
  afterAll(() => s?.close());

  it('never limits successful sign-ins (a whole shift behind one address)', async () => {
    for (let i = 0; i < 6; i++)
      expect(
        (
          await postFrom(s.url, '127.0.0.1', '/api/auth/login', {
            email: demo.users.kitchenNorte,
            password: 'demo1234',
          })
        ).status,
      ).toBe(200);
  });

  it('stops a guessing run on one account from any address, yet the waiter still signs in where they always do', async () => {
    const email = demo.users.waiterNorte;
    const login = (ip: string, password: string, as = email) =>
      postFrom(s.url, ip, '/api/auth/login', { email: as, password });
    // Yesterday: the waiter signed in on the restaurant's tablet.
    const tablet = '127.0.0.26';
    expect((await login(tablet, 'demo1234')).status).toBe(200);

    // Someone who knows the email guesses from four addresses: after 3 wrong passwords the account is closed to them.
    const statuses = [];
    for (const ip of ['127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25'])
      statuses.push((await login(ip, 'guess')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Fresh addresses don't help: none gets its password tried, so even the right one is refused and the
    // run learns nothing.
    for (let i = 30; i < 36; i++) expect((await login(`127.0.0.${i}`, `guess${i}`)).status).toBe(429);
    const right = await login('127.0.0.36', 'demo1234', email.toUpperCase());
    expect(right).toEqual({
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: expect.any(String) } },
    });

    // The waiter at the tablet, during the attack: a typo is an ordinary 401, the right password gets in.
    expect(await login(tablet, 'demo123')).toMatchObject({ status: 401, body: WRONG });
    const back = await login(tablet, 'demo1234', ` ${email.toUpperCase()} `);
    expect(back.status).toBe(200);
    expect((back.body as LoginAnswer).user.email).toBe(email);
    // Other accounts are not affected.
    expect((await login('127.0.0.27', 'demo1234', demo.users.managerNorte)).status).toBe(200);

    // Guessing from the tablet's address is still limited, by that address's own count (1 typo so far).
    expect((await login(tablet, 'guess')).status).toBe(401);
    expect((await login(tablet, 'guess')).status).toBe(401);
    expect((await login(tablet, 'guess')).status).toBe(429);
  });

  it('answers 429 after too many wrong passwords from one address, over any accounts', async () => {
    const emails = [
      demo.users.admin,
      demo.users.managerCentro,
      demo.users.waiterCentro,
      demo.users.kitchenCentro,
    ];
    const statuses = [];
    for (const email of emails)
      statuses.push(
        (await postFrom(s.url, '127.0.0.9', '/api/auth/login', { email, password: 'guess' })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 429]);
    const res = await s.fetch('/api/auth/login', { json: { email: 'x@y.z', password: 'guess' } });
    expect(res.status).toBe(401); // 127.0.0.1 has its own count
    expect(
      (
        await postFrom(s.url, '127.0.0.9', '/api/auth/login', {
          email: demo.users.waiter2Centro,
          password: 'demo1234',
        })
      ).status,
    ).toBe(429);
  });

  it('sends Retry-After with the 429', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 5; i++)
      res = await s.fetch('/api/auth/login', { json: { email: 'nadie@demo.test', password: 'guess' } });
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
