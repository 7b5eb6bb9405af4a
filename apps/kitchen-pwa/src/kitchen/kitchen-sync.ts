/**
 * The kitchen's sync client: one per branch, on a PGlite replica in IndexedDB, following the four
 * kitchen shapes (kitchen rounds, their items, events, tables): at most 5 live requests per origin.
 */
import {
  createSyncClient,
  PgliteStore,
  REPLICA_FLUSH_DELAY_MS,
  ReplicaDb,
  StaffAuth,
  type SyncClient,
} from '@comanda/sync';
import { loadSession, saveSession } from '../session.ts';

/** The kitchen's shapes (server definitions in @comanda/schema shapes.ts) and the table each fills on the device. */
const KITCHEN_SHAPES: Record<string, string> = {
  kitchen_rounds: 'round',
  kitchen_items: 'round_item',
  events: 'event',
  tables: 'dining_table',
};

export type KitchenClient = SyncClient<PgliteStore>;

/**
 * fetch that holds a request while the device has no network at all and sends it the moment the
 * browser reports the network back. Without it the shape streams' backoff (up to 32 s between tries)
 * would leave the queue incomplete long after the wifi returned. A server that is down while the
 * network is up still gets the normal backoff.
 */
function fetchWhenOnline(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  if (navigator.onLine) return fetch(input, init);
  return new Promise((resolve, reject) => {
    const signal = init?.signal;
    const cleanup = () => {
      removeEventListener('online', go);
      signal?.removeEventListener('abort', abort);
    };
    const go = () => {
      cleanup();
      fetch(input, init).then(resolve, reject);
    };
    const abort = () => {
      cleanup();
      reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
    };
    addEventListener('online', go);
    signal?.addEventListener('abort', abort);
  });
}

/** The IndexedDB name part of a branch's replica (PGlite prefixes its own path). */
const replicaName = (branchId: string) => `comanda-kitchen-${branchId}`;

/** The branch's replica database, in IndexedDB, run by a worker. */
function openReplica(branchId: string): { db: ReplicaDb; worker: Worker } {
  const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), {
    type: 'module',
    name: 'comanda-replica',
  });
  // ReplicaDb: flushed to IndexedDB after a burst of writes and at once for an outbox entry, never
  // for a read (see @comanda/sync replica-db.ts): a new ticket is read before the flushes run.
  const db = new ReplicaDb(worker, {
    deferFlushMs: REPLICA_FLUSH_DELAY_MS,
    dataDir: `idb://${replicaName(branchId)}`,
    id: replicaName(branchId),
  });
  return { db, worker };
}

const clients = new Map<string, { auth: StaffAuth; client: Promise<KitchenClient>; worker: Worker }>();

/** Called when the server says the session is over (the refresh token is dead). */
let onSignedOut: () => void = () => undefined;
export const setSignedOutHandler = (fn: () => void) => {
  onSignedOut = fn;
};

/** The client of `branchId`, created once per page (React's dev double-mount must not open two databases). */
export function kitchenClient(branchId: string): Promise<KitchenClient> {
  const session = loadSession();
  const pair = session ? { accessToken: session.accessToken, refreshToken: session.refreshToken } : undefined;
  const existing = clients.get(branchId);
  if (existing) {
    // Signed in again after the session ended: the same outbox resumes with the new tokens.
    if (pair && existing.auth.token() !== pair.accessToken) existing.auth.setTokens(pair);
    return existing.client;
  }
  const auth = new StaffAuth({
    baseUrl: location.origin,
    fetch: fetchWhenOnline,
    tokens: pair,
    onTokens: (next) => {
      const current = loadSession();
      if (!next) return onSignedOut();
      if (current) saveSession({ ...current, ...next });
    },
  });
  const { db, worker } = openReplica(branchId);
  const client = createSyncClient({
    baseUrl: location.origin,
    auth,
    fetch: fetchWhenOnline,
    store: new PgliteStore({ pg: db }),
    shapes: Object.entries(KITCHEN_SHAPES).map(([name, table]) => ({ name, table })),
    // A person with several branches reads the one chosen here (one replica database per branch).
    shapeParams: { branch: branchId },
    lockName: `comanda-kitchen:${branchId}`,
  });
  clients.set(branchId, { auth, client, worker });
  client.catch(() => clients.delete(branchId));
  return client;
}

/**
 * After a sign-out (the client has wiped and closed its store): stops the replica's worker and
 * deletes its IndexedDB database, so nothing of this kitchen stays on the device and the next
 * sign-in starts from an empty replica.
 */
export async function destroyKitchenReplica(branchId: string): Promise<void> {
  const entry = clients.get(branchId);
  clients.delete(branchId);
  // The worker holds the database open: deleting it would wait ("blocked") until the worker goes.
  entry?.worker.terminate();
  const names = (await indexedDB.databases?.()) ?? [];
  await Promise.all(
    names
      .map((d) => d.name)
      .filter((n): n is string => Boolean(n?.endsWith(replicaName(branchId))))
      .map(
        (n) =>
          new Promise<void>((resolve) => {
            const req = indexedDB.deleteDatabase(n);
            req.onsuccess = req.onerror = req.onblocked = () => resolve();
          }),
      ),
  );
}
