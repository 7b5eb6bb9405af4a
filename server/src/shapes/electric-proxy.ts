/**
 * Scale-out mode: the same endpoint, answered by Electric's sync service. The server forwards the
 * shape it bound from the token (table, columns, where clause and its params); the client's own
 * `table`, `where`, `columns` and `params` are never passed on. Headers are fixed as Electric's
 * auth-proxy guide says.
 */
import { type BoundShape, ident } from './access.ts';

/**
 * Protocol parameters passed through (the client's ELECTRIC_PROTOCOL_QUERY_PARAMS without `subset__*`,
 * which is refused before we get here).
 */
const PASSED = [
  'live',
  'live_sse',
  'experimental_live_sse',
  'handle',
  'offset',
  'cursor',
  'expired_handle',
  'log',
  'cache-buster',
  'replica',
];

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** The where clause and its positional params for Electric (`params[1]`, ...). */
export function electricWhere(shape: BoundShape): { where: string; params: string[] } {
  const params: string[] = [];
  const parts = shape.where.map((w) => {
    const cond = shape.access.where.find((c) => c.column === w.column)!;
    if ('in' in cond) return `${ident(w.column)} IN (${cond.in.map(quote).join(', ')})`;
    if (typeof cond.equals === 'boolean') return `${ident(w.column)} = ${cond.equals}`;
    params.push(w.values[0]!);
    return `${ident(w.column)} = $${params.length}`;
  });
  return { where: parts.join(' AND '), params };
}

/** Builds Electric's /v1/shape URL for a bound shape and the client's protocol parameters. */
export function electricUrlFor(
  base: string,
  shape: BoundShape,
  client: URLSearchParams,
  secret?: string,
): URL {
  const url = new URL('/v1/shape', base);
  for (const p of PASSED) {
    const v = client.get(p);
    if (v !== null) url.searchParams.set(p, v);
  }
  url.searchParams.set('table', shape.def.table);
  url.searchParams.set('columns', shape.access.columns.map((c) => ident(c)).join(','));
  const { where, params } = electricWhere(shape);
  if (where) url.searchParams.set('where', where);
  params.forEach((v, i) => {
    url.searchParams.set(`params[${i + 1}]`, v);
  });
  if (secret) url.searchParams.set('secret', secret);
  return url;
}

/** Returns the forwarder for `base` (ELECTRIC_URL). */
export function electricProxy(base: string, secret?: string) {
  return async (shape: BoundShape, client: URLSearchParams, req: Request): Promise<Response> => {
    const upstream = await fetch(electricUrlFor(base, shape, client, secret), {
      signal: req.signal,
      headers: { accept: 'application/json' },
    });
    const headers = new Headers(upstream.headers);
    // fetch has already decoded the body: the length and encoding no longer describe what we send.
    headers.delete('content-encoding');
    headers.delete('content-length');
    headers.delete('transfer-encoding');
    headers.delete('connection');
    // Electric's own CORS answer (it allows any origin) must not stand in for ours: which origins
    // may read a shape is this server's CORS_ORIGINS, applied by its middleware.
    for (const name of [...headers.keys()]) if (name.startsWith('access-control-')) headers.delete(name);
    // The answer depends on the token: shared caches must key on it, and never share it across people.
    headers.set('vary', 'authorization');
    const cc = headers.get('cache-control');
    if (cc) headers.set('cache-control', cc.replace(/\bpublic\b/, 'private'));
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
  };
}
