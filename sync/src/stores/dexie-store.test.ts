import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { effectsOf } from '../overlay/effects.ts';
import type { ShapeSchema } from '../types.ts';
import { DexieStore } from './dexie-store.ts';

// fake-indexeddb only here (Node has no IndexedDB); the browser test runs the real one in Chromium.
const ROUND: ShapeSchema = {
  id: { type: 'uuid', pk_index: 0 },
  session_id: { type: 'uuid' },
  number: { type: 'int4' },
  status: { type: 'text' },
};
const R1 = '00000000-0000-4000-8000-000000000001';
const R2 = '00000000-0000-4000-8000-000000000002';
const S1 = '00000000-0000-4000-8000-0000000000aa';
const M = (n: number) => `00000000-0000-4000-8000-1000000000${String(n).padStart(2, '0')}`;

async function open(name: string) {
  const store = new DexieStore({ name });
  await store.open();
  return store;
}
const view = async (s: DexieStore) =>
  (await s.rows('round'))
    .sort((a, b) => Number(a.number) - Number(b.number))
    .map((r) => [r.id, r.status, r._pending]);

describe('Dexie store', () => {
  it('replicates, overlays, confirms by txid, rolls back one rejection, and survives a reopen', async () => {
    const store = await open('menu-1');
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: ROUND,
      replace: true,
      txids: [],
      position: { handle: 'h', offset: '0_0' },
      changes: [
        { op: 'insert', key: R1, value: { id: R1, session_id: S1, number: 1, status: 'IN_KITCHEN' } },
      ],
    });
    const seen: unknown[][] = [];
    const off = store.live('round', (rows) => seen.push(rows.map((r) => r.status)));
    await store.enqueue(
      { id: M(1), name: 'round.ready', args: { roundId: R1 }, createdAt: 1 },
      await effectsOf('round.ready', { roundId: R1 }, store, { kind: 'staff' }),
    );
    const submit = { roundId: R2, sessionId: S1, items: [{ id: M(9), productId: M(8), qty: 1 }] };
    await store.enqueue(
      { id: M(2), name: 'round.submit', args: submit, createdAt: 2 },
      await effectsOf('round.submit', submit, store, { kind: 'diner' }),
    );
    expect(await view(store)).toEqual([
      [R1, 'READY', true],
      [R2, 'SUBMITTED', true],
    ]);
    await store.settle(
      [
        { id: M(1), status: 'applied', txid: '10' },
        { id: M(2), status: 'rejected', code: 'PRODUCT_UNAVAILABLE', message: 'Sin stock' },
      ],
      () => [],
    );
    expect(await view(store)).toEqual([[R1, 'READY', true]]);
    await store.applyShape({
      shape: 'rounds',
      table: 'round',
      schema: ROUND,
      replace: false,
      txids: ['10'],
      position: { handle: 'h', offset: '3_0' },
      changes: [{ op: 'update', key: R1, value: { id: R1, status: 'READY' } }],
    });
    expect(await view(store)).toEqual([[R1, 'READY', false]]);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.at(-1)).toEqual(['READY']);
    off();
    await store.close();
    const again = await open('menu-1');
    expect(await again.position('rounds')).toEqual({ handle: 'h', offset: '3_0' });
    expect(await again.rejections()).toMatchObject([
      { id: M(2), code: 'PRODUCT_UNAVAILABLE', message: 'Sin stock' },
    ]);
    expect(await again.counts()).toEqual({ pending: 0, rejected: 1, confirming: 0 });
    await again.wipe();
    expect(await again.rows('round')).toEqual([]);
    await again.close();
  });
});
