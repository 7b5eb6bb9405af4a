import { ROUND_STATUSES, type RoundStatus } from '@comanda/schema';
import { describe, expect, it } from 'vitest';
import {
  type BranchOffer,
  ensureRoundMove,
  initialRoundStatus,
  priceRoundItems,
  roundTotal,
} from './round.ts';

describe('ensureRoundMove', () => {
  const allowed = new Set([
    'SUBMITTED>IN_KITCHEN',
    'SUBMITTED>CANCELED',
    'IN_KITCHEN>READY',
    'IN_KITCHEN>CANCELED',
    'READY>SERVED',
  ]);
  const all = ROUND_STATUSES.flatMap((from) =>
    ROUND_STATUSES.map((to) => [from, to] as [RoundStatus, RoundStatus]),
  );
  it.each(all)('%s -> %s', (from, to) => {
    const e = ensureRoundMove({ id: 'r', number: 3, status: from }, to);
    expect(e?.code).toBe(allowed.has(`${from}>${to}`) ? undefined : 'INVALID_TRANSITION');
  });

  it('starts a staff round in the kitchen and a diner round waiting', () => {
    expect(initialRoundStatus('staff')).toBe('IN_KITCHEN');
    expect(initialRoundStatus('diner')).toBe('SUBMITTED');
  });
});

describe('priceRoundItems', () => {
  const offer = new Map<string, BranchOffer>([
    ['bife', { name: 'Bife de chorizo', priceCents: 2500000, isAvailable: true }],
    ['flan', { name: 'Flan', priceCents: 600000, isAvailable: true }],
    ['trucha', { name: 'Trucha', priceCents: 1990000, isAvailable: false }],
  ]);
  const diners = new Set(['ana', 'beto']);
  const item = (id: string, productId: string, extra: { qty?: number; dinerId?: string } = {}) => ({
    id,
    productId,
    qty: 1,
    ...extra,
  });

  it.each([
    ['a product switched off', [item('1', 'trucha')], 'PRODUCT_UNAVAILABLE'],
    ['a product the branch does not sell', [item('1', 'bife'), item('2', 'otro')], 'PRODUCT_UNAVAILABLE'],
    ['two items with one id', [item('1', 'bife'), item('1', 'flan')], 'VALIDATION_FAILED'],
    ['a diner of another table', [item('1', 'bife', { dinerId: 'intruso' })], 'VALIDATION_FAILED'],
  ])('rejects %s', (_name, items, code) => {
    expect(priceRoundItems(items, offer, diners, null)).toMatchObject({ code });
  });

  it('captures name and price, and gives a diner their own items unless they name another diner', () => {
    const priced = priceRoundItems(
      [item('1', 'bife', { qty: 2 }), item('2', 'flan', { dinerId: 'beto' })],
      offer,
      diners,
      'ana',
    );
    expect(priced).toEqual([
      {
        id: '1',
        productId: 'bife',
        productName: 'Bife de chorizo',
        qty: 2,
        unitPriceCents: 2500000,
        notes: null,
        dinerId: 'ana',
      },
      {
        id: '2',
        productId: 'flan',
        productName: 'Flan',
        qty: 1,
        unitPriceCents: 600000,
        notes: null,
        dinerId: 'beto',
      },
    ]);
    expect(roundTotal(priced as { qty: number; unitPriceCents: number }[])).toBe(5600000);
  });

  it('leaves a waiter round without diner unless one is named', () => {
    expect(priceRoundItems([item('1', 'flan')], offer, diners, null)).toMatchObject([{ dinerId: null }]);
  });
});
