/**
 * Optimistic effects: what each mutation will most likely do to the rows, computed on the device
 * from its args and the merged local state, with the same status machines the server enforces.
 * The server stays the judge: a rejection removes exactly these effects again.
 */
import { canMoveRound, type MutationArgs, type MutationName, type RoundStatus } from '@comanda/schema';
import type { RowEffect, RowReader } from '../types.ts';

/** Who is acting: staff rounds skip the waiter's confirmation (CONTRACT.md: they start IN_KITCHEN). */
export interface Actor {
  kind: 'staff' | 'diner';
  userId?: string;
  dinerId?: string;
}

type Build<N extends MutationName> = (
  args: MutationArgs<N>,
  r: RowReader,
  who: Actor,
  now: string,
) => Promise<RowEffect[]>;

const update = (table: string, key: string, values: Record<string, unknown>): RowEffect => ({
  table,
  key,
  op: 'update',
  values,
});
const insert = (table: string, values: Record<string, unknown> & { id: string }): RowEffect => ({
  table,
  key: values.id,
  op: 'insert',
  values,
});
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : 0;

/** A round status step, only when the machine allows it from what this device sees. */
async function moveRound(
  r: RowReader,
  roundId: string,
  to: RoundStatus,
  now: string,
  extra: Record<string, unknown> = {},
) {
  const round = await r.get('round', roundId);
  const from = round?.status as RoundStatus | undefined;
  // Unknown round or a move the server would refuse: show nothing rather than a state that can't happen.
  if (!round || !from || !canMoveRound(from, to)) return [];
  return [update('round', roundId, { status: to, updated_at: now, ...extra })];
}

const builders: { [N in MutationName]?: Build<N> } = {
  'session.open': async ({ sessionId, tableId }, r, who, now) => {
    const table = await r.get('dining_table', tableId);
    return [
      insert('table_session', {
        id: sessionId,
        tenant_id: table?.tenant_id,
        branch_id: table?.branch_id,
        table_id: tableId,
        status: 'OPEN',
        opened_by_user_id: who.userId ?? null,
        opened_at: now,
        closed_at: null,
      }),
      ...(table ? [update('dining_table', tableId, { status: 'OCCUPIED', updated_at: now })] : []),
    ];
  },
  'round.submit': async ({ roundId, sessionId, items }, r, who, now) => {
    const session = await r.get('table_session', sessionId);
    const rounds = await r.where('round', 'session_id', sessionId);
    const number = rounds.reduce((m, x) => Math.max(m, num(x.number)), 0) + 1;
    const branchId = str(session?.branch_id);
    const effects: RowEffect[] = [
      insert('round', {
        id: roundId,
        tenant_id: session?.tenant_id,
        branch_id: branchId,
        session_id: sessionId,
        table_id: session?.table_id,
        number,
        status: who.kind === 'staff' ? 'IN_KITCHEN' : 'SUBMITTED',
        submitted_by_user_id: who.userId ?? null,
        submitted_by_diner_id: who.dinerId ?? null,
        created_at: now,
        confirmed_at: who.kind === 'staff' ? now : null,
        updated_at: now,
      }),
    ];
    for (const item of items) {
      // Staff devices replicate product + branch_product; a diner's phone has the menu (one row per dish and branch).
      const product =
        (await r.get('product', item.productId)) ??
        (await r.where('menu_item', 'product_id', item.productId))[0];
      const prices = [
        ...(await r.where('branch_product', 'product_id', item.productId)),
        ...(await r.where('menu_item', 'product_id', item.productId)),
      ];
      const price = prices.find((p) => p.branch_id === branchId) ?? (branchId ? undefined : prices[0]);
      effects.push(
        insert('round_item', {
          id: item.id,
          tenant_id: session?.tenant_id,
          branch_id: branchId,
          round_id: roundId,
          session_id: sessionId,
          product_id: item.productId,
          product_name: str(product?.name) ?? '',
          qty: item.qty,
          unit_price_cents: price ? num(price.price_cents) : 0,
          notes: item.notes ?? null,
          diner_id: item.dinerId ?? null,
          created_at: now,
        }),
      );
    }
    return effects;
  },
  'round.confirm': ({ roundId }, r, _w, now) =>
    moveRound(r, roundId, 'IN_KITCHEN', now, { confirmed_at: now }),
  'round.ready': ({ roundId }, r, _w, now) => moveRound(r, roundId, 'READY', now, { ready_at: now }),
  'round.served': ({ roundId }, r, _w, now) => moveRound(r, roundId, 'SERVED', now, { served_at: now }),
  'round.cancel': ({ roundId, reason }, r, _w, now) =>
    moveRound(r, roundId, 'CANCELED', now, { canceled_at: now, cancel_reason: reason }),
  'serviceCall.create': async ({ serviceCallId, sessionId, kind }, r, who, now) => {
    const session = await r.get('table_session', sessionId);
    return [
      insert('service_call', {
        id: serviceCallId,
        tenant_id: session?.tenant_id,
        branch_id: session?.branch_id,
        session_id: sessionId,
        table_id: session?.table_id,
        kind,
        status: 'OPEN',
        created_by_user_id: who.userId ?? null,
        created_by_diner_id: who.dinerId ?? null,
        created_at: now,
      }),
    ];
  },
  'serviceCall.ack': async ({ serviceCallId }, r, who, now) => {
    const call = await r.get('service_call', serviceCallId);
    if (!call || call.status !== 'OPEN') return [];
    return [
      update('service_call', serviceCallId, {
        status: 'ACKED',
        acked_at: now,
        acked_by_user_id: who.userId ?? null,
      }),
    ];
  },
  'check.request': async ({ checkId, sessionId }, r, _w, now) => {
    // One check per session: asking again shows the one there is.
    if ((await r.where('dining_check', 'session_id', sessionId)).length) return [];
    const session = await r.get('table_session', sessionId);
    const items = await r.where('round_item', 'session_id', sessionId);
    const rounds = new Map((await r.where('round', 'session_id', sessionId)).map((x) => [x.id, x.status]));
    const total = items
      .filter((i) => rounds.get(i.round_id) !== 'CANCELED')
      .reduce((s, i) => s + num(i.qty) * num(i.unit_price_cents), 0);
    return [
      insert('dining_check', {
        id: checkId,
        tenant_id: session?.tenant_id,
        branch_id: session?.branch_id,
        session_id: sessionId,
        table_id: session?.table_id,
        status: 'OPEN',
        total_cents: total,
        paid_cents: 0,
        tip_cents: 0,
        requested_at: now,
        paid_at: null,
        updated_at: now,
      }),
    ];
  },
  'payment.record': async ({ paymentId, checkId, method, amountCents, tipCents }, r, who, now) => {
    const check = await r.get('dining_check', checkId);
    const effects: RowEffect[] = [
      insert('payment', {
        id: paymentId,
        tenant_id: check?.tenant_id,
        branch_id: check?.branch_id,
        check_id: checkId,
        session_id: check?.session_id,
        method,
        amount_cents: amountCents,
        tip_cents: tipCents ?? 0,
        recorded_by_user_id: who.userId ?? null,
        created_at: now,
      }),
    ];
    if (check) {
      const paid = num(check.paid_cents) + amountCents;
      const total = num(check.total_cents);
      effects.push(
        update('dining_check', checkId, {
          paid_cents: paid,
          tip_cents: num(check.tip_cents) + (tipCents ?? 0),
          status: paid >= total ? 'PAID' : 'OPEN',
          paid_at: paid >= total ? now : null,
          updated_at: now,
        }),
      );
    }
    return effects;
  },
  'table.clear': async ({ tableId }, r, _w, now) => {
    const effects: RowEffect[] = [update('dining_table', tableId, { status: 'FREE', updated_at: now })];
    for (const s of await r.where('table_session', 'table_id', tableId))
      if (s.status === 'OPEN')
        effects.push(update('table_session', String(s.id), { status: 'CLOSED', closed_at: now }));
    return effects;
  },
  'branchProduct.update': async ({ branchId, productId, priceCents, isAvailable }, r, _w, now) => {
    const row = (await r.where('branch_product', 'product_id', productId)).find(
      (p) => p.branch_id === branchId,
    );
    if (!row) return [];
    const values: Record<string, unknown> = { updated_at: now };
    if (priceCents !== undefined) values.price_cents = priceCents;
    if (isAvailable !== undefined) values.is_available = isAvailable;
    return [update('branch_product', String(row.id), values)];
  },
};

