/** One round as a kitchen ticket: table, round, timer, items with notes, who sent it, and the big "Listo" button. */
import { memo, useRef, useState } from 'react';
import { hhmm, useTexts } from '../i18n.ts';
import { elapsed, type Ticket, type Urgency } from '../kitchen/types.ts';

interface Props {
  ticket: Ticket;
  now: number;
  urgency: Urgency;
  isNew: boolean;
  online: boolean;
  recalled?: boolean;
  /** Stores the "Listo"; resolves once it is on the device. */
  onReady?: (roundId: string) => Promise<void>;
  onCloseRecall?: (roundId: string) => void;
}

export const TicketCard = memo(function TicketCard({
  ticket,
  now,
  urgency,
  isNew,
  online,
  recalled,
  onReady,
  onCloseRecall,
}: Props) {
  const t = useTexts();
  // Between the tap and the "Listo" being stored (IndexedDB can take a moment on a tablet), the
  // button is off: a second tap must not look like it did something else.
  const [storing, setStoring] = useState(false);
  const tapped = useRef(false);
  const ready = () => {
    if (tapped.current || !onReady) return;
    tapped.current = true;
    setStoring(true);
    void onReady(ticket.roundId).finally(() => {
      tapped.current = false;
      setStoring(false);
    });
  };
  const lateLabel = urgency === 'red' ? t.veryLate : urgency === 'amber' ? t.late : null;
  return (
    <article
      className={`ticket urgency-${urgency}${isNew ? ' is-new' : ''}${ticket.pending ? ' is-pending' : ''}${recalled ? ' is-recalled' : ''}`}
      data-testid="ticket"
      data-round-id={ticket.roundId}
      data-status={ticket.status}
      data-pending={ticket.pending ? 'true' : 'false'}
      aria-label={`${t.table} ${ticket.tableCode}, ${t.round} ${ticket.number}`}
    >
      <header className="ticket-head">
        <span className="ticket-table" data-testid="ticket-table">
          {ticket.tableCode}
        </span>
        <span className="ticket-round" data-testid="ticket-round">
          {t.round} {ticket.number}
        </span>
        <span className="ticket-timer" data-testid="ticket-timer" data-urgency={urgency}>
          {elapsed(ticket.sentAt, ticket.readyAt ?? now)}
        </span>
      </header>
      <div className="ticket-meta">
        {isNew && <span className="badge badge-new">{t.newTicket}</span>}
        {recalled && <span className="badge badge-recalled">{t.recalled}</span>}
        {lateLabel && <span className={`badge badge-${urgency}`}>{lateLabel}</span>}
        <span className="ticket-sender">
          {ticket.sentBy && (
            <span data-testid="ticket-sender">
              {t.sentBy}: {ticket.sentBy.kind === 'diner' ? t.diner : ticket.sentBy.name} ·{' '}
            </span>
          )}
          {hhmm(ticket.sentAt)}
        </span>
      </div>
      <ul className="ticket-items">
        {ticket.items.map((item) => (
          <li key={item.id} className="ticket-item" data-testid="ticket-item">
            <span className="item-qty" data-testid="item-qty">
              {item.qty}
            </span>
            <span className="item-name">
              {item.name}
              {item.notes && <span className="item-notes">{item.notes}</span>}
            </span>
          </li>
        ))}
      </ul>
      {recalled ? (
        <button
          type="button"
          className="ticket-action action-close"
          onClick={() => onCloseRecall?.(ticket.roundId)}
        >
          {t.closeRecall}
        </button>
      ) : ticket.status === 'IN_KITCHEN' ? (
        <button
          type="button"
          className="ticket-action action-ready"
          data-testid="ready-button"
          disabled={storing}
          aria-busy={storing}
          onClick={ready}
        >
          {t.ready}
        </button>
      ) : ticket.pending ? (
        <div className="ticket-action action-pending" data-testid="ticket-pending">
          {online ? t.readyPending : t.readyPendingOffline}
        </div>
      ) : null}
    </article>
  );
});
