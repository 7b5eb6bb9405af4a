import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import type { TestServer } from '../support/server.ts';
import { doneTicket, kitchenRig, openKitchen, ticket, waiter } from './kitchen-support.ts';

const PHONE = { width: 390, height: 844 };

// A cook in a hurry taps twice, and some kitchens use a phone instead of a tablet.
describe('kitchen display: a double tap on "Listo", and a phone in portrait', () => {
  let s: TestServer;
  let browser: Browser;
  kitchenRig((rig) => ({ s, browser } = rig));

  it(
    'marks the round READY once for a double tap: one mutation, one event',
    { timeout: 240_000 },
    async () => {
      const w = await waiter(s);
      const roundId = await w.sendRound(3, [{ productIndex: 1, qty: 2 }]);
      const { context, page } = await openKitchen(browser, s);
      await ticket(page, roundId).waitFor({ timeout: 90_000 });

      // Two taps as fast as a finger does them, at the button's place on the screen.
      const box = (await ticket(page, roundId).getByTestId('ready-button').boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2, { clickCount: 2, delay: 20 });
      await doneTicket(page, roundId).waitFor();
      await expect
        .poll(() => doneTicket(page, roundId).getAttribute('data-pending'), { timeout: 30_000 })
        .toBe('false');

      const count = async (sql: string) => (await s.db.query<{ n: number }>(sql, [roundId]))[0]!.n;
      expect(await count(`SELECT count(*)::int AS n FROM round WHERE id = $1 AND status = 'READY'`)).toBe(1);
      expect(
        await count(
          `SELECT count(*)::int AS n FROM audit_log WHERE action = 'round.ready' AND args->>'roundId' = $1::text`,
        ),
      ).toBe(1);
      expect(
        await count(`SELECT count(*)::int AS n FROM event WHERE type = 'ROUND_READY' AND entity_id = $1`),
      ).toBe(1);
      // Nothing rejected to show the cook, and nothing left waiting.
      expect(await page.getByTestId('rejection-reason').count()).toBe(0);
      await expect.poll(() => page.getByTestId('pending-count').count()).toBe(0);
      await context.close();
    },
  );

  it(
    'fits a phone in portrait: no sideways scrolling, a thumb-sized "Listo"',
    { timeout: 240_000 },
    async () => {
      const w = await waiter(s);
      const roundId = await w.sendRound(4, [
        { productIndex: 2, qty: 1, notes: 'sin cebolla, bien cocido, cortado en cuatro para compartir' },
        { productIndex: 3, qty: 3 },
      ]);
      const { context, page } = await openKitchen(browser, s, demo.users.kitchenCentro, PHONE);
      await ticket(page, roundId).waitFor({ timeout: 90_000 });

      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
      const t = (await ticket(page, roundId).boundingBox())!;
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.x + t.width).toBeLessThanOrEqual(PHONE.width);
      const button = (await ticket(page, roundId).getByTestId('ready-button').boundingBox())!;
      expect(button.height).toBeGreaterThanOrEqual(44);
      expect(button.x + button.width).toBeLessThanOrEqual(PHONE.width);
      // The connection line stays on screen.
      const status = (await page.getByTestId('connection').boundingBox())!;
      expect(status.x + status.width).toBeLessThanOrEqual(PHONE.width);
      expect(await ticket(page, roundId).innerText()).toContain('sin cebolla');
      await context.close();
    },
  );
});
