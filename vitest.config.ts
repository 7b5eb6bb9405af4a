import { defineConfig } from 'vitest/config';

// One vitest setup for every workspace, as two projects:
// - `pglite` runs every test (database suites on embedded PGlite);
// - `browser` runs tests/browser/** in real Chromium, one file at a time;
// - `postgres` runs the database suites again on real PostgreSQL: `*.db.test.ts` (both databases)
//   and `*.pg.test.ts` (PostgreSQL only: real concurrency). Each test server gets a fresh database
//   created through TEST_DATABASE_URL (tests/support/db.ts). COMANDA_TEST_PG=0 leaves it out.
const withPostgres = process.env.COMANDA_TEST_PG !== '0';
const roots = ['shared/schema/src', 'server/src', 'sync/src', 'tests'];
const all = roots.map((r) => `${r}/**/*.test.ts`);
const exclude = ['**/node_modules/**', '**/*.pg.test.ts', 'tests/browser/**'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'pglite', include: all, exclude, env: { COMANDA_TEST_DB: 'pglite' } } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // A clean clone has no app builds: make them (only when missing or stale) before any browser test.
          globalSetup: ['tests/browser/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          env: { COMANDA_TEST_DB: 'pglite' },
        },
      },
      ...(withPostgres
        ? [
            {
              extends: true,
              test: {
                name: 'postgres',
                include: roots.flatMap((r) => [`${r}/**/*.db.test.ts`, `${r}/**/*.pg.test.ts`]),
                exclude: ['**/node_modules/**', 'tests/browser/**'],
                env: { COMANDA_TEST_DB: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
