/**
 * Same-origin batches with a declared length are answered before hono (server/src/http/mutations.ts,
 * fastPath); cross-origin ones (another origin's Origin header: CORS), bodies without a declared
 * length and bodies over the limit go through hono (a browser's same-origin POST, which carries the
 * server's own origin: tests/browser/mutations-same-origin.test.ts). Whichever route a batch takes, the caller gets the same answer:
 * status, results, errors in the contract's format, the security headers every answer carries. A
 * client that hangs up in the middle of its body has written nothing.
 *
 * Which route answered: hono answers from a web Response, whose headers come out in alphabetical
 * order; the fast path writes the security headers first (content-security-policy, ...), then
 * content-type.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { openTable, roundArgs, snapshot, staffTokens } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ORIGIN = 'https://tablet.example';
/** Headers Node's HTTP server adds to any answer (after the answer's own). */
const NODE_HEADERS = ['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'];
const SECURITY = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy'];

interface Answer {
  status: number;
  /** Header names in the order they were sent. */
  order: string[];
  headers: Record<string, string | string[] | undefined>;
  json: { results?: { id: string; status: string; code?: string }[]; error?: { code: string } };
}

describe('POST /api/mutations with and without an Origin header', () => {
  let s: TestServer;
  let waiter: string;
  let sessionId: string;
  beforeAll(async () => {
    s = await startTestServer({ config: { corsOrigins: [ORIGIN] } });
    waiter = (await staffTokens(s)).waiterCentro;
    sessionId = await openTable(s, waiter, demo.tables(demo.centro.id)[2]!.id);
  });
  afterAll(() => s?.close());

  /** One POST over node:http; `chunked` sends the body without a declared length. */
  const post = (body: string, headers: Record<string, string>, chunked = false) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${s.url}/api/mutations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            order: res.rawHeaders
              .filter((_, i) => i % 2 === 0)
              .map((h) => h.toLowerCase())
              .filter((h) => !NODE_HEADERS.includes(h)),
            headers: res.headers,
            json: JSON.parse(text) as Answer['json'],
          }),
        );
      });
      req.on('error', reject);
      if (chunked) {
        // Two writes: node sends them as chunks of a chunked body.
        req.write(body.slice(0, 10));
        req.end(body.slice(10));
      } else req.end(body);
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const batch = (name: string, args: unknown) =>
    JSON.stringify({ mutations: [{ id: randomUUID(), name, args }] });
  const byFastPath = (a: Answer) => a.order[0] === 'content-security-policy';
  const byHono = (a: Answer) => a.order.join() === [...a.order].sort().join();

  it('applies an order either way, with the same answer and the security headers', async () => {
    const fast = await post(batch('round.submit', roundArgs(sessionId, demo.centro.id)), bearer(waiter));
    const hono = await post(batch('round.submit', roundArgs(sessionId, demo.centro.id)), {
      ...bearer(waiter),
      origin: ORIGIN,
    });
    expect(byFastPath(fast)).toBe(true);
    expect(byHono(hono)).toBe(true);
    for (const a of [fast, hono]) {
      expect(a.status).toBe(200);
      expect(a.json.results).toEqual([expect.objectContaining({ status: 'applied' })]);
      expect(a.headers['server-timing']).toMatch(/^commit;dur=[\d.]+$/);
    }
    for (const h of [...SECURITY, 'cache-control', 'content-type'])
      expect(fast.headers[h], h).toBe(hono.headers[h]);
    expect(fast.headers['cache-control']).toBe('no-store');
    expect(fast.headers['access-control-allow-origin']).toBeUndefined();
    expect(hono.headers['access-control-allow-origin']).toBe(ORIGIN);
    const [rounds] = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM round WHERE session_id = $1',
      [sessionId],
    );
    expect(rounds!.n).toBe(2);
  });

  it('refuses bad batches the same way either way, and writes nothing', async () => {
    const confirm = () => batch('round.confirm', { roundId: randomUUID() });
    const cases: [string, () => string, Record<string, string>, number, string][] = [
      ['no token', confirm, {}, 401, 'UNAUTHORIZED'],
      ['a forged token', confirm, bearer(`${waiter.slice(0, -4)}AAAA`), 401, 'UNAUTHORIZED'],
      ['malformed JSON', () => '{"mutations": [', bearer(waiter), 400, 'VALIDATION_FAILED'],
      ['an empty body', () => '', bearer(waiter), 400, 'VALIDATION_FAILED'],
      ['no mutations', () => '{}', bearer(waiter), 400, 'VALIDATION_FAILED'],
      [
        'an extra field',
        () => JSON.stringify({ mutations: [], admin: true }),
        bearer(waiter),
        400,
        'VALIDATION_FAILED',
      ],
    ];
    const before = await snapshot(s);
    for (const [label, body, headers, status, code] of cases) {
      const fast = await post(body(), headers);
      const hono = await post(body(), { ...headers, origin: ORIGIN });
      expect(byFastPath(fast), label).toBe(true);
      expect(byHono(hono), label).toBe(true);
      for (const a of [fast, hono]) {
        expect(a.status, label).toBe(status);
        expect(a.json.error?.code, label).toBe(code);
        expect(a.headers['content-type'], label).toContain('application/json');
      }
      for (const h of SECURITY) expect(fast.headers[h], `${label}: ${h}`).toBe(hono.headers[h]);
    }
    // An unknown mutation is a result, not an error, either way.
    const fast = await post(batch('round.delete', {}), bearer(waiter));
    const hono = await post(batch('round.delete', {}), { ...bearer(waiter), origin: ORIGIN });
    expect(fast.json.results?.[0]?.code).toBe('UNKNOWN_MUTATION');
    expect(hono.json.results?.[0]?.code).toBe('UNKNOWN_MUTATION');
    expect(await snapshot(s)).toEqual(before);
  });

  it('reads a body as web text decoding does: UTF-8, a leading byte order mark dropped', async () => {
    const order = () => {
      const args = roundArgs(sessionId, demo.centro.id);
      return { ...args, items: args.items.map((i) => ({ ...i, notes: 'sin sal, más limón' })) };
    };
    const first = order();
    const second = order();
    const fast = await post(`\uFEFF${batch('round.submit', first)}`, bearer(waiter));
    const hono = await post(`\uFEFF${batch('round.submit', second)}`, { ...bearer(waiter), origin: ORIGIN });
    expect([byFastPath(fast), byHono(hono)]).toEqual([true, true]);
    expect(fast.json.results?.[0]?.status).toBe('applied');
    expect(hono.json.results?.[0]?.status).toBe('applied');
    const notes = await s.db.query<{ notes: string }>(
      'SELECT notes FROM round_item WHERE round_id = ANY($1::uuid[])',
      [[first.roundId, second.roundId]],
    );
    expect(notes.map((n) => n.notes)).toEqual(['sin sal, más limón', 'sin sal, más limón']);
  });

  it('takes a body without a declared length through hono', async () => {
    const a = await post(batch('round.submit', roundArgs(sessionId, demo.centro.id)), bearer(waiter), true);
    expect(byHono(a)).toBe(true);
    expect(a.status).toBe(200);
    expect(a.json.results?.[0]?.status).toBe('applied');
  });

  it('writes nothing for a client that hangs up halfway through its body, and goes on serving', async () => {
    const before = await snapshot(s);
    // A whole batch, then spaces the declared length counts: what arrived parses, but is not all.
    const whole = batch('round.submit', roundArgs(sessionId, demo.centro.id));
    const body = whole + ' '.repeat(1000);
    const { port } = new URL(s.url);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /api/mutations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${waiter}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
            whole +
            ' '.repeat(500),
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await snapshot(s)).toEqual(before);
    const next = await post(batch('round.submit', roundArgs(sessionId, demo.centro.id)), bearer(waiter));
    expect(next.json.results?.[0]?.status).toBe('applied');
  });
});
