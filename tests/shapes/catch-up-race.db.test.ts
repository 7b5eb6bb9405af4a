/**
 * A catch-up read from the database while new commits arrive: the answer's up-to-date must not
 * promise positions the answer did not cover. @electric-sql/pglite-sync drops every later change
 * at or below the last `global_last_seen_lsn` it saw, so an up-to-date that runs ahead of the
 * answer's offset loses the commits in between for good. The race is made to happen on purpose:
 * the server's database read of the catch-up is held until another write has committed and the
 * server's change feed has read it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { electricSync } from '@electric-sql/pglite-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/types.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const LOCAL_TABLE = `CREATE TABLE IF NOT EXISTS dining_table (id uuid PRIMARY KEY, tenant_id uuid, branch_id uuid,
  sector_id uuid, code text, seats int4, status text, updated_at timestamptz)`;

/** The shape server's catch-up read of older log positions (ChangeFeed.fromDb). */
const isCatchUpRead = (sql: string) => /AS trimmed_upto FROM change_log\s/.test(sql);

describe('catch-up from the database while writes commit', () => {
  let s: TestServer;
  let token: string;
  const dir = mkdtempSync(join(tmpdir(), 'comanda-race-'));
  const [t1, t2] = demo.tables(demo.centro.id);
  beforeAll(async () => {
    s = await startTestServer({ config: { shapeLiveTimeoutMs: 1_000 } });
    token = (await s.login(demo.users.managerCentro)).accessToken;
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function openReplica() {
    const pg = await PGlite.create({ dataDir: dir, extensions: { electric: electricSync() } });
    await pg.exec(LOCAL_TABLE);
    let initial!: () => void;
    const synced = new Promise<void>((r) => (initial = r));
    const sync = await pg.electric.syncShapesToTables({
      key: 'race',
      shapes: {
        tables: {
          shape: { url: `${s.url}/api/shapes/tables`, headers: { authorization: `Bearer ${token}` } },
          table: 'dining_table',
          primaryKey: ['id'],
        },
      },
      onInitialSync: () => initial(),
    });
    return { pg, sync, synced };
  }

  const seatsHere = async (pg: PGlite, id: string) =>
    (await pg.query<{ seats: number }>('SELECT seats FROM dining_table WHERE id = $1', [id])).rows[0]?.seats;
  const seatsThere = async (id: string) =>
    (await s.db.query<{ seats: number }>('SELECT seats FROM dining_table WHERE id = $1', [id]))[0]!.seats;
  /** The position the server's change feed has read up to (the offset of an `offset=now` answer). */
  const feedHead = async () => {
    const res = await s.fetch(`/api/shapes/tables?offset=now&branch=${demo.centro.id}`, { token });
    return Number(res.headers.get('electric-offset')!.split('_')[0]);
  };

  it('delivers a commit made during the read, after an up-to-date that does not run ahead', async () => {
    const first = await openReplica();
    await first.synced;
    first.sync.unsubscribe();
    await first.pg.close();

    // While the replica is away: one change; then the server restarts, so its memory window starts
    // after that change and the replica's catch-up has to come from the database.
    await s.db.query('UPDATE dining_table SET seats = seats + 1 WHERE id = $1', [t1!.id]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let caught!: () => void;
    const catchUpStarted = new Promise<void>((r) => (caught = r));
    let holdOnce = true;
    const holding = (db: Db): Db => ({
      kind: db.kind,
      async query(sql, params) {
        if (holdOnce && isCatchUpRead(sql)) {
          holdOnce = false;
          caught();
          await held;
        }
        return db.query(sql, params);
      },
      exec: (sql) => db.exec(sql),
      transaction: (fn, opts) => db.transaction(fn, opts),
      sequence: () => db.sequence(),
      listen: (channel, fn) => db.listen(channel, fn),
      close: () => db.close(),
    });
    await s.restart({ wrapDb: holding });

    const second = await openReplica();
    await catchUpStarted;
    // A second change commits, and the server's feed reads it, while the catch-up read is held.
    const before = await feedHead();
    await s.db.query('UPDATE dining_table SET seats = seats + 1 WHERE id = $1', [t2!.id]);
    await expect.poll(feedHead).toBeGreaterThan(before);
    release();

    const expected = { t1: await seatsThere(t1!.id), t2: await seatsThere(t2!.id) };
    await expect.poll(() => seatsHere(second.pg, t1!.id), { timeout: 10_000 }).toBe(expected.t1);
    // The commit made during the read arrives too (it was lost when the up-to-date ran ahead).
    await expect.poll(() => seatsHere(second.pg, t2!.id), { timeout: 10_000 }).toBe(expected.t2);
    second.sync.unsubscribe();
    await second.pg.close();
  });
});
