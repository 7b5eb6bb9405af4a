import type { ErrorCode } from '@comanda/schema';
import { describe, expect, it } from 'vitest';
import type { CheckRow, RoundRow, SessionRow } from './rows.ts';
import { canClearTable } from './table.ts';

const open: SessionRow = { id: 's', status: 'OPEN' };
const closed: SessionRow = { id: 's', status: 'CLOSED' };
const round = (number: number, status: RoundRow['status']): RoundRow => ({
  id: `r${number}`,
  number,
  status,
});
const check = (status: CheckRow['status'], totalCents: number, paidCents: number): CheckRow => ({
  id: 'c',
  status,
  totalCents,
  paidCents,
});

const cases: [string, SessionRow | undefined, CheckRow | undefined, RoundRow[], ErrorCode | undefined][] = [
  ['no session', undefined, undefined, [], 'SESSION_NOT_OPEN'],
  ['closed session', closed, check('PAID', 100, 100), [round(1, 'SERVED')], 'SESSION_NOT_OPEN'],
  ['nothing ordered, no check', open, undefined, [], undefined],
  ['every round canceled, no check', open, undefined, [round(1, 'CANCELED')], undefined],
  [
    'a round SUBMITTED',
    open,
    check('PAID', 100, 100),
    [round(1, 'SERVED'), round(2, 'SUBMITTED')],
    'ROUNDS_PENDING',
  ],
  ['a round IN_KITCHEN', open, undefined, [round(1, 'IN_KITCHEN')], 'ROUNDS_PENDING'],
  ['a round READY', open, check('OPEN', 100, 0), [round(1, 'READY')], 'ROUNDS_PENDING'],
  ['served, no check', open, undefined, [round(1, 'SERVED')], 'CHECK_NOT_PAID'],
  ['served, check open', open, check('OPEN', 100, 0), [round(1, 'SERVED')], 'CHECK_NOT_PAID'],
  ['served, partly paid', open, check('OPEN', 100, 99), [round(1, 'SERVED')], 'CHECK_NOT_PAID'],
  ['served, paid', open, check('PAID', 100, 100), [round(1, 'SERVED'), round(2, 'CANCELED')], undefined],
];

describe('canClearTable', () => {
  it.each(cases)('%s', (_name, session, chk, rounds, expected) => {
    expect(canClearTable(session, chk, rounds)?.code).toBe(expected);
  });

  it('names the pending rounds', () => {
    const e = canClearTable(open, undefined, [round(1, 'SERVED'), round(2, 'READY'), round(3, 'IN_KITCHEN')]);
    expect(e?.message).toContain('2, 3');
  });
});
