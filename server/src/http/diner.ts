/** Diner access: POST /api/diner/join turns a table's QR token into a diner token bound to the table's session. */
import { type DinerJoinAnswer, dinerJoinBody } from '@comanda/schema';
import { Hono } from 'hono';
import { v7 as uuidv7 } from 'uuid';
import type { Feature } from '../app.ts';
import type { TableClaims } from '../auth/tokens.ts';
import type { AppContext, AppEnv } from '../context.ts';
import type { Db } from '../db/index.ts';
import { appendEvents } from '../mutations/events.ts';
import { findOpenSession, openTableSession, type TableRow } from '../mutations/session.ts';
import type { EventInput } from '../mutations/types.ts';
import { AppError } from './errors.ts';
import { clientIp, limitRequests } from './rate-limit.ts';
import { parseJson } from './validate.ts';

const BAD_QR = 'This QR code is not valid for any table. Scan the code on your table again.';

interface Joined {
  dinerId: string;
  sessionId: string;
  table: TableRow;
}

const sqlState = (e: unknown) => (e as { code?: string })?.code;

/**
 * Seats a diner at the QR's table in one transaction: locks the table (the same lock session.open
 * takes, so a diner and a waiter opening at once end up in one session), opens the session if none
 * is active, adds the diner and emits DINER_JOINED.
 */
export async function joinTable(db: Db, qr: TableClaims, name: string | undefined): Promise<Joined> {
  for (let tries = 0; ; tries++) {
    try {
      return await db.transaction(async (tx) => {
        // Tenant and branch from the signed token, checked against the row: a token only opens its own table.
        const [table] = await tx.query<TableRow & { qr_version: number }>(
          `SELECT id, tenant_id, branch_id, status, code, qr_version FROM dining_table
            WHERE id = $1 AND tenant_id = $2 AND branch_id = $3 FOR UPDATE`,
          [qr.tbl, qr.tid, qr.bid],
        );
        if (!table) throw new AppError('UNAUTHORIZED', BAD_QR);
        if (table.qr_version !== qr.v)
          throw new AppError(
            'UNAUTHORIZED',
            'This QR code has been replaced. Scan the code on your table again.',
          );
        const events: EventInput[] = [];
        const emit = async (e: EventInput) => {
          events.push(e);
        };
        const dinerId = uuidv7();
        let sessionId = (await findOpenSession(tx, table.id))?.id;
        if (!sessionId) {
          sessionId = uuidv7();
          await openTableSession({ tx, emit }, table, sessionId, null);
        }
        await tx.query(
          'INSERT INTO diner (id, tenant_id, branch_id, session_id, name) VALUES ($1, $2, $3, $4, $5)',
          [dinerId, table.tenant_id, table.branch_id, sessionId, name ?? null],
        );
        await emit({
          type: 'DINER_JOINED',
          tenantId: table.tenant_id,
          branchId: table.branch_id,
          entity: 'diner',
          entityId: dinerId,
          sessionId,
          tableId: table.id,
          payload: { tableCode: table.code, name: name ?? null },
        });
        await appendEvents(tx, events, { kind: 'diner', id: dinerId });
        await tx.query(
          `INSERT INTO audit_log (id, tenant_id, branch_id, actor_kind, actor_id, action, status, args)
           VALUES ($1, $2, $3, 'diner', $4, 'diner.join', 'applied', $5)`,
          [uuidv7(), table.tenant_id, table.branch_id, dinerId, { tableId: table.id, sessionId }],
        );
        return { dinerId, sessionId, table };
      });
    } catch (e) {
      // Serialization failure, deadlock, or (should the lock ever be bypassed) the one-open-session
      // index firing: run again, and the second run finds the session the other opener made.
      const state = sqlState(e);
      if ((state === '40001' || state === '40P01' || state === '23505') && tries < 3) continue;
      throw e;
    }
  }
}

export function dinerFeature(ctx: AppContext): Feature {
  const { windowMs, limit } = ctx.config.joinRateLimit;
  const api = new Hono<AppEnv>().post(
    '/diner/join',
    limitRequests({ windowMs, limit, key: (c) => `join:${clientIp(c)}` }),
    async (c) => {
      const { tableToken, name } = await parseJson(c, dinerJoinBody);
      const qr = await ctx.tokens.verify(tableToken, 'table');
      if (!qr) throw new AppError('UNAUTHORIZED', BAD_QR);
      const { dinerId, sessionId, table } = await joinTable(ctx.db, qr, name);
      const dinerToken = await ctx.tokens.diner({
        sub: dinerId,
        sid: sessionId,
        tid: table.tenant_id,
        bid: table.branch_id,
        tbl: table.id,
      });
      const body: DinerJoinAnswer = {
        dinerToken,
        dinerId,
        sessionId,
        tableId: table.id,
        branchId: table.branch_id,
      };
      return c.json(body, 200, { 'cache-control': 'no-store' });
    },
  );
  return { name: 'diner', api };
}
