/**
 * Shape figures (issue 3), embedded (PGlite) and postgres. The server runs in its own process (as
 * in production), the clients and the writer in this one:
 * - write-to-visible: a mutation (serviceCall.create) is sent, and the time from its commit (and
 *   from sending it) until each of 1, 50 or 200 live ShapeStreams following `service_calls` has the
 *   new row (the clients spread over 4 worker threads, as over devices; the clock is shared by the
 *   threads). The commit is placed by the server's Server-Timing: sent + the server's time to commit;
 * - the same with mixed clients: 10 ShapeStreams, whose times are the figure, and the rest
 *   protocol-level clients (shape-clients.worker.mjs: the protocol's long-poll loop over raw
 *   keep-alive connections, a fraction of a ShapeStream's CPU). Real devices bring their own CPU;
 *   here every client shares the server's 2 cores, and 200 ShapeStreams cost about 5 times the
 *   server's own CPU per change, so the all-ShapeStream figure measures mostly the clients;
 * - initial sync of `rounds` for a branch scaled to 10,000 rounds (time and bytes);
 * - server memory per live client (server RSS before and after 2,000 parked long-polls).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ShapeStream } from '@electric-sql/client';
import { migrate } from '../../server/src/db/migrate.ts';
import { openPglite } from '../../server/src/db/pglite.ts';
import type { Db } from '../../server/src/db/types.ts';
import { loadDemo } from '../../server/src/seed.ts';
import { createTestDatabase } from '../../tests/support/db.ts';
import { demo } from '../../tests/support/demo.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

interface Box {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function spawnServer(env: Record<string, string>, port: number): Promise<Box> {
  // BENCH_CPU_PROF_DIR: a V8 CPU profile of the server process, written when it stops.
  const prof = process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
      LOGIN_RATE_LIMIT: '10000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${url}/api/health`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function seedRounds(db: Db, rounds: number) {
  const tableId = demo.tables(demo.centro.id)[1]!.id;
  for (let k = 0; k < rounds / 100; k++) {
    const sessionId = randomUUID();
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO table_session (id, tenant_id, branch_id, table_id, status, closed_at) VALUES ($1, $2, $3, $4, 'CLOSED', now())`,
        [sessionId, demo.tenant.id, demo.centro.id, tableId],
      );
      await tx.query(
        `INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status)
         SELECT gen_random_uuid(), $1, $2, $3, $4, n, 'SERVED' FROM generate_series(1, 100) n`,
        [demo.tenant.id, demo.centro.id, sessionId, tableId],
      );
    });
  }
}

/** CPU time (user + system) a process has used so far, in ms (clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

const rssKiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function liveClients(url: string): Promise<number> {
  const h = (await (await fetch(`${url}/api/health`)).json()) as { shapeFeed?: { liveClients: number } };
  return h.shapeFeed?.liveClients ?? 0;
}

async function waitLive(url: string, n: number, ms = 30_000) {
  const until = Date.now() + ms;
  while ((await liveClients(url)) < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

/** Runs one mutation; resolves with how long the server took to commit it (its Server-Timing), in ms. */
async function api(url: string, token: string, name: string, args: unknown): Promise<number> {
  const res = await fetch(`${url}/api/mutations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ mutations: [{ id: randomUUID(), name, args }] }),
  });
  const r = ((await res.json()) as { results: { status: string }[] }).results[0];
  if (r?.status !== 'applied') throw new Error(`${name}: ${JSON.stringify(r)}`);
  const dur = Number(/commit;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]);
  if (!(dur >= 0)) throw new Error(`${name}: no commit time in Server-Timing`);
  return dur;
}

/** ShapeStreams among the live clients of the mixed measurement. */
const MIXED_STREAMS = 10;

/** Unmeasured writes before each level's measured ones. */
const WARMUP_WRITES = 3;

/** Live clients spread over worker threads, as they would be spread over devices. */
const WORKERS = 4;

async function latency(
  box: Box,
  token: string,
  sessionId: string,
  clients: number,
  writes: number,
  /** How many of the clients are ShapeStreams (the rest are protocol-level clients). */
  streams = clients,
) {
  const now = () => performance.timeOrigin + performance.now();
  // Times from the commit (the definition) and from sending the write (the write included).
  const samples: number[] = [];
  const streamSamples: number[] = [];
  const sentSamples: number[] = [];
  const streamSentSamples: number[] = [];
  /** Per worker, how many of its slots (the first ones) are ShapeStreams. */
  const streamSlots: number[] = [];
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  // The row id being watched, and per worker the time each of its clients first held it (0: not yet).
  const watched = new SharedArrayBuffer(64);
  const watchedId = new Uint8Array(watched);
  const times: Float64Array[] = [];
  // Worker threads as devices: [clients, of which ShapeStreams]. Mixed, the ShapeStreams get a
  // thread of their own, so their times are not those of a thread busy with 50 other clients.
  const spread = (n: number, threads: number) =>
    Array.from(
      { length: Math.min(threads, n) },
      (_, w) => Math.floor(n / threads) + (w < n % threads ? 1 : 0),
    );
  const plan: [number, number][] =
    streams === clients
      ? spread(clients, WORKERS).map((n) => [n, n])
      : [[streams, streams], ...spread(clients - streams, WORKERS).map((n): [number, number] => [n, 0])];
  for (const [count, streamsHere] of plan) {
    if (!count) continue;
    streamSlots.push(streamsHere);
    const slots = new SharedArrayBuffer(8 * count);
    times.push(new Float64Array(slots));
    const worker = new Worker(new URL('./shape-clients.worker.mjs', import.meta.url), {
      workerData: {
        url: `${box.url}/api/shapes/service_calls`,
        token,
        count,
        times: slots,
        watched,
        leanFetch: process.env.BENCH_SHAPES_FETCH !== 'builtin',
        streams: streamsHere,
      },
    });
    workers.push(worker);
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.on('message', (m: { ready?: boolean }) => m.ready && resolve());
      }),
    );
  }
  await Promise.all(ready);
  await waitLive(box.url, clients);
  // CPU of the server process and of this one (the clients' threads included) over the measured
  // writes. The first few writes are not measured: they warm up the server's JIT on this path.
  let serverCpu0 = 0;
  let benchCpu0 = process.cpuUsage();
  for (let w = -WARMUP_WRITES; w < writes; w++) {
    if (w === 0) {
      serverCpu0 = cpuMs(box.pid);
      benchCpu0 = process.cpuUsage();
    }
    const id = randomUUID();
    for (const t of times) t.fill(0);
    watchedId.fill(0);
    watchedId.set(new TextEncoder().encode(id));
    const t0 = now();
    const writing = api(box.url, token, 'serviceCall.create', {
      serviceCallId: id,
      sessionId,
      kind: 'WAITER',
    });
    const until = Date.now() + 5_000;
    while (Date.now() < until && times.some((t) => t.some((x) => x === 0)))
      await new Promise((r) => setTimeout(r, 2));
    // Committed at most this long after it was sent: the server's time from taking the request to
    // the commit (the request's way there is not in it, so this errs on the late side of the commit).
    const committed = t0 + (await writing);
    if (w >= 0)
      times.forEach((t, k) =>
        t.forEach((x, i) => {
          if (x <= 0) return;
          samples.push(x - committed);
          sentSamples.push(x - t0);
          if (i < streamSlots[k]!) {
            streamSamples.push(x - committed);
            streamSentSamples.push(x - t0);
          }
        }),
      );
    await waitLive(box.url, clients, 5_000);
  }
  const serverCpu = cpuMs(box.pid) - serverCpu0;
  const bench = process.cpuUsage(benchCpu0);
  const benchCpu = (bench.user + bench.system) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  await new Promise((r) => setTimeout(r, 500));
  const per = (ms: number) => Math.round((ms / Math.max(1, samples.length)) * 1000) / 1000;
  return {
    clients,
    shapeStreams: streams,
    writes,
    deliveries: samples.length,
    // Commit -> held by a ShapeStream; with protocol-level clients besides, over every client too.
    p50ms: pct(streamSamples, 50),
    p99ms: pct(streamSamples, 99),
    ...(streams < clients ? { everyClient: { p50ms: pct(samples, 50), p99ms: pct(samples, 99) } } : {}),
    // The same from sending the write, the write's own time included.
    fromSend: {
      p50ms: pct(streamSentSamples, 50),
      p99ms: pct(streamSentSamples, 99),
      ...(streams < clients
        ? { everyClient: { p50ms: pct(sentSamples, 50), p99ms: pct(sentSamples, 99) } }
        : {}),
    },
    cpuMsPerDelivery: { server: per(serverCpu), clients: per(benchCpu) },
  };
}

async function memoryPerClient(box: Box, token: string, clients: number) {
  // Plain long-polls (not ShapeStreams: the bench process would be the bottleneck), many of them, so
  // the growth stands well above the RSS noise of one process; the server's RSS is read after it settles.
  const headers = { authorization: `Bearer ${token}` };
  const first = await fetch(`${box.url}/api/shapes/sectors?offset=-1`, { headers });
  await first.text();
  const q = `handle=${first.headers.get('electric-handle')}&offset=${first.headers.get('electric-offset')}`;
  const settledRss = async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    const samples = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssKiB(box.pid));
      await new Promise((r) => setTimeout(r, 200));
    }
    return samples.sort((a, b) => a - b)[2]!;
  };
  const before = await settledRss();
  const controller = new AbortController();
  for (let i = 0; i < clients; i++)
    void fetch(`${box.url}/api/shapes/sectors?${q}&live=true&cursor=${i}`, {
      headers,
      signal: controller.signal,
    })
      .then((r) => r.text())
      .catch(() => undefined);
  await waitLive(box.url, clients, 60_000);
  const parked = await liveClients(box.url);
  const after = await settledRss();
  controller.abort();
  return { clients: parked, serverRssKiBPerClient: Math.round(((after - before) / parked) * 10) / 10 };
}

async function initialSync(box: Box, token: string) {
  const t0 = performance.now();
  const res = await fetch(`${box.url}/api/shapes/rounds?offset=-1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.text();
  const httpMs = performance.now() - t0;
  const t1 = performance.now();
  const controller = new AbortController();
  const stream = new ShapeStream({
    url: `${box.url}/api/shapes/rounds`,
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  let rows = 0;
  await new Promise<void>((resolve) => {
    stream.subscribe((msgs) => {
      for (const m of msgs) if ('key' in m) rows++;
      if (msgs.some((m) => !('key' in m) && m.headers.control === 'up-to-date')) resolve();
    });
  });
  const clientMs = performance.now() - t1;
  controller.abort();
  return {
    rounds: rows,
    bytes: body.length,
    httpMs: Math.round(httpMs),
    shapeStreamMs: Math.round(clientMs),
  };
}

async function measure(box: Box) {
  const login = await fetch(`${box.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: demo.users.waiterCentro, password: 'demo1234' }),
  });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  const sessionId = randomUUID();
  await api(box.url, token, 'session.open', { sessionId, tableId: demo.tables(demo.centro.id)[0]!.id });
  // BENCH_SHAPES_PARTS=memory,latency,initial picks parts; BENCH_SHAPES_CLIENTS=1,50,200 the levels.
  const parts = (process.env.BENCH_SHAPES_PARTS ?? 'memory,latency,mixed,initial').split(',');
  const levels = (process.env.BENCH_SHAPES_CLIENTS ?? '1,50,200').split(',').map(Number);
  // Memory first, on a server that has done little yet: garbage from the other phases being returned
  // to the OS would otherwise hide the growth (it made the figure negative).
  const memory = parts.includes('memory') ? await memoryPerClient(box, token, 2_000) : undefined;
  const writeToVisible = [];
  if (parts.includes('latency'))
    for (const n of levels) writeToVisible.push(await latency(box, token, sessionId, n, n === 1 ? 50 : 20));
  // The same number of live clients, of which at most MIXED_STREAMS are ShapeStreams and the rest
  // protocol-level clients (see shape-clients.worker.mjs).
  const writeToVisibleMixed = [];
  if (parts.includes('mixed'))
    for (const n of levels)
      writeToVisibleMixed.push(
        await latency(box, token, sessionId, n, n === 1 ? 50 : 20, Math.min(n, MIXED_STREAMS)),
      );
  const initial = parts.includes('initial') ? await initialSync(box, token) : undefined;
  return { writeToVisible, writeToVisibleMixed, memory, initialSync: initial };
}

export async function run(): Promise<object> {
  const out: Record<string, unknown> = {};
  const modes = (process.env.SHAPES_BENCH_MODES ?? 'embedded,postgres').split(',');
  if (modes.includes('embedded')) {
    const dir = mkdtempSync(join(tmpdir(), 'comanda-bench-'));
    const db = await openPglite(dir);
    await migrate(db);
    await loadDemo(db);
    await seedRounds(db, 10_000);
    await db.close();
    const box = await spawnServer({ DATA_DIR: dir }, 3391);
    try {
      out.embedded = await measure(box);
      console.log('embedded', JSON.stringify(out.embedded));
    } finally {
      await box.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (modes.includes('postgres')) {
    const database = await createTestDatabase('postgres');
    const db = await database.open();
    await migrate(db);
    await loadDemo(db);
    await seedRounds(db, 10_000);
    await db.close();
    const box = await spawnServer({ DATABASE_URL: database.url! }, 3392);
    try {
      out.postgres = await measure(box);
      console.log('postgres', JSON.stringify(out.postgres));
    } finally {
      await box.stop();
      await database.drop();
    }
  }
  return {
    ...out,
    setup: 'server in its own process; clients and writer in the bench process; 2 shared cores',
    target: 'p50 < 25 ms, p99 < 100 ms at 200 clients',
  };
}
