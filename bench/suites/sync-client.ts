/**
 * Sync client figures (issue 4): replay of 1,000 queued mutations after reconnect, initial sync
 * of a branch scaled to 10,000 rounds into PGlite and into Dexie (time, bytes), and the CPU an
 * idle synced client burns in a minute. The server runs in its own process on PostgreSQL.
 */
import 'fake-indexeddb/auto'; // Node has no IndexedDB: the Dexie figure is Dexie over fake-indexeddb.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { createSyncClient, DexieStore, type LocalStore, PgliteStore, staticAuth } from '@comanda/sync';
import { demo } from '../../tests/support/demo.ts';
import { type ChildServer, startChildServer } from '../support/child-server.ts';

const ROUNDS = 10_000;

async function login(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo1234' }),
  });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** A fetch that counts the bytes of every answer body. */
function countingFetch() {
  const counter = { bytes: 0, requests: 0 };
  const f: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const body = await res.arrayBuffer();
    counter.bytes += body.byteLength;
    counter.requests++;
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { f, counter };
}

async function replay(s: ChildServer, token: string) {
  await s.stop();
  const client = await createSyncClient({
    baseUrl: s.url,
    auth: staticAuth(token),
    store: new PgliteStore(),
  });
  const tables = demo.tables(demo.centro.id);
  const products = demo.products(demo.centro.id);
  const sessions = tables.map(() => randomUUID());
  for (const [i, t] of tables.entries())
    await client.mutate('session.open', { sessionId: sessions[i]!, tableId: t.id });
  for (let n = tables.length; n < 1000; n++)
    await client.mutate('round.submit', {
      roundId: randomUUID(),
      sessionId: sessions[n % sessions.length]!,
      items: [{ id: randomUUID(), productId: products[n % products.length]!.id, qty: 1 }],
    });
  const queued = (await client.store.counts()).pending;
  await s.start();
  const t0 = performance.now();
  client.retryNow();
  const drained = await client.drained(300_000);
  const ms = performance.now() - t0;
  const [row] = await s.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM applied_mutation`;
  await client.close();
  return { queued, drained, replayMs: Math.round(ms), serverApplied: row!.n };
}

/**
 * The replay three times, each on a fresh database (run-to-run spread here is large): median and
 * every run. The first on `main`, whose 1,000 mutations are then the rows of the idle client.
 */
async function replays(main: ChildServer, token: string) {
  const runs = [await replay(main, token)];
  for (let i = 0; i < 2; i++) {
    const s = await startChildServer(3900 + Math.floor(Math.random() * 90));
    try {
      runs.push(await replay(s, await login(s.url, demo.users.waiterCentro)));
    } finally {
      await s.close();
    }
  }
  const sorted = runs.map((r) => r.replayMs).sort((x, y) => x - y);
  return {
    queued: runs[0]!.queued,
    drained: runs.every((r) => r.drained),
    serverApplied: runs.map((r) => r.serverApplied),
    replayMs: sorted[1],
    allMs: runs.map((r) => r.replayMs),
    targetMs: 3000,
  };
}

async function seedRounds(s: ChildServer) {
  // 100 closed sessions x 100 served rounds, one item each: a busy branch's history.
  const tables = demo.tables(demo.centro.id);
  const product = demo.products(demo.centro.id)[0]!;
  await s.sql.begin(async (tx) => {
    await tx`
      WITH sessions AS (
        INSERT INTO table_session (id, tenant_id, branch_id, table_id, status, opened_at, closed_at)
        SELECT gen_random_uuid(), ${demo.tenant.id}, ${demo.centro.id}, (${tables.map((t) => t.id)}::uuid[])[1 + (g % ${tables.length})],
               'CLOSED', now(), now()
          FROM generate_series(1, ${ROUNDS / 100}) g
        RETURNING id, table_id
      ), rounds AS (
        INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status, created_at, served_at)
        SELECT gen_random_uuid(), ${demo.tenant.id}, ${demo.centro.id}, s.id, s.table_id, n, 'SERVED', now(), now()
          FROM sessions s, generate_series(1, 100) n
        RETURNING id, session_id
      )
      INSERT INTO round_item (id, tenant_id, branch_id, round_id, session_id, product_id, product_name, qty, unit_price_cents)
      SELECT gen_random_uuid(), ${demo.tenant.id}, ${demo.centro.id}, r.id, r.session_id, ${product.id}, ${product.name}, 1, ${product.priceCents}
        FROM rounds r`;
  });
}

/** The server's share: the same two snapshots fetched raw, nothing parsed or stored. */
async function rawSnapshotMs(s: ChildServer, token: string): Promise<number> {
  const t0 = performance.now();
  for (const shape of ['rounds', 'round_items']) {
    const res = await fetch(`${s.url}/api/shapes/${shape}?offset=-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
  }
  return Math.round(performance.now() - t0);
}

