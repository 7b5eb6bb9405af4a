/** A Comanda server in its own process on a fresh PostgreSQL database, so a client's figures are the client's alone. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../../tests/support/db.ts';

export interface ChildServer {
  url: string;
  sql: postgres.Sql;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function startChildServer(port: number): Promise<ChildServer> {
  const database: TestDatabase = await createTestDatabase('postgres');
  const sql = postgres(database.url!, { max: 2, onnotice: () => {} });
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    // BENCH_CPU_PROF_DIR: a V8 CPU profile of the server process, written when it stops.
    const prof = process.env.BENCH_CPU_PROF_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
      : [];
    child = spawn(process.execPath, [...prof, '--import', 'tsx', 'server/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
        LOGIN_RATE_LIMIT: '10000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${url}/api/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('bench server did not start');
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    sql,
    start,
    stop,
    async close() {
      await stop();
      await sql.end();
      await database.drop();
    },
  };
}
