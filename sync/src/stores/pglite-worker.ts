/**
 * The body of the shared PGlite worker (multi-tab): every tab starts one, PGlite's leader election
 * keeps a single live database in IndexedDB and the other tabs' queries go through it.
 *
 * Tabs must talk to it through {@link ReplicaDb} (`@comanda/sync`), which asks for the flush to
 * IndexedDB once per write (and never for a read); see `replica-db.ts` for why.
 *
 * @example
 * // replica-worker.ts in the app:
 * import { runReplicaWorker } from '@comanda/sync/worker';
 * runReplicaWorker();
 */
import { PGlite } from '@electric-sql/pglite';
import { worker } from '@electric-sql/pglite/worker';

/**
 * Opens the worker's PGlite with flushes to IndexedDB left to the tab's explicit `syncToFs()` calls.
 * As shipped, the worker flushes after every wire-protocol message it is handed: six times for one
 * query (parse, describe, bind, describe, execute, sync), each a walk of the whole data directory
 * and its IndexedDB copy (Emscripten's IDBFS.syncfs). A kitchen tablet spent seconds per ticket there.
 */
export async function openReplicaPglite(dataDir: string | undefined): Promise<PGlite> {
  const pg = await PGlite.create({ dataDir });
  const raw = pg.execProtocolRaw.bind(pg);
  const rawStream = pg.execProtocolRawStream.bind(pg);
  // execProtocol and execProtocolStream go through execProtocolRaw: this covers every RPC path.
  pg.execProtocolRaw = (message, options) => raw(message, { ...options, syncToFs: false });
  pg.execProtocolRawStream = (message, options) => rawStream(message, { ...options, syncToFs: false });
  return pg;
}

export function runReplicaWorker(): void {
  void worker({ init: (options) => openReplicaPglite(options.dataDir) });
}