/** A mutation that moves one row to a status (a step of a status machine), and which row and status. */
export interface StatusStep {
  table: string;
  key: string;
  status: string;
  /** The args that name the row: how an earlier outbox entry for the same step is found. */
  match: Record<string, string>;
}

const STEPS: Partial<Record<MutationName, { table: string; arg: string; status: string }>> = {
  'round.confirm': { table: 'round', arg: 'roundId', status: 'IN_KITCHEN' },
  'round.ready': { table: 'round', arg: 'roundId', status: 'READY' },
  'round.served': { table: 'round', arg: 'roundId', status: 'SERVED' },
  'round.cancel': { table: 'round', arg: 'roundId', status: 'CANCELED' },
  'serviceCall.ack': { table: 'service_call', arg: 'serviceCallId', status: 'ACKED' },
};

/**
 * The row and status a status-step mutation moves to, or undefined for other mutations. A step to
 * the status the row already shows can only be refused by the server (INVALID_TRANSITION): a
 * second tap on "Listo" must not send a second round.ready.
 */
export function statusStepOf(name: string, args: unknown): StatusStep | undefined {
  const step = STEPS[name as MutationName];
  const key = (args as Record<string, unknown> | null)?.[step?.arg ?? ''];
  if (!step || typeof key !== 'string') return undefined;
  return { table: step.table, key, status: step.status, match: { [step.arg]: key } };
}

/**
 * The optimistic effects of one mutation, limited to tables this device replicates. Unknown
 * mutations have none: they show up only once the server's rows arrive.
 */
export async function effectsOf(
  name: string,
  args: unknown,
  reader: RowReader,
  who: Actor,
  now = new Date(),
): Promise<RowEffect[]> {
  const build = builders[name as MutationName] as Build<MutationName> | undefined;
  if (!build) return [];
  const effects = await build(args as never, reader, who, now.toISOString());
  return effects.filter((e) => reader.has(e.table));
}
