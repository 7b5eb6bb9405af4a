import { describe, expect, it } from 'vitest';
import { effectsOf } from '../overlay/effects.ts';
import type { ShapeSchema } from '../types.ts';
import { PgliteStore } from './pglite-store.ts';

const ROUND: ShapeSchema = {
  id: { type: 'uuid', pk_index: 0, not_null: true },
  session_id: { type: 'uuid' },
  number: { type: 'int4' },
  status: { type: 'text' },
  tags: { type: 'text', dims: 1 },
  total_cents: { type: 'int8' },
  updated_at: { type: 'timestamptz' },
};
const R1 = '00000000-0000-4000-8000-000000000001';
const R2 = '00000000-0000-4000-8000-000000000002';
const S1 = '00000000-0000-4000-8000-0000000000aa';
const M = (n: number) => `00000000-0000-4000-8000-1000000000${String(n).padStart(2, '0')}`;
const pos = (offset: string) => ({ handle: 'h1', offset });

async function storeWithRounds() {
  const store = new PgliteStore();
  await store.open();
  await store.applyShape({
    shape: 'rounds',
    table: 'round',
    schema: ROUND,
    replace: true,
    txids: [],
    position: pos('0_0'),
    changes: [
      {
        op: 'insert',
        key: R1,
        value: {
          id: R1,
          session_id: S1,
          number: 1,
          status: 'IN_KITCHEN',
          tags: ['a'],
          total_cents: 1200,
          updated_at: '2026-01-01 10:00:00+00',
        },
      },
    ],
  });
  return store;
}

const rounds = (s: PgliteStore) =>
  s.query<{ id: string; status: string; number: number; _pending: boolean }>(
    'SELECT id, status, number, _pending FROM round ORDER BY number',
  );

