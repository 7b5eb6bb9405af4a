import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { applied, one, openTable, priceIn, roundArgs, type Staff, startFloor } from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

// Real concurrency needs real PostgreSQL: PGlite runs one transaction at a time.
describe('concurrent writers on PostgreSQL', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  const tables = demo.tables(demo.centro.id);
  beforeAll(async () => {
    ({ s, t } = await startFloor());
    expect(s.kind).toBe('postgres');
  });
  afterAll(() => s?.close());

  it('keeps one session when two waiters open the same table at the same moment', async () => {
    for (const table of tables.slice(0, 5)) {
      const [a, b] = await Promise.all([
        one(s, t.waiterCentro, 'session.open', { sessionId: randomUUID(), tableId: table.id }),
        one(s, t.waiter2Centro, 'session.open', { sessionId: randomUUID(), tableId: table.id }),
      ]);
      expect([a.status, b.status].sort()).toEqual(['applied', 'rejected']);
      expect([a, b].find((r) => r.status === 'rejected')).toMatchObject({ code: 'TABLE_BUSY' });
      const open = await s.db.query("SELECT id FROM table_session WHERE table_id = $1 AND status = 'OPEN'", [
        table.id,
      ]);
      expect(open).toHaveLength(1);
    }
  });

  it('rejects exactly one of two payments that together overpay', async () => {
    const p = demo.products(demo.centro.id)[0]!;
    const total = 2 * priceIn(demo.centro.id, p.id);
    // Several tables, several races: one lucky interleaving must not make this pass.
    for (const table of [tables[6]!, tables[10]!, tables[11]!]) {
      const sessionId = await openTable(s, t.waiterCentro, table.id);
      await applied(
        s,
        t.waiterCentro,
        'round.submit',
        roundArgs(sessionId, demo.centro.id, [{ productId: p.id, qty: 2 }]),
      );
      const checkId = randomUUID();
      await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
      const amountCents = Math.ceil(total * 0.6);
      const pay = (who: Staff) =>
        one(s, t[who], 'payment.record', { paymentId: randomUUID(), checkId, method: 'CARD', amountCents });
      const results = await Promise.all([pay('waiterCentro'), pay('waiter2Centro')]);
      expect(results.map((r) => r.status).sort()).toEqual(['applied', 'rejected']);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ code: 'OVERPAYMENT' });
      const [after] = await s.db.query<{ paid_cents: number; status: string }>(
        'SELECT paid_cents, status FROM dining_check WHERE id = $1',
        [checkId],
      );
      expect(after).toEqual({ paid_cents: amountCents, status: 'OPEN' });
      const payments = await s.db.query('SELECT 1 FROM payment WHERE check_id = $1', [checkId]);
      expect(payments).toHaveLength(1);
    }
  });

  it('pays a check exactly to PAID when concurrent payments add up to the total', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[7]!.id);
    const p = demo.products(demo.centro.id)[1]!;
    await applied(
      s,
      t.waiterCentro,
      'round.submit',
      roundArgs(sessionId, demo.centro.id, [{ productId: p.id, qty: 4 }]),
    );
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
    const quarter = priceIn(demo.centro.id, p.id);
    const results = await Promise.all(
      (['waiterCentro', 'waiter2Centro', 'managerCentro', 'admin'] as const).map((who) =>
        one(s, t[who], 'payment.record', {
          paymentId: randomUUID(),
          checkId,
          method: 'CASH',
          amountCents: quarter,
        }),
      ),
    );
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    const [c] = await s.db.query<{ status: string; paid_cents: number }>(
      'SELECT status, paid_cents FROM dining_check WHERE id = $1',
      [checkId],
    );
    expect(c).toEqual({ status: 'PAID', paid_cents: 4 * quarter });
    const paidEvents = await s.db.query("SELECT 1 FROM event WHERE type = 'CHECK_PAID' AND entity_id = $1", [
      checkId,
    ]);
    expect(paidEvents).toHaveLength(1);
  });

  it('numbers rounds submitted at the same moment 1..n without gaps and keeps the check total exact', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[8]!.id);
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
    const rounds = Array.from({ length: 12 }, (_, i) =>
      roundArgs(sessionId, demo.centro.id, [{ qty: 1 + (i % 3) }]),
    );
    const results = await Promise.all(
      rounds.map((r, i) => one(s, i % 2 ? t.waiterCentro : t.waiter2Centro, 'round.submit', r)),
    );
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    const numbers = await s.db.query<{ number: number }>(
      'SELECT number FROM round WHERE session_id = $1 ORDER BY number',
      [sessionId],
    );
    expect(numbers.map((n) => n.number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const [sums] = await s.db.query<{ items: number; check: number }>(
      `SELECT (SELECT sum(qty * unit_price_cents) FROM round_item WHERE session_id = $1)::int8 AS items,
         (SELECT total_cents FROM dining_check WHERE id = $2) AS check`,
      [sessionId, checkId],
    );
    expect(sums!.check).toBe(sums!.items);
  });

  it('applies a mutation id sent by many connections at once exactly once', async () => {
    const sessionId = await openTable(s, t.waiterCentro, tables[9]!.id);
    const id = randomUUID();
    const args = roundArgs(sessionId, demo.centro.id, [{}, {}, {}]);
    const results = await Promise.all(
      Array.from({ length: 16 }, () => one(s, t.waiterCentro, 'round.submit', args, id)),
    );
    expect(results[0]!.status).toBe('applied');
    for (const r of results) expect(r).toEqual(results[0]);
    const items = await s.db.query('SELECT 1 FROM round_item WHERE session_id = $1', [sessionId]);
    expect(items).toHaveLength(3);
    const applied = await s.db.query('SELECT 1 FROM applied_mutation WHERE id = $1', [id]);
    expect(applied).toHaveLength(1);
  });
});
