/** Who is calling, from the bearer token: a staff member with roles per branch, or a diner of one session. */
import type { Actor, BranchRole, Role } from '@comanda/schema';
import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { AppError } from '../http/errors.ts';

export type Principal =
  | { kind: 'staff'; userId: string; tenantId: string; roles: BranchRole[] }
  | {
      kind: 'diner';
      dinerId: string;
      sessionId: string;
      tenantId: string;
      branchId: string;
      tableId: string;
    };

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
 * The caller of a request with this Authorization header, or an AppError: 401 without a valid
 * token. A diner token is accepted only while its session is OPEN: clearing the table kills every
 * diner token of that session at once. A valid diner token where diners may not go is a 403: the
 * caller is known, just not allowed.
 */
export async function principalOf(
  ctx: Pick<AppContext, 'tokens' | 'db'>,
  authorization: string | undefined,
  opts: { allowDiner: boolean },
): Promise<Principal> {
  const token = bearer(authorization);
  if (!token) throw new AppError('UNAUTHORIZED', 'Sign in first: this needs a valid access token.');
  const { tokens, db } = ctx;
  const claims = await tokens.verify(token, 'access', 'diner');
  if (!claims) throw new AppError('UNAUTHORIZED', 'The token is invalid or has expired.');
  if (claims.typ === 'access')
    return {
      kind: 'staff',
      userId: claims.sub,
      tenantId: claims.tid,
      roles: claims.roles.map(([branchId, role]) => ({ branchId, role })),
    };
  if (!opts.allowDiner) throw new AppError('FORBIDDEN', 'This is for restaurant staff only.');
  const [session] = await db.query<{ status: string }>(
    'SELECT status FROM table_session WHERE id = $1 AND tenant_id = $2',
    [claims.sid, claims.tid],
  );
  if (session?.status !== 'OPEN') throw new AppError('UNAUTHORIZED', 'This table session has been closed.');
  return {
    kind: 'diner',
    dinerId: claims.sub,
    sessionId: claims.sid,
    tenantId: claims.tid,
    branchId: claims.bid,
    tableId: claims.tbl,
  };
}

/** Resolves the caller (see principalOf) into `c.var.principal`, or answers 401/403. */
export const authenticate = (opts: { allowDiner: boolean }): MiddlewareHandler<AppEnv> =>
  async function authenticateMiddleware(c, next) {
    c.set('principal', await principalOf(c.var.ctx, c.req.header('authorization'), opts));
    return next();
  };
