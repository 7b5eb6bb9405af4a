/**
 * Write-path figures: `round.submit` with 5 items, throughput and p50/p99 latency at concurrency 1, 8
 * and 32, over real HTTP to a real server process (its own Node process, as `npm start` runs it), on
 * embedded PGlite and on a fresh PostgreSQL database, next to `pgbench -S` on the same PostgreSQL
 * measured in the same run. The ratio round.submit/s : pgbench -S tps is the figure that matters.
 *
 * Env: BENCH_SECONDS (per level, default 8), BENCH_CPU_PROF_DIR (CPU profiles of the server processes), BENCH_PG_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * PGBENCH (path to pgbench), BENCH_WRITE_PGLITE=0 (PostgreSQL only).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openPglite } from '../../server/src/db/pglite.ts';
import type { Queryable } from '../../server/src/db/types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_MS = 1_500;
const LEVELS = [1, 8, 32] as const;
const ITEMS = 5;
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';
/** One open table per worker, so workers don't queue on each other's session lock (waiters rarely share a table). */
const BENCH_TABLES = 40;

interface DemoSeed {
  tenants: { id: string; slug: string }[];
  branches: { id: string; slug: string }[];
  branchProducts: { branchId: string; productId: string; isAvailable: boolean }[];
}
const seed = JSON.parse(readFileSync(join(ROOT, 'shared/schema/demo/seed.json'), 'utf8')) as DemoSeed;
const tenantId = seed.tenants.find((t) => t.slug === 'demo')!.id;
const centroId = seed.branches.find((b) => b.slug === 'centro')!.id;
const products = seed.branchProducts
  .filter((bp) => bp.branchId === centroId && bp.isAvailable)
  .map((bp) => bp.productId);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** CPU seconds (user + system) used so far by the processes whose command line matches. Linux only; 0 elsewhere. */
function cpuSeconds(match: (cmd: string, pid: number) => boolean): number {
  if (!existsSync('/proc')) return 0;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!match(cmd, Number(entry))) continue;
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}

/** Starts `server/src/main.ts` in its own process and waits for /api/health. */
async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  // BENCH_CPU_PROF_DIR: write a V8 CPU profile of each server process there (open it in Chrome DevTools).
  const prof = process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOGIN_RATE_LIMIT: '1000',
      LOG_REQUESTS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Extra tables in Centro for the benchmark's parallel waiters. */
