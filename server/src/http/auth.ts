/** Staff sign-in: POST /api/auth/login, /refresh, /logout (CONTRACT.md "Auth"). */
import { type LoginAnswer, loginBody, refreshBody, type Role, type SessionUser } from '@comanda/schema';
import { type Context, Hono } from 'hono';
import type { Feature } from '../app.ts';
import { KnownAddresses } from '../auth/known-addresses.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { issueRefreshToken, revokeRefreshToken, rotateRefreshToken } from '../auth/refresh-tokens.ts';
import type { AppContext, AppEnv } from '../context.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from './errors.ts';
import { clientIp, limitRequests } from './rate-limit.ts';
import { parseJson } from './validate.ts';

const WRONG = 'Wrong email or password.';

async function loadUser(q: Queryable, where: 'id' | 'email', value: string) {
  const [u] = await q.query<{
    id: string;
    tenant_id: string;
    email: string;
    name: string;
    password_hash: string;
    active: boolean;
  }>(
    `SELECT id, tenant_id, email, name, password_hash, active FROM app_user
      WHERE ${where === 'id' ? 'id = $1' : 'lower(email) = lower($1)'}`,
    [value],
  );
  if (!u) return undefined;
  const roles = await q.query<{ branch_id: string; role: Role }>(
    'SELECT branch_id, role FROM user_branch_role WHERE user_id = $1 ORDER BY branch_id, role',
    [u.id],
  );
  // Names of the person's branches, so an app can offer a choice without another request.
  const branches = await q.query<{ id: string; name: string }>(
    `SELECT b.id, b.name FROM branch b
      WHERE b.tenant_id = $2 AND b.id IN (SELECT branch_id FROM user_branch_role WHERE user_id = $1)
      ORDER BY b.name`,
    [u.id, u.tenant_id],
  );
  const user: SessionUser = {
    id: u.id,
    tenantId: u.tenant_id,
    email: u.email,
    name: u.name,
    roles: roles.map((r) => ({ branchId: r.branch_id, role: r.role })),
    branches,
  };
  return { user, passwordHash: u.password_hash, active: u.active };
}

async function answer(ctx: AppContext, user: SessionUser, refreshToken: string): Promise<LoginAnswer> {
  return { accessToken: await ctx.tokens.access(user.id, user.tenantId, user.roles), refreshToken, user };
}

/** The account a login body names, as the limits count it (the body is read from a copy, once per request). */
const accountOf = (email: unknown) =>
  String(email || '')
    .trim()
    .toLowerCase()
    .slice(0, 254);
const accounts = new WeakMap<Request, Promise<string>>();
function accountKey(c: Context): Promise<string> {
  let key = accounts.get(c.req.raw);
  if (!key) {
    key = c.req.raw
      .clone()
      .json()
      .then((b: unknown) =>
        accountOf(typeof b === 'object' && b !== null && (b as { email?: unknown }).email),
      )
      .catch(() => '');
    accounts.set(c.req.raw, key);
  }
  return key;
}

export function authFeature(ctx: AppContext): Feature {
  const { windowMs, limit } = ctx.config.loginRateLimit;
  const known = new KnownAddresses();
  const api = new Hono<AppEnv>()
    .post(
      '/auth/login',
      // Wrong passwords are limited per address and per account; successful sign-ins don't count (see
      // limitRequests), so a whole shift signing in behind one address is never turned away.
      //
      // Per address: past `limit` wrong passwords in the window, that address is refused, whatever
      // account it tries. One machine can't run through the staff list.
      limitRequests({ windowMs, limit, failuresOnly: true, key: (c) => `ip:${clientIp(c)}` }),
      // Per account: past `limit` wrong passwords for one account, from any addresses, the account is
      // closed to every address it has not signed in from lately: those get 429 without their password
      // being tried, the right one too, so a guessing run spread over many addresses learns nothing more.
      // The addresses where the person did sign in (the restaurant's tablet, their phone on its wifi)
      // skip this limit: anyone who knows a waiter's email could otherwise keep them out for good by
      // failing on purpose. Guesses from such an address still meet the per-address limit above.
      limitRequests({
        windowMs,
        limit,
        failuresOnly: true,
        key: async (c) => `email:${await accountKey(c)}`,
        skip: async (c) => known.has(await accountKey(c), clientIp(c)),
      }),
      async (c) => {
        const { email, password } = await parseJson(c, loginBody);
        const found = await loadUser(ctx.db, 'email', email);
        // Same work and same message whether the email exists or not.
        const ok = await verifyPassword(found?.active ? found.passwordHash : undefined, password);
        if (!found || !ok) throw new AppError('UNAUTHORIZED', WRONG);
        known.remember(accountOf(email), clientIp(c));
        const refresh = await issueRefreshToken(
          ctx.db,
          { id: found.user.id, tenantId: found.user.tenantId },
          ctx.config.refreshTokenTtlSec,
        );
        return c.json(await answer(ctx, found.user, refresh.token), 200, { 'cache-control': 'no-store' });
      },
    )
    .post(
      '/auth/refresh',
      limitRequests({ windowMs, limit: limit * 6, key: (c) => `refresh:${clientIp(c)}` }),
      async (c) => {
        const { refreshToken } = await parseJson(c, refreshBody);
        const rotated = await rotateRefreshToken(ctx.db, refreshToken, ctx.config.refreshTokenTtlSec);
        if (!rotated.ok) throw new AppError('UNAUTHORIZED', 'The session has ended; sign in again.');
        const found = await loadUser(ctx.db, 'id', rotated.userId);
        if (!found) throw new AppError('UNAUTHORIZED', 'The session has ended; sign in again.');
        return c.json(await answer(ctx, found.user, rotated.token), 200, { 'cache-control': 'no-store' });
      },
    )
    .post('/auth/logout', async (c) => {
      const { refreshToken } = await parseJson(c, refreshBody);
      await revokeRefreshToken(ctx.db, refreshToken);
      return c.json({ ok: true });
    });
  return { name: 'auth', api };
}
