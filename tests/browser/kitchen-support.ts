/** Helpers for the kitchen display's browser tests: a signed-in kitchen page on a real server, and waiter actions over the API. */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { type ChaosProxy, startChaosProxy } from '../support/chaos-proxy.ts';
import { demo } from '../support/demo.ts';
import { joinAsDiner } from '../support/diner.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

export interface KitchenRig {
  s: TestServer;
  browser: Browser;
}

/**
 * For one describe block: a demo server and a Chromium, started before its tests (handed to
 * `ready`) and closed after them.
 */
export function kitchenRig(ready: (rig: KitchenRig) => void): void {
  rig(false, ready);
}

/** The same, with the page meant to reach the server only through a chaos proxy (a real outage cuts every connection). */
export function kitchenRigBehindProxy(ready: (rig: KitchenRig & { proxy: ChaosProxy }) => void): void {
  rig(true, (r) => ready(r as KitchenRig & { proxy: ChaosProxy }));
}

function rig(withProxy: boolean, ready: (rig: KitchenRig & { proxy?: ChaosProxy }) => void): void {
  let made: (KitchenRig & { proxy?: ChaosProxy }) | undefined;
  beforeAll(async () => {
    const s = await startTestServer({
      demo: true,
      config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } },
    });
    const proxy = withProxy ? await startChaosProxy(s.url) : undefined;
    made = { s, browser: await launchBrowser(), ...(proxy ? { proxy } : {}) };
    ready(made);
  });
  afterAll(async () => {
    await made?.browser.close();
    await made?.proxy?.close();
    await made?.s.close();
  });
}

/** A ticket in the queue, and one in the done column. */
export const ticket = (page: Page, roundId: string) =>
  page.locator(`[data-testid="ticket"][data-round-id="${roundId}"]`);
export const doneTicket = (page: Page, roundId: string) =>
  page.locator(`[data-testid="done-ticket"][data-round-id="${roundId}"]`);

export interface KitchenPage {
  context: BrowserContext;
  page: Page;
}

/** A tablet-sized page on /kitchen/ of `s` (a server or a proxy in front of it), signed in as `email`, with the service worker in control. */
export async function openKitchen(
  browser: Browser,
  s: Pick<TestServer, 'url'>,
  email = demo.users.kitchenCentro,
  viewport = { width: 1280, height: 800 },
): Promise<KitchenPage> {
  const context = await browser.newContext({ viewport, serviceWorkers: 'allow', locale: 'es-AR' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[kitchen page error]', e.message));
  await page.goto(`${s.url}/kitchen/`);
  await page.getByLabel('Correo').fill(email);
  await page.getByLabel('Contraseña').fill('demo1234');
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await page.getByTestId('connection').waitFor();
  await waitForServiceWorker(page);
  return { context, page };
}

/** Resolves once the service worker is active (its precache, PGlite included, complete) and controls the page. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), undefined, {
    timeout: 60_000,
  });
}

/** A waiter of the branch, working through the API: open a table and send rounds straight to the kitchen. */
export async function waiter(s: TestServer, email = demo.users.waiterCentro, branchId = demo.centro.id) {
  const { accessToken } = await s.login(email);
  const products = demo.products(branchId);
  const openSessions = new Map<string, string>();
  return {
    token: accessToken,
    /** Opens the table's session (once) and submits a round; returns the round id. */
    async sendRound(tableIndex: number, items: { productIndex: number; qty: number; notes?: string }[]) {
      const table = demo.tables(branchId)[tableIndex]!;
      let sessionId = openSessions.get(table.id);
      if (!sessionId) {
        sessionId = randomUUID();
        const [opened] = await s.mutate(accessToken, {
          name: 'session.open',
          args: { sessionId, tableId: table.id },
        });
        if (opened?.status !== 'applied') throw new Error(`session.open: ${JSON.stringify(opened)}`);
        openSessions.set(table.id, sessionId);
      }
      const roundId = randomUUID();
      const [r] = await s.mutate(accessToken, {
        name: 'round.submit',
        args: {
          roundId,
          sessionId,
          items: items.map((i) => ({
            id: randomUUID(),
            productId: products[i.productIndex]!.id,
            qty: i.qty,
            ...(i.notes ? { notes: i.notes } : {}),
          })),
        },
      });
      if (r?.status !== 'applied') throw new Error(`round.submit: ${JSON.stringify(r)}`);
      return roundId;
    },
    /** A diner at the table orders through the QR (SUBMITTED); returns the round id, not yet in the kitchen. */
    async dinerRound(tableIndex: number, productIndex: number) {
      const table = demo.tables(branchId)[tableIndex]!;
      const joined = await joinAsDiner(s, table.id);
      openSessions.set(table.id, joined.sessionId);
      const roundId = randomUUID();
      const [r] = await s.mutate(joined.dinerToken, {
        name: 'round.submit',
        args: {
          roundId,
          sessionId: joined.sessionId,
          items: [{ id: randomUUID(), productId: products[productIndex]!.id, qty: 1 }],
        },
      });
      if (r?.status !== 'applied') throw new Error(`diner round.submit: ${JSON.stringify(r)}`);
      return roundId;
    },
    /** The waiter confirms a diner's round: it goes to the kitchen. */
    async confirm(roundId: string) {
      const [r] = await s.mutate(accessToken, { name: 'round.confirm', args: { roundId } });
      if (r?.status !== 'applied') throw new Error(`round.confirm: ${JSON.stringify(r)}`);
    },
    async cancel(roundId: string, reason: string) {
      const [r] = await s.mutate(accessToken, { name: 'round.cancel', args: { roundId, reason } });
      if (r?.status !== 'applied') throw new Error(`round.cancel: ${JSON.stringify(r)}`);
    },
  };
}
