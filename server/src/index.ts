/** @comanda/server as a library: start a server (tests, benchmarks, an embedding host) the way main.ts does. */
export { createApp, type Feature } from './app.ts';
export { type Config, ConfigError, configFromEnv, testConfig } from './config.ts';
export type { AppContext } from './context.ts';
export { type Db, migrate, openDb } from './db/index.ts';
export { VERSION } from './http/health.ts';
export { loadDemo } from './seed.ts';
export { type RunningServer, startServer } from './server.ts';
