// `npm start`: builds the apps whose build is missing or older than their sources, then runs the server.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApps } from './build-apps.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
try {
  buildApps();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/main.ts')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 0);
