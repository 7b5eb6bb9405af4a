/**
 * Runs one mutation exactly once: its own transaction, authorize + validate + invariants in the
 * mutator, domain events and an audit row in the same transaction, and the result recorded under
 * the mutation id so a retry returns the first answer and writes nothing.
 */
import {
  MUTATION_ACTORS,
  type MutationArgs,
  type MutationEnvelope,
  type MutationName,
  type MutationResult,
  mutationArgs,
} from '@comanda/schema';
import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../auth/principal.ts';
import type { Db, Queryable, TransactionSequence } from '../db/index.ts';
import { mutators } from './index.ts';
import { submitRoundInOneTrip } from './round-submit-fast.ts';
import { storable } from './storable.ts';
import { type EventInput, type MutatorContext, Rejection } from './types.ts';

/** Where a mutation runs: the database, or one batch's sequence of transactions. */
export type MutationDb = Pick<Db, 'query' | 'exec' | 'transaction'> | TransactionSequence;

/** How a mutation of a batch follows the one before it (see POST /api/mutations). */
export interface Chain {
  /** Commit nothing until this resolves: the mutation before has committed, or is over. */
  after?: Promise<unknown>;
  /** Called when this mutation's COMMIT is on its way, with its outcome. */
  onCommit?: (committed: Promise<void>) => void;
}

/** The mutation before this one in its batch did not end as expected: run this one again after it. */
export class EarlierMutationFailed extends Error {
  constructor() {
    super('the mutation before this one in the batch did not commit');
  }
}

const actorId = (p: Principal) => (p.kind === 'staff' ? p.userId : p.dinerId);
const actorKind = (p: Principal) => (p.kind === 'staff' ? 'staff' : 'diner');

const isMutationName = (name: string): name is MutationName => Object.hasOwn(mutationArgs, name);

interface PgError {
  code?: string;
  constraint?: string;
  constraint_name?: string;
}
const sqlState = (e: unknown) => (e as PgError)?.code;

/** The stored answer for `id`, when this id was seen before. Another caller's id is a conflict, not a replay. */
async function storedResult(q: Queryable, id: string, p: Principal): Promise<MutationResult | undefined> {
  const [row] = await q.query<{ result: MutationResult; tenant_id: string; actor_id: string | null }>(
    'SELECT result, tenant_id, actor_id FROM applied_mutation WHERE id = $1',
    [id],
  );
  if (!row) return undefined;
  if (row.tenant_id !== p.tenantId || row.actor_id !== actorId(p))
    return {
      id,
      status: 'rejected',
      code: 'ID_CONFLICT',
      message: 'This mutation id was already used by someone else.',
    };
  return row.result;
}

/** Records a rejection so a retry gets the same answer; the first recorded answer wins a race. */
async function recordRejection(
  db: MutationDb,
  env: MutationEnvelope,
  p: Principal,
  r: MutationResult,
  chain: Chain,
): Promise<MutationResult> {
  // An unknown name is recorded too, and may hold what text columns refuse (NUL): kept as storable() makes it.
  const action = storable(env.name.slice(0, 64)) as string;
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ result: MutationResult }>(
      `INSERT INTO applied_mutation (id, tenant_id, actor_id, name, result) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING result`,
      [env.id, p.tenantId, actorId(p), action, r],
    );
    if (!row) return (await storedResult(tx, env.id, p)) ?? r;
    await tx.query(
      `INSERT INTO audit_log (id, tenant_id, branch_id, actor_kind, actor_id, mutation_id, action, status, code, args)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'rejected', $8, $9)`,
      [
        uuidv7(),
        p.tenantId,
        p.kind === 'diner' ? p.branchId : null,
        actorKind(p),
        actorId(p),
        env.id,
        action,
        r.status === 'rejected' ? r.code : null,
        safeArgs(env.args),
      ],
    );
    // A rejection decided on rows the mutation before should have changed must not be recorded.
    if (chain.after) await tx.commit(chain.after);
    return r;
  });
}

/** Arguments as stored in the audit log: JSON only, bounded, without what jsonb refuses (see storable.ts). */
const safeArgs = (args: unknown) => storable(args) ?? {};

const reject = (
  id: string,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): MutationResult =>
  // Details may quote the input (zod names unknown keys): stored and replayed, so made storable too.
  details
    ? { id, status: 'rejected', code, message, details: storable(details) as Record<string, unknown> }
    : { id, status: 'rejected', code, message };

