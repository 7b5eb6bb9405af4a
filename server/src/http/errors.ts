/** Errors in the contract's format: {"error": {"code", "message", "details"}}, never a bare 500 page. */
import { type ErrorCode, errorStatus } from '@comanda/schema';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Thrown by routes and middleware; turned into the contract's JSON by `onError`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly status: number = errorStatus[code],
  ) {
    super(message);
  }
}

export const errorJson = (c: Context, status: number, code: ErrorCode, message: string, details?: unknown) =>
  c.json({ error: details ? { code, message, details } : { code, message } }, status as ContentfulStatusCode, {
    'cache-control': 'no-store',
  });

export function onError(err: Error, c: Context) {
  if (err instanceof AppError) return errorJson(c, err.status, err.code, err.message, err.details);
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return errorJson(c, 413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
    if (status === 401) return errorJson(c, 401, 'UNAUTHORIZED', 'Missing or invalid credentials.');
    return errorJson(c, status, status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED', err.message || 'Bad request.');
  }
  if (err instanceof SyntaxError) return errorJson(c, 400, 'VALIDATION_FAILED', 'The body is not valid JSON.');
  console.error('[comanda] unexpected error', c.req.method, c.req.path, err);
  return errorJson(c, 500, 'INTERNAL', 'Something went wrong on the server; nothing was changed.');
}

/**
 * What onError answers for `err`, as status and JSON text, for answers written without hono (the
 * shape fast path). Same codes and messages; an unexpected error is logged and is a 500.
 */
export function errorBody(err: unknown, method: string | undefined, path: string): { status: number; body: string } {
  const json = (status: number, code: ErrorCode, message: string, details?: unknown) => ({
    status,
    body: JSON.stringify({ error: details ? { code, message, details } : { code, message } }),
  });
  if (err instanceof AppError) return json(err.status, err.code, err.message, err.details);
  console.error('[comanda] unexpected error', method, path.split('?')[0], err);
  return json(500, 'INTERNAL', 'Something went wrong on the server; nothing was changed.');
}
