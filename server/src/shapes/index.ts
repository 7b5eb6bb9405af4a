/** GET /api/shapes/:name: the ElectricSQL shape protocol, scoped by the caller's token (CONTRACT.md "Shapes"). */
import { type Context, Hono } from 'hono';
import type { Feature, NodeFastPath } from '../app.ts';
import { authenticate, type Principal, principalOf } from '../auth/principal.ts';
import type { AppContext, AppEnv } from '../context.ts';
import { failDirect, sendDirect } from '../http/direct-answer.ts';
import { AppError } from '../http/errors.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { bindShape } from './access.ts';
import { ChangeFeed } from './change-feed.ts';
import { electricProxy } from './electric-proxy.ts';
import { parseShapeRequest } from './protocol.ts';
import { type OnHangUp, ShapeServer } from './shape-server.ts';

const servers = new WeakMap<AppContext, ShapeServer>();
const SHAPES_PREFIX = '/api/shapes/';

/** Something that emits `close` when its client goes away: Node's response (HTTP/1.1 or HTTP/2). */
interface Closable {
  readonly destroyed: boolean;
  once(e: 'close', f: () => void): unknown;
  off(e: 'close', f: () => void): unknown;
}

/**
 * Lets a parked long-poll go when the client hangs up, from the response's `close` event (which,
 * after an answer, follows every response: the poll unregisters before it answers).
 */
const hangUpOf =
  (res: Closable): OnHangUp =>
  (f) => {
    if (res.destroyed) {
      f();
      return () => {};
    }
    res.once('close', f);
    return () => res.off('close', f);
  };

/**
 * The hang-up of a request on hono's route. On Node the response's `close` event says so;
 * `c.req.raw.signal` would do too, but asking for it makes @hono/node-server build a full Request
 * for every live request (a tenth of the shape server's CPU with 200 live clients).
 */
function clientGone(c: Context<AppEnv>): OnHangUp {
  const outgoing = (c.env as { outgoing?: Closable } | undefined)?.outgoing;
  if (outgoing) return hangUpOf(outgoing);
  const { signal } = c.req.raw;
  return (f) => {
    if (signal.aborted) {
      f();
      return () => {};
    }
    signal.addEventListener('abort', f, { once: true });
    return () => signal.removeEventListener('abort', f);
  };
}

/** The query string, read from the raw request line when there is one (no full URL built per request). */
function queryOf(c: Context<AppEnv>): URLSearchParams {
  const raw = (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url ?? c.req.url;
  const at = raw.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
}

/** A shape name from the path, decoded as hono decodes route parameters (undecodable: as it is). */
function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The running server's built-in shape server (undefined in scale-out mode), for tests and benchmarks. */
export const shapeServerOf = (ctx: AppContext): ShapeServer | undefined => servers.get(ctx);

export async function shapesFeature(ctx: AppContext): Promise<Feature> {
  const { config } = ctx;
  const builtin = config.electricUrl
    ? undefined
    : new ShapeServer(ctx.db, { liveTimeoutMs: config.shapeLiveTimeoutMs, pollMs: config.shapeFeedPollMs });
  if (builtin) {
    await builtin.start();
    servers.set(ctx, builtin);
    const trim = () => {
      builtin.feed
        .trim(config.shapeLogRetentionMs)
        .catch((e) => console.error('[comanda] change log trim failed', e));
    };
    const timer = setInterval(trim, config.shapeTrimIntervalMs);
    timer.unref();
    ctx.onClose(async () => {
      clearInterval(timer);
      await builtin.close();
    });
  }
  const forward = config.electricUrl ? electricProxy(config.electricUrl, config.electricSecret) : undefined;
  if (forward) {
    // Electric reads the WAL; the capture triggers still fill change_log, so it is still trimmed.
    const feed = new ChangeFeed(ctx.db);
    const timer = setInterval(() => {
      feed
        .trim(config.shapeLogRetentionMs)
        .catch((e) => console.error('[comanda] change log trim failed', e));
    }, config.shapeTrimIntervalMs);
    timer.unref();
    ctx.onClose(() => clearInterval(timer));
  }

  const secure = await securityHeaders();

  /** The request's shape, bound to the caller, and its protocol parameters; 403/404/400 otherwise. */
  function shapeRequest(name: string, params: URLSearchParams, principal: Principal) {
    const parsed = parseShapeRequest(params);
    // Who may read what is decided before the parameters are looked at: a stranger learns nothing.
    const shape = bindShape(name, principal, parsed.ok ? parsed.req.branch : undefined);
    if (!parsed.ok)
      throw new AppError('VALIDATION_FAILED', 'Invalid shape request.', { errors: parsed.errors });
    return { shape, req: parsed.req };
  }

  /** The built-in server's answer to one shape request of a known caller: status, headers and body text. */
  async function builtinAnswer(
    name: string,
    params: URLSearchParams,
    principal: Principal,
    onHangUp: OnHangUp,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const { shape, req } = shapeRequest(name, params, principal);
    const answer = await builtin!.answer(shape, req, onHangUp);
    const body = answer.text ?? JSON.stringify(answer.body);
    return {
      status: answer.status,
      headers: {
        ...answer.headers,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      },
      body,
    };
  }

  const api = new Hono<AppEnv>().get('/shapes/:name', authenticate({ allowDiner: true }), async (c) => {
    const params = queryOf(c);
    if (forward) {
      const { shape } = shapeRequest(c.req.param('name'), params, c.var.principal);
      try {
        return await forward(shape, params, c.req.raw);
      } catch (e) {
        if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
        // Electric unreachable: a 503 the client retries with backoff, never a 400 it would give up on.
        console.error('[comanda] Electric did not answer', e);
        return c.json(
          { error: { code: 'INTERNAL', message: 'The sync service is not reachable; retrying.' } },
          503,
          {
            'retry-after': '2',
            'cache-control': 'no-store',
          },
        );
      }
    }
    const answer = await builtinAnswer(c.req.param('name'), params, c.var.principal, clientGone(c));
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });

  /**
   * Same-origin shape requests, answered before hono sees them: a live shape answer is the server's
   * most frequent one (every device, every change, and the request that parks again right after),
   * and hono's request and context objects, its middleware chain and a Response copied header by
   * header into Node's were most of what each one cost. Same authentication, same answer, the same
   * security headers every answer has, errors in the contract's format. Cross-origin requests (an
   * Origin header: CORS headers to add) and Electric forwarding take the hono route above.
   */
  const fastPath: NodeFastPath | undefined =
    builtin && !config.logRequests
      ? (req, res) => {
          const url = req.url ?? '';
          if (req.method !== 'GET' || !url.startsWith(SHAPES_PREFIX) || req.headers.origin !== undefined)
            return false;
          const at = url.indexOf('?');
          const rawName = url.slice(SHAPES_PREFIX.length, at < 0 ? undefined : at);
          if (!rawName || rawName.includes('/')) return false;
          void (async () => {
            try {
              const principal = await principalOf(ctx, req.headers.authorization, { allowDiner: true });
              const name = decodedName(rawName);
              const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
              const answer = await builtinAnswer(name, params, principal, hangUpOf(res));
              sendDirect(res, secure, answer.status, answer.headers, answer.body);
            } catch (e) {
              failDirect(res, secure, e, 'GET', url.split('?')[0]!);
            }
          })();
          return true;
        }
      : undefined;
  return {
    name: 'shapes',
    api,
    fastPath,
    health: () =>
      builtin ? { shapeFeed: { head: builtin.feed.head, liveClients: builtin.feed.waiting } } : {},
  };
}
