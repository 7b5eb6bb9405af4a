import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ChaosProxy } from '../support/chaos-proxy.ts';
import type { TestServer } from '../support/server.ts';
import { kitchenRigBehindProxy, openKitchen, waiter } from './kitchen-support.ts';

/** Rounds the waiters send while the kitchen is cut off. */
const ROUNDS = 100;
/**
 * How long the kitchen stays cut off: the 60 s, three times the server's live long-poll
 * (20 s), so every request the kitchen had parked is long gone. `npm run bench kitchen` times it.
 */
const OUTAGE_MS = Number(process.env.KITCHEN_OUTAGE_MS ?? 60_000);

const queueIds = (page: Page) =>
  page.$$eval('[data-testid="queue"] [data-testid="ticket"]', (els) =>
    els.map((e) => e.getAttribute('data-round-id')),
  );

// The kitchen reaches the server only through a TCP proxy, so its outage is a real one.
describe('kitchen display: rounds sent during an outage', () => {
  let s: TestServer;
  let proxy: ChaosProxy;
  let browser: Browser;
  kitchenRigBehindProxy((rig) => ({ s, proxy, browser } = rig));

  it(
    `shows all ${ROUNDS} rounds sent while it was offline, oldest first, once back`,
    { timeout: 300_000 },
    async () => {
      const { context, page } = await openKitchen(browser, proxy);
      await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 90_000 });

      proxy.setOffline(true);
      await context.setOffline(true);
      const cutAt = Date.now();
      await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('offline');
      const w = await waiter(s);
      const sent: string[] = [];
      for (let i = 0; i < ROUNDS; i++)
        sent.push(
          await w.sendRound(i % 10, [{ productIndex: i % 6, qty: 1 + (i % 3), notes: `ronda ${i + 1}` }]),
        );
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
      // Still cut off: nothing new on the screen, and it says it may be stale.
      expect(await queueIds(page)).toEqual([]);
      expect(await page.getByTestId('stale-warning').isVisible()).toBe(true);

      proxy.setOffline(false);
      await context.setOffline(false);
      const back = Date.now();
      await expect.poll(async () => (await queueIds(page)).length, { timeout: 120_000 }).toBe(ROUNDS);
      console.log(
        `${ROUNDS} rounds after a ${OUTAGE_MS} ms outage: complete queue ${Date.now() - back} ms after the network returned`,
      );
      expect(await queueIds(page)).toEqual(sent);
      expect(await page.getByTestId('queue-count').innerText()).toBe(String(ROUNDS));
      await expect
        .poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 30_000 })
        .toBe('online');
      await context.close();
    },
  );
});
