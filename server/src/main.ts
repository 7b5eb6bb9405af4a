/** `npm start`: the server in the mode the environment selects, printing where everything is. */
import { ConfigError, configFromEnv } from './config.ts';
import { startServer } from './server.ts';
import { STATIC_APPS } from './http/static-apps.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const config = (() => {
  try {
    return configFromEnv();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`Comanda can't start: ${e.message}`);
    process.exit(1);
  }
})();
const server = await startServer(config);
const base = server.ctx.publicUrl();
const LABELS: Record<string, string> = {
  kitchen: 'Cocina (kitchen display)',
  waiter: 'Mozo (waiter)',
  menu: 'Menú (diners; open it through a table QR: /menu/t/<tableToken>)',
  admin: 'Admin',
};
// Only the apps that are built: a restaurant owner trying it should not be sent to a 404.
const apps = Object.entries(STATIC_APPS).filter(([, dir]) => existsSync(join(config.appsDir, dir, 'dist', 'index.html')));
console.log(
  [
    `Comanda is running (${server.ctx.db.kind}${config.dataDir ? `, data in ${config.dataDir}` : ''}).`,
    ...apps.map(([path]) => `  ${base}/${path}  ${LABELS[path] ?? path}`),
    `  ${base}/api/health  API`,
    'Demo users (password demo1234): cocina.centro@demo.test (kitchen), mozo.centro@demo.test (waiter),',
    '  gerente.centro@demo.test (manager), admin@demo.test (admin). See README.md.',
  ].join('\n'),
);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    void server.close().then(() => process.exit(0));
  });
