/** @comanda/sync: local replicas, a durable outbox and optimistic state for the Comanda apps. */
export { type StaffAuthOptions, StaffAuth, type SyncAuth, staticAuth, type TokenPair } from './auth.ts';
export { Backoff, type BackoffOptions } from './backoff.ts';
export {
  createSyncClient,
  type MutateResult,
  SyncClient,
  type SyncClientOptions,
  type SyncStatus,
} from './client.ts';
export { type Actor, effectsOf } from './overlay/effects.ts';
export { Sender, type SendResult } from './sender.ts';
export { SHAPE_TABLES, type ShapeRef } from './shape-tables.ts';
export { Signal } from './signal.ts';
export { DexieStore, type DexieStoreOptions, dexieStore, type ReplicaRow } from './stores/dexie-store.ts';
export {
  PgliteStore,
  type PgliteStoreOptions,
  pgliteStore,
  REPLICA_FLUSH_DELAY_MS,
} from './stores/pglite-store.ts';
export { flushNow, ReplicaDb } from './stores/replica-db.ts';
export type * from './types.ts';
