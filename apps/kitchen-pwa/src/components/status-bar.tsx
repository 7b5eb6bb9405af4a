/** The always-visible connection line: online / offline since hh:mm / syncing, pending writes, last sync. */
import { hhmm, useTexts } from '../i18n.ts';
import type { Connection } from '../kitchen/types.ts';

export function StatusBar({ connection }: { connection: Connection }) {
  const t = useTexts();
  const { state, offlineSince, pendingCount, lastSyncAt } = connection;
  const label =
    state === 'offline'
      ? offlineSince
        ? t.offlineSince(hhmm(offlineSince))
        : t.offline
      : state === 'syncing'
        ? t.syncing
        : t.online;
  return (
    <div className="status" data-testid="connection" data-state={state} role="status" aria-live="polite">
      <span className={`status-dot status-${state}`} aria-hidden="true" />
      <span className="status-label">{label}</span>
      {pendingCount > 0 && (
        <span className="status-pending" data-testid="pending-count">
          {t.pending(pendingCount)}
        </span>
      )}
      <span className="status-sync" data-testid="last-sync">
        {lastSyncAt ? t.lastSync(hhmm(lastSyncAt)) : t.neverSynced}
      </span>
    </div>
  );
}