/** Parameters of the statement that records an applied mutation ($1..$10 in `attempt`). */
const RECORD_PARAMS = 10;

/**
 * A mutator's queued writes as leading parts of one WITH statement, their parameters numbered after
 * the first `first`; undefined when they must stay statements of their own. They can be parts when
 * each is a plain INSERT, UPDATE or DELETE (a write that has its own WITH cannot be nested) and no
 * two write the same table: the parts of one statement do not see each other's rows, and a row
 * changed twice in one statement keeps only one change. (A write must not read what an earlier
 * write of its mutation wrote either; MutatorContext.write says so.) Foreign keys and AFTER
 * triggers still see everything: PostgreSQL checks and runs them at the end of the statement. A
 * failing part fails the statement with the same error code and constraint as the write alone would.
 */
export function mergeableWrites(
  writes: readonly (readonly [string, readonly unknown[]])[],
  first: number,
): { ctes: string; params: unknown[] } | undefined {
  if (!writes.length) return undefined;
  // The recording statement's own tables count as written.
  const tables = new Set(['applied_mutation', 'audit_log', 'event']);
  for (const [sql] of writes) {
    const m = /^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)\b/i.exec(sql);
    // A `$` that is not a parameter (dollar quoting) could hide text that looks like one.
    if (!m || tables.has(m[1]!.toLowerCase()) || /\$(?!\d)/.test(sql)) return undefined;
    tables.add(m[1]!.toLowerCase());
  }
  let next = first;
  const params: unknown[] = [];
  const ctes = writes.map(([sql, ps], i) => {
    const base = next;
    next += ps.length;
    params.push(...ps);
    const body = sql.replace(/\$(\d+)/g, (_, n: string) => `$${base + Number(n)}`);
    return `w${i} AS (${body}), `;
  });
  return { ctes: ctes.join(''), params };
}

async function attempt(
  db: MutationDb,
  env: MutationEnvelope,
  p: Principal,
  name: MutationName,
  args: unknown,
  chain: Chain,
) {
  // No lookup of the id first: a mutation id seen before fails on the applied_mutation primary key
  // at the end (or earlier on an id it re-inserts), rolling back everything this attempt wrote, and
  // runMutation answers with the stored result. One statement less for every first-time mutation.
  return db.transaction(async (tx) => {
    const events: EventInput[] = [];
    const writes: [string, readonly unknown[]][] = [];
    const m: MutatorContext = {
      tx,
      principal: p,
      mutationId: env.id,
      emit: async (e) => {
        events.push(e);
      },
      write: (sql, params = []) => {
        writes.push([sql, params]);
      },
    };
    const run = mutators[name] as (
      m: MutatorContext,
      a: unknown,
    ) => ReturnType<(typeof mutators)[MutationName]>;
    const outcome = await run(m, args);
    // The mutator's queued writes, the statement that records the result (with this transaction's
    // id, which clients wait for in the shape stream's `txids`), the audit row and the domain events,
    // and COMMIT, sent together: the driver pipelines them, one round trip. Writes become parts of
    // the recording statement where they can (see mergeableWrites): one statement, one answer
    // from PostgreSQL, instead of one per write.
    const merged = mergeableWrites(writes, RECORD_PARAMS);
    const sent = merged ? [] : writes.map(([sql, params]) => tx.query(sql, params));
    const recorded = tx.query<{ result: MutationResult }>(
      `WITH ${merged ? merged.ctes : ''}r AS (
         INSERT INTO applied_mutation (id, tenant_id, actor_id, name, result)
         VALUES ($1::uuid, $2, $3, $4, jsonb_build_object('id', $1::uuid::text, 'status', 'applied',
           'txid', pg_current_xact_id()::xid::text) || coalesce($10::jsonb, '{}'))
         RETURNING result
       ), a AS (
         INSERT INTO audit_log (id, tenant_id, branch_id, actor_kind, actor_id, mutation_id, action, status, args)
         VALUES ($5, $2, $6, $7, $3, $1::uuid, $4, 'applied', $8)
       ), e AS (
         INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, actor_id, payload)
         SELECT x.id, x."tenantId", x."branchId", x.type, x.entity, x."entityId", x."sessionId", x."tableId", $7, $3,
           coalesce(x.payload, '{}')
         FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, "tenantId" uuid, "branchId" uuid, type text,
           entity text, "entityId" uuid, "sessionId" uuid, "tableId" uuid, payload jsonb)
       )
       SELECT result FROM r`,
      [
        env.id,
        outcome.tenantId,
        actorId(p),
        name,
        uuidv7(),
        outcome.branchId,
        actorKind(p),
        safeArgs(args),
        // UUIDv7 ids keep the events of one mutation in the order they were emitted.
        events.map((e) => ({ ...e, id: uuidv7() })),
        outcome.data ? { data: outcome.data } : null,
        ...(merged?.params ?? []),
      ],
    );
    // COMMIT goes in the same round trip; if any statement before it fails, it rolls back instead.
    const committed = tx.commit(chain.after);
    chain.onCommit?.(committed);
    const settled = await Promise.allSettled([...sent, recorded, committed]);
    // The first failure is the cause; the ones after it only say the transaction was already aborted.
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [row] = await recorded;
    return row!.result;
  });
}

