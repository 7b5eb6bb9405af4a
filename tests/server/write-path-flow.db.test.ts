import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { applied, one, openTable, roundArgs, seatDiner, type Staff, startFloor } from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

describe('a table from seating to clearing', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  beforeAll(async () => {
    ({ s, t } = await startFloor());
  });
  afterAll(() => s?.close());

  it('says in Server-Timing how long the batch took to commit', async () => {
    const sent = performance.now();
    const res = await fetch(`${s.url}/api/mutations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.waiterCentro}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        mutations: [
          {
            id: randomUUID(),
            name: 'session.open',
            args: { sessionId: randomUUID(), tableId: demo.tables(demo.centro.id)[2]!.id },
          },
        ],
      }),
    });
    const roundTrip = performance.now() - sent;
    expect(((await res.json()) as { results: { status: string }[] }).results[0]!.status).toBe('applied');
    const dur = Number(/^commit;dur=(\d+(?:\.\d)?)$/.exec(res.headers.get('server-timing') ?? '')?.[1]);
    expect(dur).toBeGreaterThan(0);
    expect(dur).toBeLessThan(roundTrip);
  });

  it('seats, orders, cooks, serves, bills, pays and clears', async () => {
    const table = demo.tables(demo.centro.id)[1]!;
    const sessionId = await openTable(s, t.waiterCentro, table.id);
    const diner = await seatDiner(s, sessionId);
    const dinerRound = roundArgs(sessionId, demo.centro.id, [{ qty: 2 }, {}]);
    expect(await one(s, diner.token, 'round.submit', dinerRound)).toMatchObject({ status: 'applied' });
    await applied(s, t.waiterCentro, 'round.confirm', { roundId: dinerRound.roundId });
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: dinerRound.roundId });
    await applied(s, t.waiterCentro, 'round.served', { roundId: dinerRound.roundId });
    const checkId = randomUUID();
    const r = await applied(s, diner.token, 'check.request', { checkId, sessionId });
    expect(r).toMatchObject({ data: { checkId } });
    const [check] = await s.db.query<{ total_cents: number }>(
      'SELECT total_cents FROM dining_check WHERE id = $1',
      [checkId],
    );
    await applied(s, t.waiterCentro, 'payment.record', {
      paymentId: randomUUID(),
      checkId,
      method: 'CASH',
      amountCents: check!.total_cents,
      tipCents: 100,
    });
    await applied(s, t.waiterCentro, 'table.clear', { tableId: table.id });
    const events = await s.db.query<{ type: string }>(
      'SELECT type FROM event WHERE session_id = $1 ORDER BY id',
      [sessionId],
    );
    expect(events.map((e) => e.type)).toEqual([
      'SESSION_OPENED',
      'DINER_JOINED',
      'ROUND_SUBMITTED',
      'ROUND_IN_KITCHEN',
      'ROUND_READY',
      'ROUND_SERVED',
      'CHECK_REQUESTED',
      'PAYMENT_APPROVED',
      'CHECK_PAID',
      'TABLE_CLEARED',
    ]);
  });
});
