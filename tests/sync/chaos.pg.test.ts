import { randomUUID } from 'node:crypto';
import { createSyncClient, PgliteStore, staticAuth, type SyncClient } from '@comanda/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosProxy, startChaosProxy } from '../support/chaos-proxy.ts';
import { demo } from '../support/demo.ts';
import { staffTokens } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// PostgreSQL only (the production-like server; on a loaded machine the run takes minutes).
// Three waiters' devices behind a network that delays, drops and cuts connections, a server
// restart in the middle: afterwards every mutation is on the server exactly once and every
// replica holds exactly the server's rows.
const TOTAL = 1000;
const SHAPES = ['tables', 'sessions', 'rounds', 'round_items'];

const until = async (what: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
};

describe('chaos: 3 clients, 1,000 mutations, a misbehaving network and a server restart', () => {
  let s: TestServer;
  let proxy: ChaosProxy;
  beforeAll(async () => {
    s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
    proxy = await startChaosProxy(s.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.close();
  });

  it(
    'delivers each mutation exactly once and converges every replica to the server',
    { timeout: 900_000 },
    async () => {
      const t = await staffTokens(s);
      // Three devices on the floor: each Centro waiter's phone, and a second device (a tablet) of the
      // first waiter with its own login. Managers don't take orders (CONTRACT.md's roles).
      const tablet = (await s.login(demo.users.waiterCentro)).accessToken;
      const tokens = [t.waiterCentro, t.waiter2Centro, tablet];
      const tables = demo.tables(demo.centro.id);
      const products = demo.products(demo.centro.id);
      const clients: SyncClient<PgliteStore>[] = [];
      for (const token of tokens)
        clients.push(
          await createSyncClient({
            baseUrl: proxy.url,
            auth: staticAuth(token),
            store: new PgliteStore(),
            shapes: SHAPES,
            maxRetryDelayMs: 2_000,
          }),
        );
      proxy.set({ dropRate: 0.25, cutRate: 0.4, cutWithinMs: 400, chunkCutRate: 0.15, maxDelayMs: 200 });
      const started = Date.now();

      // Each device works its own four tables: open them, then rounds (and now and then a cancel).
      const sent: { id: string; name: string; roundId?: string; items?: number }[] = [];
      const perClient = [334, 333, 333];
      let restarted: Promise<void> | undefined;
      await Promise.all(
        clients.map(async (c, ci) => {
          const mine = tables.slice(ci * 4, ci * 4 + 4);
          const sessions: string[] = [];
          const rounds: string[] = [];
          for (let n = 0; n < perClient[ci]!; n++) {
            let r: Awaited<ReturnType<typeof c.mutate>>;
            if (n < mine.length) {
              const sessionId = randomUUID();
              sessions.push(sessionId);
              r = await c.mutate('session.open', { sessionId, tableId: mine[n]!.id });
              if (r.ok) sent.push({ id: r.id, name: 'session.open' });
            } else if (n % 10 === 9 && rounds.length) {
              r = await c.mutate('round.cancel', { roundId: rounds.pop()!, reason: 'cambio de idea' });
              if (r.ok) sent.push({ id: r.id, name: 'round.cancel' });
            } else {
              const roundId = randomUUID();
              const items = 1 + (n % 3);
              r = await c.mutate('round.submit', {
                roundId,
                sessionId: sessions[n % sessions.length]!,
                items: Array.from({ length: items }, (_, i) => ({
                  id: randomUUID(),
                  productId: products[(n + i) % products.length]!.id,
                  qty: 1 + (i % 2),
                })),
              });
              rounds.push(roundId);
              if (r.ok) sent.push({ id: r.id, name: 'round.submit', roundId, items });
            }
            expect(r.ok).toBe(true);
            if (sent.length === Math.floor(TOTAL / 2) && !restarted) restarted = s.restart();
            if (n % 25 === 0) await new Promise((res) => setTimeout(res, 20));
          }
        }),
      );
      await restarted;
      expect(sent).toHaveLength(TOTAL);

      // Let the chaos go on for a while as the outboxes drain, then calm down.
      await new Promise((r) => setTimeout(r, 3_000));
      proxy.set({ dropRate: 0, cutRate: 0, chunkCutRate: 0, maxDelayMs: 0 });
      const enqueuedMs = Date.now() - started;
      for (const c of clients) expect(await c.drained(400_000)).toBe(true);
      const drainedMs = Date.now() - started;
      console.log(`chaos: enqueued in ${enqueuedMs} ms, drained at ${drainedMs} ms`, proxy.stats);
      expect(proxy.stats.dropped + proxy.stats.cut).toBeGreaterThan(30);

      // Exactly once: each id recorded once, applied, and exactly the rows it made.
      const results = await s.db.query<{ id: string; status: string }>(
        "SELECT id::text, result->>'status' AS status FROM applied_mutation WHERE id = ANY($1)",
        [sent.map((m) => m.id)],
      );
      expect(results).toHaveLength(TOTAL);
      expect(results.filter((r) => r.status !== 'applied')).toEqual([]);
      const submits = sent.filter((m) => m.name === 'round.submit');
      const [rounds] = await s.db.query<{ n: number; items: number }>(
        'SELECT count(*)::int AS n, (SELECT count(*)::int FROM round_item WHERE branch_id = $1) AS items FROM round WHERE branch_id = $1',
        [demo.centro.id],
      );
      expect(rounds!.n).toBe(submits.length);
      expect(rounds!.items).toBe(submits.reduce((sum, m) => sum + m.items!, 0));
      for (const c of clients) expect(c.rejections.get()).toEqual([]);

      // Every replica equal to the server's rows.
      const serverRows = async () =>
        JSON.stringify([
          await s.db.query('SELECT id::text, status FROM round WHERE branch_id = $1 ORDER BY id', [
            demo.centro.id,
          ]),
          await s.db.query(
            'SELECT id::text, round_id::text, qty FROM round_item WHERE branch_id = $1 ORDER BY id',
            [demo.centro.id],
          ),
          await s.db.query('SELECT id::text, status FROM table_session WHERE branch_id = $1 ORDER BY id', [
            demo.centro.id,
          ]),
          await s.db.query('SELECT id::text, status FROM dining_table WHERE branch_id = $1 ORDER BY id', [
            demo.centro.id,
          ]),
        ]);
      const replicaRows = async (c: SyncClient<PgliteStore>) =>
        JSON.stringify([
          await c.store.query('SELECT id::text, status FROM round ORDER BY id'),
          await c.store.query('SELECT id::text, round_id::text, qty FROM round_item ORDER BY id'),
          await c.store.query('SELECT id::text, status FROM table_session ORDER BY id'),
          await c.store.query('SELECT id::text, status FROM dining_table ORDER BY id'),
        ]);
      const expected = await serverRows();
      for (const [i, c] of clients.entries()) {
        const converged = await until(async () => (await replicaRows(c)) === expected, 60_000);
        if (!converged) {
          // Say what differs, so a failure can be read from the CI log.
          const mine = JSON.parse(await replicaRows(c)) as unknown[][];
          const theirs = JSON.parse(expected) as unknown[][];
          ['round', 'round_item', 'table_session', 'dining_table'].forEach((table, t) => {
            const a = new Set(mine[t]!.map((r) => JSON.stringify(r)));
            const b = new Set(theirs[t]!.map((r) => JSON.stringify(r)));
            const missing = [...b].filter((r) => !a.has(r));
            const extra = [...a].filter((r) => !b.has(r));
            if (missing.length || extra.length)
              console.log(
                `client ${i} ${table}: missing ${missing.length} ${missing.slice(0, 3).join(' ')}; extra ${extra.length} ${extra.slice(0, 3).join(' ')}`,
              );
          });
          console.log(
            `client ${i} shapes`,
            JSON.stringify(await c.store.query('SELECT * FROM comanda.shape').catch((e) => String(e))),
          );
        }
        expect(converged).toBe(true);
      }
      for (const c of clients) {
        expect(await c.store.query('SELECT 1 FROM round WHERE _pending')).toEqual([]);
        await c.close();
      }
    },
  );
});
