/** Rules about the check: its total, its status, and what a payment may be. */
import { type CheckStatus, type DomainError, domainError } from '@comanda/schema';
import type { CheckRow } from './rows.ts';

/**
 * A check is PAID exactly when what was paid covers the total; a round ordered after paying makes the
 * total grow and the check OPEN again instead of being lost.
 *
 * @example checkStatusFor(5000, 5000) // 'PAID'
 */
export const checkStatusFor = (paidCents: number, totalCents: number): CheckStatus =>
  paidCents >= totalCents ? 'PAID' : 'OPEN';

/** What is still owed. */
export const remainingCents = (check: Pick<CheckRow, 'totalCents' | 'paidCents'>) =>
  Math.max(0, check.totalCents - check.paidCents);

/** OVERPAYMENT when `amountCents` is more than what is still owed (tips go apart and don't count). */
export function ensurePayable(check: CheckRow, amountCents: number): DomainError | undefined {
  const remaining = remainingCents(check);
  if (amountCents > remaining)
    return domainError(
      'OVERPAYMENT',
      remaining === 0
        ? 'This check is already paid.'
        : `Only ${remaining} cents are still owed on this check.`,
      { checkId: check.id, remainingCents: remaining, amountCents },
    );
  return undefined;
}

/**
 * The check after its total changes by `deltaCents` (a round added or canceled). A cancel can't take the
 * total below what was already paid: there are no refunds in the write path, so that is INVALID_TRANSITION.
 */
export function retotal(check: CheckRow, deltaCents: number): DomainError | CheckRow {
  const totalCents = check.totalCents + deltaCents;
  if (totalCents < check.paidCents)
    return domainError(
      'INVALID_TRANSITION',
      'The payments on this check already cover that round; it can no longer be canceled.',
      { checkId: check.id, paidCents: check.paidCents, totalCents },
    );
  return { ...check, totalCents, status: checkStatusFor(check.paidCents, totalCents) };
}
