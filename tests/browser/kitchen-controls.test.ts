import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.ts';
import { kitchenRig, openKitchen, ticket, waiter } from './kitchen-support.ts';

const urgencyOf = (page: Page, roundId: string) =>
  ticket(page, roundId).getByTestId('ticket-timer').getAttribute('data-urgency');

// The cook's controls on the wall screen: timer thresholds, recall, mute, language, and the
// connection line, each kept on the device across reloads.
describe('kitchen display: thresholds, recall, mute, language, connection line', () => {
  let s: TestServer;
  let browser: Browser;
  kitchenRig((rig) => ({ s, browser } = rig));

  it(
    'colors late tickets by the configured thresholds and lets the cook recall a ready one',
    { timeout: 300_000 },
    async () => {
      const w = await waiter(s);
      const fresh = await w.sendRound(5, [{ productIndex: 1, qty: 1 }]);
      const late = await w.sendRound(6, [{ productIndex: 2, qty: 1 }]);
      const veryLate = await w.sendRound(7, [{ productIndex: 3, qty: 1 }]);
      // Rounds that reached the kitchen 12 and 25 minutes ago (the change reaches the screen by its shape).
      await s.db.query(
        `UPDATE round SET confirmed_at = now() - make_interval(mins => $2), updated_at = now() WHERE id = $1`,
        [late, 12],
      );
      await s.db.query(
        `UPDATE round SET confirmed_at = now() - make_interval(mins => $2), updated_at = now() WHERE id = $1`,
        [veryLate, 25],
      );
      const { context, page } = await openKitchen(browser, s);
      for (const id of [fresh, late, veryLate]) await ticket(page, id).waitFor({ timeout: 90_000 });

      // Defaults: amber at 10 minutes, red at 20.
      await expect.poll(() => urgencyOf(page, late)).toBe('amber');
      expect(await urgencyOf(page, veryLate)).toBe('red');
      expect(await urgencyOf(page, fresh)).toBe('ok');
      expect(await ticket(page, veryLate).innerText()).toMatch(/muy demorado/i);
      // Oldest first.
      const order = await page.$$eval('[data-testid="queue"] [data-testid="ticket"]', (els) =>
        els.map((e) => e.getAttribute('data-round-id')),
      );
      expect(order).toEqual([veryLate, late, fresh]);

      // The cook moves the thresholds to 15 and 30 minutes: 12 min is fine now, 25 min only amber.
      await page.getByRole('button', { name: 'Ajustes' }).click();
      await page.getByLabel('Amarillo a los (min)').fill('15');
      await page.getByLabel('Rojo a los (min)').fill('30');
      await page.getByRole('dialog').getByRole('button', { name: 'Cerrar' }).click();
      await expect.poll(() => urgencyOf(page, late)).toBe('ok');
      expect(await urgencyOf(page, veryLate)).toBe('amber');

      // Mute, then reload: both settings stay on this device.
      await page.getByTestId('mute-toggle').click();
      expect(await page.getByTestId('mute-toggle').getAttribute('aria-pressed')).toBe('true');
      await page.reload();
      await ticket(page, late).waitFor({ timeout: 60_000 });
      expect(await urgencyOf(page, late)).toBe('ok');
      expect(await urgencyOf(page, veryLate)).toBe('amber');
      expect(await page.getByTestId('mute-toggle').getAttribute('aria-pressed')).toBe('true');

      // Listo moves the ticket to the done column; a recall shows it again in the queue until closed.
      await ticket(page, fresh).getByTestId('ready-button').click();
      const done = page.locator(`[data-testid="done-ticket"][data-round-id="${fresh}"]`);
      await done.waitFor();
      await expect.poll(() => done.getAttribute('data-pending'), { timeout: 30_000 }).toBe('false');
      expect(await ticket(page, fresh).count()).toBe(0);
      await done.getByRole('button', { name: 'Recuperar' }).click();
      const recalled = page.locator(`.ticket.is-recalled[data-round-id="${fresh}"]`);
      await recalled.waitFor();
      expect(await recalled.innerText()).toMatch(/recuperado/i);
      // Recalling is a look back, not a change: the round stays READY on the server.
      const [row] = await s.db.query<{ status: string }>('SELECT status FROM round WHERE id = $1', [fresh]);
      expect(row?.status).toBe('READY');
      await recalled.getByRole('button', { name: 'Cerrar' }).click();
      await expect.poll(() => recalled.count()).toBe(0);
      expect(await done.count()).toBe(1);

      // The connection line says since when the screen is offline, also after a reload offline.
      await context.setOffline(true);
      const label = () => page.getByTestId('connection').innerText();
      await expect.poll(label).toMatch(/Sin conexión desde \d\d:\d\d/);
      const since = (await label()).match(/desde (\d\d:\d\d)/)![1];
      await page.reload();
      await expect.poll(label, { timeout: 60_000 }).toContain(`Sin conexión desde ${since}`);
      await expect.poll(label).toMatch(/Actualizado \d\d:\d\d/);
      await context.setOffline(false);
      await expect.poll(label, { timeout: 60_000 }).toContain('En línea');

      // English, from the settings.
      await page.getByRole('button', { name: 'Ajustes' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'English' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      await ticket(page, late).getByRole('button', { name: 'Ready' }).waitFor();
      await expect.poll(label).toContain('Online');
      await context.close();
    },
  );
});
