import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.ts';
import { doneTicket, kitchenRig, openKitchen, ticket, waiter } from './kitchen-support.ts';

// The kitchen wall screen against a real server, real shapes and a real outbox, in Chromium.
describe('kitchen display: a round canceled while the kitchen was offline', () => {
  let s: TestServer;
  let browser: Browser;
  kitchenRig((rig) => ({ s, browser } = rig));

  it(
    'shows the rejection of a "Listo" for a round a waiter canceled meanwhile, and drops it from the queue',
    { timeout: 300_000 },
    async () => {
      const w = await waiter(s);
      const marked = await w.sendRound(3, [{ productIndex: 4, qty: 1 }]);
      const untouched = await w.sendRound(4, [{ productIndex: 5, qty: 2 }]);
      const { context, page } = await openKitchen(browser, s);
      await ticket(page, marked).waitFor({ timeout: 90_000 });
      await ticket(page, untouched).waitFor({ timeout: 90_000 });

      await context.setOffline(true);
      await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('offline');
      await ticket(page, marked).getByTestId('ready-button').click();
      await doneTicket(page, marked).waitFor();
      await w.cancel(marked, 'El cliente se fue');
      await w.cancel(untouched, 'Mesa equivocada');

      await context.setOffline(false);
      const rejected = page.locator(`[data-testid="rejected-ticket"][data-round-id="${marked}"]`);
      await rejected.waitFor({ timeout: 30_000 });
      expect(await rejected.innerText()).toContain('El cliente se fue');
      const notice = page.locator(`[data-testid="canceled-notice"][data-round-id="${untouched}"]`);
      await notice.waitFor({ timeout: 30_000 });
      expect(await notice.innerText()).toContain('Mesa equivocada');
      // Neither is left in the queue or among the ready ones.
      await expect.poll(() => ticket(page, marked).count()).toBe(0);
      await expect.poll(() => ticket(page, untouched).count()).toBe(0);
      expect(await doneTicket(page, marked).count()).toBe(0);
      const [row] = await s.db.query<{ status: string }>('SELECT status FROM round WHERE id = $1', [marked]);
      expect(row?.status).toBe('CANCELED');

      // The cook acknowledges it; it does not come back after a reload.
      await rejected.getByRole('button').click();
      await expect.poll(() => rejected.count(), { timeout: 15_000 }).toBe(0);
      await page.reload();
      await page.locator('[data-testid="connection"][data-state="online"]').waitFor({ timeout: 90_000 });
      await expect.poll(() => page.getByTestId('done-column').count(), { timeout: 90_000 }).toBe(1);
      expect(await rejected.count()).toBe(0);
      await context.close();
    },
  );
});
