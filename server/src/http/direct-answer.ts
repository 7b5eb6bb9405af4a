/**
 * Answers written straight to Node's response by a feature's fast path (server.ts runs those before
 * hono): the security headers every answer carries, a declared length, errors in the contract's
 * format, as hono's onError gives them.
 */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { errorAnswer, errorPayload } from './errors.ts';

export function directAnswer(
  res: ServerResponse | Http2ServerResponse,
  secure: Readonly<Record<string, string>>,
) {
  const send = (status: number, headers: Record<string, string>, body: string) => {
    // The client went away meanwhile: nothing to answer to.
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { ...secure, ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  return {
    send,
    /** The error's answer, as hono's onError gives it for `method path`. */
    fail(err: unknown, method: string, path: string) {
      const a = errorAnswer(err, method, path);
      send(
        a.status,
        { 'content-type': 'application/json', 'cache-control': 'no-store' },
        JSON.stringify(errorPayload(a)),
      );
    },
  };
}
