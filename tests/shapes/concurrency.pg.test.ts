/**
 * Nothing lost, nothing doubled under concurrency (ARCHITECTURE.md "Sync", change-log correctness):
 * 8 writers send 4,000 mutations through the real write path while 20 live readers with the real
 * Electric client follow overlapping shapes. Every reader must end with exactly the table's rows for
 * its filter, with no insert for a key it already had and no update or delete for a key it lacked.
 *
 * COMANDA_NAIVE_CHANGE_LOG=1 runs the same test with the change feed trusting position order as it
 * comes (positions straight from a sequence, passed without waiting for gaps; migration 0010): it
 * must then fail, which shows the test can see the bug.
 */
import { randomUUID } from 'node:crypto';
import { ShapeStream } from '@electric-sql/client';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../server/src/config.ts';
import type { Db } from '../../server/src/db/types.ts';
import { type RunningServer, startServer } from '../../server/src/server.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/db.ts';
import { demo } from '../support/demo.ts';

const WRITERS = 8;
const MUTATIONS = 4_000;
const NAIVE = process.env.COMANDA_NAIVE_CHANGE_LOG === '1';

type Values = Record<string, unknown>;

/** A reader: a ShapeStream and the rows it has applied, with every protocol violation noted. */
function reader(url: string, token: string, name: string, expect = name) {
  const rows = new Map<string, Values>();
  const problems: string[] = [];
  const stream = new ShapeStream({
    url: `${url}/api/shapes/${name}`,
    headers: { authorization: `Bearer ${token}` },
  });
  stream.subscribe((msgs) => {
    for (const m of msgs) {
      if (!('key' in m)) {
        if (m.headers.control === 'must-refetch') rows.clear();
        continue;
      }
      const had = rows.get(m.key);
      const op = m.headers.operation;
      if (op === 'insert') {
        if (had) problems.push(`${name}: second insert for ${m.key}`);
        rows.set(m.key, { ...m.value });
      } else if (op === 'update') {
        if (!had) problems.push(`${name}: update for missing ${m.key}`);
        rows.set(m.key, { ...had, ...m.value });
      } else {
        if (!had) problems.push(`${name}: delete for missing ${m.key}`);
        rows.delete(m.key);
      }
    }
  });
  return { name, expect, rows, problems, stream };
}

/** What each shape should hold, read straight from the tables: id -> the column that changes. */
const EXPECTED: Record<string, { sql: string; column: string }> = {
  rounds: { sql: 'SELECT id::text, status AS v FROM round WHERE branch_id = $1', column: 'status' },
  kitchen_rounds: {
    sql: "SELECT id::text, status AS v FROM round WHERE branch_id = $1 AND status IN ('IN_KITCHEN', 'READY')",
    column: 'status',
  },
  round_items: {
    sql: 'SELECT id::text, round_status AS v FROM round_item WHERE branch_id = $1',
    column: 'round_status',
  },
  kitchen_items: {
    sql: "SELECT id::text, round_status AS v FROM round_item WHERE branch_id = $1 AND round_status IN ('IN_KITCHEN', 'READY')",
    column: 'round_status',
  },
  service_calls: {
    sql: 'SELECT id::text, status AS v FROM service_call WHERE branch_id = $1',
    column: 'status',
  },
  events: { sql: 'SELECT id::text, type AS v FROM event WHERE branch_id = $1', column: 'type' },
  // A cook's events shape: the events of rounds and the menu, not of checks and payments.
  kitchenEvents: {
    sql: "SELECT id::text, type AS v FROM event WHERE branch_id = $1 AND entity IN ('round', 'branch_product', 'product')",
    column: 'type',
  },
  sessions: { sql: 'SELECT id::text, status AS v FROM table_session WHERE branch_id = $1', column: 'status' },
};

async function expected(db: Db, name: string): Promise<Map<string, unknown>> {
  const e = EXPECTED[name]!;
  const rows = await db.query<{ id: string; v: unknown }>(e.sql, [demo.centro.id]);
  return new Map(rows.map((r) => [r.id, r.v]));
}

function diff(name: string, got: Map<string, Values>, want: Map<string, unknown>): string[] {
  const column = EXPECTED[name]!.column;
  const out: string[] = [];
  const seen = new Map([...got.values()].map((v) => [String(v.id), v[column]]));
  for (const [id, v] of want) {
    if (!seen.has(id)) out.push(`${name}: missing ${id}`);
    else if (seen.get(id) !== v)
      out.push(`${name}: ${id} has ${String(seen.get(id))}, table has ${String(v)}`);
  }
  for (const id of seen.keys()) if (!want.has(id)) out.push(`${name}: extra ${id}`);
  return out;
}

