/**
 * Nobody reads a row outside their tenant, branch or table session through the shape endpoint:
 * every shape x every role, cross-branch, cross-tenant, diners of a closed session, and no secret
 * column in any message. The expectations are written out here, not derived from the definitions.
 */
import { randomUUID } from 'node:crypto';
import { SHAPES } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { type Diner, openTable, seatDiner, type Staff, staffTokens } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { getShape } from '../support/shapes.ts';
import { touchEveryShape } from '../support/touch-shapes.ts';

const EVERY_STAFF = [
  'tables',
  'sectors',
  'sessions',
  'rounds',
  'round_items',
  'kitchen_rounds',
  'kitchen_items',
  'branch_products',
  'events',
  'products',
  'categories',
  'menu',
];
const FLOOR_ONLY = ['diners', 'service_calls', 'checks', 'payments'];
const DINER = [
  'sessions',
  'diners',
  'rounds',
  'round_items',
  'service_calls',
  'checks',
  'payments',
  'categories',
  'menu',
];

const ALLOWED: Record<string, string[]> = {
  admin: [...EVERY_STAFF, ...FLOOR_ONLY],
  managerCentro: [...EVERY_STAFF, ...FLOOR_ONLY],
  waiterCentro: [...EVERY_STAFF, ...FLOOR_ONLY],
  kitchenCentro: EVERY_STAFF,
  diner: DINER,
};

/** Text that must never leave the server in a shape answer. */
const SECRETS = ['password_hash', '$argon2', 'token_hash', 'qr_version', 'refresh_token', 'server_secret'];

