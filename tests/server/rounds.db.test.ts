import { randomUUID } from 'node:crypto';
import {
  MAX_ITEM_QTY,
  MAX_ROUND_ITEMS,
  ROUND_STATUSES,
  type RoundStatus,
  canMoveRound,
} from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, seed } from '../support/demo.ts';
import {
  applied,
  one,
  openTable,
  priceIn,
  roundArgs,
  seatDiner,
  snapshot,
  type Staff,
  startFloor,
} from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

const productNamed = (name: string) => seed.products.find((p) => p.name.startsWith(name))!;
const humita = productNamed('Humita en chala'); // switched off in Centro
const sushi = productNamed('Sushi roll'); // the other restaurant's

describe('rounds', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let sessionId: string;
  const table = demo.tables(demo.centro.id)[7]!;
  beforeAll(async () => {
    ({ s, t } = await startFloor());
    sessionId = await openTable(s, t.waiterCentro, table.id);
  });
  afterAll(() => s?.close());

  const roundRow = async (id: string) =>
    (
      await s.db.query<{ status: RoundStatus; number: number; confirmed_at: Date | null }>(
        'SELECT status, number, confirmed_at FROM round WHERE id = $1',
        [id],
      )
    )[0];

  /** Expects `name` to be rejected with `code` and the database to be exactly as it was. */
  async function refused(token: string, name: string, args: unknown, code: string) {
    const before = await snapshot(s);
    const r = await one(s, token, name, args);
    expect(r).toMatchObject({ status: 'rejected', code });
    expect(await snapshot(s)).toEqual(before);
    return r;
  }

  it("starts a waiter's round IN_KITCHEN and a diner's SUBMITTED until a waiter confirms it, numbered per session", async () => {
    const byWaiter = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', byWaiter);
    const w = await roundRow(byWaiter.roundId);
    expect(w).toMatchObject({ status: 'IN_KITCHEN' });
    expect(w!.confirmed_at).toBeInstanceOf(Date);

    const diner = await seatDiner(s, sessionId);
    const byDiner = roundArgs(sessionId, demo.centro.id);
    await applied(s, diner.token, 'round.submit', byDiner);
    expect(await roundRow(byDiner.roundId)).toMatchObject({ status: 'SUBMITTED', confirmed_at: null });
    expect((await roundRow(byDiner.roundId))!.number).toBe(w!.number + 1);
    // The kitchen can't take it before a waiter has seen it.
    await refused(t.kitchenCentro, 'round.ready', { roundId: byDiner.roundId }, 'INVALID_TRANSITION');
    await applied(s, t.waiterCentro, 'round.confirm', { roundId: byDiner.roundId });
    expect(await roundRow(byDiner.roundId)).toMatchObject({ status: 'IN_KITCHEN' });
    const [ev] = await s.db.query<{ payload: { tableCode: string; number: number } }>(
      "SELECT payload FROM event WHERE type = 'ROUND_IN_KITCHEN' AND entity_id = $1",
      [byDiner.roundId],
    );
    expect(ev?.payload).toMatchObject({ tableCode: table.code, number: w!.number + 1 });

    // Who sent each to the kitchen, by name (the kitchen screen has no shape of staff names); a diner has none.
    const waiterName = (
      await s.db.query<{ name: string }>('SELECT name FROM app_user WHERE email = $1', [
        demo.users.waiterCentro,
      ])
    )[0]!.name;
    const payloads = await s.db.query<{ type: string; entity_id: string; payload: { byName?: string } }>(
      "SELECT type, entity_id, payload FROM event WHERE entity_id = ANY($1) AND type LIKE 'ROUND_%'",
      [[byWaiter.roundId, byDiner.roundId]],
    );
    const nameOf = (id: string, type: string) =>
      payloads.find((e) => e.entity_id === id && e.type === type)?.payload.byName;
    expect(nameOf(byWaiter.roundId, 'ROUND_IN_KITCHEN')).toBe(waiterName);
    expect(nameOf(byDiner.roundId, 'ROUND_SUBMITTED')).toBeUndefined();
    expect(nameOf(byDiner.roundId, 'ROUND_IN_KITCHEN')).toBe(waiterName);
  });

  it("keeps each item's copy of its round's status (the kitchen's shape filters on it) through every step", async () => {
    const itemStatuses = async (roundId: string) =>
      (
        await s.db.query<{ round_status: string | null }>(
          'SELECT round_status FROM round_item WHERE round_id = $1',
          [roundId],
        )
      ).map((i) => i.round_status);
    const byWaiter = roundArgs(sessionId, demo.centro.id, [{}, {}, {}]);
    await applied(s, t.waiterCentro, 'round.submit', byWaiter);
    expect(await itemStatuses(byWaiter.roundId)).toEqual(['IN_KITCHEN', 'IN_KITCHEN', 'IN_KITCHEN']);
    const diner = await seatDiner(s, sessionId);
    const byDiner = roundArgs(sessionId, demo.centro.id, [{}, {}]);
    await applied(s, diner.token, 'round.submit', byDiner);
    expect(await itemStatuses(byDiner.roundId)).toEqual(['SUBMITTED', 'SUBMITTED']);
    await applied(s, t.waiterCentro, 'round.confirm', { roundId: byDiner.roundId });
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: byDiner.roundId });
    expect(await itemStatuses(byDiner.roundId)).toEqual(['READY', 'READY']);
  });

  /** A fresh round brought to `status` through the real mutations. */
  async function roundIn(status: RoundStatus): Promise<string> {
    const diner = await seatDiner(s, sessionId);
    const r = roundArgs(sessionId, demo.centro.id);
    await applied(s, diner.token, 'round.submit', r);
    const path: Record<RoundStatus, [Staff, string, object?][]> = {
      SUBMITTED: [],
      IN_KITCHEN: [['waiterCentro', 'round.confirm']],
      READY: [
        ['waiterCentro', 'round.confirm'],
        ['kitchenCentro', 'round.ready'],
      ],
      SERVED: [
        ['waiterCentro', 'round.confirm'],
        ['kitchenCentro', 'round.ready'],
        ['waiterCentro', 'round.served'],
      ],
      CANCELED: [['waiterCentro', 'round.cancel', { reason: 'Pidieron otra cosa' }]],
    };
    for (const [who, name, extra] of path[status])
      await applied(s, t[who], name, { roundId: r.roundId, ...extra });
    expect((await roundRow(r.roundId))!.status).toBe(status);
    return r.roundId;
  }

  const moves: [string, RoundStatus, Staff, object][] = [
    ['round.confirm', 'IN_KITCHEN', 'waiterCentro', {}],
    ['round.ready', 'READY', 'kitchenCentro', {}],
    ['round.served', 'SERVED', 'waiterCentro', {}],
    ['round.cancel', 'CANCELED', 'managerCentro', { reason: 'Error de carga' }],
  ];
  const cases = ROUND_STATUSES.flatMap((from) =>
    moves.map(([name, to, who, extra]) => ({ from, name, to, who, extra })),
  );
  it.each(cases)('$name on a $from round', async ({ from, name, to, who, extra }) => {
    const roundId = await roundIn(from);
    if (canMoveRound(from, to)) {
      await applied(s, t[who], name, { roundId, ...extra });
      expect((await roundRow(roundId))!.status).toBe(to);
    } else {
      await refused(t[who], name, { roundId, ...extra }, 'INVALID_TRANSITION');
    }
  });

  it.each([
    ['kitchen confirming', 'kitchenCentro', 'round.confirm', 'SUBMITTED'],
    ['a waiter marking ready', 'waiterCentro', 'round.ready', 'IN_KITCHEN'],
    ['kitchen serving', 'kitchenCentro', 'round.served', 'READY'],
    ['kitchen canceling', 'kitchenCentro', 'round.cancel', 'IN_KITCHEN'],
  ] as const)('refuses %s (FORBIDDEN)', async (_name, who, name, from) => {
    const roundId = await roundIn(from);
    await refused(t[who], name, { roundId, reason: 'x' }, 'FORBIDDEN');
  });

  it("lets a manager (and an admin) take every step of a diner's round", async () => {
    for (const who of ['managerCentro', 'admin'] as const) {
      const roundId = await roundIn('SUBMITTED');
      for (const name of ['round.confirm', 'round.ready', 'round.served'])
        await applied(s, t[who], name, { roundId });
      expect((await roundRow(roundId))!.status).toBe('SERVED');
    }
  });

  // CONTRACT.md: round.submit is the diner's (own session) and the waiter's. A manager or admin who
  // takes an order does it as a waiter would need to: with a waiter's role in the branch.
  it.each(['managerCentro', 'admin'] as const)(
    'refuses a round sent by %s (FORBIDDEN), nothing written',
    async (who) => {
      await refused(t[who], 'round.submit', roundArgs(sessionId, demo.centro.id), 'FORBIDDEN');
    },
  );

  it('refuses a diner moving a round', async () => {
    const diner = await seatDiner(s, sessionId);
    const roundId = await roundIn('SUBMITTED');
    await refused(diner.token, 'round.confirm', { roundId }, 'FORBIDDEN');
    await refused(diner.token, 'round.cancel', { roundId, reason: 'me arrepentí' }, 'FORBIDDEN');
  });

  describe('items', () => {
    it("refuses a product switched off in the branch, another restaurant's, or one the branch never sold (PRODUCT_UNAVAILABLE)", async () => {
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{}, { productId: humita.id }]),
        'PRODUCT_UNAVAILABLE',
      );
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ productId: sushi.id }]),
        'PRODUCT_UNAVAILABLE',
      );
      const unsold = randomUUID();
      await s.db.query("INSERT INTO product (id, tenant_id, name) VALUES ($1, $2, 'Plato nuevo')", [
        unsold,
        demo.tenant.id,
      ]);
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ productId: unsold }]),
        'PRODUCT_UNAVAILABLE',
      );
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ productId: randomUUID() }]),
        'PRODUCT_UNAVAILABLE',
      );
    });

    it('follows availability changes made in admin', async () => {
      const flan = demo.products(demo.centro.id)[3]!;
      await applied(s, t.managerCentro, 'branchProduct.update', {
        branchId: demo.centro.id,
        productId: flan.id,
        isAvailable: false,
      });
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ productId: flan.id }]),
        'PRODUCT_UNAVAILABLE',
      );
      await applied(s, t.managerCentro, 'branchProduct.update', {
        branchId: demo.centro.id,
        productId: flan.id,
        isAvailable: true,
      });
      await applied(
        s,
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ productId: flan.id }]),
      );
    });

    it("captures the branch's price and name at submit; later changes don't touch ordered items", async () => {
      const p = demo.products(demo.centro.id)[5]!;
      const centroPrice = priceIn(demo.centro.id, p.id);
      const first = roundArgs(sessionId, demo.centro.id, [{ productId: p.id, qty: 3 }]);
      await applied(s, t.waiterCentro, 'round.submit', first);
      await applied(s, t.managerCentro, 'branchProduct.update', {
        branchId: demo.centro.id,
        productId: p.id,
        priceCents: centroPrice + 12_345,
      });
      await applied(s, t.admin, 'product.update', { productId: p.id, name: `${p.name} (nuevo)` });
      const second = roundArgs(sessionId, demo.centro.id, [{ productId: p.id }]);
      await applied(s, t.waiterCentro, 'round.submit', second);
      const items = await s.db.query<{
        round_id: string;
        unit_price_cents: number;
        product_name: string;
        qty: number;
      }>(
        'SELECT round_id, unit_price_cents, product_name, qty FROM round_item WHERE round_id = ANY($1::uuid[])',
        [[first.roundId, second.roundId]],
      );
      const byRound = Object.fromEntries(items.map((i) => [i.round_id, i]));
      expect(byRound[first.roundId]).toMatchObject({
        unit_price_cents: centroPrice,
        product_name: p.name,
        qty: 3,
      });
      expect(byRound[second.roundId]).toMatchObject({
        unit_price_cents: centroPrice + 12_345,
        product_name: `${p.name} (nuevo)`,
      });
    });

    it("takes the price of the session's branch, not another branch's", async () => {
      const nTable = demo.tables(demo.norte.id)[0]!;
      const norteSession = await openTable(s, t.waiterNorte, nTable.id);
      const p =
        demo.products(demo.centro.id).find((x) => priceIn(demo.norte.id, x.id) !== x.priceCents) ??
        demo.products(demo.centro.id)[0]!;
      const r = roundArgs(norteSession, demo.norte.id, [{ productId: p.id }]);
      await applied(s, t.waiterNorte, 'round.submit', r);
      const [item] = await s.db.query<{ unit_price_cents: number }>(
        'SELECT unit_price_cents FROM round_item WHERE round_id = $1',
        [r.roundId],
      );
      expect(item!.unit_price_cents).toBe(priceIn(demo.norte.id, p.id));
    });

    it(`takes quantities 1..${MAX_ITEM_QTY} and at most ${MAX_ROUND_ITEMS} items`, async () => {
      await applied(
        s,
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ qty: 1 }, { qty: MAX_ITEM_QTY }]),
      );
      await applied(
        s,
        t.waiterCentro,
        'round.submit',
        roundArgs(
          sessionId,
          demo.centro.id,
          Array.from({ length: MAX_ROUND_ITEMS }, () => ({})),
        ),
      );
      for (const qty of [0, MAX_ITEM_QTY + 1, -1, 1.5])
        await refused(
          t.waiterCentro,
          'round.submit',
          roundArgs(sessionId, demo.centro.id, [{ qty }]),
          'VALIDATION_FAILED',
        );
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(
          sessionId,
          demo.centro.id,
          Array.from({ length: MAX_ROUND_ITEMS + 1 }, () => ({})),
        ),
        'VALIDATION_FAILED',
      );
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, []),
        'VALIDATION_FAILED',
      );
    });

    it("gives a diner's items to that diner, to another diner of the table when named, never to a stranger", async () => {
      const ana = await seatDiner(s, sessionId);
      const beto = await seatDiner(s, sessionId);
      const r = roundArgs(sessionId, demo.centro.id, [{}, { dinerId: beto.dinerId }]);
      await applied(s, ana.token, 'round.submit', r);
      const items = await s.db.query<{ id: string; diner_id: string }>(
        'SELECT id, diner_id FROM round_item WHERE round_id = $1',
        [r.roundId],
      );
      const dinerOf = Object.fromEntries(items.map((i) => [i.id, i.diner_id]));
      expect(dinerOf[r.items[0]!.id]).toBe(ana.dinerId);
      expect(dinerOf[r.items[1]!.id]).toBe(beto.dinerId);

      const elsewhere = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id)[8]!.id);
      const stranger = await seatDiner(s, elsewhere);
      await refused(
        ana.token,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ dinerId: stranger.dinerId }]),
        'VALIDATION_FAILED',
      );
      await refused(
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ dinerId: stranger.dinerId }]),
        'VALIDATION_FAILED',
      );
    });

    it('refuses two items with the same id', async () => {
      const r = roundArgs(sessionId, demo.centro.id, [{}, {}]);
      r.items[1]!.id = r.items[0]!.id;
      await refused(t.waiterCentro, 'round.submit', r, 'VALIDATION_FAILED');
    });
  });
});
