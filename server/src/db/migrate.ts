/** Applies the schema's migrations in order, once each, recording them in schema_migration. */
import { MIGRATIONS, type Migration } from '@comanda/schema';
import type { Db } from './types.ts';

// Any constant shared by every server of one database: concurrent starts migrate one at a time.
const MIGRATION_LOCK = 7_311_001;

/** Returns the ids it applied now (empty when the database was up to date). */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migration (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ id: string }>('SELECT id FROM schema_migration')).map((r) => r.id),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migration (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}
