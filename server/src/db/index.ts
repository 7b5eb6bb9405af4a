/** Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, PGlite otherwise. */
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Db } from './types.ts';

export type { Db, Queryable, Row, Transaction, TransactionSequence } from './types.ts';
export { migrate } from './migrate.ts';

export async function openDb(opts: { databaseUrl?: string; dataDir?: string }): Promise<Db> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}