describe(`change log under concurrency on PostgreSQL${NAIVE ? ' (NAIVE sequence-ordered log)' : ''}`, () => {
  let database: TestDatabase;
  let db: Db;
  let server: RunningServer;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    if (NAIVE) {
      const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(
        `ALTER DATABASE ${new URL(database.url!).pathname.slice(1)} SET comanda.naive_change_log = 'on'`,
      );
      await admin.end();
    }
    db = await database.open();
    server = await startServer(
      testConfig({ loadDemo: true, loginRateLimit: { windowMs: 60_000, limit: 1_000 } }),
      { db },
    );
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
  });

  it(
    'gives every live reader exactly the rows of its filter: none missing, none twice',
    { timeout: 600_000 },
    async () => {
      const login = async (email: string) => {
        const res = await fetch(`${server.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'demo1234' }),
        });
        return ((await res.json()) as { accessToken: string }).accessToken;
      };
      const manager = await login(demo.users.managerCentro);
      const waiter = await login(demo.users.waiterCentro);
      const kitchen = await login(demo.users.kitchenCentro);
      // Each step by the role CONTRACT.md gives it: the waiter orders, serves and answers calls, the kitchen cooks.
      const mutate = async (name: string, args: unknown, token = waiter) => {
        const res = await fetch(`${server.url}/api/mutations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ mutations: [{ id: randomUUID(), name, args }] }),
        });
        const body = (await res.json()) as { results: { status: string; code?: string; message?: string }[] };
        const r = body.results?.[0];
        if (r?.status !== 'applied') throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
      };

      // 20 readers on overlapping shapes, three roles.
      const plan: [string, string, string?][] = [
        [manager, 'rounds'],
        [waiter, 'rounds'],
        [kitchen, 'rounds'],
        [kitchen, 'kitchen_rounds'],
        [kitchen, 'kitchen_rounds'],
        [manager, 'kitchen_rounds'],
        [waiter, 'round_items'],
        [manager, 'round_items'],
        [kitchen, 'kitchen_items'],
        [kitchen, 'kitchen_items'],
        [manager, 'kitchen_items'],
        [waiter, 'service_calls'],
        [manager, 'service_calls'],
        [waiter, 'service_calls'],
        [manager, 'events'],
        [waiter, 'events'],
        [kitchen, 'events', 'kitchenEvents'],
        [waiter, 'sessions'],
        [manager, 'sessions'],
        [kitchen, 'rounds'],
      ];
      const readers = plan.map(([token, name, expect]) => reader(server.url, token, name, expect));

      const products = demo.products(demo.centro.id);
      const tables = demo.tables(demo.centro.id).slice(0, WRITERS);
      let count = 0;
      const started = Date.now();
      await Promise.all(
        tables.map(async (table, w) => {
          const sessionId = randomUUID();
          await mutate('session.open', { sessionId, tableId: table.id });
          count++;
          // Each step is one mutation: a round goes to the kitchen, is cooked, served; a call is made and answered.
          for (let i = 0; count < MUTATIONS; i++) {
            const roundId = randomUUID();
            const p = products[(w + i) % products.length]!;
            await mutate('round.submit', {
              roundId,
              sessionId,
              items: [{ id: randomUUID(), productId: p.id, qty: 1 + (i % 3) }],
            });
            await mutate('round.ready', { roundId }, kitchen);
            await mutate('round.served', { roundId });
            const serviceCallId = randomUUID();
            await mutate('serviceCall.create', { serviceCallId, sessionId, kind: 'WAITER' });
            await mutate('serviceCall.ack', { serviceCallId });
            count += 5;
          }
        }),
      );
      const writeSeconds = (Date.now() - started) / 1000;
      console.log(`${count} mutations by ${WRITERS} writers in ${writeSeconds.toFixed(1)} s`);

      // Every reader must converge on the tables, with nothing applied twice or out of thin air.
      const deadline = Date.now() + 60_000;
      let mismatches: string[] = [];
      for (;;) {
        mismatches = [];
        for (const r of readers) mismatches.push(...diff(r.expect, r.rows, await expected(db, r.expect)));
        if (!mismatches.length || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 1_000));
      }
      const problems = readers.flatMap((r) => r.problems);
      for (const r of readers) r.stream.unsubscribeAll();
      if (mismatches.length || problems.length)
        console.log(
          `${mismatches.length} mismatches, ${problems.length} protocol problems; first:\n${[...problems, ...mismatches].slice(0, 15).join('\n')}`,
        );
      expect(count).toBeGreaterThanOrEqual(MUTATIONS);
      expect(problems).toEqual([]);
      expect(mismatches).toEqual([]);
      const [rounds] = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM round WHERE branch_id = $1',
        [demo.centro.id],
      );
      expect(rounds!.n).toBeGreaterThan(MUTATIONS / 6);
    },
  );
});
