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

/** An error as the contract answers it. */
export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The contract's error body. */
export const errorPayload = ({ code, message, details }: ErrorAnswer) => ({
  error: details ? { code, message, details } : { code, message },
});

export const errorJson = (c: Context, status: number, code: ErrorCode, message: string, details?: unknown) =>
  c.json(errorPayload({ status, code, message, details }), status as ContentfulStatusCode, {
    'cache-control': 'no-store',
  });

/**
 * How an error is answered, whether by hono (onError) or by an answer written without it (the
 * shape fast path). Anything unforeseen is logged and is a 500 that says nothing was changed.
 */
export function errorAnswer(err: unknown, method: string, path: string): ErrorAnswer {
  if (err instanceof AppError)
    return { status: err.status, code: err.code, message: err.message, details: err.details };
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413)
      return { status, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' };
    if (status === 401) return { status, code: 'UNAUTHORIZED', message: 'Missing or invalid credentials.' };
    return {
      status,
      code: status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED',
      message: err.message || 'Bad request.',
    };
  }
  if (err instanceof SyntaxError)
    return { status: 400, code: 'VALIDATION_FAILED', message: 'The body is not valid JSON.' };
  console.error('[comanda] unexpected error', method, path, err);
  return {
    status: 500,
    code: 'INTERNAL',
    message: 'Something went wrong on the server; nothing was changed.',
  };
}

export function onError(err: Error, c: Context) {
  const a = errorAnswer(err, c.req.method, c.req.path);
  return errorJson(c, a.status, a.code, a.message, a.details);
}
