import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import {
  applied,
  one,
  openTable,
  roundArgs,
  seatDiner,
  snapshot,
  type Staff,
  startFloor,
} from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

describe('table.clear', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  const tables = demo.tables(demo.centro.id);
  beforeAll(async () => {
    ({ s, t } = await startFloor());
  });
  afterAll(() => s?.close());

  /** Tries to clear and expects `code` with every row as it was. */
  async function refused(tableId: string, code: string) {
    const before = await snapshot(s);
    const r = await one(s, t.waiterCentro, 'table.clear', { tableId });
    expect(r).toMatchObject({ status: 'rejected', code });
    expect(await snapshot(s)).toEqual(before);
  }

  async function tableState(tableId: string) {
    const [row] = await s.db.query<{ status: string }>('SELECT status FROM dining_table WHERE id = $1', [
      tableId,
    ]);
    const sessions = await s.db.query<{ status: string; closed_at: Date | null }>(
      'SELECT status, closed_at FROM table_session WHERE table_id = $1',
      [tableId],
    );
    return { table: row!.status, sessions };
  }

  it('refuses a table with no open session (SESSION_NOT_OPEN)', async () => {
    await refused(tables[2]!.id, 'SESSION_NOT_OPEN');
  });

  it('refuses while a round is SUBMITTED, IN_KITCHEN or READY (ROUNDS_PENDING), even with the check paid', async () => {
    const table = tables[3]!;
    const sessionId = await openTable(s, t.waiterCentro, table.id);
    const diner = await seatDiner(s, sessionId);
    const round = roundArgs(sessionId, demo.centro.id, [{}, {}]);
    await applied(s, diner.token, 'round.submit', round);
    await refused(table.id, 'ROUNDS_PENDING'); // SUBMITTED
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
    const [c] = await s.db.query<{ total_cents: number }>(
      'SELECT total_cents FROM dining_check WHERE id = $1',
      [checkId],
    );
    await applied(s, t.waiterCentro, 'payment.record', {
      paymentId: randomUUID(),
      checkId,
      method: 'CARD',
      amountCents: c!.total_cents,
    });
    await refused(table.id, 'ROUNDS_PENDING');
    await applied(s, t.waiterCentro, 'round.confirm', { roundId: round.roundId });
    await refused(table.id, 'ROUNDS_PENDING'); // IN_KITCHEN
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: round.roundId });
    const r = await one(s, t.waiterCentro, 'table.clear', { tableId: table.id });
    expect(r).toMatchObject({
      code: 'ROUNDS_PENDING',
      details: { rounds: [{ number: 1, status: 'READY' }] },
    });
    await applied(s, t.waiterCentro, 'round.served', { roundId: round.roundId });
    await applied(s, t.waiterCentro, 'table.clear', { tableId: table.id });
  });

  it('refuses until the check is fully paid (CHECK_NOT_PAID), then clears', async () => {
    const table = tables[4]!;
    const sessionId = await openTable(s, t.waiterCentro, table.id);
    const round = roundArgs(sessionId, demo.centro.id, [{ qty: 2 }]);
    await applied(s, t.waiterCentro, 'round.submit', round);
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: round.roundId });
    await applied(s, t.waiterCentro, 'round.served', { roundId: round.roundId });
    await refused(table.id, 'CHECK_NOT_PAID'); // no check yet
    const checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
    await refused(table.id, 'CHECK_NOT_PAID'); // nothing paid
    const [c] = await s.db.query<{ total_cents: number }>(
      'SELECT total_cents FROM dining_check WHERE id = $1',
      [checkId],
    );
    await applied(s, t.waiterCentro, 'payment.record', {
      paymentId: randomUUID(),
      checkId,
      method: 'CASH',
      amountCents: c!.total_cents - 1,
    });
    await refused(table.id, 'CHECK_NOT_PAID'); // one cent short
    await applied(s, t.waiterCentro, 'payment.record', {
      paymentId: randomUUID(),
      checkId,
      method: 'CASH',
      amountCents: 1,
    });
    await applied(s, t.waiterCentro, 'table.clear', { tableId: table.id });
    expect(await tableState(table.id)).toMatchObject({ table: 'FREE', sessions: [{ status: 'CLOSED' }] });
  });

  it('clears a table where nothing was ordered without a check', async () => {
    const table = tables[5]!;
    const sessionId = await openTable(s, t.waiterCentro, table.id);
    const round = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', round);
    await applied(s, t.waiterCentro, 'round.cancel', { roundId: round.roundId, reason: 'Se fueron' });
    await applied(s, t.managerCentro, 'table.clear', { tableId: table.id });
    expect(await tableState(table.id)).toMatchObject({ table: 'FREE', sessions: [{ status: 'CLOSED' }] });
  });

  it('closes the session, frees the table, answers open calls, kills diner tokens, and lets the table open again', async () => {
    const table = tables[6]!;
    const sessionId = await openTable(s, t.waiterCentro, table.id);
    const diner = await seatDiner(s, sessionId);
    await applied(s, diner.token, 'serviceCall.create', {
      serviceCallId: randomUUID(),
      sessionId,
      kind: 'WAITER',
    });
    await applied(s, t.waiter2Centro, 'table.clear', { tableId: table.id });

    const state = await tableState(table.id);
    expect(state.table).toBe('FREE');
    expect(state.sessions).toHaveLength(1);
    expect(state.sessions[0]).toMatchObject({ status: 'CLOSED' });
    expect(state.sessions[0]!.closed_at).toBeInstanceOf(Date);
    const calls = await s.db.query<{ status: string }>(
      'SELECT status FROM service_call WHERE session_id = $1',
      [sessionId],
    );
    expect(calls).toEqual([{ status: 'ACKED' }]);
    const [ev] = await s.db.query<{ payload: { tableCode: string } }>(
      "SELECT payload FROM event WHERE type = 'TABLE_CLEARED' AND session_id = $1",
      [sessionId],
    );
    expect(ev?.payload.tableCode).toBe(table.code);

    // The diner's token died with the session: anything they send now is a 401, and nothing is written.
    const before = await snapshot(s);
    const res = await s.fetch('/api/mutations', {
      token: diner.token,
      json: {
        mutations: [{ id: randomUUID(), name: 'round.submit', args: roundArgs(sessionId, demo.centro.id) }],
      },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect(await snapshot(s)).toEqual(before);

    // A closed session takes no more orders even from staff, and the table can seat new people.
    expect(await one(s, t.waiterCentro, 'round.submit', roundArgs(sessionId, demo.centro.id))).toMatchObject({
      code: 'SESSION_NOT_OPEN',
    });
    await openTable(s, t.waiterCentro, table.id);
    expect((await tableState(table.id)).table).toBe('OCCUPIED');
  });
});
