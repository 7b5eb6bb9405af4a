/**
 * @electric-sql/pglite-sync against our endpoint: several shapes synced into a PGlite database
 * (one source transaction applied atomically across tables), then that PGlite restarted from its
 * data directory resumes from the stored offsets: no snapshot again, and the changes made while it
 * was closed arrive once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { electricSync } from '@electric-sql/pglite-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { touchEveryShape } from '../support/touch-shapes.ts';

const LOCAL_TABLES = `
CREATE TABLE IF NOT EXISTS dining_table (id uuid PRIMARY KEY, tenant_id uuid, branch_id uuid, sector_id uuid, code text, seats int4, status text, updated_at timestamptz);
CREATE TABLE IF NOT EXISTS round (id uuid PRIMARY KEY, tenant_id uuid, branch_id uuid, session_id uuid, table_id uuid, number int4, status text,
  submitted_by_user_id uuid, submitted_by_diner_id uuid, cancel_reason text, created_at timestamptz, confirmed_at timestamptz, ready_at timestamptz,
  served_at timestamptz, canceled_at timestamptz, updated_at timestamptz);
CREATE TABLE IF NOT EXISTS event (id uuid PRIMARY KEY, tenant_id uuid, branch_id uuid, type text, entity text, entity_id uuid, session_id uuid,
  table_id uuid, actor_kind text, actor_id uuid, payload jsonb, created_at timestamptz);
CREATE TABLE IF NOT EXISTS menu_item (id uuid PRIMARY KEY, branch_id uuid, product_id uuid, category_id uuid, category_name text, category_sort int4,
  name text, description text, ingredients text[], allergens text[], may_contain text[], dietary text[], spice_level int4, tags text[],
  price_cents int8, is_available bool, updated_at timestamptz);
`;

describe('pglite-sync into a local PGlite', () => {
  let s: TestServer;
  let token: string;
  const dir = mkdtempSync(join(tmpdir(), 'comanda-replica-'));
  const requests: string[] = [];
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
    await pg.exec(LOCAL_TABLES);
    const shape = (name: string) => ({
      url: `${s.url}/api/shapes/${name}`,
      headers: { authorization: `Bearer ${token}` },
      fetchClient: (input: RequestInfo | URL, init?: RequestInit) => {
        requests.push(String(input));
        return fetch(input, init);
      },
    });
    let initial!: () => void;
    const synced = new Promise<void>((r) => {
      initial = r;
    });
    const sync = await pg.electric.syncShapesToTables({
      key: 'floor',
      shapes: {
        tables: { shape: shape('tables'), table: 'dining_table', primaryKey: ['id'] },
        rounds: { shape: shape('rounds'), table: 'round', primaryKey: ['id'] },
        events: { shape: shape('events'), table: 'event', primaryKey: ['id'] },
        menu: { shape: shape('menu'), table: 'menu_item', primaryKey: ['id'] },
      },
      onInitialSync: () => initial(),
    });
    return { pg, sync, synced };
  }

  const serverIds = async (sql: string) =>
    (await s.db.query<{ id: string }>(sql, [demo.centro.id])).map((r) => r.id).sort();
  const localIds = async (pg: PGlite, table: string) =>
    (await pg.query<{ id: string }>(`SELECT id::text FROM ${table} ORDER BY id`)).rows.map((r) => r.id);

  const sameAsServer = async (pg: PGlite) => {
    expect(await localIds(pg, 'round')).toEqual(
      await serverIds('SELECT id::text FROM round WHERE branch_id = $1 ORDER BY id'),
    );
    expect(await localIds(pg, 'event')).toEqual(
      await serverIds('SELECT id::text FROM event WHERE branch_id = $1 ORDER BY id'),
    );
    expect(await localIds(pg, 'dining_table')).toEqual(
      await serverIds('SELECT id::text FROM dining_table WHERE branch_id = $1 ORDER BY id'),
    );
    expect(await localIds(pg, 'menu_item')).toEqual(
      await serverIds('SELECT id::text FROM menu_item WHERE branch_id = $1 AND is_available ORDER BY id'),
    );
  };

  it('syncs four shapes, follows live changes, and resumes after a restart without a new snapshot', async () => {
    const first = await openReplica();
    await first.synced;
    await sameAsServer(first.pg);
    const [menu] = (
      await first.pg.query<{ price_cents: bigint; allergens: string[]; is_available: boolean }>(
        'SELECT price_cents, allergens, is_available FROM menu_item LIMIT 1',
      )
    ).rows;
    expect(menu!.is_available).toBe(true);
    expect(Array.isArray(menu!.allergens)).toBe(true);

    const live = await touchEveryShape(s.db, demo.tenant.id, demo.centro.id);
    await expect
      .poll(
        async () => (await first.pg.query('SELECT 1 FROM round WHERE session_id = $1', [live])).rows.length,
        { timeout: 10_000 },
      )
      .toBe(1);
    await sameAsServer(first.pg);

    first.sync.unsubscribe();
    await first.pg.close();

    // Changes while the replica is closed: a new session, and a dish going off the menu (a move-out).
    const whileClosed = await touchEveryShape(s.db, demo.tenant.id, demo.centro.id);
    const [dish] = await s.db.query<{ id: string }>(
      'SELECT id::text FROM branch_product WHERE branch_id = $1 AND is_available LIMIT 1',
      [demo.centro.id],
    );
    await s.db.query('UPDATE branch_product SET is_available = false WHERE id = $1', [dish!.id]);

    requests.length = 0;
    const second = await openReplica();
    await expect
      .poll(
        async () =>
          (await second.pg.query('SELECT 1 FROM round WHERE session_id = $1', [whileClosed])).rows.length,
        { timeout: 10_000 },
      )
      .toBe(1);
    await expect
      .poll(
        async () => (await second.pg.query('SELECT 1 FROM menu_item WHERE id = $1', [dish!.id])).rows.length,
      )
      .toBe(0);
    await sameAsServer(second.pg);
    // Resumed from the stored handle and offset: no shape started over.
    expect(requests.filter((u) => new URL(u).searchParams.get('offset') === '-1')).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    second.sync.unsubscribe();
    await second.pg.close();
  });
});
