/** The kitchen's data as the screen needs it: live queries on the branch's replica, writes through the outbox. */
import type { RejectedMutation, SyncStatus } from '@comanda/sync';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { KitchenView } from '../components/kitchen-screen.tsx';
import { destroyKitchenReplica, type KitchenClient, kitchenClient } from './kitchen-sync.ts';
import type { Connection, Ticket, TicketItem } from './types.ts';

/** The replica tables the queries read; they exist once their shape has synced once. */
const TABLES = ['round', 'round_item', 'dining_table', 'event'];
/**
 * The live queries read again after every change the store reports, and at least this often: for
 * what no write reports (the 12-hour window of cancellations moving on).
 */
const FALLBACK_READ_MS = 5_000;

// One row per round of the kitchen shapes (IN_KITCHEN and READY), with its items, table code and
// who sent it: a diner (the round's submitted_by_diner_id) or the staff member named in the
// ROUND_IN_KITCHEN event (`byName`, written by the server). `_pending` marks this device's
// unconfirmed changes (the optimistic overlay of round.ready).
const TICKETS_SQL = `
SELECT r.id, r.number, r.status, r.created_at, r.confirmed_at, r.ready_at, r.cancel_reason, r._pending,
       t.code AS table_code,
       coalesce((SELECT json_agg(json_build_object('id', i.id, 'name', i.product_name, 'qty', i.qty, 'notes', i.notes)
                                 ORDER BY i.created_at, i.id)
                   FROM round_item i WHERE i.round_id = r.id), '[]'::json) AS items,
       r.submitted_by_diner_id IS NOT NULL AS by_diner,
       (SELECT (e.payload::jsonb)->>'byName'
          FROM event e WHERE e.entity_id = r.id AND e.type = 'ROUND_IN_KITCHEN'
         ORDER BY e.created_at DESC LIMIT 1) AS by_name
  FROM round r LEFT JOIN dining_table t ON t.id = r.table_id
 WHERE r.status IN ('IN_KITCHEN', 'READY')`;

// Cancellations of the last hours: rounds leave the kitchen shape when canceled; the event says which and why.
const CANCELED_SQL = `
SELECT e.entity_id AS id, (e.payload::jsonb)->>'tableCode' AS table_code, ((e.payload::jsonb)->>'number')::int AS number,
       (e.payload::jsonb)->>'reason' AS reason, e.created_at
  FROM event e
 WHERE e.type = 'ROUND_CANCELED' AND e.created_at > now() - interval '12 hours'`;

interface TicketRow {
  id: string;
  number: number;
  status: Ticket['status'];
  created_at: Date | string;
  confirmed_at: Date | string | null;
  ready_at: Date | string | null;
  cancel_reason: string | null;
  _pending: boolean;
  table_code: string | null;
  items: TicketItem[] | string;
  by_diner: boolean;
  by_name: string | null;
}

interface CanceledRow {
  id: string;
  table_code: string | null;
  number: number | null;
  reason: string | null;
  created_at: Date | string;
}

const ms = (v: Date | string | null) => (v == null ? null : new Date(v).getTime());

function toTicket(r: TicketRow): Ticket {
  return {
    roundId: r.id,
    tableCode: r.table_code ?? '?',
    number: r.number,
    status: r.status,
    sentAt: ms(r.confirmed_at) ?? ms(r.created_at)!,
    readyAt: ms(r.ready_at),
    sentBy: r.by_diner ? { kind: 'diner' } : r.by_name ? { kind: 'staff', name: r.by_name } : null,
    cancelReason: r.cancel_reason,
    items: typeof r.items === 'string' ? (JSON.parse(r.items) as TicketItem[]) : r.items,
    pending: r._pending,
    rejection: null,
  };
}

const lastSyncKey = (branchId: string) => `comanda.kitchen.lastSync.${branchId}`;
const offlineKey = (branchId: string) => `comanda.kitchen.offlineSince.${branchId}`;
const storedTime = (key: string) => {
  const v = Number(localStorage.getItem(key));
  return v > 0 ? v : null;
};

