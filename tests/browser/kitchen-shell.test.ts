import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openKitchen } from './kitchen-support.ts';

// The kitchen display as an installable app: served at /kitchen, signs in, and starts again with the network down.
describe('kitchen display: app shell', () => {
  let s: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    s = await startTestServer({ demo: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('is installable: manifest with icons, a service worker that precaches PGlite', async () => {
    const manifest = (await (await s.fetch('/kitchen/manifest.webmanifest')).json()) as {
      start_url: string;
      icons: { src: string; sizes: string }[];
    };
    expect(manifest.start_url).toBe('/kitchen/');
    for (const icon of manifest.icons) {
      const res = await s.fetch(`/kitchen/${icon.src}`);
      expect(res.status, icon.src).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
    }
    const sw = await (await s.fetch('/kitchen/sw.js')).text();
    // The replica's database engine must start without network: its WASM and data files are in the precache.
    expect(sw).toMatch(/assets\/pglite-[\w-]+\.wasm/);
    expect(sw).toMatch(/assets\/pglite-[\w-]+\.data/);
    expect(sw).toMatch(/index\.html/);
  });

  it('refuses a wrong password and a waiter account, then signs a cook in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${s.url}/kitchen/`);
    await page.getByLabel('Correo').fill(demo.users.kitchenCentro);
    await page.getByLabel('Contraseña').fill('wrong-password');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('incorrectos');
    await page.getByLabel('Correo').fill(demo.users.waiterCentro);
    await page.getByLabel('Contraseña').fill('demo1234');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('no tiene acceso a la cocina');
    // English can be chosen before signing in, and the choice stays on this device.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByLabel('Password').waitFor();
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByLabel('Contraseña').waitFor();
    await context.close();
  });

  it('starts from cold with the network down once opened before, still signed in', async () => {
    const { context, page } = await openKitchen(browser, s);
    // The moment it says it synced (an empty queue, not "loading"), what it synced is on the device.
    await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 90_000 });
    await context.setOffline(true);
    const started = Date.now();
    await page.reload();
    await page.getByTestId('connection').waitFor();
    const offlineReloadMs = Date.now() - started;
    // Signed in, and saying it is offline instead of pretending to be empty.
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('offline');
    expect(await page.getByTestId('stale-warning').isVisible()).toBe(true);
    // The queue it had, from the replica: empty and possibly stale, never "no saved data".
    await page.locator('[data-testid="empty-state"][data-kind="stale-empty"]').waitFor({ timeout: 30_000 });
    console.log(`offline reload: ${offlineReloadMs} ms`);
    await context.close();
  });
});
