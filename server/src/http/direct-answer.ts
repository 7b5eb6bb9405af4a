/**
 * Answers written straight to Node's response by a feature's fast path (server.ts runs those before
 * hono): the security headers every answer carries, a declared length, errors in the contract's
 * format, as hono's onError gives them.
 */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { errorAnswer, errorPayload } from './errors.ts';

type Res = ServerResponse | Http2ServerResponse;

/** Writes one whole answer, the security headers first; nothing when the client went away meanwhile. */
export function sendDirect(
  res: Res,
  secure: Readonly<Record<string, string>>,
  status: number,
  headers: Record<string, string>,
  body: string,
) {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { ...secure, ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The error's answer, as hono's onError gives it for `method path`. */
export function failDirect(
  res: Res,
  secure: Readonly<Record<string, string>>,
  err: unknown,
  method: string,
  path: string,
) {
  const a = errorAnswer(err, method, path);
  sendDirect(
    res,
    secure,
    a.status,
    { 'content-type': 'application/json', 'cache-control': 'no-store' },
    JSON.stringify(errorPayload(a)),
  );
}
