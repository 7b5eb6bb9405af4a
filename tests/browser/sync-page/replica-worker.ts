/** The shared PGlite worker of the test page (multi-tab mode). */
import { runReplicaWorker } from '@comanda/sync/worker';

runReplicaWorker();