/** The kitchen view of `branchId`: tickets, connection state and the actions of the screen. */
export function useKitchen(branchId: string): KitchenView {
  const [client, setClient] = useState<KitchenClient | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rows, setRows] = useState<TicketRow[] | null>(null);
  const [canceled, setCanceled] = useState<CanceledRow[]>([]);
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [rejections, setRejections] = useState<RejectedMutation[]>([]);
  const [ready, setReady] = useState(false);
  const [lastSyncAt, setLastSyncAt] = useState(() => storedTime(lastSyncKey(branchId)));
  const [offlineSince, setOfflineSince] = useState(() => storedTime(offlineKey(branchId)));
  const lastTicket = useRef(new Map<string, Ticket>());
  // The browser knows first when the device loses its network; the sync client learns it at its next request.
  const [deviceOnline, setDeviceOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setDeviceOnline(true);
    const off = () => setDeviceOnline(false);
    addEventListener('online', on);
    addEventListener('offline', off);
    return () => {
      removeEventListener('online', on);
      removeEventListener('offline', off);
    };
  }, []);

  useEffect(() => {
    let alive = true;
    kitchenClient(branchId).then(
      (c) => alive && setClient(c),
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
    };
  }, [branchId]);

  // Status and rejections; the time of the last complete sync and of the loss of network survive reloads.
  useEffect(() => {
    if (!client) return;
    const offStatus = client.status.subscribe((s) => {
      setStatus(s);
      if (s.lastSyncedAt) {
        localStorage.setItem(lastSyncKey(branchId), String(s.lastSyncedAt));
        setLastSyncAt(s.lastSyncedAt);
      }
    });
    const offRejections = client.rejections.subscribe(setRejections);
    return () => {
      offStatus();
      offRejections();
    };
  }, [client, branchId]);

  // The live queries can start once every table they read exists here (after its shape synced once).
  useEffect(() => {
    if (!client || ready) return;
    const check = () => {
      if (TABLES.every((t) => client.store.has(t))) setReady(true);
    };
    check();
    return client.store.onChange(check);
  }, [client, ready]);

  // Live queries on the replica (@comanda/sync): read again whenever the store changed.
  useEffect(() => {
    if (!client || !ready) return;
    let stopped = false;
    const stops: (() => void)[] = [];
    const fail = (e: unknown) => !stopped && setError(e instanceof Error ? e.message : String(e));
    const opts = { everyMs: FALLBACK_READ_MS, onError: fail };
    void Promise.all([
      client.store.live<TicketRow>(TICKETS_SQL, [], setRows, opts),
      client.store.live<CanceledRow>(CANCELED_SQL, [], setCanceled, opts),
    ]).then((s) => {
      if (stopped) s.forEach((stop) => stop());
      else stops.push(...s);
    }, fail);
    return () => {
      stopped = true;
      stops.forEach((stop) => stop());
    };
  }, [client, ready]);

  const tickets = useMemo(() => {
    // A round always has items; they come on their own shape, a moment after the round: wait for them
    // rather than show an empty ticket.
    const list = (rows ?? []).map(toTicket).filter((t) => t.items.length > 0);
    for (const t of list) lastTicket.current.set(t.roundId, t);
    const byId = new Map(list.map((t) => [t.roundId, t]));
    const canceledById = new Map(canceled.map((c) => [c.id, c]));
    // A canceled round leaves the kitchen shape: keep it as CANCELED so the screen can say so.
    for (const c of canceled) {
      if (byId.has(c.id)) continue;
      const seen = lastTicket.current.get(c.id);
      if (!seen) continue;
      byId.set(c.id, { ...seen, status: 'CANCELED', cancelReason: c.reason, pending: false });
    }
    // This screen's refused "Listo": shown on the ticket with the server's reason until dismissed.
    for (const r of rejections) {
      const roundId = (r.args as { roundId?: string } | null)?.roundId;
      if (r.name !== 'round.ready' || !roundId) continue;
      const c = canceledById.get(roundId);
      const base: Ticket = byId.get(roundId) ??
        lastTicket.current.get(roundId) ?? {
          roundId,
          tableCode: c?.table_code ?? '?',
          number: c?.number ?? 0,
          status: c ? 'CANCELED' : 'IN_KITCHEN',
          sentAt: ms(c?.created_at ?? null) ?? r.rejectedAt,
          readyAt: null,
          sentBy: null,
          cancelReason: c?.reason ?? null,
          items: [],
          pending: false,
          rejection: null,
        };
      byId.set(roundId, {
        ...base,
        ...(c ? { status: 'CANCELED' as const, cancelReason: c.reason } : {}),
        pending: false,
        // The code is shown in the screen's language; the server's (English) message is kept as detail.
        rejection: { mutationId: r.id, code: r.code, detail: r.message, cancelReason: c?.reason ?? null },
      });
    }
    return [...byId.values()];
  }, [rows, canceled, rejections]);

  const state: Connection['state'] = !deviceOnline
    ? 'offline'
    : !status
      ? 'syncing' // the replica is still opening
      : status.connection === 'offline' || status.connection === 'unauthorized'
        ? 'offline'
        : status.connection;
  // "Offline since" survives a reload made while still offline.
  useEffect(() => {
    if (state === 'offline') {
      if (!storedTime(offlineKey(branchId))) localStorage.setItem(offlineKey(branchId), String(Date.now()));
    } else localStorage.removeItem(offlineKey(branchId));
    setOfflineSince(storedTime(offlineKey(branchId)));
  }, [state, branchId]);

  const connection: Connection = {
    state,
    offlineSince,
    pendingCount: status?.pending ?? 0,
    lastSyncAt,
  };

  return {
    // Offline before the first sync there is nothing to wait for: say so instead of "loading" forever.
    loaded: rows !== null || (client !== null && !ready && connection.state === 'offline') || error !== null,
    hasSynced: ready && lastSyncAt !== null,
    error,
    tickets,
    connection,
    // Resolves once the "Listo" is stored on the device (a second tap meanwhile is the same one).
    markReady: async (roundId) => {
      await client?.mutate('round.ready', { roundId });
    },
    dismissRejection: (id) => void client?.dismiss(id),
    wipe: async () => {
      if (!client) return;
      await client.signOut({ discardPending: true });
      await destroyKitchenReplica(branchId);
      localStorage.removeItem(lastSyncKey(branchId));
      localStorage.removeItem(offlineKey(branchId));
    },
  };
}
