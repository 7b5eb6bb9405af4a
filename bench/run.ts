/**
 * `npm run bench [suite ...]`: runs the benchmark suites and merges their figures into
 * bench/results.json (a suite's previous figures are replaced, others are kept).
 * Each suite is a module in bench/suites/ exporting `run(): Promise<object>`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** Suite name -> module. Add a line here when an area adds its benchmarks. */
const SUITES: Record<string, () => Promise<{ run: () => Promise<object> }>> = {
  'write-path': () => import('./suites/write-path.ts'),
  chat: () => import('./suites/chat.ts'),
  'sync-client': () => import('./suites/sync-client.ts'),
  shapes: () => import('./suites/shapes.ts'),
  kitchen: () => import('./suites/kitchen.ts'),
};

const out = fileURLToPath(new URL('./results.json', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(SUITES);
const results: Record<string, unknown> = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
results.machine = {
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
};
for (const name of names) {
  const load = SUITES[name];
  if (!load) throw new Error(`unknown bench suite ${name}; known: ${Object.keys(SUITES).join(', ')}`);
  console.log(`\n== ${name}`);
  const started = Date.now();
  const figures = await (await load()).run();
  results[name] = {
    ...figures,
    measuredAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  console.log(JSON.stringify(figures, null, 2));
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
}
console.log(`\nWrote ${out}`);
process.exit(0);
