/** Restaurant-floor helpers for write-path tests: staff tokens, diners at a table, and rows to compare before and after. */
import { randomUUID } from 'node:crypto';
import type { MutationResult } from '@comanda/schema';
import { demo } from './demo.ts';
import { joinAsDiner } from './diner.ts';
import { startTestServer, type TestServer } from './server.ts';

export type Staff = keyof typeof demo.users;

/**
 * A test server with the demo restaurant and every demo user logged in. The login rate limit is raised:
 * these tests log in all ten users at once, which is not what the limit is about.
 */
export async function startFloor(): Promise<{ s: TestServer; t: Record<Staff, string> }> {
  const s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
  return { s, t: await staffTokens(s) };
}

/** Logs every demo user in once; tokens by name. */
export async function staffTokens(s: TestServer): Promise<Record<Staff, string>> {
  const names = Object.keys(demo.users) as Staff[];
  const tokens = await Promise.all(names.map(async (n) => (await s.login(demo.users[n])).accessToken));
  return Object.fromEntries(names.map((n, i) => [n, tokens[i]])) as Record<Staff, string>;
}

export interface Diner {
  dinerId: string;
  token: string;
}

/** A diner who scanned the QR of the session's table (the real POST /api/diner/join). */
export async function seatDiner(s: TestServer, sessionId: string): Promise<Diner> {
  const [session] = await s.db.query<{ table_id: string }>(
    'SELECT table_id FROM table_session WHERE id = $1',
    [sessionId],
  );
  if (!session) throw new Error(`no session ${sessionId}`);
  const joined = await joinAsDiner(s, session.table_id);
  if (joined.sessionId !== sessionId) throw new Error(`joined ${joined.sessionId}, expected ${sessionId}`);
  return { dinerId: joined.dinerId, token: joined.dinerToken };
}

/** Sends one mutation and returns its result. */
export async function one(s: TestServer, token: string, name: string, args: unknown, id = randomUUID()) {
  const [r] = await s.mutate(token, { id, name, args });
  return r as MutationResult;
}

/** Like `one`, but fails the test with the server's reason unless the mutation applied. */
export async function applied(s: TestServer, token: string, name: string, args: unknown) {
  const r = await one(s, token, name, args);
  if (r.status !== 'applied') throw new Error(`${name} was rejected: ${r.code} ${r.message}`);
  return r;
}

/** Opens a session on `tableId` as `token`; returns the session id. */
export async function openTable(s: TestServer, token: string, tableId: string): Promise<string> {
  const sessionId = randomUUID();
  await applied(s, token, 'session.open', { sessionId, tableId });
  return sessionId;
}

/** round.submit args: `count` lines of the first available products of the branch, qty 1 each unless given. */
export function roundArgs(
  sessionId: string,
  branchId: string,
  lines: { productId?: string; qty?: number; dinerId?: string }[] = [{}],
) {
  const products = demo.products(branchId);
  return {
    roundId: randomUUID(),
    sessionId,
    items: lines.map((l, i) => ({
      id: randomUUID(),
      productId: l.productId ?? products[i % products.length]!.id,
      qty: l.qty ?? 1,
      ...(l.dinerId ? { dinerId: l.dinerId } : {}),
    })),
  };
}

/** The price of a product in a branch, from the demo data. */
export function priceIn(branchId: string, productId: string): number {
  const p = demo.products(branchId).find((x) => x.id === productId);
  if (!p) throw new Error(`product ${productId} not sold in ${branchId}`);
  return p.priceCents;
}

/** Tables whose rows a write could touch, for "nothing changed" comparisons. */
export const WRITE_TABLES = [
  'table_session',
  'dining_table',
  'diner',
  'round',
  'round_item',
  'service_call',
  'dining_check',
  'payment',
  'event',
  'product',
  'branch_product',
  'knowledge_document',
] as const;

/** Every row of the tables a mutation may write, as text, to compare before and after. */
export async function snapshot(
  s: TestServer,
  tables: readonly string[] = WRITE_TABLES,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const rows = await s.db.query<{ r: string }>(`SELECT t::text AS r FROM ${t} t ORDER BY t::text`);
    out[t] = rows.map((x) => x.r);
  }
  return out;
}
