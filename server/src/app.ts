/** The Hono application: edge middleware, then the API routes of each feature. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { logger } from 'hono/logger';
import type { AppContext, AppEnv } from './context.ts';
import { limitBody } from './http/body-limit.ts';
import { errorJson, onError } from './http/errors.ts';
import { type HealthContributor, healthRoutes } from './http/health.ts';
import { securityHeadersMiddleware } from './http/security-headers.ts';

/** A feature mounts its routes under /api and may add fields to /api/health. */
export interface Feature {
  name: string;
  /** Routes mounted under /api. */
  api?: Hono<AppEnv>;
  /** Routes mounted at the root (static apps at /kitchen, the Yjs relay at /yjs, ...). */
  root?: Hono<AppEnv>;
  health?: HealthContributor;
  /**
   * A request this feature answers straight from Node's request and response objects, before hono
   * (the server's hottest request only): returns true when it took the request.
   */
  fastPath?: NodeFastPath;
}

export type NodeFastPath = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => boolean;

export function createApp(ctx: AppContext, features: Feature[]) {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => errorJson(c, 404, 'NOT_FOUND', `Nothing at ${c.req.method} ${c.req.path}.`));
  if (ctx.config.logRequests) app.use('*', logger());
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    await next();
  });
  app.use('*', securityHeadersMiddleware);
  const corsHeaders = cors({
    origin: (origin) => (ctx.config.corsOrigins.includes(origin) ? origin : null),
    allowHeaders: ['Authorization', 'Content-Type'],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    // The Electric client reads these on every shape answer (ELECTRIC-PROTOCOL.md "Response headers").
    exposeHeaders: [
      'electric-handle',
      'electric-offset',
      'electric-schema',
      'electric-cursor',
      'electric-up-to-date',
      'retry-after',
    ],
    maxAge: 600,
  });
  // A request without an Origin header is same-origin (browsers send one on every cross-origin
  // request) or not from a browser: CORS headers say nothing to it, and setting them before the
  // handler answers made hono rebuild every response (a live shape answer included) to merge them.
  app.use('/api/*', (c, next) => (c.req.header('origin') ? corsHeaders(c, next) : next()));
  app.use('/api/*', limitBody(ctx.config.bodyLimitBytes));
  app.route('/api', healthRoutes(features.flatMap((f) => (f.health ? [f.health] : []))));
  for (const f of features) {
    if (f.api) app.route('/api', f.api);
    if (f.root) app.route('/', f.root);
  }
  return app;
}
