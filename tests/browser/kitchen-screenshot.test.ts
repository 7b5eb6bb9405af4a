import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openKitchen, waiter } from './kitchen-support.ts';

const OUT = fileURLToPath(new URL('../../docs/screenshots/kitchen.png', import.meta.url));

// The README's picture of the kitchen screen, taken from the real app with demo data so it never goes stale.
describe('kitchen display: README screenshot', () => {
  let s: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    s = await startTestServer({ demo: true, config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('captures a 10" landscape tablet with a service in progress', { timeout: 300_000 }, async () => {
    const w = await waiter(s);
    const rounds = [
      await w.sendRound(0, [
        { productIndex: 0, qty: 2, notes: 'sin sal' },
        { productIndex: 1, qty: 1 },
      ]),
      await w.sendRound(1, [
        { productIndex: 2, qty: 1 },
        { productIndex: 3, qty: 2, notes: 'bien cocida' },
      ]),
      await w.sendRound(2, [{ productIndex: 4, qty: 4 }]),
      await w.sendRound(3, [
        { productIndex: 5, qty: 1, notes: 'celíaco: sin pan' },
        { productIndex: 6, qty: 1 },
      ]),
      await w.sendRound(4, [{ productIndex: 7, qty: 2 }]),
    ];
    const { context, page } = await openKitchen(browser, s);
    for (const id of rounds)
      await page.locator(`[data-testid="ticket"][data-round-id="${id}"]`).waitFor({ timeout: 90_000 });
    await page
      .locator(`[data-testid="ticket"][data-round-id="${rounds[4]}"] [data-testid="ready-button"]`)
      .click();
    await page
      .locator(`[data-testid="done-ticket"][data-round-id="${rounds[4]}"][data-pending="false"]`)
      .waitFor({ timeout: 60_000 });
    // A new round arriving while the screen is open: highlighted.
    const fresh = await w.sendRound(5, [{ productIndex: 8, qty: 1 }]);
    await page
      .locator(`[data-testid="ticket"][data-round-id="${fresh}"].is-new`)
      .waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('queue-count').innerText()).toBe('5');
    mkdirSync(fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)), { recursive: true });
    await page.mouse.move(0, 0);
    await page.getByTestId('queue').evaluate((el) => el.scrollTo(0, 0));
    await page.screenshot({ path: OUT, animations: 'disabled' });
    await context.close();
  });
});