async function addTables(q: Queryable): Promise<string[]> {
  const ids = Array.from({ length: BENCH_TABLES }, () => randomUUID());
  for (const [i, id] of ids.entries())
    await q.query(
      'INSERT INTO dining_table (id, tenant_id, branch_id, code, seats) VALUES ($1, $2, $3, $4, 4)',
      [id, tenantId, centroId, `B-${String(i + 1).padStart(2, '0')}`],
    );
  return ids;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One POST over a kept-alive connection; resolves to the status and body. */
function post(url: string, token: string | null, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One waiter's connection for the measured orders: keep-alive HTTP/1.1 spoken directly on a socket,
 * as load generators such as wrk do (one request at a time; answers carry a content-length, which
 * the server always sends for mutations). node:http's client cost about 0.16-0.2 ms of CPU per
 * order at c=32, on the same 2 cores as the server and PostgreSQL under test; this, a fraction.
 */
function rawConnection(url: string, token: string) {
  const target = new URL(url);
  const socket = net.connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let pending: { resolve(r: { status: number; body: string }): void; reject(e: Error): void } | undefined;
  const fail = (e: Error) => {
    pending?.reject(e);
    pending = undefined;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    if (!pending) return;
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buffered.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    if (length === undefined) return fail(new Error(`answer without content-length: ${head}`));
    if (buffered.length < end + 4 + Number(length)) return;
    const body = buffered.subarray(end + 4, end + 4 + Number(length)).toString('utf8');
    buffered = buffered.subarray(end + 4 + Number(length));
    const done = pending;
    pending = undefined;
    done.resolve({ status: Number(head.slice(9, 12)), body });
  });
  const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n`;
  return {
    post: (body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }),
    close: () => socket.destroy(),
  };
}

async function mutate(url: string, token: string, name: string, args: unknown) {
  const res = await post(
    `${url}/api/mutations`,
    token,
    JSON.stringify({ mutations: [{ id: randomUUID(), name, args }] }),
  );
  const result =
    res.status === 200 ? (JSON.parse(res.body) as { results: { status: string }[] }).results[0] : undefined;
  return { res, result };
}

const roundBody = (sessionId: string) => {
  const items = Array.from({ length: ITEMS }, (_, i) => ({
    id: randomUUID(),
    productId: products[Math.floor(Math.random() * products.length)]!,
    qty: 1 + (i % 3),
  }));
  return JSON.stringify({
    mutations: [
      { id: randomUUID(), name: 'round.submit', args: { roundId: randomUUID(), sessionId, items } },
    ],
  });
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export interface LevelFigures {
  concurrency: number;
  roundsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  rounds: number;
  errors: number;
  /**
   * CPU milliseconds per round: the server process, the PostgreSQL backends of its database, and this
   * process (the load generator, on the same 2 cores).
   */
  cpuMsPerRound?: { server: number; database?: number; loadGenerator: number };
}

/** Where the CPU goes: the server process and, on PostgreSQL, the backends serving its database. */
type CpuMeter = () => { server: number; database?: number };

/** `concurrency` waiters, each at their own table, submitting rounds back to back for SECONDS. */
async function measure(
  url: string,
  token: string,
  sessions: string[],
  concurrency: number,
  cpu: CpuMeter,
): Promise<LevelFigures> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  const warmupEnd = Date.now() + WARMUP_MS;
  const end = warmupEnd + SECONDS * 1000;
  let measuredStart = 0;
  let measuredEnd = 0;
  let cpuStart: ReturnType<CpuMeter> | undefined;
  let ownStart = process.cpuUsage();
  const warm = setTimeout(() => {
    cpuStart = cpu();
    ownStart = process.cpuUsage();
  }, WARMUP_MS);
  const worker = async (w: number) => {
    const sessionId = sessions[w % sessions.length]!;
    const conn = rawConnection(`${url}/api/mutations`, token);
    while (Date.now() < end) {
      const body = roundBody(sessionId);
      const t0 = performance.now();
      const res = await conn.post(body);
      const ms = performance.now() - t0;
      const ok = res.status === 200 && res.body.includes('"status":"applied"');
      const now = Date.now();
      if (now < warmupEnd) continue;
      if (!measuredStart) measuredStart = now - ms;
      measuredEnd = now;
      if (ok) latencies.push(ms);
      else {
        errors++;
        firstError ||= `${res.status} ${res.body.slice(0, 300)}`;
      }
    }
    conn.close();
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  clearTimeout(warm);
  const cpuEnd = cpu();
  const own = process.cpuUsage(ownStart);
  if (firstError) console.warn(`  first error at concurrency ${concurrency}: ${firstError}`);
  latencies.sort((a, b) => a - b);
  const seconds = (measuredEnd - measuredStart) / 1000;
  return {
    concurrency,
    roundsPerSec: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
    rounds: latencies.length,
    errors,
    ...(cpuStart && latencies.length
      ? {
          cpuMsPerRound: {
            server: Number((((cpuEnd.server - cpuStart.server) * 1000) / latencies.length).toFixed(2)),
            ...(cpuEnd.database === undefined
              ? {}
              : {
                  database: Number(
                    (((cpuEnd.database - (cpuStart.database ?? 0)) * 1000) / latencies.length).toFixed(2),
                  ),
                }),
            loadGenerator: Number(((own.user + own.system) / 1000 / latencies.length).toFixed(2)),
          },
        }
      : {}),
  };
}

/** Logs a waiter in and opens one session per bench table. */
async function prepareFloor(url: string, tables: string[]) {
  const login = await post(
    `${url}/api/auth/login`,
    null,
    JSON.stringify({ email: 'mozo.centro@demo.test', password: 'demo1234' }),
  );
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.body}`);
  const token = (JSON.parse(login.body) as { accessToken: string }).accessToken;
  const sessions: string[] = [];
  for (const tableId of tables) {
    const sessionId = randomUUID();
    const { result } = await mutate(url, token, 'session.open', { sessionId, tableId });
    if (result?.status !== 'applied') throw new Error(`session.open: ${JSON.stringify(result)}`);
    sessions.push(sessionId);
  }
  return { token, sessions };
}

async function runLevels(kind: string, url: string, tables: string[], cpu: CpuMeter) {
  const { token, sessions } = await prepareFloor(url, tables);
  const figures: LevelFigures[] = [];
  for (const c of LEVELS) {
    const f = await measure(url, token, sessions, c, cpu);
    console.log(
      `  ${kind} c=${c}: ${f.roundsPerSec} rounds/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (${f.rounds} rounds, ${f.errors} errors), CPU ms/round ${JSON.stringify(f.cpuMsPerRound)}`,
    );
    figures.push(f);
  }
  return figures;
}

