/** Rules about freeing a table. */
import { type DomainError, domainError, PENDING_ROUND_STATUSES } from '@comanda/schema';
import type { CheckRow, RoundRow, SessionRow } from './rows.ts';

/**
 * Whether the table of `session` can be cleared. ROUNDS_PENDING while any round still needs the kitchen
 * or the waiter; then CHECK_NOT_PAID unless the check is PAID. A session where nothing was served (no
 * rounds, or all canceled) needs no check. SESSION_NOT_OPEN when there is no open session to clear.
 *
 * @example canClearTable({ id, status: 'OPEN' }, undefined, []) // undefined: nothing ordered, free to go
 */
export function canClearTable(
  session: SessionRow | undefined,
  check: CheckRow | undefined,
  rounds: readonly RoundRow[],
): DomainError | undefined {
  if (session?.status !== 'OPEN')
    return domainError('SESSION_NOT_OPEN', 'This table has no open session to clear.');
  const pending = rounds.filter((r) => PENDING_ROUND_STATUSES.includes(r.status));
  if (pending.length > 0)
    return domainError('ROUNDS_PENDING', `${roundList(pending)} not served yet.`, {
      rounds: pending.map((r) => ({ id: r.id, number: r.number, status: r.status })),
    });
  const ordered = rounds.some((r) => r.status !== 'CANCELED');
  if (!ordered) return undefined;
  if (!check) return domainError('CHECK_NOT_PAID', 'The check has not been requested yet.');
  if (check.status !== 'PAID')
    return domainError(
      'CHECK_NOT_PAID',
      `The check still owes ${check.totalCents - check.paidCents} cents.`,
      {
        checkId: check.id,
        totalCents: check.totalCents,
        paidCents: check.paidCents,
      },
    );
  return undefined;
}

const roundList = (rounds: readonly RoundRow[]) =>
  rounds.length === 1
    ? `Round ${rounds[0]!.number} is`
    : `Rounds ${rounds.map((r) => r.number).join(', ')} are`;
