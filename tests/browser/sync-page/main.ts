/** Test page for @comanda/sync in a real browser: a PGlite replica in IndexedDB, the outbox, the status. */
import { createSyncClient, pgliteStore, staticAuth } from '@comanda/sync';

const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token') ?? '';
// #worker=1: several tabs share one database through PGlite's multi-tab worker.
const shared = params.get('worker') === '1';
// The shell must load without network after the first visit (the reload-while-offline case).
void navigator.serviceWorker.register('/sw.js');

const client = await createSyncClient({
  baseUrl: location.origin,
  auth: staticAuth(token),
  store: shared
    ? pgliteStore({
        worker: new Worker(new URL('./replica-worker.ts', import.meta.url), { type: 'module' }),
        dataDir: 'idb://comanda-sync-page-tabs',
      })
    : pgliteStore({ dataDir: 'idb://comanda-sync-page' }),
  lockName: shared ? 'comanda-sync-page-tabs' : 'comanda-sync-page',
  shapes: ['tables', 'sessions'],
  maxRetryDelayMs: 2_000,
});
client.status.subscribe((s) => {
  document.getElementById('status')!.textContent =
    `${s.connection} · pendientes: ${s.pending} · rechazadas: ${s.rejected}`;
});
(window as unknown as { comanda: typeof client }).comanda = client;
document.body.dataset.ready = '1';
