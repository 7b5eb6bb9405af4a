import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildSyncPage } from './sync-page/build.ts';
import { servePage } from './sync-page/serve.ts';

// @comanda/sync in Chromium with PGlite in IndexedDB: offline writes survive a reload and reach
// the server exactly once when the network is back.
type Page$ = { comanda: import('@comanda/sync').SyncClient<import('@comanda/sync').PgliteStore> };

describe('sync client in Chromium: offline, reload, online', () => {
  let s: TestServer;
  let page$: { url: string; close(): Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    const dist = await buildSyncPage();
    s = await startTestServer();
    page$ = await servePage(dist, () => s.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await page$?.close();
    await s?.close();
  });

  const ready = async () => {
    await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
  };

  it('keeps three offline mutations through a reload and sends each once when back online', async () => {
    const { accessToken } = await s.login(demo.users.waiterCentro);
    context = await browser.newContext({ serviceWorkers: 'allow' });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('[sync page]', e.message));
    await page.goto(`${page$.url}/#token=${accessToken}`);
    await ready();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), undefined, {
      timeout: 60_000,
    });
    expect(await page.evaluate(() => (window as unknown as Page$).comanda.synced(60_000))).toBe(true);
    const tables = demo.tables(demo.centro.id).slice(8, 11);
    const tableCount = await page.evaluate(
      async () =>
        (await (window as unknown as Page$).comanda.store.query('SELECT id FROM dining_table')).length,
    );
    expect(tableCount).toBe(demo.tables(demo.centro.id).length);

    await context.setOffline(true);
    const ids = await page.evaluate(
      async (args) => {
        const c = (window as unknown as Page$).comanda;
        const out: string[] = [];
        for (const a of args) {
          const r = await c.mutate('session.open', a);
          if (r.ok) out.push(r.id);
        }
        return out;
      },
      tables.map((t) => ({ sessionId: randomUUID(), tableId: t.id })),
    );
    expect(ids).toHaveLength(3);
    const occupied = (p: Page) =>
      p.evaluate(
        async (tableIds) =>
          (window as unknown as Page$).comanda.store.query<{ status: string; _pending: boolean }>(
            'SELECT status, _pending FROM dining_table WHERE id = ANY($1::uuid[]) ORDER BY id',
            [tableIds],
          ),
        tables.map((t) => t.id),
      );
    expect(await occupied(page)).toEqual(Array(3).fill({ status: 'OCCUPIED', _pending: true }));
    await page.waitForFunction(
      () => (window as unknown as Page$).comanda.status.get().connection === 'offline',
      undefined,
      { timeout: 30_000 },
    );

    // Reload without network: the shell comes from the service worker, the rest from IndexedDB.
    await page.reload();
    await ready();
    expect(await page.evaluate(() => (window as unknown as Page$).comanda.status.get().pending)).toBe(3);
    expect(await occupied(page)).toEqual(Array(3).fill({ status: 'OCCUPIED', _pending: true }));
    expect(
      await page.evaluate(
        async () =>
          (await (window as unknown as Page$).comanda.store.query('SELECT id FROM dining_table')).length,
      ),
    ).toBe(tableCount);
    let applied = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM applied_mutation WHERE id = ANY($1)',
      [ids],
    );
    expect(applied[0]!.n).toBe(0);

    await context.setOffline(false);
    expect(await page.evaluate(() => (window as unknown as Page$).comanda.drained(60_000))).toBe(true);
    applied = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM applied_mutation WHERE id = ANY($1)',
      [ids],
    );
    expect(applied[0]!.n).toBe(3);
    const open = await s.db.query<{ table_id: string; n: number }>(
      "SELECT table_id::text, count(*)::int AS n FROM table_session WHERE status = 'OPEN' AND table_id = ANY($1) GROUP BY table_id",
      [tables.map((t) => t.id)],
    );
    expect(open.map((r) => r.n)).toEqual([1, 1, 1]);
    // The overlay gives way to the synced rows once the writes come back through the shapes.
    await page.waitForFunction(
      async (tableIds) =>
        (
          await (window as unknown as Page$).comanda.store.query(
            'SELECT 1 FROM dining_table WHERE id = ANY($1::uuid[]) AND NOT _pending',
            [tableIds],
          )
        ).length === 3,
      tables.map((t) => t.id),
      { timeout: 60_000, polling: 250 },
    );
  });

  it('lets one tab sync while another tab of the same device writes through it', async () => {
    const { accessToken } = await s.login(demo.users.waiter2Centro);
    const tabs = await browser.newContext({ serviceWorkers: 'block' });
    const open = async () => {
      const p = await tabs.newPage();
      p.on('pageerror', (e) => console.error('[sync tab]', e.message));
      await p.goto(`${page$.url}/#worker=1&token=${accessToken}`);
      await p.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
      return p;
    };
    const a = await open();
    const b = await open();
    const leader = (p: Page) => p.evaluate(() => (window as unknown as Page$).comanda.status.get().leader);
    await a.waitForFunction(() => (window as unknown as Page$).comanda.status.get().leader, undefined, {
      timeout: 30_000,
    });
    expect(await leader(b)).toBe(false);
    expect(await a.evaluate(() => (window as unknown as Page$).comanda.synced(60_000))).toBe(true);

    // The follower writes; the leader's sender delivers it, once.
    const table = demo.tables(demo.centro.id)[11]!;
    const id = await b.evaluate(
      async (args) => {
        const r = await (window as unknown as Page$).comanda.mutate('session.open', args);
        return r.ok ? r.id : '';
      },
      { sessionId: randomUUID(), tableId: table.id },
    );
    expect(await a.evaluate(() => (window as unknown as Page$).comanda.drained(60_000))).toBe(true);
    const applied = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM applied_mutation WHERE id = $1',
      [id],
    );
    expect(applied[0]!.n).toBe(1);
    // Both tabs read the same rows: the synced session, no longer pending.
    for (const p of [a, b])
      await p.waitForFunction(
        async (tableId) =>
          (
            await (window as unknown as Page$).comanda.store.query(
              "SELECT 1 FROM table_session WHERE table_id = $1 AND status = 'OPEN' AND NOT _pending",
              [tableId],
            )
          ).length === 1,
        table.id,
        { timeout: 60_000, polling: 250 },
      );

    // The syncing tab closes: the other one takes over.
    await a.close();
    await b.waitForFunction(() => (window as unknown as Page$).comanda.status.get().leader, undefined, {
      timeout: 30_000,
    });
    await tabs.close();
  });
});
