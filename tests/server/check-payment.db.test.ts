import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
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

describe('check.request and payment.record', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  const tables = demo.tables(demo.centro.id);
  const [p1, p2, p3] = demo.products(demo.centro.id);
  beforeAll(async () => {
    ({ s, t } = await startFloor());
  });
  afterAll(() => s?.close());

  const checkRow = async (id: string) =>
    (
      await s.db.query<{
        status: string;
        total_cents: number;
        paid_cents: number;
        tip_cents: number;
        paid_at: Date | null;
      }>('SELECT status, total_cents, paid_cents, tip_cents, paid_at FROM dining_check WHERE id = $1', [id])
    )[0];
  const pay = (checkId: string, amountCents: number, tipCents?: number) =>
    one(s, t.waiterCentro, 'payment.record', {
      paymentId: randomUUID(),
      checkId,
      method: 'CASH',
      amountCents,
      ...(tipCents === undefined ? {} : { tipCents }),
    });
  async function refusedPayment(checkId: string, amountCents: number, code: string) {
    const before = await snapshot(s);
    expect(await pay(checkId, amountCents)).toMatchObject({ status: 'rejected', code });
    expect(await snapshot(s)).toEqual(before);
  }

  it('totals the non-canceled items and answers again with the same check', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[0]!.id);
    const a = roundArgs(sessionId, demo.centro.id, [{ productId: p1!.id, qty: 2 }, { productId: p2!.id }]);
    const b = roundArgs(sessionId, demo.centro.id, [{ productId: p3!.id, qty: 5 }]);
    await applied(s, t.waiterCentro, 'round.submit', a);
    await applied(s, t.waiterCentro, 'round.submit', b);
    await applied(s, t.waiterCentro, 'round.cancel', { roundId: b.roundId, reason: 'Sin stock' });
    const total = 2 * priceIn(demo.centro.id, p1!.id) + priceIn(demo.centro.id, p2!.id);

    const diner = await seatDiner(s, sessionId);
    const checkId = randomUUID();
    expect(await one(s, diner.token, 'check.request', { checkId, sessionId })).toMatchObject({
      status: 'applied',
      data: { checkId },
    });
    expect(await checkRow(checkId)).toMatchObject({ status: 'OPEN', total_cents: total, paid_cents: 0 });

    // Asking again (another phone, another id) gets the same check; no second check appears.
    const again = await one(s, t.waiterCentro, 'check.request', { checkId: randomUUID(), sessionId });
    expect(again).toMatchObject({ status: 'applied', data: { checkId } });
    const checks = await s.db.query('SELECT id FROM dining_check WHERE session_id = $1', [sessionId]);
    expect(checks).toEqual([{ id: checkId }]);
    expect(await checkRow(checkId)).toMatchObject({ total_cents: total });
  });

  it('adds partial payments up, refuses paying more than owed (OVERPAYMENT), and is PAID exactly at the total', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[1]!.id);
    await applied(
      s,
      t.waiterCentro,
      'round.submit',
      roundArgs(sessionId, demo.centro.id, [{ productId: p1!.id, qty: 3 }]),
    );
    const total = 3 * priceIn(demo.centro.id, p1!.id);
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });

    expect(await pay(checkId, 1000, 500)).toMatchObject({ status: 'applied' });
    expect(await checkRow(checkId)).toMatchObject({ status: 'OPEN', paid_cents: 1000, tip_cents: 500 });
    await refusedPayment(checkId, total - 1000 + 1, 'OVERPAYMENT');
    const r = await pay(checkId, total - 2000);
    expect(r.status).toBe('applied');
    expect(await checkRow(checkId)).toMatchObject({ status: 'OPEN', paid_cents: total - 1000 });
    expect(
      await s.db.query("SELECT 1 FROM event WHERE type = 'CHECK_PAID' AND entity_id = $1", [checkId]),
    ).toHaveLength(0);

    expect(await pay(checkId, 1000, 2500)).toMatchObject({ status: 'applied' });
    const paid = await checkRow(checkId);
    expect(paid).toMatchObject({ status: 'PAID', total_cents: total, paid_cents: total, tip_cents: 3000 });
    expect(paid!.paid_at).toBeInstanceOf(Date);
    const events = await s.db.query<{ type: string }>(
      "SELECT type FROM event WHERE session_id = $1 AND type IN ('PAYMENT_APPROVED', 'CHECK_PAID') ORDER BY id",
      [sessionId],
    );
    expect(events.map((e) => e.type)).toEqual([
      'PAYMENT_APPROVED',
      'PAYMENT_APPROVED',
      'PAYMENT_APPROVED',
      'CHECK_PAID',
    ]);
    const payments = await s.db.query<{ sum: number }>(
      'SELECT sum(amount_cents)::int8 AS sum FROM payment WHERE check_id = $1',
      [checkId],
    );
    expect(payments[0]!.sum).toBe(total);
    await refusedPayment(checkId, 1, 'OVERPAYMENT');
  });

  it('reopens a paid check when a dessert is ordered afterwards, and a cancel that pays it off closes it', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[2]!.id);
    const main = roundArgs(sessionId, demo.centro.id, [{ productId: p1!.id }]);
    await applied(s, t.waiterCentro, 'round.submit', main);
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: main.roundId });
    await applied(s, t.waiterCentro, 'round.served', { roundId: main.roundId });
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
    const first = priceIn(demo.centro.id, p1!.id);
    await pay(checkId, first);
    expect(await checkRow(checkId)).toMatchObject({ status: 'PAID' });

    const dessert = roundArgs(sessionId, demo.centro.id, [{ productId: p2!.id }]);
    await applied(s, t.waiterCentro, 'round.submit', dessert);
    expect(await checkRow(checkId)).toMatchObject({
      status: 'OPEN',
      total_cents: first + priceIn(demo.centro.id, p2!.id),
      paid_cents: first,
      paid_at: null,
    });
    expect(await one(s, t.waiterCentro, 'table.clear', { tableId: tables[2]!.id })).toMatchObject({
      code: 'ROUNDS_PENDING',
    });
    await applied(s, t.waiterCentro, 'round.cancel', { roundId: dessert.roundId, reason: 'Se arrepintió' });
    expect(await checkRow(checkId)).toMatchObject({ status: 'PAID', total_cents: first });
    await applied(s, t.waiterCentro, 'table.clear', { tableId: tables[2]!.id });
  });

  it('refuses canceling a round the payments already cover (no refunds in the write path)', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[3]!.id);
    const a = roundArgs(sessionId, demo.centro.id, [{ productId: p1!.id }]);
    await applied(s, t.waiterCentro, 'round.submit', a);
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
    await pay(checkId, priceIn(demo.centro.id, p1!.id));
    const before = await snapshot(s);
    expect(await one(s, t.waiterCentro, 'round.cancel', { roundId: a.roundId, reason: 'x' })).toMatchObject({
      code: 'INVALID_TRANSITION',
    });
    expect(await snapshot(s)).toEqual(before);
  });

  it('refuses a check for a closed session and a payment on an unknown check', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[4]!.id);
    await applied(s, t.waiterCentro, 'table.clear', { tableId: tables[4]!.id });
    const before = await snapshot(s);
    expect(await one(s, t.waiterCentro, 'check.request', { checkId: randomUUID(), sessionId })).toMatchObject(
      {
        code: 'SESSION_NOT_OPEN',
      },
    );
    expect(await pay(randomUUID(), 100)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await snapshot(s)).toEqual(before);
  });
});