async function benchPglite(): Promise<LevelFigures[]> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'comanda-bench-'));
  try {
    // First start creates the schema and the demo; the bench tables go in while no server holds the directory.
    await (await startServerProcess({ DATA_DIR: dataDir })).stop();
    const db = await openPglite(dataDir);
    const tables = await addTables(db);
    await db.close();
    const server = await startServerProcess({ DATA_DIR: dataDir });
    try {
      return await runLevels('pglite', server.url, tables, () => ({
        server: cpuSeconds((_cmd, pid) => pid === server.pid),
      }));
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const withDatabase = async <T>(prefix: string, fn: (url: string, name: string) => Promise<T>): Promise<T> => {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString(), name);
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
};

async function benchPostgres(): Promise<LevelFigures[]> {
  return withDatabase('comanda_bench', async (url, name) => {
    const server = await startServerProcess({ DATABASE_URL: url });
    try {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const tables = await addTables({
        query: async (text, params = []) => (await sql.unsafe(text, params as never[])) as never[],
        exec: async (text) => void (await sql.unsafe(text)),
      });
      await sql.end();
      return await runLevels('postgres', server.url, tables, () => ({
        server: cpuSeconds((_cmd, pid) => pid === server.pid),
        database: cpuSeconds((cmd) => cmd.startsWith('postgres: ') && cmd.includes(` ${name} `)),
      }));
    } finally {
      await server.stop();
    }
  });
}

/** Raw read capacity of the same PostgreSQL: pgbench's built-in select-only script, scale 10, prepared statements. */
async function pgbenchSelectOnly(): Promise<Record<string, number> | { skipped: string }> {
  if (!existsSync(PGBENCH)) return { skipped: `no pgbench at ${PGBENCH}` };
  return withDatabase('comanda_pgbench', async (_url, name) => {
    const u = new URL(ADMIN_URL);
    const conn = [
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username || 'postgres'),
    ];
    execFileSync(PGBENCH, [...conn, '-i', '-q', '-s', '10', name], { stdio: 'ignore' });
    const out: Record<string, number> = {};
    for (const c of LEVELS) {
      const text = execFileSync(
        PGBENCH,
        [
          ...conn,
          '-S',
          '-M',
          'prepared',
          '-n',
          '-c',
          String(c),
          '-j',
          String(Math.min(c, 2)),
          '-T',
          String(SECONDS),
          name,
        ],
        { encoding: 'utf8' },
      );
      const tps = Number(/tps = ([\d.]+)/.exec(text)?.[1] ?? 0);
      console.log(`  pgbench -S c=${c}: ${Math.round(tps)} tps`);
      out[`c${c}`] = Math.round(tps);
    }
    return out;
  });
}

export async function run(): Promise<object> {
  const loadBefore = os.loadavg()[0];
  // BENCH_WRITE_PGLITE=0 leaves PGlite out (a quicker run when only PostgreSQL changed).
  const pglite = process.env.BENCH_WRITE_PGLITE === '0' ? undefined : await benchPglite();
  const pg = await benchPostgres();
  const pgbench = await pgbenchSelectOnly();
  const at = (figs: LevelFigures[], c: number) => figs.find((f) => f.concurrency === c)!;
  const ratio =
    'skipped' in pgbench
      ? undefined
      : Object.fromEntries(
          LEVELS.map((c) => [`c${c}`, Number((at(pg, c).roundsPerSec / (pgbench[`c${c}`] || 1)).toFixed(3))]),
        );
  return {
    roundSubmit: {
      itemsPerRound: ITEMS,
      secondsPerLevel: SECONDS,
      transport: 'HTTP/1.1 keep-alive to a separate server process',
      pglite,
      postgres: pg,
    },
    pgbenchSelectOnly: pgbench,
    ratioPostgresToPgbench: ratio,
    target: {
      roundsPerSecAtC32OnPostgres: 1000,
      measured: at(pg, 32).roundsPerSec,
      met: at(pg, 32).roundsPerSec >= 1000,
    },
    loadAverage1m: { before: Number(loadBefore?.toFixed(1)), after: Number(os.loadavg()[0]?.toFixed(1)) },
  };
}
