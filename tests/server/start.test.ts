/**
 * The start path of the README, as a person runs it: `npm start` is scripts/start.mjs, which builds the
 * apps that need it and then runs server/src/main.ts. Building the apps takes minutes, so main.ts runs
 * here as a child process (fresh DATA_DIR, PORT=0, LOAD_DEMO=1, stand-in app builds), and start.mjs is
 * checked by reading it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STATIC_APPS } from '../../server/src/http/static-apps.ts';
import { demo } from '../support/demo.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Runs main.ts until it has printed its "where things are" block (the API line is its last URL). */
function startMain(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server/src/main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`main.ts printed no API line in 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      if (/\/api\/health\s+API/.test(out) && out.includes('demo1234')) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`main.ts exited (${code}) before it was ready:\n${out}`));
    });
  });
}

describe('npm start', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'comanda-start-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is start.mjs: the apps that need a build, then server/src/main.ts', () => {
    expect(JSON.parse(read('package.json')).scripts.start).toBe('node scripts/start.mjs');
    const start = read('scripts/start.mjs');
    expect(start).toMatch(/buildApps\(\)/);
    expect(start).toMatch(/'--import', 'tsx', join\(root, 'server\/src\/main\.ts'\)/);
    // The build runs first, and a failed one stops the start.
    expect(start.indexOf('buildApps()')).toBeLessThan(start.indexOf('server/src/main.ts'));
    expect(start).toMatch(/process\.exit\(1\)/);
  });

  it(
    'starts embedded, prints where the apps and the API are, and answers health on that address',
    { timeout: 120_000 },
    async () => {
      const dataDir = join(tmp, 'data');
      const appsDir = join(tmp, 'apps');
      for (const folder of Object.values(STATIC_APPS)) {
        mkdirSync(join(appsDir, folder, 'dist'), { recursive: true });
        writeFileSync(join(appsDir, folder, 'dist', 'index.html'), `<!doctype html><title>${folder}</title>`);
      }
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: '0',
        DATA_DIR: dataDir,
        LOAD_DEMO: '1',
        APPS_DIR: appsDir,
      };
      // What a fresh machine has: no database, Electric, key or model configured.
      for (const k of [
        'DATABASE_URL',
        'ELECTRIC_URL',
        'JWT_SECRET',
        'EMBED_MODEL_DIR',
        'LLM_URL',
        'HOST',
        'NODE_ENV',
      ])
        delete env[k];
      const started = await startMain(env);
      child = started.child;
      const out = started.out();
      expect(out).toContain(`Comanda is running (pglite, data in ${dataDir}).`);
      const api = out.match(/(http:\/\/localhost:(\d+))\/api\/health\s+API/);
      expect(api, out).not.toBeNull();
      const [, base, port] = api!;
      expect(Number(port)).toBeGreaterThan(0);
      for (const [path, folder] of Object.entries(STATIC_APPS)) {
        expect(out, path).toMatch(new RegExp(`${base}/${path}\\s+\\S`));
        const page = await fetch(`${base}/${path}/`);
        expect(page.status, path).toBe(200);
        expect(await page.text(), path).toContain(`<title>${folder}</title>`);
      }
      const version = (JSON.parse(read('server/package.json')) as { version: string }).version;
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, db: 'pglite', shapes: 'builtin', version });
      // The demo restaurant is loaded, with the users the start message names.
      for (const email of out.match(/[a-z0-9.]+@demo\.test/g) ?? [])
        expect(Object.values(demo.users)).toContain(email);
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: demo.users.waiterCentro, password: 'demo1234' }),
      });
      expect(login.status).toBe(200);

      const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    },
  );
});
