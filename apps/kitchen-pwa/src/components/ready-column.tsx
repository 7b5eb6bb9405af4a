/** The done column: tickets marked ready in the last minutes, each with a recall button. Pending ones say so. */
import { hhmm, useTexts } from '../i18n.ts';
import type { Ticket } from '../kitchen/types.ts';

export function ReadyColumn({
  tickets,
  online,
  onRecall,
}: {
  tickets: Ticket[];
  online: boolean;
  onRecall: (roundId: string) => void;
}) {
  const t = useTexts();
  return (
    <aside className="done" aria-label={t.done} data-testid="done-column">
      <h2 className="column-title">
        {t.done} <span className="count">{tickets.length}</span>
      </h2>
      <ul className="done-list">
        {tickets.map((ticket) => (
          <li
            key={ticket.roundId}
            className={`done-item${ticket.pending ? ' is-pending' : ''}`}
            data-testid="done-ticket"
            data-round-id={ticket.roundId}
            data-pending={ticket.pending ? 'true' : 'false'}
          >
            <div className="done-text">
              <span className="done-table">{ticket.tableCode}</span>
              <span className="done-round">
                {t.round} {ticket.number}
              </span>
              <span className="done-when">
                {ticket.pending
                  ? online
                    ? t.readyPending
                    : t.readyPendingOffline
                  : ticket.readyAt
                    ? hhmm(ticket.readyAt)
                    : ''}
              </span>
            </div>
            <button type="button" className="done-recall" onClick={() => onRecall(ticket.roundId)}>
              {t.recall}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