/** Runs one mutation of a batch. Throws only for failures that are not the mutation's fault (the batch is then a 5xx and the client retries). */
export async function runMutation(
  db: MutationDb,
  env: MutationEnvelope,
  p: Principal,
  chain: Chain = {},
): Promise<MutationResult> {
  const { id, name } = env;
  // Recorded and audited like any rejection: a retry gets the same answer, and probing for names leaves a trace.
  if (!isMutationName(name))
    return recordRejection(
      db,
      env,
      p,
      reject(id, 'UNKNOWN_MUTATION', `There is no mutation called "${storable(name) as string}".`),
      chain,
    );
  // A quick role check before validation: a caller who can never run this learns nothing more.
  const allowed = MUTATION_ACTORS[name];
  const hasAnyRole =
    p.kind === 'diner' ? allowed.includes('DINER') : p.roles.some((r) => allowed.includes(r.role));
  if (!hasAnyRole)
    return recordRejection(db, env, p, reject(id, 'FORBIDDEN', `You are not allowed to run ${name}.`), chain);
  const parsed = mutationArgs[name].safeParse(env.args);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 10)
      .map((i) => ({ path: i.path.join('.'), message: i.message }));
    return recordRejection(
      db,
      env,
      p,
      reject(id, 'VALIDATION_FAILED', `Invalid arguments for ${name}.`, { issues }),
      chain,
    );
  }
  // The order path's common case in one round trip to the database (see round-submit-fast.ts).
  if (name === 'round.submit') {
    const args = parsed.data as MutationArgs<'round.submit'>;
    const applied = await submitRoundInOneTrip(db, env, p, args, safeArgs(args), chain);
    if (applied) return applied;
  }
  for (let tries = 0; ; tries++) {
    try {
      return await attempt(db, env, p, name, parsed.data, chain);
    } catch (e) {
      if (e instanceof EarlierMutationFailed) throw e;
      if (e instanceof Rejection)
        return recordRejection(db, env, p, reject(id, e.code, e.message, e.details), chain);
      const state = sqlState(e);
      // A concurrent retry of the same id won the race: answer with what it recorded.
      if (
        state === '23505' &&
        /applied_mutation/.test(String((e as PgError).constraint_name ?? (e as PgError).constraint ?? e))
      ) {
        const again = await storedResult(db, id, p);
        if (again) return again;
      }
      // Serialization failure or deadlock: safe to run again from the start.
      if ((state === '40001' || state === '40P01') && tries < 3) continue;
      // Another row already has an id the client chose: the client's mistake, not a reason to retry forever.
      if (state === '23505')
        return recordRejection(
          db,
          env,
          p,
          reject(id, 'ID_CONFLICT', 'An id in this mutation is already in use.'),
          chain,
        );
      // Integrity (23) and data exceptions (22): the data did not fit, which is the input's fault, not a 500.
      if (state?.startsWith('23') || state?.startsWith('22'))
        return recordRejection(
          db,
          env,
          p,
          reject(id, 'VALIDATION_FAILED', 'The data does not fit the records.'),
          chain,
        );
      // Not the input's fault; but if this id was answered before, that answer still stands.
      const earlier = await storedResult(db, id, p).catch(() => undefined);
      if (earlier) return earlier;
      throw e;
    }
  }
}
