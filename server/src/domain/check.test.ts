import { describe, expect, it } from 'vitest';
import { checkStatusFor, ensurePayable, remainingCents, retotal } from './check.ts';
import type { CheckRow } from './rows.ts';

const check = (totalCents: number, paidCents: number): CheckRow => ({
  id: 'c',
  status: checkStatusFor(paidCents, totalCents),
  totalCents,
  paidCents,
});

describe('checkStatusFor', () => {
  it.each([
    [0, 100, 'OPEN'],
    [99, 100, 'OPEN'],
    [100, 100, 'PAID'],
    [0, 0, 'PAID'],
  ] as const)('paid %i of %i is %s', (paid, total, status) => {
    expect(checkStatusFor(paid, total)).toBe(status);
  });
});

describe('ensurePayable', () => {
  it.each([
    ['partial', check(1000, 0), 400, undefined],
    ['exactly the rest', check(1000, 600), 400, undefined],
    ['one cent over', check(1000, 600), 401, 'OVERPAYMENT'],
    ['already paid', check(1000, 1000), 1, 'OVERPAYMENT'],
  ] as const)('%s', (_name, c, amount, code) => {
    expect(ensurePayable(c, amount)?.code).toBe(code);
  });

  it('tells how much is still owed', () => {
    expect(ensurePayable(check(1000, 600), 500)?.details).toMatchObject({ remainingCents: 400 });
    expect(remainingCents(check(1000, 600))).toBe(400);
  });
});

describe('retotal', () => {
  it.each([
    [
      'a dessert after paying reopens the check',
      check(1000, 1000),
      300,
      { totalCents: 1300, status: 'OPEN' },
    ],
    ['a round added to an open check', check(1000, 200), 500, { totalCents: 1500, status: 'OPEN' }],
    [
      'a cancel that leaves exactly what was paid',
      check(1000, 700),
      -300,
      { totalCents: 700, status: 'PAID' },
    ],
    ['a cancel on an unpaid check', check(1000, 0), -1000, { totalCents: 0, status: 'PAID' }],
  ] as const)('%s', (_name, c, delta, expected) => {
    expect(retotal(c, delta)).toMatchObject(expected);
  });

  it('refuses a cancel that would leave payments above the total', () => {
    expect(retotal(check(1000, 800), -300)).toMatchObject({ code: 'INVALID_TRANSITION' });
  });
});
