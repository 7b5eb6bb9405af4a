/** GET /api/shapes/:name: the ElectricSQL shape protocol, scoped by the caller's token (CONTRACT.md "Shapes"). */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type Context, Hono } from 'hono';
import type { Feature } from '../app.ts';
import { authenticate } from '../auth/principal.ts';
import type { AppContext, AppEnv } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { bindShape } from './access.ts';
import { ChangeFeed } from './change-feed.ts';
import { electricProxy } from './electric-proxy.ts';
import { parseShapeRequest } from './protocol.ts';
import { ShapeServer } from './shape-server.ts';

const servers = new WeakMap<AppContext, ShapeServer>();

/**
 * Aborts when the client goes away, so a parked long-poll is let go. On Node the response's `close`
 * event says so; `c.req.raw.signal` would do too, but asking for it makes @hono/node-server build a
 * full Request for every live request (a tenth of the shape server's CPU with 200 live clients).
 */
function clientGone(c: Context<AppEnv>): { signal: AbortSignal; release(): void } {
  type Outgoing = { once(e: 'close', f: () => void): unknown; off(e: 'close', f: () => void): unknown };
  const outgoing = (c.env as { outgoing?: Outgoing } | undefined)?.outgoing;
  if (!outgoing) return { signal: c.req.raw.signal, release: () => {} };
  const controller = new AbortController();
  const onClose = () => controller.abort();
  outgoing.once('close', onClose);
  // Answered: the close that follows every response is no hang-up (and aborting costs a DOMException).
  return { signal: controller.signal, release: () => outgoing.off('close', onClose) };
}

/** The query string, read from the raw request line when there is one (no full URL built per request). */
function queryOf(c: Context<AppEnv>): URLSearchParams {
  const raw = (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url ?? c.req.url;
  const at = raw.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
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
  const api = new Hono<AppEnv>().get('/shapes/:name', authenticate({ allowDiner: true }), async (c) => {
    const params = queryOf(c);
    const parsed = parseShapeRequest(params);
    // Who may read what is decided before the parameters are looked at: a stranger learns nothing.
    const shape = bindShape(c.req.param('name'), c.var.principal, parsed.ok ? parsed.req.branch : undefined);
    if (!parsed.ok)
      throw new AppError('VALIDATION_FAILED', 'Invalid shape request.', { errors: parsed.errors });
    if (forward) {
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
    const gone = clientGone(c);
    const answer = await builtin!.answer(shape, parsed.req, gone.signal).finally(gone.release);
    const body = answer.text ?? JSON.stringify(answer.body);
    const headers = {
      ...answer.headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    };
    // Written straight to the socket, with the same security headers every answer has: a live
    // shape answer is the server's most frequent one (every device, every change), and building a
    // Response that hono and @hono/node-server then copy header by header was a third of its cost.
    // Cross-origin callers (an Origin header) take the usual path, which adds the CORS headers.
    const outgoing = (c.env as { outgoing?: ServerResponse | Http2ServerResponse } | undefined)?.outgoing;
    if (outgoing && !c.req.header('origin')) {
      if (!outgoing.writableEnded && !outgoing.destroyed) {
        outgoing.writeHead(answer.status, {
          ...secure,
          ...headers,
          'content-length': Buffer.byteLength(body),
        });
        outgoing.end(body);
      }
      return RESPONSE_ALREADY_SENT;
    }
    return new Response(body, { status: answer.status, headers });
  });
  return {
    name: 'shapes',
    api,
    health: () =>
      builtin ? { shapeFeed: { head: builtin.feed.head, liveClients: builtin.feed.waiting } } : {},
  };
}
