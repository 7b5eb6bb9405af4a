import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waiter } from '../browser/kitchen-support.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { follow } from '../support/shapes.ts';

// The kitchen reads a round's items through kitchen_items (filtered on round_item.round_status): a new
// round's items must be there from the start, not only after the round's next status change.
describe('kitchen_items carries the items of a new round', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { loginRateLimit: { windowMs: 60_000, limit: 1000 } } });
  });
  afterAll(() => s?.close());

  it('a waiter round reaches the kitchen with its items', async () => {
    const w = await waiter(s);
    const roundId = await w.sendRound(0, [
      { productIndex: 0, qty: 2, notes: 'sin sal' },
      { productIndex: 1, qty: 1 },
    ]);
    const cook = await s.login(demo.users.kitchenCentro);
    const items = follow(s, cook.accessToken, 'kitchen_items');
    const rows = await items.until((r) => r.filter((i) => i.round_id === roundId).length === 2);
    items.stop();
    expect(rows.filter((i) => i.round_id === roundId).map((i) => i.round_status)).toEqual([
      'IN_KITCHEN',
      'IN_KITCHEN',
    ]);
  });

  it('an item written without its round status takes it from its round, and from a round it moves to', async () => {
    const w = await waiter(s);
    const kitchen = await w.sendRound(2, [{ productIndex: 0, qty: 1 }]);
    const diner = await w.sendRound(3, [{ productIndex: 1, qty: 1 }]);
    await s.db.query("UPDATE round SET status = 'SUBMITTED' WHERE id = $1", [diner]);
    const [item] = await s.db.query<{ id: string }>(
      `INSERT INTO round_item (id, tenant_id, branch_id, round_id, session_id, product_id, product_name, qty, unit_price_cents)
       SELECT $1, tenant_id, branch_id, round_id, session_id, product_id, product_name, 1, unit_price_cents
       FROM round_item WHERE round_id = $2 LIMIT 1 RETURNING id`,
      [randomUUID(), kitchen],
    );
    const status = async () =>
      (
        await s.db.query<{ round_status: string }>('SELECT round_status FROM round_item WHERE id = $1', [
          item!.id,
        ])
      )[0]!.round_status;
    expect(await status()).toBe('IN_KITCHEN');
    await s.db.query('UPDATE round_item SET round_id = $2 WHERE id = $1', [item!.id, diner]);
    expect(await status()).toBe('SUBMITTED');
  });
});
