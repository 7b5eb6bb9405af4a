/** Who is calling, from the bearer token: a staff member with roles per branch, or a diner of one session. */
import type { Actor, BranchRole, Role } from '@comanda/schema';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { AppError } from '../http/errors.ts';

export type Principal =
  | { kind: 'staff'; userId: string; tenantId: string; roles: BranchRole[] }
  | { kind: 'diner'; dinerId: string; sessionId: string; tenantId: string; branchId: string; tableId: string };

/** The roles a staff member holds in one branch (empty: not their branch). */
export const rolesIn = (p: Principal, branchId: string): Role[] =>
  p.kind === 'staff' ? p.roles.filter((r) => r.branchId === branchId).map((r) => r.role) : [];

/** True when the principal may act as one of `allowed` in `branchId`. */
export function mayActIn(p: Principal, branchId: string, allowed: readonly Actor[]): boolean {
  if (p.kind === 'diner') return allowed.includes('DINER') && p.branchId === branchId;
  return rolesIn(p, branchId).some((r) => allowed.includes(r));
}

const bearer = (header: string | undefined) => {
  const m = header?.match(/^Bearer ([A-Za-z0-9._-]{10,2000})$/);
  return m?.[1];
};

/**
 * Resolves the caller or answers 401. A diner token is accepted only while its session is OPEN:
 * clearing the table kills every diner token of that session at once. A valid diner token on a
 * staff-only route is a 403: the caller is known, just not allowed.
 */
export const authenticate = (opts: { allowDiner: boolean }): MiddlewareHandler<AppEnv> =>
  async function authenticateMiddleware(c, next) {
    const token = bearer(c.req.header('authorization'));
    if (!token) throw new AppError('UNAUTHORIZED', 'Sign in first: this needs a valid access token.');
    const { tokens, db } = c.var.ctx;
    const claims = await tokens.verify(token, 'access', 'diner');
    if (!claims) throw new AppError('UNAUTHORIZED', 'The token is invalid or has expired.');
    if (claims.typ === 'access') {
      c.set('principal', {
        kind: 'staff',
        userId: claims.sub,
        tenantId: claims.tid,
        roles: claims.roles.map(([branchId, role]) => ({ branchId, role })),
      });
      return next();
    }
    if (!opts.allowDiner) throw new AppError('FORBIDDEN', 'This is for restaurant staff only.');
    const [session] = await db.query<{ status: string }>(
      'SELECT status FROM table_session WHERE id = $1 AND tenant_id = $2',
      [claims.sid, claims.tid],
    );
    if (session?.status !== 'OPEN') throw new AppError('UNAUTHORIZED', 'This table session has been closed.');
    c.set('principal', {
      kind: 'diner',
      dinerId: claims.sub,
      sessionId: claims.sid,
      tenantId: claims.tid,
      branchId: claims.bid,
      tableId: claims.tbl,
    });
    return next();
  };
