/** Rounds: a diner or a waiter orders (round.submit), then the round moves SUBMITTED -> IN_KITCHEN -> READY -> SERVED, or is canceled before READY. */
import type { EventType, MutationName, RoundStatus } from '@comanda/schema';
import { retotal } from '../domain/check.ts';
import {
  type BranchOffer,
  ensureRoundMove,
  initialRoundStatus,
  priceRoundItems,
  roundTotal,
} from '../domain/round.ts';
import type { CheckRow, RoundRow, SessionRow } from '../domain/rows.ts';
import { ensureSessionOpen } from '../domain/session.ts';
import { authorize, dinerId, staffId } from './access.ts';
import { type Mutator, type MutatorContext, ok, orReject, Rejection } from './types.ts';

interface LockedSession extends SessionRow {
  tenantId: string;
  branchId: string;
  tableId: string;
  tableCode: string;
}

/** Locks an open-or-closed session of the caller's tenant with its table code; NOT_FOUND otherwise. */
export async function lockSession(m: MutatorContext, sessionId: string): Promise<LockedSession> {
  const [s] = await m.tx.query<LockedSession>(
    `SELECT s.id, s.status, s.tenant_id AS "tenantId", s.branch_id AS "branchId", s.table_id AS "tableId", t.code AS "tableCode"
     FROM table_session s JOIN dining_table t ON t.id = s.table_id
     WHERE s.id = $1 AND s.tenant_id = $2 FOR UPDATE OF s`,
    [sessionId, m.principal.tenantId],
  );
  if (!s) throw new Rejection('NOT_FOUND', 'Table session not found.', { id: sessionId });
  return s;
}

/** The session's check, locked, as a domain row (the session row must be locked first: lock order session -> check). */
export const CHECK_OF_SESSION = `(SELECT jsonb_build_object('id', id, 'status', status, 'totalCents', total_cents, 'paidCents', paid_cents)
   FROM dining_check WHERE session_id = $1 FOR UPDATE)`;

/** Writes a check's new total and status, and says which events that makes. */
export async function saveRetotaled(
  m: MutatorContext,
  before: CheckRow,
  after: CheckRow,
  where: { tenantId: string; branchId: string; sessionId: string; tableId: string; tableCode: string },
): Promise<void> {
  if (after.totalCents === before.totalCents && after.status === before.status) return;
  m.write(
    `UPDATE dining_check SET total_cents = $2, status = $3,
       paid_at = CASE WHEN $3 = 'PAID' THEN coalesce(paid_at, now()) END, updated_at = now()
     WHERE id = $1`,
    [after.id, after.totalCents, after.status],
  );
  const event = { tenantId: where.tenantId, branchId: where.branchId, entity: 'check', entityId: after.id };
  const payload = {
    tableCode: where.tableCode,
    totalCents: after.totalCents,
    paidCents: after.paidCents,
    status: after.status,
    previousStatus: before.status,
  };
  await m.emit({
    ...event,
    type: 'CHECK_UPDATED',
    sessionId: where.sessionId,
    tableId: where.tableId,
    payload,
  });
  if (after.status === 'PAID' && before.status !== 'PAID')
    await m.emit({
      ...event,
      type: 'CHECK_PAID',
      sessionId: where.sessionId,
      tableId: where.tableId,
      payload,
    });
}

/**
 * The acting staff member's name in a round event's payload (`byName`), read in a query the mutation
 * makes anyway: the kitchen shows who sent a round without following a shape of staff names.
 */
const byName = (name: string | null | undefined) => (name ? { byName: name } : {});

