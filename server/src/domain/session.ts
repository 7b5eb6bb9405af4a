/** Rules about a table session. */
import { type DomainError, domainError } from '@comanda/schema';
import type { SessionRow } from './rows.ts';

/** SESSION_NOT_OPEN unless the session still takes orders, calls and payments. */
export function ensureSessionOpen(session: SessionRow): DomainError | undefined {
  if (session.status !== 'OPEN')
    return domainError('SESSION_NOT_OPEN', 'This table session is closed.', { sessionId: session.id });
  return undefined;
}
