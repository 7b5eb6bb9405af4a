/** Starts a Comanda server: database, migrations, demo data, features, HTTP listener. Used by main.ts and by tests. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type ServerOptions } from 'node:http';
import { createSecureServer, type SecureServerOptions, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type ServerType, serve } from '@hono/node-server';
import { createApp, type Feature, type NodeFastPath } from './app.ts';
import { Tokens } from './auth/tokens.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { type Db, migrate, openDb } from './db/index.ts';
import { loadDemo } from './seed.ts';
import { features } from './features.ts';

export interface RunningServer {
  url: string;
  port: number;
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** The signing key: from configuration, or made once and kept in the database so restarts keep tokens valid. */
async function signingSecret(db: Db, configured?: string): Promise<string> {
  if (configured) return configured;
  await db.query('INSERT INTO server_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    'jwt',
    randomBytes(32).toString('base64url'),
  ]);
  const [row] = await db.query<{ value: string }>('SELECT value FROM server_secret WHERE name = $1', ['jwt']);
  if (!row) throw new Error('could not read the signing secret');
  return row.value;
}

/** Opens (or takes) the database, prepares it and listens. `db` lets a test restart a server on the same database. */
export async function startServer(config: Config, opts: { db?: Db } = {}): Promise<RunningServer> {
  const db = opts.db ?? (await openDb(config));
  await migrate(db);
  if (config.loadDemo) await loadDemo(db);
  const closers: (() => Promise<void> | void)[] = [];
  let baseUrl = '';
  const ctx: AppContext = {
    config,
    db,
    tokens: new Tokens(await signingSecret(db, config.jwtSecret), {
      access: config.accessTokenTtlSec,
      diner: config.dinerTokenTtlSec,
    }),
    publicUrl: () => config.publicUrl ?? baseUrl,
    onClose: (fn) => closers.push(fn),
  };
  const loaded: Feature[] = [];
  for (const make of features) loaded.push(await make(ctx));
  const app = createApp(ctx, loaded);

  const tls = config.tlsCert && config.tlsKey;
  // Features' fast paths see each request first; everything else goes to hono.
  const fastPaths = loaded.flatMap((f) => (f.fastPath ? [f.fastPath] : []));
  type Listener = (...args: Parameters<NodeFastPath>) => unknown;
  const withFastPaths =
    (hono: Listener): Listener =>
    (req, res) => {
      for (const fast of fastPaths) if (fast(req, res)) return;
      return hono(req, res);
    };
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        ...(tls
          ? {
              createServer: ((options: SecureServerOptions, listener: Listener) =>
                createSecureServer(options, withFastPaths(listener))) as never,
              serverOptions: {
                cert: readFileSync(config.tlsCert!),
                key: readFileSync(config.tlsKey!),
                allowHTTP1: true,
              },
            }
          : {
              createServer: ((options: ServerOptions, listener: Listener) =>
                createHttpServer(options, withFastPaths(listener))) as never,
            }),
      },
      () => resolve(s),
    );
  });
  // HTTP/2 sessions (and HTTP/1.1 sockets on the same TLS server) are tracked so close() can cut
  // long-polls: Http2SecureServer has no closeAllConnections().
  const open = new Set<{ destroy(): void }>();
  if (tls) {
    server.on('session', (session: ServerHttp2Session) => {
      open.add(session);
      session.on('close', () => open.delete(session));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  baseUrl = `${tls ? 'https' : 'http'}://${host}:${port}`;
  let closed = false;
  return {
    url: baseUrl,
    port,
    ctx,
    app,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-polls would hold close() for their whole wait: cut them.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        for (const c of open) c.destroy();
      });
      for (const fn of closers.reverse()) await fn();
      if (!opts.db) await db.close();
    },
  };
}
