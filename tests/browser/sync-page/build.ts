/** Builds the sync test page with Vite into tests/.tmp/sync-page, with precache.json listing every emitted file. */
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
export const SYNC_PAGE_DIST = fileURLToPath(new URL('../../.tmp/sync-page', import.meta.url));

const precache = (): Plugin => ({
  name: 'comanda-precache-list',
  generateBundle(_options, bundle) {
    this.emitFile({
      type: 'asset',
      fileName: 'precache.json',
      source: JSON.stringify(Object.keys(bundle).filter((f) => f !== 'index.html')),
    });
  },
});

export async function buildSyncPage(): Promise<string> {
  await build({
    root,
    base: '/',
    // PGlite's bundle trips rolldown's direct-eval warning; errors still fail the build.
    logLevel: 'error',
    // NODE_ENV=test under vitest; the page is a production build like the apps.
    mode: 'production',
    plugins: [precache()],
    optimizeDeps: { exclude: ['@electric-sql/pglite'] },
    worker: { format: 'es' },
    build: { outDir: SYNC_PAGE_DIST, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 20_000 },
  });
  return SYNC_PAGE_DIST;
}
