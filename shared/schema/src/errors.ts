/** Error codes of the public contract (CONTRACT.md "Errors"), with their HTTP status when they end a request. */
export const ErrorCode = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNKNOWN_MUTATION: 'UNKNOWN_MUTATION',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  CHECK_NOT_PAID: 'CHECK_NOT_PAID',
  ROUNDS_PENDING: 'ROUNDS_PENDING',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  PRODUCT_UNAVAILABLE: 'PRODUCT_UNAVAILABLE',
  SESSION_NOT_OPEN: 'SESSION_NOT_OPEN',
  TABLE_BUSY: 'TABLE_BUSY',
  OVERPAYMENT: 'OVERPAYMENT',
  CHECK_NOT_REQUESTED: 'CHECK_NOT_REQUESTED',
  ID_CONFLICT: 'ID_CONFLICT',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for a code when it ends a whole request (inside a mutation batch it is a `rejected` result instead). */
export const errorStatus: Record<ErrorCode, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  UNKNOWN_MUTATION: 400,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CHECK_NOT_PAID: 409,
  ROUNDS_PENDING: 409,
  INVALID_TRANSITION: 409,
  PRODUCT_UNAVAILABLE: 409,
  SESSION_NOT_OPEN: 409,
  TABLE_BUSY: 409,
  OVERPAYMENT: 409,
  CHECK_NOT_REQUESTED: 409,
  ID_CONFLICT: 409,
  INTERNAL: 500,
};

/** The JSON body of every non-2xx answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** An error as a value: what domain functions return and mutators turn into `rejected`. */
export interface DomainError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export const domainError = (code: ErrorCode, message: string, details?: Record<string, unknown>): DomainError =>
  details ? { code, message, details } : { code, message };
