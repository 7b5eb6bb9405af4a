/**
 * Kitchen display figures (issue 5), in Debian's Chromium against a server on PostgreSQL, the page
 * reaching it through a TCP proxy (so an outage cuts every connection):
 * - first load of /kitchen/ with an empty cache, and sign-in to a synced (empty) queue;
 * - reload with the network down: to the app shell (service worker), and to the data (the replica
 *   opened from IndexedDB: the queue, here an empty one, shown as possibly stale);
 * - `round.confirm` sent by a waiter -> the ticket on screen, p50/p99 over 50 rounds;
 * - network restore -> complete queue, after an outage of 60 s during which 100 rounds were sent.
 * Times on screen come from a MutationObserver in the page (same clock as this process).
 */
import type { Page } from 'playwright-core';
import { buildApps } from '../../scripts/build-apps.mjs';
import { openKitchen, waiter, waitForServiceWorker } from '../../tests/browser/kitchen-support.ts';
import { launchBrowser } from '../../tests/support/browser.ts';
import { startChaosProxy } from '../../tests/support/chaos-proxy.ts';
import { demo } from '../../tests/support/demo.ts';
import { startTestServer } from '../../tests/support/server.ts';

const LATENCY_ROUNDS = Number(process.env.BENCH_KITCHEN_ROUNDS ?? 50);
const OUTAGE_ROUNDS = 100;
const OUTAGE_MS = Number(process.env.BENCH_KITCHEN_OUTAGE_MS ?? 60_000);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/**
 * Records, in the page, when each ticket first appears (epoch ms). A string, not a function: tsx
 * would wrap the function's inner named arrows in a helper (`__name`) the page does not have.
 */
const WATCH_TICKETS = `(() => {
  const seen = (window.__seen = {});
  const scan = () => {
    const now = performance.timeOrigin + performance.now();
    for (const el of document.querySelectorAll('[data-testid="ticket"]')) {
      const id = el.getAttribute('data-round-id');
      if (id && !(id in seen)) seen[id] = now;
    }
  };
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  scan();
})()`;

const seenAt = (page: Page, ids: string[]) =>
  page
    .waitForFunction(
      (want) => {
        const seen = (window as unknown as { __seen: Record<string, number> }).__seen;
        return want.every((id) => id in seen) ? want.map((id) => seen[id]!) : false;
      },
      ids,
      { timeout: 180_000, polling: 100 },
    )
    .then((h) => h.jsonValue() as Promise<number[]>);

export async function run() {
  buildApps({ only: ['kitchen-pwa'], log: (l) => console.log(l) });
  const s = await startTestServer({ db: 'postgres', demo: true });
  const proxy = await startChaosProxy(s.url);
  const browser = await launchBrowser();
  try {
    // First load, empty cache: the login form is usable.
    const ctx0 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p0 = await ctx0.newPage();
    let t = performance.now();
    await p0.goto(`${proxy.url}/kitchen/`);
    await p0.getByLabel('Correo').waitFor();
    const firstLoadMs = performance.now() - t;
    await ctx0.close();

    // Sign-in to a synced queue (replica created, four shapes' snapshots in IndexedDB).
    t = performance.now();
    const { context, page } = await openKitchen(browser, proxy);
    await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 120_000 });
    const signInToSyncedMs = performance.now() - t;

    // Offline reload (three times; median): app from the service worker, the empty queue from the replica.
    const offlineReloads: number[] = [];
    const offlineShells: number[] = [];
    proxy.setOffline(true);
    await context.setOffline(true);
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await page.reload();
      await page.getByTestId('connection').waitFor({ timeout: 60_000 });
      offlineShells.push(performance.now() - t);
      await page.locator('[data-testid="empty-state"][data-kind="stale-empty"]').waitFor({ timeout: 60_000 });
      offlineReloads.push(performance.now() - t);
    }
    proxy.setOffline(false);
    await context.setOffline(false);
    await page.locator('[data-testid="connection"][data-state="online"]').waitFor({ timeout: 60_000 });
    await waitForServiceWorker(page);

    // round.confirm -> ticket on screen: a diner orders through the QR, the waiter confirms.
    await page.evaluate(WATCH_TICKETS);
    const w = await waiter(s);
    const latencies: number[] = [];
    const serverMs: number[] = [];
    for (let i = 0; i < LATENCY_ROUNDS; i++) {
      const roundId = await w.dinerRound(i % demo.tables(demo.centro.id).length, i % 6);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 300));
      const sentAt = Date.now();
      await w.confirm(roundId);
      serverMs.push(Date.now() - sentAt);
      const [at] = await seenAt(page, [roundId]);
      latencies.push(at! - sentAt);
    }

    // Outage: 100 rounds sent while the kitchen is cut off for OUTAGE_MS; then the network returns.
    proxy.setOffline(true);
    await context.setOffline(true);
    const cutAt = Date.now();
    const sent: string[] = [];
    for (let i = 0; i < OUTAGE_ROUNDS; i++)
      sent.push(await w.sendRound(i % 10, [{ productIndex: i % 6, qty: 1, notes: `ronda ${i + 1}` }]));
    const sendMs = Date.now() - cutAt;
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    proxy.setOffline(false);
    await context.setOffline(false);
    const back = Date.now();
    const arrived = await seenAt(page, sent);
    const restoreToCompleteMs = Math.max(...arrived) - back;
    const order = await page.$$eval('[data-testid="queue"] [data-testid="ticket"]', (els) =>
      els.map((e) => e.getAttribute('data-round-id')),
    );
    const inOrder = JSON.stringify(order.slice(-OUTAGE_ROUNDS)) === JSON.stringify(sent);
    await context.close();

    const r = (x: number) => Math.round(x);
    return {
      server: `in-process, PostgreSQL (${s.kind}); page through a TCP proxy`,
      firstLoadMs: r(firstLoadMs),
      signInToSyncedMs: r(signInToSyncedMs),
      offlineReloadToShellMs: { median: r(pct(offlineShells, 50)), all: offlineShells.map(r) },
      offlineReloadToDataMs: { median: r(pct(offlineReloads, 50)), all: offlineReloads.map(r) },
      confirmToScreen: {
        rounds: latencies.length,
        p50Ms: r(pct(latencies, 50)),
        p99Ms: r(pct(latencies, 99)),
        maxMs: r(Math.max(...latencies)),
        confirmAnswerP50Ms: r(pct(serverMs, 50)),
      },
      outage: {
        outageMs: OUTAGE_MS,
        rounds: OUTAGE_ROUNDS,
        sendMs,
        restoreToCompleteMs: r(restoreToCompleteMs),
        firstTicketAfterRestoreMs: r(Math.min(...arrived) - back),
        inOrder,
      },
    };
  } finally {
    await browser.close();
    await proxy.close();
    await s.close();
  }
}
