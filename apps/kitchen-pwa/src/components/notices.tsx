/** Things the cook must notice and acknowledge: canceled rounds and rejected changes, with the reason. */
import { useTexts } from '../i18n.ts';
import type { Ticket } from '../kitchen/types.ts';

export interface CanceledNotice {
  roundId: string;
  tableCode: string;
  number: number;
  reason: string | null;
}

interface Props {
  canceled: CanceledNotice[];
  rejected: Ticket[];
  onDismissCanceled: (roundId: string) => void;
  onDismissRejected: (ticket: Ticket) => void;
}

export function Notices({ canceled, rejected, onDismissCanceled, onDismissRejected }: Props) {
  const t = useTexts();
  if (!canceled.length && !rejected.length) return null;
  return (
    <section className="notices" aria-live="assertive">
      {rejected.map((ticket) => (
        <div
          key={ticket.rejection!.mutationId}
          className="notice notice-rejected"
          data-testid="rejected-ticket"
          data-round-id={ticket.roundId}
        >
          <div className="notice-text">
            <strong>
              {t.rejected}: {t.table} {ticket.tableCode} · {t.round} {ticket.number}
            </strong>
            <span data-testid="rejection-reason">
              {t.rejectionReason(ticket.rejection!.code, ticket.rejection!.cancelReason)}
            </span>
            <small className="notice-detail" data-testid="rejection-detail">
              {t.rejectionDetail}: {ticket.rejection!.code} · {ticket.rejection!.detail}
            </small>
          </div>
          <button type="button" className="notice-dismiss" onClick={() => onDismissRejected(ticket)}>
            {t.dismiss}
          </button>
        </div>
      ))}
      {canceled.map((n) => (
        <div
          key={n.roundId}
          className="notice notice-canceled"
          data-testid="canceled-notice"
          data-round-id={n.roundId}
        >
          <div className="notice-text">
            <strong>{t.canceledNotice(n.tableCode, n.number, n.reason)}</strong>
          </div>
          <button type="button" className="notice-dismiss" onClick={() => onDismissCanceled(n.roundId)}>
            {t.dismiss}
          </button>
        </div>
      ))}
    </section>
  );
}
