/**
 * The official @electric-sql/client against our shape endpoint, on the scenarios of Electric's own
 * integration tests: empty shape, initial data, live updates, catch-up, resume, parallel clients,
 * long-poll timeout, deletes, move-in/move-out, type parsing, must-refetch after trimming.
 */
import { randomUUID } from 'node:crypto';
import { ShapeStream } from '@electric-sql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapeServerOf } from '../../server/src/shapes/index.ts';
import { startChaosProxy } from '../support/chaos-proxy.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { follow, getShape } from '../support/shapes.ts';

const LIVE_MS = 1_500;

describe('shape endpoint with the real Electric client', () => {
  let s: TestServer;
  let waiter: string;
  let kitchen: string;
  const centroTables = demo.tables(demo.centro.id);
  let nextTable = 0;
  /** A table of Centro nobody in this file has used yet. */
  const freshTable = () => centroTables[nextTable++]!.id;

  beforeAll(async () => {
    // No safety-net polling of the change log during these tests: every live change below must
    // wake its long-poll through the commit's notification (LISTEN/NOTIFY, PGlite's in-process one).
    s = await startTestServer({ config: { shapeLiveTimeoutMs: LIVE_MS, shapeFeedPollMs: 3_600_000 } });
    waiter = (await s.login(demo.users.waiterCentro)).accessToken;
    kitchen = (await s.login(demo.users.kitchenCentro)).accessToken;
  });
  afterAll(() => s?.close());

  const openSession = async (tableId = freshTable()) => {
    const sessionId = randomUUID();
    const [r] = await s.mutate(waiter, { name: 'session.open', args: { sessionId, tableId } });
    expect(r).toMatchObject({ status: 'applied' });
    return { sessionId, tableId, txid: Number((r as { txid: string }).txid) };
  };

  it('answers an empty shape with up-to-date and the protocol headers', async () => {
    const res = await getShape(s, kitchen, 'kitchen_rounds?offset=-1');
    expect(res.status).toBe(200);
    expect(res.headers.get('electric-handle')).toMatch(/^\d+-/);
    expect(res.headers.get('electric-offset')).toBe('0_inf');
    expect(res.headers.get('electric-up-to-date')).not.toBeNull();
    expect(JSON.parse(res.headers.get('electric-schema')!)).toMatchObject({
      id: { type: 'uuid', pk_index: 0, not_null: true },
      number: { type: 'int4', not_null: true },
    });
    expect(res.body).toEqual([
      { headers: { control: 'up-to-date', global_last_seen_lsn: expect.stringMatching(/^\d+$/) } },
    ]);

    const f = follow(s, kitchen, 'kitchen_rounds');
    expect(await f.until(() => true)).toEqual([]);
    f.stop();
  });

  it('sends the initial rows of the branch, keyed by primary key, values as text', async () => {
    const f = follow(s, waiter, 'tables');
    const rows = await f.until((r) => r.length > 0);
    f.stop();
    expect(rows.map((r) => r.id).sort()).toEqual(centroTables.map((t) => t.id).sort());
    const res = await getShape(s, waiter, 'tables?offset=-1');
    const first = res.body[0];
    expect(first.key).toBe(`"public"."dining_table"/"${first.value.id}"`);
    expect(first.headers).toEqual({ operation: 'insert', relation: ['public', 'dining_table'] });
    expect(typeof first.value.seats).toBe('string');
    expect(first.value).not.toHaveProperty('qr_version');
  });

  it('delivers a live change with the txid the write path returned', async () => {
    const f = follow(s, waiter, 'sessions');
    await f.until(() => true);
    const seen = new Promise<number[]>((resolve) => {
      f.stream.subscribe((msgs) => {
        for (const m of msgs)
          if ('key' in m && m.headers.operation === 'insert')
            resolve((m.headers as { txids: number[] }).txids);
      });
    });
    const { sessionId, txid } = await openSession();
    const rows = await f.until((r) => r.some((x) => x.id === sessionId));
    expect(rows.find((x) => x.id === sessionId)).toMatchObject({ status: 'OPEN', branch_id: demo.centro.id });
    expect(await seen).toEqual([txid]);
    f.stop();
  });

  it('answers a live request with up-to-date and the same data after the live wait when nothing changes', async () => {
    const first = await getShape(s, kitchen, 'kitchen_rounds?offset=-1');
    const handle = first.headers.get('electric-handle')!;
    const started = Date.now();
    const live = await getShape(
      s,
      kitchen,
      `kitchen_rounds?offset=0_inf&handle=${handle}&live=true&cursor=5`,
    );
    const waited = Date.now() - started;
    expect(live.status).toBe(200);
    expect(waited).toBeGreaterThanOrEqual(LIVE_MS - 100);
    expect(live.headers.get('electric-cursor')).toMatch(/^\d+$/);
    expect(live.headers.get('electric-schema')).toBeNull();
    expect(live.body).toEqual([
      { headers: { control: 'up-to-date', global_last_seen_lsn: expect.any(String) } },
    ]);
  });

  it('keeps a client live through long-polls that time out with nothing new, then delivers the next change', async () => {
    const requests: URL[] = [];
    const f = follow(s, waiter, 'tables', {
      fetchClient: (input: RequestInfo | URL, init?: RequestInit) => {
        requests.push(new URL(String(input)));
        return fetch(input, init);
      },
    });
    const rows = await f.until((r) => r.length > 0);
    // Two live waits end with nothing new: the client keeps asking, and keeps its rows.
    await expect
      .poll(() => requests.filter((u) => u.searchParams.get('live') === 'true').length, {
        timeout: LIVE_MS * 4,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(3);
    expect(f.shape.currentRows).toEqual(rows);
    expect(f.shape.isUpToDate).toBe(true);
    const tableId = centroTables[0]!.id;
    await s.db.query('UPDATE dining_table SET seats = seats + 1 WHERE id = $1', [tableId]);
    const seats = Number(rows.find((x) => x.id === tableId)!.seats);
    await f.until((r) => Number(r.find((x) => x.id === tableId)?.seats) === seats + 1);
    f.stop();
  });

  it('catches up after its live connection is cut, with every change made meanwhile and none twice', async () => {
    const proxy = await startChaosProxy(s.url);
    const seen: string[] = [];
    const f = follow(proxy, waiter, 'sessions');
    f.stream.subscribe((msgs) => {
      for (const m of msgs) if ('key' in m && m.headers.operation === 'insert') seen.push(String(m.value.id));
    });
    await f.until(() => true);
    seen.length = 0;
    // The network goes (the parked long-poll is cut mid-wait), sessions open meanwhile, it comes back.
    proxy.setOffline(true);
    const opened = [(await openSession()).sessionId, (await openSession()).sessionId];
    await new Promise((r) => setTimeout(r, 300));
    proxy.setOffline(false);
    const all: string[] = [...opened, (await openSession()).sessionId];
    await f.until((r) => all.every((id) => r.some((x) => x.id === id)), 30_000);
    expect(seen.filter((id) => all.includes(id)).sort()).toEqual([...all].sort());
    f.stop();
    await proxy.close();
  });

  it('catches up from a persisted offset and handle, sending only what changed since', async () => {
    const f = follow(s, waiter, 'sessions');
    await f.until(() => true);
    f.stop();
    const { offset, handle } = { offset: f.stream.lastOffset, handle: f.stream.shapeHandle! };
    const before = f.shape.currentRows.length;
    const { sessionId } = await openSession();
    const inserted: string[] = [];
    const resumed = new ShapeStream({
      url: `${s.url}/api/shapes/sessions`,
      headers: { authorization: `Bearer ${waiter}` },
      offset,
      handle,
    });
    await new Promise<void>((resolve) => {
      resumed.subscribe((msgs) => {
        for (const m of msgs) if ('key' in m) inserted.push(String(m.value.id));
        if (msgs.some((m) => 'control' in m.headers && m.headers.control === 'up-to-date')) resolve();
      });
    });
    resumed.unsubscribeAll();
    expect(before).toBeGreaterThanOrEqual(0);
    expect(inserted).toEqual([sessionId]);
  });

  it('keeps parallel clients of different roles in step', async () => {
    const a = follow(s, waiter, 'tables');
    const b = follow(s, kitchen, 'tables');
    const c = follow(s, waiter, 'tables');
    await Promise.all([a, b, c].map((f) => f.until((r) => r.length > 0)));
    const tableId = centroTables[centroTables.length - 1]!.id;
    await s.db.query('UPDATE dining_table SET seats = 7 WHERE id = $1', [tableId]);
    for (const f of [a, b, c]) {
      const rows = await f.until((r) => r.find((x) => x.id === tableId)?.seats === 7);
      expect(rows).toHaveLength(centroTables.length);
      f.stop();
    }
  });

  it('moves rows into and out of a filtered shape as inserts and deletes', async () => {
    const f = follow(s, kitchen, 'kitchen_rounds');
    await f.until(() => true);
    const { sessionId, tableId } = await openSession();
    const roundId = randomUUID();
    const ops: string[] = [];
    f.stream.subscribe((msgs) => {
      for (const m of msgs) if ('key' in m) ops.push(m.headers.operation);
    });
    // Direct SQL until the round mutators land: SUBMITTED is outside the kitchen's shape.
    await s.db.query(
      `INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status)
       VALUES ($1, $2, $3, $4, $5, 1, 'SUBMITTED')`,
      [roundId, demo.tenant.id, demo.centro.id, sessionId, tableId],
    );
    await s.db.query(`UPDATE round SET status = 'IN_KITCHEN' WHERE id = $1`, [roundId]);
    await f.until((r) => r.some((x) => x.id === roundId && x.status === 'IN_KITCHEN'));
    await s.db.query(`UPDATE round SET status = 'READY' WHERE id = $1`, [roundId]);
    await f.until((r) => r.some((x) => x.id === roundId && x.status === 'READY'));
    await s.db.query(`UPDATE round SET status = 'SERVED' WHERE id = $1`, [roundId]);
    await f.until((r) => !r.some((x) => x.id === roundId));
    expect(ops).toEqual(['insert', 'update', 'delete']);
    f.stop();
  });

  it('sends deletes', async () => {
    const sectorId = randomUUID();
    await s.db.query('INSERT INTO sector (id, tenant_id, branch_id, name) VALUES ($1, $2, $3, $4)', [
      sectorId,
      demo.tenant.id,
      demo.centro.id,
      'Terraza',
    ]);
    const f = follow(s, waiter, 'sectors');
    await f.until((r) => r.some((x) => x.id === sectorId));
    await s.db.query('DELETE FROM sector WHERE id = $1', [sectorId]);
    await f.until((r) => !r.some((x) => x.id === sectorId));
    f.stop();
  });

  it('parses int, bigint, bool, timestamptz, jsonb, arrays and null by the schema header', async () => {
    const f = follow(s, waiter, 'menu');
    const rows = await f.until((r) => r.length > 0);
    const m = rows[0]!;
    expect(typeof m.spice_level).toBe('number');
    expect(typeof m.price_cents).toBe('bigint');
    expect(m.is_available).toBe(true);
    expect(Array.isArray(m.allergens)).toBe(true);
    expect(String(m.updated_at)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    f.stop();
    const e = follow(s, waiter, 'events');
    const { sessionId } = await openSession();
    const evs = await e.until((r) => r.some((x) => x.session_id === sessionId));
    const ev = evs.find((x) => x.session_id === sessionId)!;
    expect(ev.payload).toMatchObject({ tableCode: expect.any(String) });
    const sessions = follow(s, waiter, 'sessions');
    const ss = await sessions.until((r) => r.some((x) => x.id === sessionId));
    expect(ss.find((x) => x.id === sessionId)!.closed_at).toBeNull();
    e.stop();
    sessions.stop();
  });

  it('sends numeric as exact decimal text, parsed only by a parser the app gives', async () => {
    const admin = (await s.login(demo.users.admin)).accessToken;
    const product = demo.products(demo.centro.id)[0]!;
    const res = await getShape(s, waiter, 'products?offset=-1');
    expect(JSON.parse(res.headers.get('electric-schema')!).vat_rate).toEqual({
      type: 'numeric',
      precision: 4,
      scale: 2,
      not_null: true,
    });
    // Without a parser the client keeps numeric as text (Electric's default: no precision lost).
    const plain = follow(s, waiter, 'products');
    const rows = await plain.until((r) => r.some((x) => x.id === product.id));
    expect(rows.find((x) => x.id === product.id)!.vat_rate).toBe('21.00');
    const parsed = follow(s, waiter, 'products', { parser: { numeric: (v: string) => Number(v) } });
    await parsed.until((r) => r.find((x) => x.id === product.id)?.vat_rate === 21);
    const [r] = await s.mutate(admin, {
      name: 'product.update',
      args: { productId: product.id, vatRate: '10.5' },
    });
    expect(r).toMatchObject({ status: 'applied' });
    await plain.until((r) => r.find((x) => x.id === product.id)?.vat_rate === '10.50');
    await parsed.until((r) => r.find((x) => x.id === product.id)?.vat_rate === 10.5);
    const [bad] = await s.mutate(admin, {
      name: 'product.update',
      args: { productId: product.id, vatRate: '1e2' },
    });
    expect(bad).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    plain.stop();
    parsed.stop();
  });

  it('answers 409 must-refetch with a new handle once the log the client needs is trimmed, and the client recovers', async () => {
    const f = follow(s, waiter, 'sessions');
    await f.until(() => true);
    f.stop();
    const offset = f.stream.lastOffset;
    const handle = f.stream.shapeHandle!;
    const { sessionId } = await openSession();
    const shapes = shapeServerOf(s.server.ctx)!;
    await shapes.feed.catchUp();
    expect(await shapes.feed.trim(-60_000)).toBeGreaterThan(0);
    const res = await getShape(s, waiter, `sessions?offset=${offset}&handle=${handle}`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual([{ headers: { control: 'must-refetch' } }]);
    expect(res.headers.get('electric-handle')).not.toBe(handle);

    const controls: string[] = [];
    const resumed = new ShapeStream({
      url: `${s.url}/api/shapes/sessions`,
      headers: { authorization: `Bearer ${waiter}` },
      offset,
      handle,
    });
    const ids = await new Promise<string[]>((resolve) => {
      const rows = new Map<string, unknown>();
      resumed.subscribe((msgs) => {
        for (const m of msgs) {
          if ('key' in m) rows.set(m.key, m.value);
          else {
            controls.push(m.headers.control as string);
            if (m.headers.control === 'must-refetch') rows.clear();
          }
        }
        if (controls.includes('up-to-date')) resolve([...rows.values()].map((v) => (v as { id: string }).id));
      });
    });
    resumed.unsubscribeAll();
    expect(controls[0]).toBe('must-refetch');
    expect(ids).toContain(sessionId);
  });
});

describe('shape request errors', () => {
  let s: TestServer;
  let waiter: string;
  beforeAll(async () => {
    // No safety-net polling of the change log during these tests: every live change below must
    // wake its long-poll through the commit's notification (LISTEN/NOTIFY, PGlite's in-process one).
    s = await startTestServer({ config: { shapeLiveTimeoutMs: LIVE_MS, shapeFeedPollMs: 3_600_000 } });
    waiter = (await s.login(demo.users.waiterCentro)).accessToken;
  });
  afterAll(() => s?.close());

  it.each([
    ['tables', 'offset'],
    ['tables?offset=abc', 'offset'],
    ['tables?offset=1_2', 'handle'],
    ['tables?offset=-1&live=true', 'live'],
    ['tables?offset=now&live=true', 'live'],
    ['tables?offset=-1&live=maybe', 'live'],
    ['tables?offset=-1&replica=half', 'replica'],
    ['tables?offset=0_inf&handle=x&live=true&live_sse=true', 'live_sse'],
    ['tables?offset=-1&experimental_live_sse=true', 'experimental_live_sse'],
  ])('answers 400 for %s naming the parameter %s', async (path, param) => {
    const res = await getShape(s, waiter, path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.errors).toHaveProperty(param);
  });

  it('ignores a table, where or columns the client sends', async () => {
    const res = await getShape(s, waiter, `tables?offset=-1&table=app_user&columns=password_hash&where=true`);
    expect(res.status).toBe(200);
    expect(res.body[0].headers.relation).toEqual(['public', 'dining_table']);
    expect(JSON.stringify(res.body)).not.toContain('password_hash');
  });

  it('answers 409 for a handle of another shape, 404 for an unknown shape, 401 without a token', async () => {
    const other = await getShape(s, waiter, 'sectors?offset=-1');
    const res = await getShape(
      s,
      waiter,
      `tables?offset=0_inf&handle=${other.headers.get('electric-handle')}`,
    );
    expect(res.status).toBe(409);
    expect(res.headers.get('electric-handle')).toBeTruthy();
    expect((await getShape(s, waiter, 'app_users?offset=-1')).status).toBe(404);
    expect((await getShape(s, undefined, 'tables?offset=-1')).status).toBe(401);
  });
});

describe('parked live requests', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { shapeLiveTimeoutMs: 60_000 } });
  });
  afterAll(() => s?.close());

  it('lets a long-poll go as soon as its client hangs up, not at the end of the live wait', async () => {
    const kitchen = (await s.login(demo.users.kitchenCentro)).accessToken;
    const first = await getShape(s, kitchen, 'kitchen_rounds?offset=-1');
    const q = `handle=${first.headers.get('electric-handle')}&offset=${first.headers.get('electric-offset')}`;
    const live = async () =>
      ((await (await s.fetch('/api/health')).json()) as { shapeFeed: { liveClients: number } }).shapeFeed
        .liveClients;
    const controllers = [1, 2, 3].map(() => new AbortController());
    const requests = controllers.map((c, i) =>
      fetch(`${s.url}/api/shapes/kitchen_rounds?${q}&live=true&cursor=${i}`, {
        headers: { authorization: `Bearer ${kitchen}` },
        signal: c.signal,
      }).catch(() => 'aborted'),
    );
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && (await live()) !== n; i++) await new Promise((r) => setTimeout(r, 25));
      return live();
    };
    expect(await waitFor(3)).toBe(3);
    controllers[0]!.abort();
    controllers[1]!.abort();
    expect(await waitFor(1)).toBe(1);
    controllers[2]!.abort();
    expect(await waitFor(0)).toBe(0);
    expect(await Promise.all(requests)).toEqual(['aborted', 'aborted', 'aborted']);
  });
});
