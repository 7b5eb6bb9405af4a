/** What every route and mutator reaches: configuration, database, token signer, and services. */
import type { Principal } from './auth/principal.ts';
import type { Tokens } from './auth/tokens.ts';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';

export interface AppContext {
  config: Config;
  db: Db;
  tokens: Tokens;
  /** Base URL used in QR codes and printed at start. */
  publicUrl: () => string;
  /** Tasks to run when the server stops (listeners, timers, workers). */
  onClose: (fn: () => Promise<void> | void) => void;
}

export interface AppEnv {
  Variables: { ctx: AppContext; principal: Principal };
}
