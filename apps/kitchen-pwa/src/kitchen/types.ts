/** What the kitchen screen shows: tickets built from the replica's rounds, and the connection state. */

export interface TicketItem {
  id: string;
  name: string;
  qty: number;
  notes: string | null;
}

/** A rejected write of this screen on a ticket, with the server's reason. */
export interface TicketRejection {
  mutationId: string;
  /** The server's error code (INVALID_TRANSITION, ...): the screen says it in its own language. */
  code: string;
  /** The server's message (in English), shown small as detail. */
  detail: string;
  /** Why the round was canceled, when it was (the waiter's words). */
  cancelReason: string | null;
}

export interface Ticket {
  roundId: string;
  tableCode: string;
  /** The round's number within its table session. */
  number: number;
  status: 'SUBMITTED' | 'IN_KITCHEN' | 'READY' | 'SERVED' | 'CANCELED';
  /** When the round reached the kitchen (confirmed), in ms; the ticket's timer counts from here. */
  sentAt: number;
  readyAt: number | null;
  /** Who sent it: a diner through the QR, or the staff member who sent or confirmed it (null: not known yet). */
  sentBy: { kind: 'diner' } | { kind: 'staff'; name: string } | null;
  cancelReason: string | null;
  items: TicketItem[];
  /** A change of this screen not yet confirmed by the server (shown as pending). */
  pending: boolean;
  rejection: TicketRejection | null;
}

export type ConnectionState = 'online' | 'offline' | 'syncing';

export interface Connection {
  state: ConnectionState;
  /** When the connection was lost (ms), while offline. */
  offlineSince: number | null;
  /** Writes in the outbox not yet answered by the server. */
  pendingCount: number;
  /** Last time the replica was known to be up to date with the server (ms). */
  lastSyncAt: number | null;
}

/** The urgency of a ticket by the minutes it has been in the kitchen. */
export type Urgency = 'ok' | 'amber' | 'red';

export function urgency(sentAt: number, now: number, amberMinutes: number, redMinutes: number): Urgency {
  const minutes = (now - sentAt) / 60_000;
  if (minutes >= redMinutes) return 'red';
  if (minutes >= amberMinutes) return 'amber';
  return 'ok';
}

/** "7:05" under an hour, "1:02:05" past it: the elapsed time of a ticket. */
export function elapsed(sentAt: number, now: number): string {
  const s = Math.max(0, Math.floor((now - sentAt) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Queue order: oldest first; the round number breaks ties so the order never flickers. */
export const byArrival = (a: Ticket, b: Ticket) =>
  a.sentAt - b.sentAt || a.number - b.number || (a.roundId < b.roundId ? -1 : 1);
