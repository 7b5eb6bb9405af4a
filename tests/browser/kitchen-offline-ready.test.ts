import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ChaosProxy } from '../support/chaos-proxy.ts';
import { demo } from '../support/demo.ts';
import type { TestServer } from '../support/server.ts';
import { follow } from '../support/shapes.ts';
import { doneTicket, kitchenRigBehindProxy, openKitchen, ticket, waiter } from './kitchen-support.ts';

// The kitchen reaches the server only through a TCP proxy: cutting it cuts every connection,
// long-polls already in flight included (the browser's offline switch alone leaves those open).
describe('kitchen display: "Listo" offline, reload offline, back online', () => {
  let s: TestServer;
  let proxy: ChaosProxy;
  let browser: Browser;
  kitchenRigBehindProxy((rig) => ({ s, proxy, browser } = rig));

  it(
    'keeps two "Listo" through an offline reload and sends each exactly once when the network returns',
    { timeout: 300_000 },
    async () => {
      const w = await waiter(s);
      const rounds: string[] = [
        await w.sendRound(1, [{ productIndex: 2, qty: 1 }]),
        await w.sendRound(2, [{ productIndex: 3, qty: 2, notes: 'bien cocido' }]),
      ];
      const { context, page } = await openKitchen(browser, proxy);
      for (const id of rounds) await ticket(page, id).waitFor({ timeout: 90_000 });

      // The network goes: the server is out of reach (proxy) and the browser knows it (offline event).
      proxy.setOffline(true);
      await context.setOffline(true);
      await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('offline');
      for (const id of rounds) {
        await ticket(page, id).getByTestId('ready-button').click();
        await doneTicket(page, id).waitFor();
      }
      // The count follows the outbox a moment after the tickets do: wait for it, don't read it once.
      const pendingShown = async (p: Page) => {
        for (const id of rounds)
          await expect.poll(() => doneTicket(p, id).getAttribute('data-pending')).toBe('true');
        await expect.poll(() => p.getByTestId('pending-count').textContent()).toContain('2');
      };
      await pendingShown(page);

      // Reload with no network: the app comes from the service worker, the "Listo"s from the replica.
      await page.reload();
      await page.getByTestId('connection').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('offline');
      for (const id of rounds) await doneTicket(page, id).waitFor({ timeout: 60_000 });
      await pendingShown(page);
      for (const id of rounds) expect(await ticket(page, id).count()).toBe(0);
      // Nothing reached the server while it was cut off.
      const statuses = async () =>
        (
          await s.db.query<{ status: string }>('SELECT status FROM round WHERE id = ANY($1) ORDER BY id', [
            rounds,
          ])
        ).map((r) => r.status);
      expect(await statuses()).toEqual(['IN_KITCHEN', 'IN_KITCHEN']);

      // The network returns.
      proxy.setOffline(false);
      await context.setOffline(false);
      await expect.poll(statuses, { timeout: 60_000 }).toEqual(['READY', 'READY']);
      await expect.poll(() => page.getByTestId('pending-count').count(), { timeout: 60_000 }).toBe(0);
      for (const id of rounds)
        await expect
          .poll(() => doneTicket(page, id).getAttribute('data-pending'), { timeout: 30_000 })
          .toBe('false');

      // Exactly once: one applied round.ready and one ROUND_READY event per round.
      const perRound = await s.db.query<{ id: string; applied: number; events: number }>(
        `SELECT r.id,
                (SELECT count(*)::int FROM audit_log a
                  WHERE a.action = 'round.ready' AND a.status = 'applied' AND a.args->>'roundId' = r.id::text) AS applied,
                (SELECT count(*)::int FROM event e WHERE e.entity_id = r.id AND e.type = 'ROUND_READY') AS events
           FROM round r WHERE r.id = ANY($1)`,
        [rounds],
      );
      expect(perRound.map((r) => [r.applied, r.events])).toEqual([
        [1, 1],
        [1, 1],
      ]);

      // The waiter's device hears of it through its events shape.
      const events = follow(s, w.token, 'events', { params: { branch: demo.centro.id } });
      try {
        const rows = await events.until(
          (rs) => rounds.every((id) => rs.some((e) => e.type === 'ROUND_READY' && e.entity_id === id)),
          30_000,
        );
        expect(
          rows.filter((e) => e.type === 'ROUND_READY' && rounds.includes(String(e.entity_id))),
        ).toHaveLength(2);
      } finally {
        events.stop();
      }
      await context.close();
    },
  );
});