async function initialSync(s: ChildServer, token: string, store: LocalStore) {
  const { f, counter } = countingFetch();
  // Opening the database is not syncing: PGlite's WASM cold start is counted apart.
  const o0 = performance.now();
  await store.open();
  const storeOpenMs = Math.round(performance.now() - o0);
  const t0 = performance.now();
  const client = await createSyncClient({
    baseUrl: s.url,
    auth: staticAuth(token),
    store,
    shapes: ['rounds', 'round_items'],
    fetch: f,
  });
  const ok = await client.synced(120_000);
  const ms = performance.now() - t0;
  let rows = 0;
  let storedBytes: number | undefined;
  if (store instanceof PgliteStore) {
    rows = Number(
      (
        await store.query<{ n: number }>(
          'SELECT (SELECT count(*) FROM round) + (SELECT count(*) FROM round_item) AS n',
        )
      )[0]!.n,
    );
    storedBytes = Number(
      (await store.query<{ b: number }>('SELECT pg_database_size(current_database()) AS b'))[0]!.b,
    );
  } else if (store instanceof DexieStore) {
    rows = (await store.rows('round')).length + (await store.rows('round_item')).length;
  }
  return {
    client,
    figures: {
      synced: ok,
      ms: Math.round(ms),
      storeOpenMs,
      rows,
      transferredBytes: counter.bytes,
      requests: counter.requests,
      storedBytes,
      targetMs: 2000,
    },
  };
}

async function idleCpu(s: ChildServer, token: string, seconds: number) {
  const { f, counter } = countingFetch();
  const store = new PgliteStore();
  const client = await createSyncClient({
    baseUrl: s.url,
    auth: staticAuth(token),
    store,
    shapes: ['tables', 'sessions', 'rounds', 'round_items', 'events'],
    fetch: f,
  });
  await client.synced(120_000);
  const [held] = await store.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM round) + (SELECT count(*) FROM round_item) + (SELECT count(*) FROM event) AS n',
  );
  await new Promise((r) => setTimeout(r, 2000));
  const requestsBefore = counter.requests;
  const before = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const used = process.cpuUsage(before);
  const wall = performance.now() - t0;
  const requests = counter.requests - requestsBefore;
  await client.close();
  const cpuMs = (used.user + used.system) / 1000;
  return {
    seconds,
    cpuMs: Math.round(cpuMs),
    cpuPercent: Number(((cpuMs / wall) * 100).toFixed(2)),
    // Live long-polls answered while idle (5 shapes, one each per live timeout).
    requests,
    rowsHeld: Number(held!.n),
  };
}

/** BENCH_SYNC_PARTS=replay,initial,idle (default all): run only some parts, e.g. while profiling. */
const parts = new Set((process.env.BENCH_SYNC_PARTS ?? 'replay,initial,idle').split(','));

export async function run(): Promise<object> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const s = await startChildServer(port);
  try {
    const waiter = await login(s.url, demo.users.waiterCentro);
    const out: Record<string, unknown> = {};
    if (parts.has('replay')) out.replay1000 = await replays(s, waiter);
    // Before the 10,000-round phase: its garbage would be collected during the idle minute.
    if (parts.has('idle'))
      out.idleClient = await idleCpu(s, waiter, Number(process.env.BENCH_IDLE_SECONDS ?? 60));
    if (parts.has('initial')) {
      await seedRounds(s);
      const serverSnapshotMs = await rawSnapshotMs(s, waiter);
      const pg = await initialSync(s, waiter, new PgliteStore());
      await pg.client.close();
      const dx = await initialSync(s, waiter, new DexieStore({ name: `bench-${Date.now()}` }));
      await dx.client.close();
      out.initialSync10kRounds = {
        serverSnapshotMs,
        pglite: pg.figures,
        dexie: { ...dx.figures, note: 'Dexie over fake-indexeddb in Node' },
      };
    }
    return {
      ...out,
      server: 'separate process, PostgreSQL',
      load: os.loadavg().map((l) => Number(l.toFixed(1))),
    };
  } finally {
    await s.close();
  }
}
