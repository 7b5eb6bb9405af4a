/**
 * Twelve live shapes in one Chromium page over HTTPS + HTTP/2: all twelve long-polls are parked at
 * the server at the same time (HTTP/1.1 would allow only 6 per origin) and each receives its change.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapeServerOf } from '../../server/src/shapes/index.ts';
import { issueServerCert, makeCa } from '../../server/src/tls/local-ca.ts';
import { launchBrowser } from '../support/browser.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { TOUCHED_SHAPES, touchEveryShape } from '../support/touch-shapes.ts';

const SHAPES = TOUCHED_SHAPES.slice(0, 12);

describe('live shapes over HTTP/2 in a browser', () => {
  let s: TestServer;
  let browser: Browser;
  let clientBundle: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comanda-tls-'));
    const ca = makeCa('Comanda test CA');
    const server = issueServerCert(ca, ['localhost', '127.0.0.1']);
    writeFileSync(join(dir, 'server.crt'), server.cert);
    writeFileSync(join(dir, 'server.key'), server.key);
    // A long live wait: a request stalled behind the 6-connection limit must not be rescued by a timeout.
    s = await startTestServer({
      config: {
        tlsCert: join(dir, 'server.crt'),
        tlsKey: join(dir, 'server.key'),
        shapeLiveTimeoutMs: 60_000,
      },
    });
    // The real client, bundled for the page as one script.
    const out = await build({
      stdin: { contents: "export * from '@electric-sql/client';", resolveDir: process.cwd() },
      bundle: true,
      format: 'iife',
      globalName: 'Electric',
      platform: 'browser',
      write: false,
    });
    clientBundle = out.outputFiles[0]!.text;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('keeps 12 live requests open at once and delivers a change to each', async () => {
    expect(s.url.startsWith('https://')).toBe(true);
    const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${s.url}/api/health`);
    await page.addScriptTag({ content: clientBundle });
    await page.evaluate(
      async ({ shapes, email }) => {
        const login = await fetch('/api/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'demo1234' }),
        });
        const { accessToken } = await login.json();
        const w = window as unknown as {
          Electric: {
            ShapeStream: new (o: object) => {
              subscribe(cb: (m: { headers: Record<string, unknown> }[]) => void): void;
            };
          };
          changed: Record<string, number>;
          upToDate: Record<string, boolean>;
        };
        w.changed = {};
        w.upToDate = {};
        for (const name of shapes) {
          const stream = new w.Electric.ShapeStream({
            url: `${location.origin}/api/shapes/${name}`,
            headers: { authorization: `Bearer ${accessToken}` },
          });
          stream.subscribe((msgs) => {
            for (const m of msgs) {
              if (m.headers.control === 'up-to-date') w.upToDate[name] = true;
              else if (w.upToDate[name] && m.headers.operation) w.changed[name] = (w.changed[name] ?? 0) + 1;
            }
          });
        }
      },
      { shapes: [...SHAPES], email: demo.users.managerCentro },
    );
    const feed = shapeServerOf(s.server.ctx)!.feed;
    // All twelve long-polls parked at the server at the same moment.
    await expect.poll(() => feed.waiting, { timeout: 20_000 }).toBe(SHAPES.length);
    await touchEveryShape(s.db, demo.tenant.id, demo.centro.id);
    await expect
      .poll(
        () => page.evaluate(() => Object.keys((window as unknown as { changed: object }).changed).sort()),
        { timeout: 10_000 },
      )
      .toEqual([...SHAPES].sort());
    const protocols = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => e.name.includes('/api/shapes/'))
        .map((e) => e.nextHopProtocol),
    );
    expect(protocols.length).toBeGreaterThanOrEqual(SHAPES.length * 2);
    expect(new Set(protocols)).toEqual(new Set(['h2']));
    await context.close();
  });
});