describe('shape security', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let diner: Diner;
  let dinerSession: string;
  let otherSession: string;
  beforeAll(async () => {
    s = await startTestServer({
      config: { loginRateLimit: { windowMs: 60_000, limit: 1000 }, shapeLiveTimeoutMs: 500 },
    });
    t = await staffTokens(s);
    // Activity everywhere: two sessions in Centro (ours and a neighbour's), one in Norte, one in the other tenant.
    otherSession = await touchEveryShape(s.db, demo.tenant.id, demo.centro.id);
    await touchEveryShape(s.db, demo.tenant.id, demo.norte.id);
    await touchEveryShape(s.db, demo.otherTenant.id, demo.unica.id);
    dinerSession = await touchEveryShape(s.db, demo.tenant.id, demo.centro.id);
    diner = await seatDiner(s, dinerSession);
  });
  afterAll(() => s?.close());

  const tokenOf = (who: string) => (who === 'diner' ? diner.token : t[who as Staff]);
  // The admin works in two branches and says which one; everyone else has one.
  const branchOf = (who: string) => (who === 'admin' ? `&branch=${demo.centro.id}` : '');
  const rowsOf = (body: unknown) =>
    (body as { value?: Record<string, string> }[]).flatMap((m) => (m.value ? [m.value] : []));
  const categoryIds = (tenantId: string) =>
    s.db
      .query<{ id: string }>('SELECT id::text FROM category WHERE tenant_id = $1', [tenantId])
      .then((r) => r.map((c) => c.id));

  /** Every row `who` got from shape `name` is theirs to see. */
  async function expectInScope(who: string, name: string, rows: Record<string, string>[]) {
    const mine = new Set(await categoryIds(demo.tenant.id));
    for (const row of rows) {
      if ('tenant_id' in row) expect(row.tenant_id, `${who} ${name}`).toBe(demo.tenant.id);
      if ('branch_id' in row) expect(row.branch_id, `${who} ${name}`).toBe(demo.centro.id);
      // The diner's categories carry no tenant_id: they must still be this restaurant's.
      if (name === 'categories') expect(mine.has(row.id!), `${who} categories`).toBe(true);
      if (who === 'diner') {
        if (name === 'sessions') expect(row.id).toBe(dinerSession);
        else if ('session_id' in row) expect(row.session_id, name).toBe(dinerSession);
        // Staff ids stay with staff.
        expect(Object.keys(row).some((k) => k.endsWith('_user_id'))).toBe(false);
      }
      // The kitchen reads the events of rounds, not the amounts of checks and payments.
      if (who === 'kitchenCentro' && name === 'events')
        expect(['round', 'branch_product', 'product'], `kitchen event ${row.type}`).toContain(row.entity);
    }
  }

  /** Reads every shape `who` may read from scratch, checks it, and returns where each one stopped. */
  async function readEveryShape(who: string) {
    const positions = new Map<string, { handle: string; offset: string }>();
    for (const name of Object.keys(SHAPES)) {
      const res = await getShape(s, tokenOf(who), `${name}?offset=-1${branchOf(who)}`);
      const allowed = ALLOWED[who]!.includes(name);
      expect(res.status, `${who} ${name}`).toBe(allowed ? 200 : 403);
      const text = JSON.stringify(res.body) + JSON.stringify([...res.headers]);
      for (const secret of SECRETS) expect(text, `${who} ${name}`).not.toContain(secret);
      if (!allowed) {
        expect(res.body.error.code).toBe('FORBIDDEN');
        continue;
      }
      const rows = rowsOf(res.body);
      await expectInScope(who, name, rows);
      // Something to see: a test that only sees empty shapes proves nothing.
      if (!['kitchen_rounds', 'kitchen_items'].includes(name) || who !== 'diner')
        expect(rows.length, `${who} ${name}`).toBeGreaterThan(0);
      if (who === 'diner' && name === 'rounds') expect(JSON.stringify(rows)).not.toContain(otherSession);
      positions.set(name, {
        handle: res.headers.get('electric-handle')!,
        offset: res.headers.get('electric-offset')!,
      });
    }
    return positions;
  }

  for (const who of Object.keys(ALLOWED))
    it(`lets ${who} read exactly its shapes, and only its own rows`, async () => {
      await readEveryShape(who);
    });

  it('applies the same rules to the changes that follow a snapshot, for every role', async () => {
    const positions = new Map<string, Map<string, { handle: string; offset: string }>>();
    for (const who of Object.keys(ALLOWED)) positions.set(who, await readEveryShape(who));
    // New activity in every scope; then each shape catches up through the change log, which is
    // filtered apart from the snapshot's SQL: the same rules must hold there.
    await touchEveryShape(s.db, demo.tenant.id, demo.norte.id);
    await touchEveryShape(s.db, demo.otherTenant.id, demo.unica.id);
    await touchEveryShape(s.db, demo.tenant.id, demo.centro.id);
    await s.db.query('UPDATE category SET sort = sort + 1');
    await s.db.query('UPDATE product SET spice_level = spice_level');
    for (const [who, shapes] of positions)
      for (const [name, at] of shapes) {
        const res = await getShape(
          s,
          tokenOf(who),
          `${name}?offset=${at.offset}&handle=${at.handle}${branchOf(who)}`,
        );
        expect(res.status, `${who} ${name} catch-up`).toBe(200);
        const text = JSON.stringify(res.body);
        for (const secret of SECRETS) expect(text, `${who} ${name} catch-up`).not.toContain(secret);
        const changes = rowsOf(res.body);
        await expectInScope(who, name, changes);
        // The Centro activity and the category change reached every staff shape they touch; the
        // diner's own session saw none of the new session's rows.
        const untouched =
          name === 'products' || (who === 'diner' && name !== 'categories' && name !== 'menu');
        if (!untouched) expect(changes.length, `${who} ${name} catch-up`).toBeGreaterThan(0);
      }
  });

  it('keeps the floor seeing the events of checks and payments that the kitchen does not', async () => {
    const kinds = async (who: Staff) =>
      new Set(rowsOf((await getShape(s, t[who], 'events?offset=-1')).body).map((e) => e.entity));
    const floor = await kinds('waiterCentro');
    expect(floor.has('check') || floor.has('payment')).toBe(true);
    const kitchen = await kinds('kitchenCentro');
    expect(kitchen.has('round')).toBe(true);
    expect(kitchen.has('check') || kitchen.has('payment') || kitchen.has('table_session')).toBe(false);
  });

  it('refuses another branch of the same tenant and asks a person with several branches to choose', async () => {
    expect((await getShape(s, t.waiterCentro, `rounds?offset=-1&branch=${demo.norte.id}`)).status).toBe(403);
    expect(
      (await getShape(s, t.kitchenNorte, `kitchen_rounds?offset=-1&branch=${demo.centro.id}`)).status,
    ).toBe(403);
    const ambiguous = await getShape(s, t.admin, 'rounds?offset=-1');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.details.errors).toHaveProperty('branch');
    const norte = await getShape(s, t.admin, `rounds?offset=-1&branch=${demo.norte.id}`);
    expect(norte.status).toBe(200);
    const branches = new Set(
      norte.body.flatMap((m: { value?: { branch_id: string } }) => (m.value ? [m.value.branch_id] : [])),
    );
    expect([...branches]).toEqual([demo.norte.id]);
    expect((await getShape(s, t.admin, `rounds?offset=-1&branch=${demo.unica.id}`)).status).toBe(403);
    expect((await getShape(s, t.admin, 'rounds?offset=-1&branch=not-a-uuid')).status).toBe(400);
  });

  it('keeps tenants apart on tenant-wide shapes', async () => {
    const mine = await getShape(s, t.otherAdmin, 'products?offset=-1');
    expect(mine.status).toBe(200);
    const tenants = new Set(
      mine.body.flatMap((m: { value?: { tenant_id: string } }) => (m.value ? [m.value.tenant_id] : [])),
    );
    expect([...tenants]).toEqual([demo.otherTenant.id]);
    expect((await getShape(s, t.otherWaiter, `rounds?offset=-1&branch=${demo.centro.id}`)).status).toBe(403);
  });

  it("does not let a diner widen their scope with a branch or another diner's handle", async () => {
    expect((await getShape(s, diner.token, `menu?offset=-1&branch=${demo.norte.id}`)).status).toBe(403);
    const neighbour = await seatDiner(
      s,
      await openTable(s, t.waiterCentro, demo.tables(demo.centro.id).at(-1)!.id),
    );
    const theirs = await getShape(s, neighbour.token, 'rounds?offset=-1');
    const reuse = await getShape(
      s,
      diner.token,
      `rounds?offset=0_inf&handle=${theirs.headers.get('electric-handle')}`,
    );
    expect(reuse.status).toBe(409);
    expect(JSON.stringify(reuse.body)).toBe('[{"headers":{"control":"must-refetch"}}]');
  });

  it('shuts a diner out as soon as their session is closed, snapshot and catch-up alike', async () => {
    const sessionId = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id).at(-2)!.id);
    const d = await seatDiner(s, sessionId);
    const first = await getShape(s, d.token, 'rounds?offset=-1');
    expect(first.status).toBe(200);
    await s.db.query("UPDATE table_session SET status = 'CLOSED', closed_at = now() WHERE id = $1", [
      sessionId,
    ]);
    expect((await getShape(s, d.token, 'rounds?offset=-1')).status).toBe(401);
    const handle = first.headers.get('electric-handle');
    expect((await getShape(s, d.token, `rounds?offset=0_inf&handle=${handle}&live=true`)).status).toBe(401);
  });
});