// Each test opens its own PGlite (2-3 s cold, much more on a loaded machine).
describe('PGlite store: replica, overlay, outbox', { timeout: 120_000 }, () => {
  it('applies inserts, partial updates and deletes, and stores the position with them', async () => {
    const store = await storeWithRounds();
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: ROUND,
      replace: false,
      txids: ['77'],
      position: pos('5_0'),
      changes: [
        { op: 'update', key: R1, value: { id: R1, status: 'READY' } },
        {
          op: 'insert',
          key: R2,
          value: {
            id: R2,
            session_id: S1,
            number: 2,
            status: 'SUBMITTED',
            tags: [],
            total_cents: 0,
            updated_at: null,
          },
        },
      ],
    });
    expect(await rounds(store)).toEqual([
      { id: R1, status: 'READY', number: 1, _pending: false },
      { id: R2, status: 'SUBMITTED', number: 2, _pending: false },
    ]);
    const [row] = await store.query<{ tags: string[]; total_cents: number }>(
      'SELECT tags, total_cents FROM round WHERE id = $1',
      [R1],
    );
    expect(row).toMatchObject({ tags: ['a'] });
    expect(Number(row!.total_cents)).toBe(1200);
    expect(await store.position('rounds')).toEqual(pos('5_0'));
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: ROUND,
      replace: false,
      txids: [],
      position: pos('6_0'),
      changes: [{ op: 'delete', key: R2, value: { id: R2 } }],
    });
    expect((await rounds(store)).map((r) => r.id)).toEqual([R1]);
    await store.close();
  });

  it('shows a pending status step on top, then the synced row once its txid arrives', async () => {
    const store = await storeWithRounds();
    const effects = await effectsOf('round.ready', { roundId: R1 }, store, { kind: 'staff' });
    expect(effects).toHaveLength(1);
    await store.enqueue({ id: M(1), name: 'round.ready', args: { roundId: R1 }, createdAt: 1 }, effects);
    expect(await rounds(store)).toEqual([{ id: R1, status: 'READY', number: 1, _pending: true }]);
    await store.settle([{ id: M(1), status: 'applied', txid: '901' }], () => []);
    expect(await store.counts()).toEqual({ pending: 0, rejected: 0, confirming: 1 });
    // Still pending-looking until the write comes back: no flicker to IN_KITCHEN.
    expect(await rounds(store)).toEqual([{ id: R1, status: 'READY', number: 1, _pending: true }]);
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: ROUND,
      replace: false,
      txids: ['901'],
      position: pos('9_0'),
      changes: [{ op: 'update', key: R1, value: { id: R1, status: 'READY' } }],
    });
    expect(await rounds(store)).toEqual([{ id: R1, status: 'READY', number: 1, _pending: false }]);
    expect(await store.counts()).toEqual({ pending: 0, rejected: 0, confirming: 0 });
    await store.close();
  });

  it('keeps the rows when the same schema comes back with its keys in another order, and keeps columns on a change', async () => {
    const store = await storeWithRounds();
    const reordered = Object.fromEntries(Object.entries(ROUND).reverse()) as ShapeSchema;
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: reordered,
      replace: false,
      txids: [],
      position: pos('7_0'),
      changes: [],
    });
    expect((await rounds(store)).map((r) => r.id)).toEqual([R1]);
    const widened: ShapeSchema = { ...ROUND, notes: { type: 'text' } };
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: widened,
      replace: false,
      txids: [],
      position: pos('8_0'),
      changes: [{ op: 'update', key: R1, value: { id: R1, notes: 'sin sal' } }],
    });
    expect(await store.query('SELECT id, status, notes FROM round')).toEqual([
      { id: R1, status: 'IN_KITCHEN', notes: 'sin sal' },
    ]);
    await store.close();
  });

  it('does not invent a move the status machine forbids', async () => {
    const store = await storeWithRounds();
    expect(await effectsOf('round.served', { roundId: R1 }, store, { kind: 'staff' })).toEqual([]);
    await store.close();
  });

  it('rolls back only the rejected mutation, keeping the others and the synced rows', async () => {
    const store = await storeWithRounds();
    const submit = { roundId: R2, sessionId: S1, items: [] };
    await store.enqueue(
      { id: M(1), name: 'round.submit', args: submit, createdAt: 1 },
      await effectsOf('round.submit', { ...submit, items: [] } as never, store, { kind: 'staff' }),
    );
    await store.enqueue(
      { id: M(2), name: 'round.ready', args: { roundId: R1 }, createdAt: 2 },
      await effectsOf('round.ready', { roundId: R1 }, store, { kind: 'staff' }),
    );
    expect(await rounds(store)).toEqual([
      { id: R1, status: 'READY', number: 1, _pending: true },
      { id: R2, status: 'IN_KITCHEN', number: 2, _pending: true },
    ]);
    await store.settle(
      [{ id: M(2), status: 'rejected', code: 'INVALID_TRANSITION', message: 'no' }],
      () => [],
    );
    expect(await rounds(store)).toEqual([
      { id: R1, status: 'IN_KITCHEN', number: 1, _pending: false },
      { id: R2, status: 'IN_KITCHEN', number: 2, _pending: true },
    ]);
    expect(await store.rejections()).toMatchObject([
      { id: M(2), name: 'round.ready', code: 'INVALID_TRANSITION', args: { roundId: R1 } },
    ]);
    expect((await store.pending(10)).map((e) => e.id)).toEqual([M(1)]);
    await store.close();
  });

  it('drops an applied overlay at once when its txid was already seen on that table', async () => {
    const store = await storeWithRounds();
    await store.enqueue(
      { id: M(3), name: 'round.ready', args: { roundId: R1 }, createdAt: 1 },
      await effectsOf('round.ready', { roundId: R1 }, store, { kind: 'staff' }),
    );
    await store.settle([{ id: M(3), status: 'applied', txid: '55' }], (t) => (t === '55' ? ['round'] : []));
    expect(await store.counts()).toEqual({ pending: 0, rejected: 0, confirming: 0 });
    expect((await rounds(store))[0]!._pending).toBe(false);
    await store.close();
  });

  it('replaces the rows cleanly on a full refetch and wipes everything on sign-out', async () => {
    const store = await storeWithRounds();
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: ROUND,
      replace: true,
      txids: [],
      position: { handle: 'h2', offset: '0_0' },
      changes: [{ op: 'insert', key: R2, value: { id: R2, number: 2, status: 'SERVED' } }],
    });
    expect((await rounds(store)).map((r) => r.id)).toEqual([R2]);
    await store.enqueue({ id: M(4), name: 'round.ready', args: { roundId: R1 }, createdAt: 1 }, []);
    await store.wipe();
    expect(await store.counts()).toEqual({ pending: 0, rejected: 0, confirming: 0 });
    expect(await store.position('rounds')).toBeUndefined();
    expect(store.has('round')).toBe(false);
    await expect(store.query('SELECT * FROM round')).rejects.toThrow();
    await store.close();
  });
});
