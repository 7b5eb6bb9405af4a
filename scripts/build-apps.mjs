// Builds the apps whose dist/ is missing or older than their sources (or the sync/ and schema sources
// they bundle). Used by `npm start` and by the browser tests' global setup.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const newest = (dir) => {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name === 'dev-dist') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};

/**
 * Builds every app under apps/ (or only `only`) that needs it. Returns the names built; throws if a build fails.
 * @param {{ only?: string[], log?: (line: string) => void }} [opts]
 */
export function buildApps(opts = {}) {
  const log = opts.log ?? console.log;
  const appsDir = join(root, 'apps');
  const shared = Math.max(newest(join(root, 'sync', 'src')), newest(join(root, 'shared', 'schema', 'src')));
  const built = [];
  for (const app of existsSync(appsDir) ? readdirSync(appsDir) : []) {
    if (opts.only && !opts.only.includes(app)) continue;
    const dir = join(appsDir, app);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const index = join(dir, 'dist', 'index.html');
    if (existsSync(index) && statSync(index).mtimeMs >= Math.max(newest(dir), shared)) continue;
    log(`Building ${app}...`);
    // NODE_ENV=test (set by vitest) would make Vite bundle React's development build.
    const r = spawnSync('npm', ['run', 'build', '--workspace', `apps/${app}`], {
      stdio: 'inherit',
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (r.status !== 0) throw new Error(`building apps/${app} failed (exit ${r.status})`);
    built.push(app);
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  buildApps({ only: process.argv.slice(2).length ? process.argv.slice(2) : undefined });
