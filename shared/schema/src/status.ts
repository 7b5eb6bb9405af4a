/** Status machines as data: the server's mutators and the clients' optimistic overlay read the same tables. */
export const ROUND_STATUSES = ['SUBMITTED', 'IN_KITCHEN', 'READY', 'SERVED', 'CANCELED'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

/** Allowed moves of a round. CANCELED is possible only before READY (the food exists after that). */
export const ROUND_TRANSITIONS: Record<RoundStatus, readonly RoundStatus[]> = {
  SUBMITTED: ['IN_KITCHEN', 'CANCELED'],
  IN_KITCHEN: ['READY', 'CANCELED'],
  READY: ['SERVED'],
  SERVED: [],
  CANCELED: [],
};

/** Rounds in these statuses still need the kitchen or the waiter: a table can't be cleared while one exists. */
export const PENDING_ROUND_STATUSES: readonly RoundStatus[] = ['SUBMITTED', 'IN_KITCHEN', 'READY'];

export const canMoveRound = (from: RoundStatus, to: RoundStatus): boolean => ROUND_TRANSITIONS[from].includes(to);

export const SESSION_STATUSES = ['OPEN', 'CLOSED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const TABLE_STATUSES = ['FREE', 'OCCUPIED'] as const;
export type TableStatus = (typeof TABLE_STATUSES)[number];

export const CHECK_STATUSES = ['OPEN', 'PAID'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const SERVICE_CALL_KINDS = ['WAITER', 'PAYMENT_HELP'] as const;
export type ServiceCallKind = (typeof SERVICE_CALL_KINDS)[number];
export const SERVICE_CALL_STATUSES = ['OPEN', 'ACKED'] as const;
export type ServiceCallStatus = (typeof SERVICE_CALL_STATUSES)[number];

export const PAYMENT_METHODS = ['CASH', 'CARD'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Domain events: one row in `event` per event, written in the same transaction as the change. */
export const EVENT_TYPES = [
  'SESSION_OPENED',
  'DINER_JOINED',
  'ROUND_SUBMITTED',
  'ROUND_IN_KITCHEN',
  'ROUND_READY',
  'ROUND_SERVED',
  'ROUND_CANCELED',
  'SERVICE_CALL_CREATED',
  'SERVICE_CALL_ACKED',
  'CHECK_REQUESTED',
  'CHECK_UPDATED',
  'PAYMENT_APPROVED',
  'CHECK_PAID',
  'TABLE_CLEARED',
  'CATALOG_CHANGED',
  'KNOWLEDGE_CHANGED',
  'TABLE_QR_ROTATED',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
