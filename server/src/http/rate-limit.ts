/** Rate limits through hono-rate-limiter, answering in the contract's error format. */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { AppEnv } from '../context.ts';
import { errorJson } from './errors.ts';

/** The client's address as the socket sees it (a proxy in front must be configured to pass it on). */
export function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * At most `limit` requests per `windowMs` per key; past it, 429 RATE_LIMITED with Retry-After.
 * With `failuresOnly`, answers under 400 give their hit back: a login limit then counts wrong
 * passwords, so a whole shift signing in behind the restaurant's one address is never turned away.
 */
export function limitRequests(opts: {
  windowMs: number;
  limit: number;
  key: (c: Context<AppEnv>) => string | Promise<string>;
  failuresOnly?: boolean;
  /** Requests for which this limit does not apply (neither counted nor refused). */
  skip?: (c: Context<AppEnv>) => boolean | Promise<boolean>;
}) {
  return rateLimiter<AppEnv>({
    windowMs: opts.windowMs,
    limit: opts.limit,
    skipSuccessfulRequests: opts.failuresOnly ?? false,
    standardHeaders: 'draft-6',
    keyGenerator: opts.key,
    ...(opts.skip ? { skip: opts.skip } : {}),
    handler: (c) => {
      c.header('retry-after', String(Math.ceil(opts.windowMs / 1000)));
      return errorJson(c, 429, 'RATE_LIMITED', 'Too many attempts; wait a moment and try again.');
    },
  });
}