describe('shared live answers', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  beforeAll(async () => {
    s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
    t = await staffTokens(s);
  });
  afterAll(() => s?.close());

  it('answers clients parked on the same shape from one batch with their own rows only', async () => {
    // Live answers are computed once per (shape, scope, offset) and shared: two tablets of one
    // branch share one, and neither the other branch nor the other tenant may ever get it.
    const who = [
      ['waiterCentro', demo.centro.id, demo.tenant.id],
      ['kitchenCentro', demo.centro.id, demo.tenant.id],
      ['waiterNorte', demo.norte.id, demo.tenant.id],
      ['otherWaiter', demo.unica.id, demo.otherTenant.id],
    ] as const;
    const sessions = new Map<string, string>();
    for (const [, branch, tenant] of who)
      if (!sessions.has(branch)) sessions.set(branch, await touchEveryShape(s.db, tenant, branch));
    const parked = [];
    for (const [name] of who)
      for (let copy = 0; copy < 2; copy++) {
        const first = await getShape(s, t[name], 'rounds?offset=-1');
        const handle = first.headers.get('electric-handle')!;
        const offset = first.headers.get('electric-offset')!;
        parked.push({
          name,
          answer: getShape(s, t[name], `rounds?offset=${offset}&handle=${handle}&live=true`),
        });
      }
    const health = async () =>
      ((await (await s.fetch('/api/health')).json()) as { shapeFeed: { liveClients: number } }).shapeFeed
        .liveClients;
    for (let i = 0; i < 200 && (await health()) < parked.length; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await health()).toBeGreaterThanOrEqual(parked.length);

    // One transaction, one batch: a round in each of the three branches.
    const added = new Map<string, string>();
    await s.db.transaction(async (tx) => {
      for (const [branch, session] of sessions) {
        const id = randomUUID();
        added.set(branch, id);
        await tx.query(
          `INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status)
           SELECT $1, tenant_id, branch_id, id, table_id, 2, 'IN_KITCHEN' FROM table_session WHERE id = $2`,
          [id, session],
        );
      }
    });
    for (const p of parked) {
      const a = await p.answer;
      expect(a.status).toBe(200);
      const rows = (a.body as { key?: string; value?: { id: string; branch_id: string } }[]).filter(
        (m) => m.key,
      );
      const branch = who.find(([name]) => name === p.name)![1];
      expect(rows.map((m) => m.value!.id)).toEqual([added.get(branch)]);
      expect(rows.every((m) => m.value!.branch_id === branch)).toBe(true);
    }
  });
});