export const submitRound: Mutator<'round.submit'> = async (m, { roundId, sessionId, items }) => {
  const byDiner = dinerId(m);
  const dinerIds = [
    ...new Set([...items.flatMap((i) => (i.dinerId ? [i.dinerId] : [])), ...(byDiner ? [byDiner] : [])]),
  ];
  // The session lock serializes round numbers, the check total and table.clear. The reads below go
  // in the same round trip, right behind it (pipelined, so after the lock, in lock order session ->
  // check): they find the branch through the session id, and mean nothing unless the checks on the
  // locked session pass.
  const locking = lockSession(m, sessionId);
  const reading = m.tx.query<{
    next: number;
    offer: (BranchOffer & { id: string })[];
    diners: string[];
    check: CheckRow | null;
    byName: string | null;
  }>(
    `SELECT (SELECT coalesce(max(number), 0) + 1 FROM round WHERE session_id = $1) AS next,
       (SELECT u.name FROM app_user u WHERE u.id = $5 AND u.tenant_id = $2) AS "byName",
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name, 'priceCents', bp.price_cents, 'isAvailable', bp.is_available)), '[]')
          FROM product p JOIN branch_product bp ON bp.product_id = p.id
            AND bp.branch_id = (SELECT branch_id FROM table_session WHERE id = $1 AND tenant_id = $2)
          WHERE p.tenant_id = $2 AND p.id IN (SELECT (jsonb_array_elements_text($3::jsonb))::uuid)) AS offer,
       (SELECT coalesce(jsonb_agg(id), '[]') FROM diner
          WHERE session_id = $1 AND id IN (SELECT (jsonb_array_elements_text($4::jsonb))::uuid)) AS diners,
       ${CHECK_OF_SESSION} AS check`,
    [sessionId, m.principal.tenantId, items.map((i) => i.productId), dinerIds, staffId(m)],
  );
  // When the session check throws first, this answer is not wanted (its failure, if any, neither).
  reading.catch(() => {});
  const session = await locking;
  authorize(m, 'round.submit', session.branchId, session.id);
  ok(ensureSessionOpen(session));
  const [found] = await reading;
  const offer = new Map(found!.offer.map((o) => [o.id, o]));
  const priced = orReject(priceRoundItems(items, offer, new Set(found!.diners), byDiner));
  const status = initialRoundStatus(m.principal.kind);
  const number = found!.next;

  // Two statements, pipelined (no extra round trip): the round, then its items (their foreign key
  // names it), each with the round's status (round_item.round_status, which the kitchen's shape
  // filters on; migration 0008).
  m.write(
    `INSERT INTO round (id, tenant_id, branch_id, session_id, table_id, number, status, submitted_by_user_id,
       submitted_by_diner_id, confirmed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $7 = 'IN_KITCHEN' THEN now() END)`,
    [
      roundId,
      session.tenantId,
      session.branchId,
      session.id,
      session.tableId,
      number,
      status,
      staffId(m),
      byDiner,
    ],
  );
  m.write(
    `INSERT INTO round_item (id, tenant_id, branch_id, round_id, session_id, product_id, product_name, qty,
       unit_price_cents, notes, diner_id, round_status)
     SELECT x.id, $2, $3, $1, $4, x."productId", x."productName", x.qty, x."unitPriceCents", x.notes, x."dinerId", $6
     FROM jsonb_to_recordset($5::jsonb) AS x(id uuid, "productId" uuid, "productName" text, qty int,
       "unitPriceCents" int8, notes text, "dinerId" uuid)`,
    [roundId, session.tenantId, session.branchId, session.id, priced, status],
  );

  const totalCents = roundTotal(priced);
  const where = { ...session, sessionId: session.id };
  const event = {
    tenantId: session.tenantId,
    branchId: session.branchId,
    entity: 'round',
    entityId: roundId,
    sessionId: session.id,
    tableId: session.tableId,
  };
  const payload = {
    tableCode: session.tableCode,
    number,
    status,
    itemCount: priced.length,
    totalCents,
    by: m.principal.kind,
    ...byName(found!.byName),
  };
  await m.emit({ ...event, type: 'ROUND_SUBMITTED', payload });
  // A staff round goes straight to the kitchen: the kitchen hears about it like about a confirmed one.
  if (status === 'IN_KITCHEN')
    await m.emit({ ...event, type: 'ROUND_IN_KITCHEN', payload: { ...payload, confirmedOnSubmit: true } });
  // Ordering after the check was asked for (or paid) grows the check instead of escaping it.
  if (found!.check) await saveRetotaled(m, found!.check, orReject(retotal(found!.check, totalCents)), where);
  return { tenantId: session.tenantId, branchId: session.branchId };
};

interface LockedRound extends RoundRow {
  tenantId: string;
  branchId: string;
  sessionId: string;
  tableId: string;
  tableCode: string;
  /** The acting staff member's name (null for a diner). */
  actorName: string | null;
}

