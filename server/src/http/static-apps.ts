/** Serves the built apps (apps/<folder>/dist) at /kitchen, /waiter, /menu, /admin, with SPA fallback and cache rules. */
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import type { Feature } from '../app.ts';
import type { AppContext, AppEnv } from '../context.ts';
import { errorJson } from './errors.ts';

/** URL prefix -> folder under `config.appsDir`. An app that is not built yet answers a clear 404. */
export const STATIC_APPS: Record<string, string> = {
  kitchen: 'kitchen-pwa',
  waiter: 'waiter-pwa',
  menu: 'menu-pwa',
  admin: 'admin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

// Vite names every emitted asset `name-<8+ char hash>.ext` under assets/: its content never changes.
const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
// Everything else (index.html, sw.js, the manifest, icons) must be revalidated, or a deploy never reaches
// the devices: the service worker checks sw.js for updates and would keep an old one from an HTTP cache.
const REVALIDATE = 'no-cache';

/** The cache rule of a file of a built app, by its path inside dist/. */
export function cacheControl(file: string): string {
  return HASHED.test(file) ? IMMUTABLE : REVALIDATE;
}

const etagOf = (s: Stats) => `W/"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;

async function fileStat(path: string): Promise<Stats | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(c: Context<AppEnv>, path: string, s: Stats, rel: string) {
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cacheControl(rel),
    etag: etagOf(s),
    'last-modified': s.mtime.toUTCString(),
  };
  // The service worker script may control the whole app folder it lives in (and nothing above it).
  if (rel === 'sw.js') headers['service-worker-allowed'] = './';
  if (c.req.header('if-none-match') === headers.etag) return c.body(null, 304, headers);
  headers['content-length'] = String(s.size);
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  const body = Readable.toWeb(createReadStream(path)) as ReadableStream;
  return c.body(body, 200, headers);
}

/** The Hono routes of one app: `/<prefix>` redirects to `/<prefix>/`, files from dist/, SPA fallback to index.html. */
function appRoutes(prefix: string, dist: string) {
  const routes = new Hono<AppEnv>();
  routes.get(`/${prefix}`, (c) => c.redirect(`/${prefix}/${new URL(c.req.url).search}`, 301));
  routes.on(['GET', 'HEAD'], `/${prefix}/*`, async (c) => {
    let rel: string;
    try {
      // From the raw URL, decoded exactly once.
      rel = decodeURIComponent(new URL(c.req.url).pathname.slice(prefix.length + 2));
    } catch {
      return errorJson(c, 400, 'VALIDATION_FAILED', 'Malformed path.');
    }
    // normalize() folds `..`; anything that still climbs out of dist/ (or holds a NUL) is refused.
    const clean = normalize(rel || 'index.html');
    if (clean.includes('\0') || clean.startsWith('..') || clean.startsWith(sep))
      return errorJson(c, 404, 'NOT_FOUND', `Nothing at ${c.req.path}.`);
    const path = join(dist, clean);
    if (!path.startsWith(dist + sep)) return errorJson(c, 404, 'NOT_FOUND', `Nothing at ${c.req.path}.`);
    const found = await fileStat(path);
    if (found) return sendFile(c, path, found, clean.split(sep).join('/'));
    // A missing file with an extension is a 404 (an HTML page where a script or wasm is expected would break
    // the app in confusing ways); a route without one (`/kitchen/ready`) is a screen of the app.
    if (extname(clean) && clean !== 'index.html')
      return errorJson(c, 404, 'NOT_FOUND', `Nothing at ${c.req.path}.`);
    const index = join(dist, 'index.html');
    const indexStat = await fileStat(index);
    if (!indexStat)
      return errorJson(
        c,
        404,
        'NOT_FOUND',
        `The ${prefix} app is not built: run \`npm run build -w apps/${STATIC_APPS[prefix]}\` (npm start does it).`,
      );
    return sendFile(c, index, indexStat, 'index.html');
  });
  return routes;
}

/** Mounts every app of STATIC_APPS; the folder is looked up per request so a build made after start is served. */
export function staticAppsFeature(ctx: AppContext): Feature {
  const root = new Hono<AppEnv>();
  for (const [prefix, folder] of Object.entries(STATIC_APPS))
    root.route('/', appRoutes(prefix, join(ctx.config.appsDir, folder, 'dist')));
  return { name: 'static-apps', root };
}
