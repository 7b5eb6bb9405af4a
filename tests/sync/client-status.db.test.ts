import { createSyncClient, PgliteStore, type StoreCounts, staticAuth, type SyncClient } from '@comanda/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { applied, openTable, roundArgs } from '../support/floor.ts';
import { type FaultProxy, startFaultProxy } from '../support/http-faults.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// What the person sees of the outbox: the pending count as soon as a write is stored, a count that
// recovers after a failed recount, and a second tap on a status step that sends nothing new.

const MUTATIONS = '/api/mutations';
const until = async (what: () => Promise<boolean> | boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
};

/** A real PGlite store whose counts() can be made to fail, as a busy or closing database does. */
class CountsFailing extends PgliteStore {
  failing = false;
  override counts(): Promise<StoreCounts> {
    if (this.failing) return Promise.reject(new Error('the database is busy'));
    return super.counts();
  }
  storedCounts(): Promise<StoreCounts> {
    return super.counts();
  }
}

describe('sync client status and status steps', { timeout: 120_000 }, () => {
  let s: TestServer;
  let proxy: FaultProxy;
  let kitchen: string;
  let waiterToken: string;
  let client: SyncClient<PgliteStore> | undefined;
  /** While true, every POST /api/mutations is answered 503: writes stay in the outbox. */
  let holding = false;
  beforeAll(async () => {
    s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
    proxy = await startFaultProxy(s.url);
    proxy.setRule(({ path }) =>
      holding && path === MUTATIONS ? { kind: 'answer', status: 503 } : undefined,
    );
    kitchen = (await s.login(demo.users.kitchenCentro)).accessToken;
    waiterToken = (await s.login(demo.users.waiterCentro)).accessToken;
  });

  /** A waiter opens table `tableIndex` and sends a round: it goes straight to the kitchen. */
  const sendRound = async (tableIndex: number) => {
    const sessionId = await openTable(s, waiterToken, demo.tables(demo.centro.id)[tableIndex]!.id);
    const args = roundArgs(sessionId, demo.centro.id, [{ qty: 2 }]);
    await applied(s, waiterToken, 'round.submit', args);
    return args.roundId;
  };
  afterEach(async () => {
    holding = false;
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.close();
  });

  const open = async (store: PgliteStore = new PgliteStore(), shapes: string[] = []) =>
    (client = await createSyncClient({
      baseUrl: proxy.url,
      auth: staticAuth(kitchen),
      store,
      shapes,
      maxRetryDelayMs: 1_000,
    }));
  const readyPosts = (roundId: string) =>
    proxy.seen.filter((r) => r.path === MUTATIONS && r.body.includes(roundId)).length;
  const readyAudits = async (roundId: string) =>
    (
      await s.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'round.ready' AND args->>'roundId' = $1",
        [roundId],
      )
    )[0]!.n;

  it('counts a stored write in status.pending by the time mutate() resolves', async () => {
    holding = true;
    const c = await open();
    const rounds = [await sendRound(1), await sendRound(2)];
    const seen: number[] = [];
    for (const roundId of rounds) {
      const r = await c.mutate('round.ready', { roundId });
      expect(r.ok).toBe(true);
      // Read at once, no waiting: the screen showing the pending ticket shows its count too.
      seen.push(c.status.get().pending);
    }
    expect(seen).toEqual([1, 2]);
    holding = false;
    c.retryNow();
    expect(await c.drained(30_000)).toBe(true);
    expect(c.status.get().pending).toBe(0);
  });

  it('recovers the counts after a recount failed, without any new write', async () => {
    holding = true;
    const store = new CountsFailing();
    const c = await open(store);
    const roundId = await sendRound(3);
    const r = await c.mutate('round.ready', { roundId });
    expect(r.ok).toBe(true);
    expect(c.status.get().pending).toBe(1);
    // The answer arrives while the store cannot count: the recount after it fails.
    store.failing = true;
    holding = false;
    c.retryNow();
    await until(async () => (await store.storedCounts()).pending === 0);
    await until(async () => (await readyAudits(roundId)) === 1);
    expect(c.status.get().pending).toBe(1);
    // The store is fine again: the count follows by itself (the housekeeping tick recounts).
    store.failing = false;
    await until(() => c.status.get().pending === 0, 15_000);
  });

  it('sends one round.ready for a double tap (and for two taps at once), and none once it is READY', async () => {
    const [one, two] = [await sendRound(4), await sendRound(5)];
    const c = await open(new PgliteStore(), ['kitchen_rounds', 'kitchen_items']);
    await until(
      async () =>
        c.store.has('round') &&
        (await c.store.query('SELECT 1 FROM round WHERE id = ANY($1)', [[one, two]])).length === 2,
    );
    holding = true;

    const first = await c.mutate('round.ready', { roundId: one });
    const again = await c.mutate('round.ready', { roundId: one });
    expect(first).toMatchObject({ ok: true });
    // The second tap is the first one: same outbox entry, nothing new stored.
    expect(again).toEqual({ ok: true, id: first.ok && first.id, coalesced: true });
    // Two taps at once: mutate() calls run one after the other, so the second sees the first.
    const both = await Promise.all([
      c.mutate('round.ready', { roundId: two }),
      c.mutate('round.ready', { roundId: two }),
    ]);
    expect(both.filter((r) => r.ok && r.coalesced)).toHaveLength(1);
    expect(new Set(both.map((r) => r.ok && r.id)).size).toBe(1);
    expect(c.status.get().pending).toBe(2);
    expect((await c.store.counts()).pending).toBe(2);

    holding = false;
    c.retryNow();
    expect(await c.drained(30_000)).toBe(true);
    expect([await readyAudits(one), await readyAudits(two)]).toEqual([1, 1]);
    expect(c.rejections.get()).toEqual([]);

    // READY on the server and here: another tap is refused before storing, and nothing is sent.
    await until(
      async () =>
        (
          await c.store.query("SELECT 1 FROM round WHERE id = $1 AND status = 'READY' AND NOT _pending", [
            one,
          ])
        ).length === 1,
    );
    const posts = readyPosts(one);
    expect(await c.mutate('round.ready', { roundId: one })).toMatchObject({
      ok: false,
      code: 'ALREADY_DONE',
    });
    expect(c.status.get().pending).toBe(0);
    expect(await c.drained(5_000)).toBe(true);
    expect(readyPosts(one)).toBe(posts);
    expect(await readyAudits(one)).toBe(1);
  });
});