async function lockRound(m: MutatorContext, roundId: string): Promise<LockedRound> {
  const [r] = await m.tx.query<LockedRound>(
    `SELECT r.id, r.number, r.status, r.tenant_id AS "tenantId", r.branch_id AS "branchId", r.session_id AS "sessionId",
       r.table_id AS "tableId", t.code AS "tableCode",
       (SELECT u.name FROM app_user u WHERE u.id = $3 AND u.tenant_id = $2) AS "actorName"
     FROM round r JOIN dining_table t ON t.id = r.table_id
     WHERE r.id = $1 AND r.tenant_id = $2 FOR UPDATE OF r`,
    [roundId, m.principal.tenantId, staffId(m)],
  );
  // Tenant filter before existence: another restaurant's round looks exactly like no round.
  if (!r) throw new Rejection('NOT_FOUND', 'Round not found.', { id: roundId });
  return r;
}

const STEPS = {
  'round.confirm': { to: 'IN_KITCHEN', column: 'confirmed_at', event: 'ROUND_IN_KITCHEN' },
  'round.ready': { to: 'READY', column: 'ready_at', event: 'ROUND_READY' },
  'round.served': { to: 'SERVED', column: 'served_at', event: 'ROUND_SERVED' },
} as const satisfies Record<string, { to: RoundStatus; column: string; event: EventType }>;

/** One forward step of the round machine, by the roles MUTATION_ACTORS allows for `name`. */
const step =
  (name: keyof typeof STEPS & MutationName): Mutator<'round.confirm' | 'round.ready' | 'round.served'> =>
  async (m, { roundId }) => {
    const { to, column, event } = STEPS[name];
    const round = await lockRound(m, roundId);
    authorize(m, name, round.branchId, round.sessionId);
    ok(ensureRoundMove(round, to));
    m.write(`UPDATE round SET status = $2, ${column} = now(), updated_at = now() WHERE id = $1`, [
      round.id,
      to,
    ]);
    await m.emit({
      type: event,
      tenantId: round.tenantId,
      branchId: round.branchId,
      entity: 'round',
      entityId: round.id,
      sessionId: round.sessionId,
      tableId: round.tableId,
      payload: {
        tableCode: round.tableCode,
        number: round.number,
        from: round.status,
        status: to,
        ...byName(round.actorName),
      },
    });
    return { tenantId: round.tenantId, branchId: round.branchId };
  };

export const confirmRound = step('round.confirm');
export const markRoundReady = step('round.ready');
export const markRoundServed = step('round.served');

export const cancelRound: Mutator<'round.cancel'> = async (m, { roundId, reason }) => {
  const round = await lockRound(m, roundId);
  authorize(m, 'round.cancel', round.branchId, round.sessionId);
  ok(ensureRoundMove(round, 'CANCELED'));
  // Lock order session -> check, like round.submit and check.request: the check total stays exact.
  const session = await lockSession(m, round.sessionId);
  const [found] = await m.tx.query<{ roundTotal: number; check: CheckRow | null }>(
    `SELECT (SELECT coalesce(sum(qty * unit_price_cents), 0) FROM round_item WHERE round_id = $2)::int8 AS "roundTotal",
       ${CHECK_OF_SESSION} AS check`,
    [session.id, round.id],
  );
  const retotaled = found!.check ? orReject(retotal(found!.check, -found!.roundTotal)) : undefined;
  m.write(
    `UPDATE round SET status = 'CANCELED', cancel_reason = $2, canceled_at = now(), updated_at = now() WHERE id = $1`,
    [round.id, reason],
  );
  await m.emit({
    type: 'ROUND_CANCELED',
    tenantId: round.tenantId,
    branchId: round.branchId,
    entity: 'round',
    entityId: round.id,
    sessionId: round.sessionId,
    tableId: round.tableId,
    payload: {
      tableCode: round.tableCode,
      number: round.number,
      from: round.status,
      status: 'CANCELED',
      reason,
    },
  });
  if (found!.check && retotaled)
    await saveRetotaled(m, found!.check, retotaled, { ...session, sessionId: session.id });
  return { tenantId: round.tenantId, branchId: round.branchId };
};
