/**
 * Same-origin shape requests are answered before hono (server/src/shapes/index.ts, fastPath), and
 * cross-origin ones (an Origin header) through hono with CORS. Whichever route a request takes, the
 * caller gets the same answer: status, body, electric-* headers, the security headers every answer
 * carries, errors in the contract's format. A parked long-poll whose client hangs up is let go.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { openTable, seatDiner, staffTokens } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ORIGIN = 'https://tablet.example';
const SECURITY = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy'];
// The handle names one snapshot: two snapshots of the same shape have two.
const ELECTRIC = ['electric-offset', 'electric-schema', 'electric-up-to-date'];

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

describe('shape requests with and without an Origin header', () => {
  let s: TestServer;
  let waiter: string;
  beforeAll(async () => {
    s = await startTestServer({ config: { corsOrigins: [ORIGIN], shapeLiveTimeoutMs: 20_000 } });
    waiter = (await staffTokens(s)).waiterCentro;
  });
  afterAll(() => s?.close());

  const get = async (
    path: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Answer> => {
    const res = await fetch(`${s.url}/api/shapes/${path}`, { headers, signal });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  /** The same request, same-origin (fast path) and cross-origin (hono). */
  const both = (path: string, headers: Record<string, string> = {}) =>
    Promise.all([get(path, headers), get(path, { ...headers, origin: ORIGIN })]);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('answers a snapshot and a catch-up the same way, with the security headers', async () => {
    const [fast, hono] = await both('tables?offset=-1', bearer(waiter));
    expect(fast.status).toBe(200);
    expect(JSON.parse(fast.text).length).toBeGreaterThan(1);
    expect(fast.text).toBe(hono.text);
    for (const h of [...SECURITY, ...ELECTRIC, 'cache-control', 'content-type'])
      expect(fast.headers.get(h), h).toBe(hono.headers.get(h));
    expect(fast.headers.get('cache-control')).toBe('no-store');
    expect(fast.headers.get('electric-handle')).toMatch(/\S{10}/);
    // Only the cross-origin answer carries CORS headers.
    expect(fast.headers.get('access-control-allow-origin')).toBeNull();
    expect(hono.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    const handle = fast.headers.get('electric-handle')!;
    const offset = fast.headers.get('electric-offset')!;
    const [fastAgain, honoAgain] = await both(`tables?offset=${offset}&handle=${handle}`, bearer(waiter));
    expect(fastAgain.status).toBe(200);
    expect(fastAgain.text).toBe(honoAgain.text);
    expect(fastAgain.headers.get('electric-offset')).toBe(honoAgain.headers.get('electric-offset'));
  });

  it('refuses the same way: no token, a forged token, an unknown shape, a bad offset, a shape not theirs', async () => {
    const sessionId = await openTable(s, waiter, demo.tables(demo.centro.id)[0]!.id);
    const diner = await seatDiner(s, sessionId);
    const cases: [string, Record<string, string>, number, string][] = [
      ['tables?offset=-1', {}, 401, 'UNAUTHORIZED'],
      ['tables?offset=-1', bearer(`${waiter.slice(0, -4)}AAAA`), 401, 'UNAUTHORIZED'],
      ['no_such_shape?offset=-1', bearer(waiter), 404, 'NOT_FOUND'],
      ['tables?offset=banana', bearer(waiter), 400, 'VALIDATION_FAILED'],
      ['tables?offset=-1', bearer(diner.token), 403, 'FORBIDDEN'],
      ['%E0%A4%A?offset=-1', bearer(waiter), 404, 'NOT_FOUND'],
    ];
    for (const [path, headers, status, code] of cases) {
      const [fast, hono] = await both(path, headers);
      expect(fast.status, path).toBe(status);
      expect(hono.status, path).toBe(status);
      const body = JSON.parse(fast.text) as { error: { code: string; message: string } };
      expect(body.error.code, path).toBe(code);
      expect(body.error.message.length, path).toBeGreaterThan(5);
      expect(JSON.parse(hono.text), path).toEqual(body);
      for (const h of SECURITY) expect(fast.headers.get(h), `${path} ${h}`).toBe(hono.headers.get(h));
      expect(fast.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('wakes a parked long-poll with the change, and lets it go when the client hangs up', async () => {
    const first = await get('service_calls?offset=-1', bearer(waiter));
    const at = `offset=${first.headers.get('electric-offset')}&handle=${first.headers.get('electric-handle')}`;
    const live = async () =>
      ((await (await fetch(`${s.url}/api/health`)).json()) as { shapeFeed: { liveClients: number } })
        .shapeFeed.liveClients;
    const before = await live();

    // Hung up: the server forgets the request.
    const controller = new AbortController();
    const abandoned = get(`service_calls?${at}&live=true`, bearer(waiter), controller.signal).catch(
      () => 'gone',
    );
    await expect.poll(live).toBe(before + 1);
    controller.abort();
    expect(await abandoned).toBe('gone');
    await expect.poll(live).toBe(before);

    // Still there: answered with the new row as soon as it commits.
    const parked = get(`service_calls?${at}&live=true`, bearer(waiter));
    await expect.poll(live).toBe(before + 1);
    const sessionId = await openTable(s, waiter, demo.tables(demo.centro.id)[1]!.id);
    const serviceCallId = randomUUID();
    const res = await fetch(`${s.url}/api/mutations`, {
      method: 'POST',
      headers: { ...bearer(waiter), 'content-type': 'application/json' },
      body: JSON.stringify({
        mutations: [
          {
            id: randomUUID(),
            name: 'serviceCall.create',
            args: { serviceCallId, sessionId, kind: 'WAITER' },
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const answer = await parked;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('electric-up-to-date')).toBe('true');
    const rows = (JSON.parse(answer.text) as { value?: { id: string } }[]).flatMap((m) =>
      m.value ? [m.value.id] : [],
    );
    expect(rows).toContain(serviceCallId);
  });
});
