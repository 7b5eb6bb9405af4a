/** Rules about service calls (a diner asking for the waiter or for help paying). */
import { type DomainError, domainError } from '@comanda/schema';
import type { ServiceCallRow } from './rows.ts';

/** INVALID_TRANSITION when the call was already acknowledged. */
export function ensureCallOpen(call: ServiceCallRow): DomainError | undefined {
  if (call.status === 'OPEN') return undefined;
  return domainError('INVALID_TRANSITION', 'This call was already answered.', { serviceCallId: call.id });
}
