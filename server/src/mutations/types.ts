/** What a mutator gets and gives. One file per entity implements the mutators (round.ts, payment.ts, ...). */
import type { DomainError, ErrorCode, EventType, MutationArgs, MutationName } from '@comanda/schema';
import type { Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/index.ts';

export interface MutatorContext {
  tx: Queryable;
  principal: Principal;
  mutationId: string;
  /** Appends a domain event in this transaction. */
  emit(e: EventInput): Promise<void>;
  /**
   * Queues a write whose answer the mutator does not need (its last INSERT or UPDATE). Queued writes go
   * out in order, pipelined with the statement that records the mutation: one round trip for all of
   * them. A failing write fails the mutation like an awaited one would. Writes may run as parts of one
   * statement (see mergeableWrites in run.ts), so a write must not read rows an earlier queued write
   * of the same mutation makes or changes; the mutator computes such values itself.
   */
  write(sql: string, params?: readonly unknown[]): void;
}

export interface EventInput {
  type: EventType;
  tenantId: string;
  branchId: string | null;
  entity: string;
  entityId: string;
  sessionId?: string | null;
  tableId?: string | null;
  payload?: Record<string, unknown>;
}

/** What the mutator touched, for the audit row, and what the caller learns besides `applied`. */
export interface MutatorOutcome {
  tenantId: string;
  branchId: string | null;
  /** Merged into the applied result (e.g. check.request answers with the session's one checkId). */
  data?: Record<string, unknown>;
}

export type Mutator<N extends MutationName> = (
  m: MutatorContext,
  args: MutationArgs<N>,
) => Promise<MutatorOutcome>;

export type MutatorTable = { [N in MutationName]: Mutator<N> };

/** Thrown by a mutator to reject: the transaction rolls back and the person gets the code and the reason. */
export class Rejection extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  static of(e: DomainError): Rejection {
    return new Rejection(e.code, e.message, e.details);
  }
}

/** Throws the domain rule's error, if it returned one: `ok(canClearTable(...))`. */
export function ok(e: DomainError | undefined): void {
  if (e) throw Rejection.of(e);
}

/** The value of a domain function that returns either an error or a value. */
export function orReject<T extends object>(r: DomainError | T): T {
  if (isDomainError(r)) throw Rejection.of(r);
  return r;
}

const isDomainError = (r: unknown): r is DomainError =>
  typeof r === 'object' && r !== null && !Array.isArray(r) && 'code' in r && 'message' in r;
