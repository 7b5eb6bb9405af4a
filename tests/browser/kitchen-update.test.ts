import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openKitchen } from './kitchen-support.ts';

const BUILT = fileURLToPath(new URL('../../apps/kitchen-pwa/dist', import.meta.url));

// A new version deployed while the screen is open: it is offered, never forced on the cook mid-service.
describe('kitchen display: a new version', () => {
  let s: TestServer;
  let browser: Browser;
  let appsDir: string;
  beforeAll(async () => {
    // The server serves a copy of the build, so the test can deploy a "new version" of it.
    appsDir = mkdtempSync(join(tmpdir(), 'comanda-apps-'));
    cpSync(BUILT, join(appsDir, 'kitchen-pwa', 'dist'), { recursive: true });
    s = await startTestServer({ demo: true, config: { appsDir } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    rmSync(appsDir, { recursive: true, force: true });
  });

  it('offers the update, keeps the open screen until the cook accepts, then runs the new version', async () => {
    const { context, page } = await openKitchen(browser, s);
    await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('update-prompt').count()).toBe(0);

    // Deploy: a different service worker script (what every build with changed files produces). The
    // screen looks for one every 15 minutes; the test asks now.
    appendFileSync(join(appsDir, 'kitchen-pwa', 'dist', 'sw.js'), '\n// deploy 2\n');
    await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      await r?.update();
    });
    const prompt = page.getByTestId('update-prompt');
    await prompt.waitFor({ timeout: 60_000 });
    // Waiting, not taking over: the screen stays as it is until the cook says so.
    expect(
      await page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration())?.waiting)),
    ).toBe(true);
    expect(await page.getByTestId('connection').isVisible()).toBe(true);

    // This page was not yet controlled when it registered (the app's first install): the case
    // workbox-window does not reload by itself.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await prompt.getByRole('button', { name: 'Actualizar' }).click();
    await reloaded;
    await page.getByTestId('connection').waitFor({ timeout: 60_000 });
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const r = await navigator.serviceWorker.getRegistration();
          return { waiting: Boolean(r?.waiting), controlled: Boolean(navigator.serviceWorker.controller) };
        }),
      )
      .toEqual({ waiting: false, controlled: true });
    expect(await page.getByTestId('update-prompt').count()).toBe(0);
    // Still signed in on the same replica.
    await page.locator('[data-testid="empty-state"][data-kind="empty"]').waitFor({ timeout: 60_000 });
    await context.close();
  });
});
