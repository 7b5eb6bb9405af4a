/**
 * The apps' own orders take the mutations fast path (server/src/http/mutations.ts): Chromium sends an
 * Origin header with every POST, same-origin ones too, and a page of the server's own origin, over
 * HTTP/1.1 and over HTTPS + HTTP/2, is answered before hono. Which route answered shows in the
 * headers: hono's CORS middleware, which runs for any request with an Origin header, adds
 * `access-control-expose-headers` and `vary: Origin`; the fast path has no CORS headers to add.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueServerCert, makeCa } from '../../server/src/tls/local-ca.ts';
import { launchBrowser } from '../support/browser.ts';
import { demo } from '../support/demo.ts';
import { openTable, roundArgs, staffTokens } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface Sent {
  status: number;
  result?: string;
  expose: string | null;
  vary: string | null;
}

describe("the apps' orders from the server's own pages", () => {
  let browser: Browser;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  /**
   * A waiter's page of `s`'s own origin signs in, opens a table and sends an order, with fetch, as
   * the apps' outbox does (all from the page: over HTTPS only the browser trusts the test's CA).
   */
  async function orderFromPage(s: TestServer): Promise<Sent> {
    const sessionId = randomUUID();
    const batch = (name: string, args: unknown) =>
      JSON.stringify({ mutations: [{ id: randomUUID(), name, args }] });
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${s.url}/api/health`);
      return await page.evaluate(
        async ({ login, open, order }) => {
          const post = (path: string, body: string, token?: string) =>
            fetch(path, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                ...(token ? { authorization: `Bearer ${token}` } : {}),
              },
              body,
            });
          const { accessToken } = (await (await post('/api/auth/login', login)).json()) as {
            accessToken: string;
          };
          await post('/api/mutations', open, accessToken);
          const res = await post('/api/mutations', order, accessToken);
          const json = (await res.json()) as { results?: { status: string }[] };
          return {
            status: res.status,
            result: json.results?.[0]?.status,
            expose: res.headers.get('access-control-expose-headers'),
            vary: res.headers.get('vary'),
          };
        },
        {
          login: JSON.stringify({ email: demo.users.waiterCentro, password: 'demo1234' }),
          open: batch('session.open', { sessionId, tableId: demo.tables(demo.centro.id)[3]!.id }),
          order: batch('round.submit', roundArgs(sessionId, demo.centro.id)),
        },
      );
    } finally {
      await context.close();
    }
  }

  it('answers a same-origin order over HTTP/1.1 on the fast path', async () => {
    const s = await startTestServer();
    servers.push(s);
    expect(await orderFromPage(s)).toEqual({ status: 200, result: 'applied', expose: null, vary: null });
  });

  it('answers a same-origin order over HTTPS + HTTP/2 on the fast path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comanda-tls-'));
    const ca = makeCa('Comanda test CA');
    const cert = issueServerCert(ca, ['localhost', '127.0.0.1']);
    writeFileSync(join(dir, 'server.crt'), cert.cert);
    writeFileSync(join(dir, 'server.key'), cert.key);
    const s = await startTestServer({
      config: { tlsCert: join(dir, 'server.crt'), tlsKey: join(dir, 'server.key') },
    });
    servers.push(s);
    expect(s.url.startsWith('https://')).toBe(true);
    expect(await orderFromPage(s)).toEqual({ status: 200, result: 'applied', expose: null, vary: null });
  });

  it('still answers an allowed other origin through hono, whose CORS headers let the page read it', async () => {
    const other = await startTestServer();
    servers.push(other);
    const s = await startTestServer({ config: { corsOrigins: [other.url] } });
    servers.push(s);
    const waiter = (await staffTokens(s)).waiterCentro;
    const sessionId = await openTable(s, waiter, demo.tables(demo.centro.id)[3]!.id);
    // The page's own CSP (connect-src 'self') would stop it before CORS is asked.
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const page = await context.newPage();
      await page.goto(`${other.url}/api/health`);
      const sent = await page.evaluate(
        async ({ url, body, token }) => {
          const res = await fetch(`${url}/api/mutations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body,
          });
          const json = (await res.json()) as { results?: { status: string }[] };
          return { status: res.status, result: json.results?.[0]?.status };
        },
        {
          url: s.url,
          body: JSON.stringify({
            mutations: [
              { id: randomUUID(), name: 'round.submit', args: roundArgs(sessionId, demo.centro.id) },
            ],
          }),
          token: waiter,
        },
      );
      // The page could read the answer at all: hono's CORS headers allowed it.
      expect(sent).toEqual({ status: 200, result: 'applied' });
    } finally {
      await context.close();
    }
  });
});
