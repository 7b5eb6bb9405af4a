/**
 * The replica's PGlite runs in this worker: its WASM work and IndexedDB flushes never freeze the wall
 * screen. Full durability: the tab (ReplicaDb) has every write flushed to IndexedDB before it resolves,
 * so a "Listo" is on disk before the outbox reports it stored.
 */
import { runReplicaWorker } from '@comanda/sync/worker';

runReplicaWorker();
