import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { tableToken } from '../support/diner.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ALLOWED = 'https://mozo.resto.example';

describe('the edge: headers, CORS, body limits, bad bodies', () => {
  let s: TestServer;
  let waiter: string;
  beforeAll(async () => {
    s = await startTestServer({ config: { corsOrigins: [ALLOWED] } });
    waiter = (await s.login(demo.users.waiterCentro)).accessToken;
  });
  afterAll(() => s?.close());

  const expectSecurityHeaders = (res: Response, what: string) => {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp, what).toContain("default-src 'self'");
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).not.toContain(" 'unsafe-eval'");
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('x-frame-options'), what).toMatch(/^(DENY|SAMEORIGIN)$/);
    expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
    expect(res.headers.get('x-powered-by'), what).toBeNull();
    expect(res.headers.get('strict-transport-security'), what).toMatch(/max-age=\d{6,}/);
    expect(res.headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
    expect(res.headers.get('cross-origin-resource-policy'), what).toBe('same-origin');
  };

  it('sends security headers on answers, errors and 404s, API or not', async () => {
    const cases: [string, Promise<Response>, number][] = [
      ['health', s.fetch('/api/health'), 200],
      ['api 404', s.fetch('/api/no-such-thing'), 404],
      ['root 404', s.fetch('/no-such-page'), 404],
      ['401', s.fetch('/api/mutations', { json: { mutations: [] } }), 401],
      [
        '400',
        s.fetch('/api/auth/login', {
          body: '{',
          headers: { 'content-type': 'application/json' },
          method: 'POST',
        }),
        400,
      ],
      ['wrong method', s.fetch('/api/auth/login'), 404],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      expectSecurityHeaders(res, what);
      if (status >= 400) {
        expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
        expect(await res.json(), what).toMatchObject({
          error: { code: expect.any(String), message: expect.any(String) },
        });
      }
    }
  });

  it('sends the same security headers on shape answers, snapshot and live, and CORS headers to an allowed origin', async () => {
    const first = await s.fetch('/api/shapes/tables?offset=-1', { token: waiter });
    expect(first.status).toBe(200);
    expectSecurityHeaders(first, 'shape snapshot');
    expect(first.headers.get('cache-control')).toBe('no-store');
    const body = await first.text();
    expect(Number(first.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    const q = `handle=${first.headers.get('electric-handle')}&offset=${first.headers.get('electric-offset')}`;
    const live = s.fetch(`/api/shapes/tables?${q}&live=true`, { token: waiter });
    await s.db.query('UPDATE dining_table SET seats = seats + 1 WHERE id = $1', [
      demo.tables(demo.centro.id)[0]!.id,
    ]);
    const changed = await live;
    expect(changed.status).toBe(200);
    expectSecurityHeaders(changed, 'shape live');
    expect(changed.headers.get('electric-cursor')).toMatch(/^\d+$/);
    expect(JSON.parse(await changed.text()).some((m: { key?: string }) => m.key)).toBe(true);
    // Cross-origin: the same answer with the CORS headers the Electric client needs to read it.
    const cross = await s.fetch('/api/shapes/tables?offset=-1', {
      token: waiter,
      headers: { origin: ALLOWED },
    });
    expectSecurityHeaders(cross, 'shape cross-origin');
    expect(cross.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(cross.headers.get('access-control-expose-headers')).toContain('electric-handle');
  });

  it('echoes an allowed origin, with the Electric headers exposed, and no other origin', async () => {
    const pre = await s.fetch('/api/mutations', {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();

    const get = await s.fetch('/api/health', { headers: { origin: ALLOWED } });
    expect(get.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(get.headers.get('vary')?.toLowerCase()).toContain('origin');
    const exposed = (get.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const h of [
      'electric-handle',
      'electric-offset',
      'electric-schema',
      'electric-cursor',
      'electric-up-to-date',
    ])
      expect(exposed).toContain(h);

    for (const origin of [
      'https://evil.example',
      `${ALLOWED}.evil.example`,
      'null',
      ALLOWED.replace('https', 'http'),
    ]) {
      const evil = await s.fetch('/api/health', { headers: { origin } });
      expect(evil.headers.get('access-control-allow-origin'), origin).toBeNull();
      const evilPre = await s.fetch('/api/auth/login', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(evilPre.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('answers a 1 MB body with a 413 JSON error, never a 500, and writes nothing', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const [before] = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM applied_mutation');
    const bodies: [string, unknown, string | undefined][] = [
      ['/api/auth/login', { email: demo.users.admin, password: big }, undefined],
      ['/api/diner/join', { tableToken: big }, undefined],
      ['/api/auth/refresh', { refreshToken: big }, undefined],
      [
        '/api/mutations',
        {
          mutations: [
            { id: randomUUID(), name: 'session.open', args: { sessionId: randomUUID(), tableId: big } },
          ],
        },
        waiter,
      ],
    ];
    for (const [path, json, token] of bodies) {
      const res = await s.fetch(path, { json, token });
      expect(res.status, path).toBe(413);
      expect(await res.json(), path).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    }
    // Streamed without a length: the limit counts the bytes as they come.
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 16; i++) c.enqueue(new TextEncoder().encode(`"${'y'.repeat(64 * 1024)}",`));
        c.close();
      },
    });
    const streamed = await fetch(`${s.url}/api/mutations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${waiter}` },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await s.db.query('SELECT count(*)::int AS n FROM applied_mutation')).toEqual([before]);
  });

  it('answers malformed JSON with 400 VALIDATION_FAILED on every JSON route', async () => {
    const table = await tableToken(s, demo.tables(demo.centro.id)[0]!.id);
    expect(table.length).toBeGreaterThan(10);
    for (const path of [
      '/api/auth/login',
      '/api/auth/refresh',
      '/api/auth/logout',
      '/api/diner/join',
      '/api/mutations',
    ])
      for (const body of ['{', '{"email": }', 'null', '"text"', '', '\u0000']) {
        const res = await s.fetch(path, {
          method: 'POST',
          body,
          token: path === '/api/mutations' ? waiter : undefined,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      }
  });

  it('answers odd mutation batches with a clear 4xx', async () => {
    const cases: unknown[] = [
      {},
      { mutations: 'all' },
      { mutations: [] },
      { mutations: [{ id: 'not-a-uuid', name: 'session.open', args: {} }] },
      { mutations: Array.from({ length: 101 }, () => ({ id: randomUUID(), name: 'x', args: {} })) },
    ];
    for (const json of cases) {
      const res = await s.fetch('/api/mutations', { json, token: waiter });
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });
});
