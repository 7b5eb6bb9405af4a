/** Embedded mode: PGlite (PostgreSQL in WASM) in the server process, persisted in a directory. */
import { PGlite, types } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db, Queryable, Row } from './types.ts';

// Same parsing as the postgres driver setup: money is bigint cents, exact well below 2^53.
const parsers = { [types.INT8]: (v: string) => Number(v) };

const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
  async query<T = Row>(sql: string, params: readonly unknown[] = []) {
    const res = await q.query<T>(sql, params as unknown[], { parsers });
    return res.rows;
  },
  async exec(sql: string) {
    await q.exec(sql);
  },
});

/** Opens PGlite at `dataDir` (a directory path, or undefined for memory). */
export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = await PGlite.create({ dataDir, extensions: { vector } });
  const base = wrap(pg);
  // PGlite commits when fn resolves (in process, no round trip to save): commit() only waits for `after`.
  const transaction: Db['transaction'] = (fn) =>
    pg.transaction((tx) =>
      fn({
        ...wrap(tx),
        commit: async (after) => {
          await after;
        },
      }),
    );
  return {
    kind: 'pglite',
    ...base,
    // PGlite runs one transaction at a time, so commit order is capture order: no lock needed.
    transaction,
    sequence: () => ({ ...base, transaction, release: () => {} }),
    async listen(channel, onNotify) {
      const stop = await pg.listen(channel, onNotify);
      return async () => stop();
    },
    close: () => pg.close(),
  };
}
