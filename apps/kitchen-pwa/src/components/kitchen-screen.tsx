/** The kitchen wall screen: header with connection state, the queue of tickets, the done column, notices. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { hhmm, useTexts } from '../i18n.ts';
import { audioUnlocked, noteArrival, onAudioChange, playChime, unlockAudio } from '../kitchen/chime.ts';
import { byArrival, type Connection, type Ticket, urgency } from '../kitchen/types.ts';
import type { Settings } from '../settings.ts';
import { type CanceledNotice, Notices } from './notices.tsx';
import { ReadyColumn } from './ready-column.tsx';
import { SettingsPanel } from './settings-panel.tsx';
import { StatusBar } from './status-bar.tsx';
import { TicketCard } from './ticket-card.tsx';

/** What the data layer gives the screen. */
export interface KitchenView {
  /** The replica is open and the first query has answered. */
  loaded: boolean;
  /** The replica has been up to date with the server at least once (else an empty list means "unknown"). */
  hasSynced: boolean;
  /** Why sync cannot run at all, if it cannot. */
  error: string | null;
  /** Rounds of the branch the kitchen cares about (IN_KITCHEN, READY, and those it must be told were canceled). */
  tickets: Ticket[];
  connection: Connection;
  /** Stores a "Listo" in the outbox; resolves once it is on the device. */
  markReady(roundId: string): Promise<void>;
  dismissRejection(mutationId: string): void;
  /** Deletes the local replica and outbox (sign-out). */
  wipe(): Promise<void>;
}

interface Props {
  view: KitchenView;
  branchName: string;
  userName: string;
  settings: Settings;
  onSettings: (patch: Partial<Settings>) => void;
  onSignOut: () => void;
}

/** How long a new ticket stays highlighted. */
const NEW_FOR_MS = 20_000;

