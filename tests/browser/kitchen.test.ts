import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import type { TestServer } from '../support/server.ts';
import { kitchenRig, openKitchen, ticket, waiter } from './kitchen-support.ts';

// The kitchen wall screen against a real server, real shapes and a real outbox, in Chromium.
describe('kitchen display', () => {
  let s: TestServer;
  let browser: Browser;
  kitchenRig((rig) => ({ s, browser } = rig));

  it('shows a round sent by a waiter as a ticket, within moments', { timeout: 240_000 }, async () => {
    const { context, page } = await openKitchen(browser, s);
    const w = await waiter(s);
    // The replica opens and syncs first (PGlite in IndexedDB): only then is "no orders" a fact.
    await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 90_000 });

    const started = Date.now();
    const roundId = await w.sendRound(0, [
      { productIndex: 0, qty: 2, notes: 'sin sal' },
      { productIndex: 1, qty: 1 },
    ]);
    await ticket(page, roundId).waitFor({ timeout: 15_000 });
    const ms = Date.now() - started;
    console.log(`round.submit -> ticket visible: ${ms} ms`);

    const text = await ticket(page, roundId).innerText();
    const table = demo.tables(demo.centro.id)[0]!;
    const [p0, p1] = demo.products(demo.centro.id);
    expect(text).toContain(table.code);
    expect(text).toContain(p0!.name);
    expect(text).toContain('sin sal');
    expect(text).toContain(p1!.name);
    await expect.poll(() => page.getByTestId('queue-count').innerText()).toBe('1');
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('online');

    // Who sent it: the waiter by name; a diner's round (confirmed by the waiter) as "Comensal".
    const { user } = await s.login(demo.users.waiterCentro);
    await expect
      .poll(() => ticket(page, roundId).getByTestId('ticket-sender').innerText())
      .toContain(user.name);
    const dinerRound = await w.dinerRound(1, 2);
    await w.confirm(dinerRound);
    await ticket(page, dinerRound).waitFor({ timeout: 15_000 });
    await expect
      .poll(() => ticket(page, dinerRound).getByTestId('ticket-sender').innerText())
      .toMatch(/^Envió: Comensal ·/);
    await context.close();
  });

  it(
    "shows a person with several branches only the chosen branch's rounds",
    { timeout: 240_000 },
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'es-AR' });
      const page = await context.newPage();
      await page.goto(`${s.url}/kitchen/`);
      await page.getByLabel('Correo').fill(demo.users.admin);
      await page.getByLabel('Contraseña').fill('demo1234');
      await page.getByRole('button', { name: 'Ingresar' }).click();
      await page.getByRole('button', { name: 'Sucursal Norte' }).click();
      await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 90_000 });
      expect(await page.locator('.brand-branch').innerText()).toBe('Sucursal Norte');

      const centro = await (await waiter(s)).sendRound(2, [{ productIndex: 0, qty: 1 }]);
      const norte = await (
        await waiter(s, demo.users.waiterNorte, demo.norte.id)
      ).sendRound(0, [{ productIndex: 0, qty: 3 }]);
      await ticket(page, norte).waitFor({ timeout: 30_000 });
      expect(await ticket(page, norte).innerText()).toContain(demo.tables(demo.norte.id)[0]!.code);
      expect(await ticket(page, centro).count()).toBe(0);
      await expect.poll(() => page.getByTestId('queue-count').innerText()).toBe('1');
      await context.close();
    },
  );
});
