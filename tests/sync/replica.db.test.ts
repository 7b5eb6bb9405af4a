import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createSyncClient, PgliteStore, StaffAuth, staticAuth, type SyncClient } from '@comanda/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapeServerOf } from '../../server/src/shapes/index.ts';
import { demo } from '../support/demo.ts';
import { applied, openTable, roundArgs, staffTokens, type Staff } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SHAPES = ['tables', 'sessions', 'rounds', 'round_items', 'products', 'branch_products'];
const until = async (what: () => Promise<boolean> | boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
};

/** A fetch that notes the URL of every request it makes (to assert the offsets a client asks for). */
const recordingFetch = () => {
  const requests: URL[] = [];
  const recording: typeof fetch = (input, init) => {
    requests.push(new URL(input instanceof Request ? input.url : String(input)));
    return fetch(input, init);
  };
  return { requests, recording };
};

/** The server's rows of the centro branch, as the replica should hold them. */
const serverRows = async (s: TestServer) => ({
  round: await s.db.query<{ id: string; status: string }>(
    'SELECT id::text, status FROM round WHERE branch_id = $1 ORDER BY id',
    [demo.centro.id],
  ),
  table_session: await s.db.query<{ id: string; status: string }>(
    'SELECT id::text, status FROM table_session WHERE branch_id = $1 ORDER BY id',
    [demo.centro.id],
  ),
  dining_table: await s.db.query<{ id: string; status: string }>(
    'SELECT id::text, status FROM dining_table WHERE branch_id = $1 ORDER BY id',
    [demo.centro.id],
  ),
});
const replicaRows = async (c: SyncClient<PgliteStore>) => ({
  round: await c.store.query<{ id: string; status: string }>(
    'SELECT id::text, status FROM round ORDER BY id',
  ),
  table_session: await c.store.query<{ id: string; status: string }>(
    'SELECT id::text, status FROM table_session ORDER BY id',
  ),
  dining_table: await c.store.query<{ id: string; status: string }>(
    'SELECT id::text, status FROM dining_table ORDER BY id',
  ),
});