function useNow(everyMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

export function KitchenScreen({ view, branchName, userName, settings, onSettings, onSignOut }: Props) {
  const t = useTexts();
  const now = useNow(1000);
  const [recalled, setRecalled] = useState<string[]>([]);
  const [canceled, setCanceled] = useState<CanceledNotice[]>([]);
  const [newSince, setNewSince] = useState<Map<string, number>>(() => new Map());
  const [showSettings, setShowSettings] = useState(false);
  const [soundReady, setSoundReady] = useState(audioUnlocked);
  const online = view.connection.state !== 'offline';

  const queue = useMemo(
    () => view.tickets.filter((x) => x.status === 'IN_KITCHEN' && !x.rejection).sort(byArrival),
    [view.tickets],
  );
  const rejected = useMemo(() => view.tickets.filter((x) => x.rejection), [view.tickets]);
  const recallMs = settings.recallMinutes * 60_000;
  const done = useMemo(
    () =>
      view.tickets
        .filter(
          (x) =>
            x.status === 'READY' && !x.rejection && (x.pending || !x.readyAt || now - x.readyAt < recallMs),
        )
        .sort((a, b) => (b.readyAt ?? now) - (a.readyAt ?? now) || byArrival(b, a)),
    [view.tickets, now, recallMs],
  );
  const recalledTickets = useMemo(
    () => recalled.flatMap((id) => view.tickets.filter((x) => x.roundId === id && x.status === 'READY')),
    [recalled, view.tickets],
  );

  // New tickets and canceled ones are found by comparing with the queue seen before. The first load
  // only records what is there: a reload must not ring for every ticket on the screen.
  const seen = useRef<Map<string, Ticket> | null>(null);
  // Rounds that left the queue without this screen marking them ready, until we learn why: the round's
  // removal and its ROUND_CANCELED event come on different shapes and may arrive in either order.
  const vanished = useRef(new Map<string, { ticket: Ticket; at: number }>());
  useEffect(() => {
    if (!view.loaded) return;
    const before = seen.current;
    const current = new Map(queue.map((x) => [x.roundId, x]));
    if (before) {
      const arrived = queue.filter((x) => !before.has(x.roundId)).map((x) => x.roundId);
      if (arrived.length) {
        const at = Date.now();
        setNewSince((m) => new Map([...m, ...arrived.map((id) => [id, at] as const)]));
        noteArrival();
        if (!settings.muted) playChime();
      }
      for (const [id, old] of before)
        if (!current.has(id)) vanished.current.set(id, { ticket: old, at: Date.now() });
    }
    seen.current = current;
    const byId = new Map(view.tickets.map((x) => [x.roundId, x]));
    const gone: CanceledNotice[] = [];
    for (const [id, { ticket: old, at }] of vanished.current) {
      const latest = byId.get(id);
      if (latest?.status === 'CANCELED') {
        // A rejected change of this screen already shows its own notice with the reason.
        if (!latest.rejection)
          gone.push({
            roundId: id,
            tableCode: old.tableCode,
            number: old.number,
            reason: latest.cancelReason,
          });
        vanished.current.delete(id);
      } else if (current.has(id) || latest?.status === 'READY' || Date.now() - at > 10 * 60_000)
        vanished.current.delete(id);
    }
    if (gone.length)
      setCanceled((c) =>
        [...gone, ...c.filter((n) => !gone.some((g) => g.roundId === n.roundId))].slice(0, 8),
      );
  }, [queue, view.tickets, view.loaded, settings.muted]);

  // Forget highlights once they are old, so the map does not grow through a long service.
  useEffect(() => {
    if ([...newSince.values()].some((at) => now - at > NEW_FOR_MS))
      setNewSince((m) => new Map([...m].filter(([, at]) => now - at <= NEW_FOR_MS)));
  }, [now, newSince]);

  // Browsers allow sound only after a gesture: the first tap anywhere unlocks it.
  useEffect(() => {
    const off = onAudioChange(() => setSoundReady(audioUnlocked()));
    const unlock = () => unlockAudio();
    window.addEventListener('pointerdown', unlock, { once: false, capture: true });
    return () => {
      off();
      window.removeEventListener('pointerdown', unlock, { capture: true });
    };
  }, []);

  const onReady = useCallback((roundId: string) => view.markReady(roundId), [view]);
  const onCloseRecall = useCallback(
    (roundId: string) => setRecalled((r) => r.filter((id) => id !== roundId)),
    [],
  );
  const onRecall = (roundId: string) => setRecalled((r) => (r.includes(roundId) ? r : [roundId, ...r]));

  const urgencyOf = (x: Ticket) =>
    urgency(x.sentAt, x.readyAt ?? now, settings.amberMinutes, settings.redMinutes);
  const lastSync = view.connection.lastSyncAt;

  let empty: { title: string; hint: string; kind: string } | null = null;
  if (!queue.length && !recalledTickets.length) {
    if (view.error) empty = { title: t.syncUnavailable, hint: view.error, kind: 'error' };
    else if (!view.loaded) empty = { title: t.loading, hint: '', kind: 'loading' };
    else if (!view.hasSynced)
      empty = online
        ? { title: t.loading, hint: '', kind: 'loading' }
        : { title: t.noDataOffline, hint: t.noDataOfflineHint, kind: 'no-data' };
    else if (!online)
      empty = {
        title: t.emptyOffline,
        hint: t.emptyOfflineHint(lastSync ? hhmm(lastSync) : '—'),
        kind: 'stale-empty',
      };
    else empty = { title: t.emptyOnline, hint: t.emptyOnlineHint, kind: 'empty' };
  }

  return (
    <div className={`kitchen${online ? '' : ' is-offline'}`}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-name">{t.appName}</span>
          <span className="brand-branch">{branchName}</span>
        </div>
        <div className="counts">
          <span className="count-queue" data-testid="queue-count">
            {queue.length}
          </span>
          <span className="count-label">{t.queue}</span>
        </div>
        <StatusBar connection={view.connection} />
        <span className="clock">{hhmm(now)}</span>
        <button
          type="button"
          className={`icon-button${settings.muted ? ' is-muted' : ''}`}
          data-testid="mute-toggle"
          aria-pressed={settings.muted}
          aria-label={settings.muted ? t.soundOff : t.soundOn}
          title={settings.muted ? t.soundOff : t.soundOn}
          onClick={() => onSettings({ muted: !settings.muted })}
        >
          <svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
            {settings.muted ? (
              <path d="M16 9l5 6M21 9l-5 6" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            ) : (
              <path
                d="M16 8.5a5 5 0 010 7M18.5 6a8.5 8.5 0 010 12"
                stroke="currentColor"
                strokeWidth="2"
                fill="none"
                strokeLinecap="round"
              />
            )}
          </svg>
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={t.settings}
          title={t.settings}
          onClick={() => setShowSettings(true)}
        >
          ⚙
        </button>
      </header>
      {!online && (
        <div className="stale" role="alert" data-testid="stale-warning">
          {t.staleWarning}
        </div>
      )}
      {!settings.muted && !soundReady && <div className="sound-hint">{t.tapForSound}</div>}
      <Notices
        canceled={canceled}
        rejected={rejected}
        onDismissCanceled={(id) => setCanceled((c) => c.filter((n) => n.roundId !== id))}
        onDismissRejected={(x) => x.rejection && view.dismissRejection(x.rejection.mutationId)}
      />
      <div className="board">
        <section className="queue" aria-label={t.queue} data-testid="queue">
          {recalledTickets.map((x) => (
            <TicketCard
              key={`r-${x.roundId}`}
              ticket={x}
              now={now}
              urgency={urgencyOf(x)}
              isNew={false}
              online={online}
              recalled
              onCloseRecall={onCloseRecall}
            />
          ))}
          {queue.map((x) => (
            <TicketCard
              key={x.roundId}
              ticket={x}
              now={now}
              urgency={urgencyOf(x)}
              isNew={newSince.has(x.roundId)}
              online={online}
              onReady={onReady}
            />
          ))}
          {empty && (
            <div className={`empty empty-${empty.kind}`} data-testid="empty-state" data-kind={empty.kind}>
              <p className="empty-title">{empty.title}</p>
              {empty.hint && <p className="empty-hint">{empty.hint}</p>}
            </div>
          )}
        </section>
        <ReadyColumn tickets={done} online={online} onRecall={onRecall} />
      </div>
      {showSettings && (
        <SettingsPanel
          settings={settings}
          onChange={onSettings}
          onClose={() => setShowSettings(false)}
          onSignOut={onSignOut}
          userName={userName}
        />
      )}
    </div>
  );
}
