/** The plain row shapes the domain rules look at: only the columns a rule needs, in the restaurant's words. */
import type { CheckStatus, RoundStatus, ServiceCallStatus, SessionStatus } from '@comanda/schema';

export interface SessionRow {
  id: string;
  status: SessionStatus;
}

export interface RoundRow {
  id: string;
  number: number;
  status: RoundStatus;
}

export interface CheckRow {
  id: string;
  status: CheckStatus;
  totalCents: number;
  paidCents: number;
}

export interface ServiceCallRow {
  id: string;
  status: ServiceCallStatus;
}
