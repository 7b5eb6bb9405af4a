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
});