describe('replica: shapes into PGlite, overlay confirmed by txid', { timeout: 180_000 }, () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
    t = await staffTokens(s);
    dir = mkdtempSync(join(tmpdir(), 'comanda-replica-'));
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the branch, shows a new round at once as pending, and converges when its txid arrives', async () => {
    const tableId = demo.tables(demo.centro.id)[0]!.id;
    const sessionId = await openTable(s, t.waiterCentro, tableId);
    const c = await createSyncClient({
      baseUrl: s.url,
      auth: staticAuth(t.waiterCentro),
      store: new PgliteStore(),
      shapes: SHAPES,
    });
    expect(await c.synced()).toBe(true);
    expect(await replicaRows(c)).toEqual(await serverRows(s));

    const args = roundArgs(sessionId, demo.centro.id, [{ qty: 2 }, {}]);
    const r = await c.mutate('round.submit', args);
    expect(r.ok).toBe(true);
    // At once, before the server has answered: the round and its items, marked pending.
    const [round] = await c.store.query<{ status: string; number: number; _pending: boolean }>(
      'SELECT status, number, _pending FROM round WHERE id = $1',
      [args.roundId],
    );
    expect(round).toEqual({ status: 'IN_KITCHEN', number: 1, _pending: true });
    const items = await c.store.query<{ qty: number; product_name: string; _pending: boolean }>(
      'SELECT qty, product_name, _pending FROM round_item WHERE round_id = $1 ORDER BY qty DESC',
      [args.roundId],
    );
    expect(items.map((i) => i._pending)).toEqual([true, true]);
    expect(items[0]!.product_name).toBe(demo.products(demo.centro.id)[0]!.name);

    const outcome = await c.settled(r.ok ? r.id : '');
    expect(outcome.status).toBe('applied');
    await until(
      async () =>
        (await c.store.query('SELECT 1 FROM round WHERE _pending')).length === 0 &&
        (await c.store.query('SELECT 1 FROM round_item WHERE _pending')).length === 0,
    );
    await until(async () => JSON.stringify(await replicaRows(c)) === JSON.stringify(await serverRows(s)));
    expect((await c.store.counts()).confirming).toBe(0);
    await c.close();
  });

  it('rolls back only the rejected table.clear (CHECK_NOT_PAID), keeping the other pending write', async () => {
    const [tableA, tableB] = demo.tables(demo.centro.id).slice(2, 4);
    const sessionId = await openTable(s, t.waiterCentro, tableA!.id);
    const args = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', args);
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: args.roundId });
    await applied(s, t.waiterCentro, 'round.served', { roundId: args.roundId });

    const c = await createSyncClient({
      baseUrl: s.url,
      auth: staticAuth(t.waiterCentro),
      store: new PgliteStore(),
      shapes: SHAPES,
    });
    expect(await c.synced()).toBe(true);
    // Hold the sender back (server unreachable for this client) so both writes are visible as pending.
    await s.stop();
    const clear = await c.mutate('table.clear', { tableId: tableA!.id });
    const sessionB = randomUUID();
    const open = await c.mutate('session.open', { sessionId: sessionB, tableId: tableB!.id });
    const table = async (id: string) =>
      (
        await c.store.query<{ status: string; _pending: boolean }>(
          'SELECT status, _pending FROM dining_table WHERE id = $1',
          [id],
        )
      )[0];
    expect(await table(tableA!.id)).toEqual({ status: 'FREE', _pending: true });
    expect(await table(tableB!.id)).toEqual({ status: 'OCCUPIED', _pending: true });
    const [closed] = await c.store.query<{ status: string }>(
      'SELECT status FROM table_session WHERE id = $1',
      [sessionId],
    );
    expect(closed!.status).toBe('CLOSED');

    await s.restart();
    const rejected = await c.settled(clear.ok ? clear.id : '');
    expect(rejected).toMatchObject({ status: 'rejected', code: 'CHECK_NOT_PAID' });
    // Only table.clear's effects are gone: table A occupied again, its session open again...
    expect(await table(tableA!.id)).toEqual({ status: 'OCCUPIED', _pending: false });
    const [reopened] = await c.store.query<{ status: string }>(
      'SELECT status FROM table_session WHERE id = $1',
      [sessionId],
    );
    expect(reopened!.status).toBe('OPEN');
    // ...while the other write stands.
    expect((await table(tableB!.id))!.status).toBe('OCCUPIED');
    expect(c.rejections.get()).toMatchObject([
      { id: clear.ok && clear.id, name: 'table.clear', code: 'CHECK_NOT_PAID' },
    ]);
    expect(c.status.get().rejected).toBe(1);
    await until(
      async () =>
        (await c.store.query('SELECT 1 FROM table_session WHERE id = $1 AND NOT _pending', [sessionB]))
          .length === 1,
    );
    expect(open.ok).toBe(true);
    await c.close();
  });

  it('resumes from the persisted shape position after a reopen instead of syncing from zero', async () => {
    const dataDir = join(dir, 'resume');
    const { requests, recording } = recordingFetch();
    const first = await createSyncClient({
      baseUrl: s.url,
      auth: staticAuth(t.waiterCentro),
      store: new PgliteStore({ dataDir }),
      shapes: SHAPES,
      fetch: recording,
    });
    expect(await first.synced()).toBe(true);
    const saved = await first.store.position('rounds');
    expect(saved?.offset).toMatch(/^\d+_(\d+|inf)$/);
    await first.close();

    // Meanwhile, on the server: a new round.
    const sessionId = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id)[4]!.id);
    const args = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', args);

    requests.length = 0;
    const second = await createSyncClient({
      baseUrl: s.url,
      auth: staticAuth(t.waiterCentro),
      store: new PgliteStore({ dataDir }),
      shapes: SHAPES,
      fetch: recording,
    });
    // The rows are there before any request answers.
    expect((await second.store.query('SELECT 1 FROM dining_table')).length).toBe(
      demo.tables(demo.centro.id).length,
    );
    await until(
      async () =>
        (await second.store.query('SELECT 1 FROM round WHERE id = $1', [args.roundId])).length === 1,
    );
    const firstRounds = requests.find((u) => u.pathname === '/api/shapes/rounds');
    expect(firstRounds?.searchParams.get('offset')).toBe(saved!.offset);
    expect(firstRounds?.searchParams.get('handle')).toBe(saved!.handle);
    expect(requests.some((u) => u.searchParams.get('offset') === '-1')).toBe(false);
    await until(
      async () => JSON.stringify(await replicaRows(second)) === JSON.stringify(await serverRows(s)),
    );
    await second.close();
  });

  it('starts over cleanly when the log it needs was trimmed while it was closed (409 must-refetch)', async () => {
    const dataDir = join(dir, 'refetch');
    const { requests, recording } = recordingFetch();
    const kitchen = () =>
      createSyncClient({
        baseUrl: s.url,
        auth: staticAuth(t.kitchenCentro),
        store: new PgliteStore({ dataDir }),
        shapes: ['kitchen_rounds', 'kitchen_items'],
        fetch: recording,
      });
    const kitchenRows = (c: SyncClient<PgliteStore>) =>
      c.store.query<{ id: string }>('SELECT id::text FROM round ORDER BY id');
    const serverKitchen = () =>
      s.db.query<{ id: string }>(
        `SELECT id::text FROM round WHERE branch_id = $1 AND status IN ('IN_KITCHEN', 'READY') ORDER BY id`,
        [demo.centro.id],
      );
    const serverItems = () =>
      s.db.query<{ id: string }>(
        `SELECT i.id::text FROM round_item i JOIN round r ON r.id = i.round_id
          WHERE r.branch_id = $1 AND r.status IN ('IN_KITCHEN', 'READY') ORDER BY i.id`,
        [demo.centro.id],
      );

    // A round in the kitchen, synced; then the tablet is switched off.
    const sessionId = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id)[7]!.id);
    const served = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', served);
    const first = await kitchen();
    expect(await first.synced()).toBe(true);
    expect((await kitchenRows(first)).map((r) => r.id)).toContain(served.roundId);
    const saved = await first.store.position('kitchen_rounds');
    await first.close();

    // While it is off: that round leaves the kitchen, a new one arrives, and the log is trimmed.
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: served.roundId });
    await applied(s, t.waiterCentro, 'round.served', { roundId: served.roundId });
    const fresh = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', fresh);
    const shapes = shapeServerOf(s.server.ctx)!;
    await shapes.feed.catchUp();
    expect(await shapes.feed.trim(-60_000)).toBeGreaterThan(0);

    requests.length = 0;
    const second = await kitchen();
    await until(async () => {
      const ids = (await kitchenRows(second)).map((r) => r.id);
      return ids.includes(fresh.roundId) && !ids.includes(served.roundId);
    });
    const rounds = requests.filter((u) => u.pathname === '/api/shapes/kitchen_rounds');
    // It asked from where it stopped, was told to start over, and did: from -1, once.
    expect(rounds[0]?.searchParams.get('offset')).toBe(saved!.offset);
    expect(rounds.filter((u) => u.searchParams.get('offset') === '-1')).toHaveLength(1);
    // The replica is exactly the server's kitchen: the served round gone, no row twice, items too.
    expect(await kitchenRows(second)).toEqual(await serverKitchen());
    await until(
      async () =>
        JSON.stringify(await second.store.query('SELECT id::text FROM round_item ORDER BY id')) ===
        JSON.stringify(await serverItems()),
    );
    // And it goes on live from the new position.
    const later = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', later);
    await until(async () => (await kitchenRows(second)).some((r) => r.id === later.roundId));
    await second.close();
  });

  it('keeps syncing after live answers are cut mid-body (restaurant wifi), instead of going quiet', async () => {
    // The first live answers of the rounds shape arrive with their headers and then die mid-body,
    // as when the wifi drops during a long poll. The replica must still receive the next rounds.
    let cuts = 0;
    const cutting: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const res = await fetch(input, init);
      if (url.pathname !== '/api/shapes/rounds' || url.searchParams.get('live') !== 'true' || cuts >= 4)
        return res;
      cuts++;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('[{"headers":'));
          controller.error(new TypeError('terminated'));
        },
      });
      void res.body?.cancel();
      return new Response(body, { status: 200, headers: res.headers });
    };
    const c = await createSyncClient({
      baseUrl: s.url,
      auth: staticAuth(t.waiterCentro),
      store: new PgliteStore(),
      shapes: SHAPES,
      fetch: cutting,
      maxRetryDelayMs: 500,
    });
    expect(await c.synced()).toBe(true);
    const sessionId = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id)[6]!.id);
    for (let i = 0; i < 3; i++) {
      const args = roundArgs(sessionId, demo.centro.id);
      await applied(s, t.waiter2Centro, 'round.submit', args);
      await until(
        async () => (await c.store.query('SELECT 1 FROM round WHERE id = $1', [args.roundId])).length === 1,
      );
    }
    expect(cuts).toBe(4);
    await until(async () => JSON.stringify(await replicaRows(c)) === JSON.stringify(await serverRows(s)));
    await c.close();
  });

  it('refreshes an expired token once for the shapes and the sender together (rotation would punish two refreshes)', async () => {
    const login = await s.login(demo.users.managerCentro);
    const rotated: string[] = [];
    const auth = new StaffAuth({
      baseUrl: s.url,
      tokens: { accessToken: 'expired.access.token', refreshToken: login.refreshToken },
      onTokens: (p) => p && rotated.push(p.refreshToken),
    });
    const c = await createSyncClient({ baseUrl: s.url, auth, store: new PgliteStore(), shapes: SHAPES });
    const r = await c.mutate('session.open', {
      sessionId: randomUUID(),
      tableId: demo.tables(demo.centro.id)[9]!.id,
    });
    expect(await c.synced(60_000)).toBe(true);
    expect(await c.drained(60_000)).toBe(true);
    expect(c.status.get().connection).not.toBe('unauthorized');
    expect(rotated).toHaveLength(1);
    const [row] = await s.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM applied_mutation WHERE id = $1',
      [r.ok ? r.id : ''],
    );
    expect(row!.n).toBe(1);
    await c.close();
  });

  it('signs out only when nothing is waiting, unless told to discard, and then leaves no local rows', async () => {
    const dataDir = join(dir, 'signout');
    const c = await createSyncClient({
      baseUrl: s.url,
      auth: staticAuth(t.waiterCentro),
      store: new PgliteStore({ dataDir }),
      shapes: SHAPES,
    });
    expect(await c.synced()).toBe(true);
    await s.stop();
    await c.mutate('round.cancel', { roundId: randomUUID(), reason: 'prueba' });
    expect(await c.signOut()).toEqual({ ok: false, code: 'PENDING_WRITES', pending: 1, rejected: 0 });
    expect((await c.store.query('SELECT 1 FROM dining_table')).length).toBeGreaterThan(0);
    expect(await c.signOut({ discardPending: true })).toEqual({ ok: true });
    await s.restart();
    // The same database opened again: no replica, no outbox, no position.
    const store = new PgliteStore({ dataDir });
    await store.open();
    expect(await store.counts()).toEqual({ pending: 0, rejected: 0, confirming: 0 });
    expect(await store.position('rounds')).toBeUndefined();
    await expect(store.query('SELECT 1 FROM dining_table')).rejects.toThrow();
    await store.close();
  });
});
