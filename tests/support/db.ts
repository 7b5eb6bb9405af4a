/** Test databases: in-memory PGlite, or a fresh PostgreSQL database per server, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openPglite } from '../../server/src/db/pglite.ts';
import { openPostgres } from '../../server/src/db/postgres.ts';
import type { Db } from '../../server/src/db/types.ts';

export type DbKind = 'pglite' | 'postgres';

/** The database this test run targets (set per vitest project). */
export const TEST_DB: DbKind = process.env.COMANDA_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/** Admin connection used to create and drop per-test databases. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: DbKind;
  /** postgres://... of the fresh database (postgres only). */
  url?: string;
  open(): Promise<Db>;
  drop(): Promise<void>;
}

/** Makes a fresh, empty database of `kind`. */
export async function createTestDatabase(kind: DbKind = TEST_DB): Promise<TestDatabase> {
  if (kind === 'pglite') return { kind, open: () => openPglite(), drop: async () => {} };
  const name = `comanda_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    open: () => openPostgres(url.toString()),
    async drop() {
      const a = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
