import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { joinAsDiner } from '../support/diner.ts';
import { applied, one, roundArgs, snapshot, type Staff, startFloor } from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

const tables = demo.tables(demo.centro.id);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('what a diner token reaches', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  beforeAll(async () => {
    ({ s, t } = await startFloor());
  });
  afterAll(() => s?.close());

  /** The status /api/mutations answers a diner's harmless request: 200 while the token is alive. */
  const alive = async (token: string) => {
    const res = await s.fetch('/api/mutations', {
      token,
      json: { mutations: [{ id: randomUUID(), name: 'round.confirm', args: { roundId: randomUUID() } }] },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('dies when the waiter clears the table, and the next scan opens a new session', async () => {
    const table = tables[0]!;
    const ana = await joinAsDiner(s, table.id, 'Ana');
    const round = roundArgs(ana.sessionId, demo.centro.id, [{ qty: 2 }]);
    expect(await one(s, ana.dinerToken, 'round.submit', round)).toMatchObject({ status: 'applied' });
    await applied(s, t.waiterCentro, 'round.confirm', { roundId: round.roundId });
    await applied(s, t.kitchenCentro, 'round.ready', { roundId: round.roundId });
    await applied(s, t.waiterCentro, 'round.served', { roundId: round.roundId });
    const checkId = randomUUID();
    await applied(s, ana.dinerToken, 'check.request', { checkId, sessionId: ana.sessionId });
    const [check] = await s.db.query<{ total_cents: number }>(
      'SELECT total_cents FROM dining_check WHERE id = $1',
      [checkId],
    );
    await applied(s, t.waiterCentro, 'payment.record', {
      paymentId: randomUUID(),
      checkId,
      method: 'CARD',
      amountCents: check!.total_cents,
    });
    expect((await alive(ana.dinerToken)).status).toBe(200);

    await applied(s, t.waiterCentro, 'table.clear', { tableId: table.id });
    const dead = await alive(ana.dinerToken);
    expect(dead).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'This table session has been closed.' } },
    });
    // Nothing the dead token sends is written.
    const before = await snapshot(s);
    const late = await s.fetch('/api/mutations', {
      token: ana.dinerToken,
      json: {
        mutations: [
          { id: randomUUID(), name: 'round.submit', args: roundArgs(ana.sessionId, demo.centro.id) },
        ],
      },
    });
    expect(late.status).toBe(401);
    expect(await snapshot(s)).toEqual(before);

    // New guests at the same table get a new session; Ana's old token stays dead.
    const next = await joinAsDiner(s, table.id);
    expect(next.sessionId).not.toBe(ana.sessionId);
    expect((await alive(next.dinerToken)).status).toBe(200);
    expect((await alive(ana.dinerToken)).status).toBe(401);
  });

  it("can't order, call or ask for the check on another table's session", async () => {
    const mine = await joinAsDiner(s, tables[1]!.id);
    const theirs = await joinAsDiner(s, tables[2]!.id);
    const norte = await joinAsDiner(s, demo.tables(demo.norte.id)[3]!.id);
    await applied(s, theirs.dinerToken, 'round.submit', roundArgs(theirs.sessionId, demo.centro.id));
    const before = await snapshot(s);
    for (const other of [theirs, norte]) {
      const attempts = [
        ['round.submit', roundArgs(other.sessionId, other.branchId)],
        ['serviceCall.create', { serviceCallId: randomUUID(), sessionId: other.sessionId, kind: 'WAITER' }],
        ['check.request', { checkId: randomUUID(), sessionId: other.sessionId }],
      ] as const;
      for (const [name, args] of attempts) {
        const r = await one(s, mine.dinerToken, name, args);
        expect(r.status, name).toBe('rejected');
        expect(['FORBIDDEN', 'NOT_FOUND'], name).toContain(r.status === 'rejected' ? r.code : '');
      }
    }
    // Round ids of another session: staff-only moves, and never reachable by a diner.
    const [theirRound] = await s.db.query<{ id: string }>('SELECT id FROM round WHERE session_id = $1', [
      theirs.sessionId,
    ]);
    for (const name of ['round.confirm', 'round.cancel'])
      expect(
        await one(s, mine.dinerToken, name, {
          roundId: theirRound!.id,
          ...(name === 'round.cancel' ? { reason: 'x' } : {}),
        }),
      ).toMatchObject({
        status: 'rejected',
        code: 'FORBIDDEN',
      });
    // Ordering in my session but charging it to a diner of another table.
    const charged = roundArgs(mine.sessionId, demo.centro.id, [{ dinerId: theirs.dinerId }]);
    expect((await one(s, mine.dinerToken, 'round.submit', charged)).status).toBe('rejected');
    expect(await snapshot(s)).toEqual(before);
  });

  it('refuses a diner token re-pointed at another session', async () => {
    const mine = await joinAsDiner(s, tables[3]!.id);
    const theirs = await joinAsDiner(s, tables[4]!.id);
    const [h, p, sig] = mine.dinerToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const moved = `${h}.${b64({ ...claims, sid: theirs.sessionId, tbl: theirs.tableId })}.${sig}`;
    const r = await alive(moved);
    expect(r.status).toBe(401);
  });
});
