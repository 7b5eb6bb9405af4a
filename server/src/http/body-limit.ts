/** The request size limit: hono's bodyLimit, answering 413 in the contract's format without breaking the client's pipe. */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.ts';
import { AppError } from './errors.ts';

/** Oversized bodies up to this many bytes are read and dropped before answering; beyond it the connection closes. */
const DRAIN_MAX = 16 * 1024 * 1024;

/**
 * Reads what the client is still sending. Answering 413 while a client is mid-upload makes many
 * clients (undici, some proxies) see a broken pipe instead of the answer; reading the rest first
 * lets them get the 413. Only when the length was declared: a streamed body is already being read
 * by the limit, and the HTTP server drains what is left.
 */
async function drain(c: Context): Promise<void> {
  const declared = Number(c.req.header('content-length'));
  const body = c.req.raw.body;
  if (!body || body.locked || !(declared <= DRAIN_MAX)) {
    c.header('connection', 'close');
    return;
  }
  const reader = body.getReader();
  try {
    while (!(await reader.read()).done);
  } catch {
    // The client went away; nothing to answer to.
  }
}

/** 413 PAYLOAD_TOO_LARGE past `maxSize` bytes, declared or streamed. */
export const limitBody = (maxSize: number): MiddlewareHandler<AppEnv> => {
  const limit = bodyLimit({
    maxSize,
    onError: async (c) => {
      await drain(c);
      throw new AppError('PAYLOAD_TOO_LARGE', `The request body is over ${maxSize} bytes.`);
    },
  });
  // GET and HEAD carry no body (the HTTP server ignores one): skipping them spares every live shape
  // request the full Request object the limit's body check would build.
  return (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next));
};
