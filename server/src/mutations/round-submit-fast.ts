/**
 * round.submit's common case in one round trip to the database: BEGIN, the comanda_round_submit
 * function (migration 0009) and COMMIT leave in one write. The function does what round.ts does
 * when everything is plainly fine; for anything else it raises and changes nothing, and the caller
 * runs round.ts, which finds the same thing and answers with a reason.
 */
import {
  MUTATION_ACTORS,
  type MutationArgs,
  type MutationEnvelope,
  type MutationResult,
} from '@comanda/schema';
import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../auth/principal.ts';
import { initialRoundStatus } from '../domain/round.ts';
import type { Chain, MutationDb } from './run.ts';

/**
 * The applied result of `env`, or undefined when round.ts must decide (nothing was written then).
 * `args` are the validated arguments and `auditArgs` what the audit row keeps of them.
 */
export async function submitRoundInOneTrip(
  db: MutationDb,
  env: MutationEnvelope,
  p: Principal,
  args: MutationArgs<'round.submit'>,
  auditArgs: unknown,
  chain: Chain,
): Promise<MutationResult | undefined> {
  const allowed = MUTATION_ACTORS['round.submit'];
  const branches =
    p.kind === 'diner'
      ? [p.branchId]
      : p.roles.filter((r) => allowed.includes(r.role)).map((r) => r.branchId);
  try {
    return await db.transaction(async (tx) => {
      const called = tx.query<{ result: MutationResult }>(
        'SELECT comanda_round_submit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS result',
        [
          env.id,
          p.tenantId,
          p.kind === 'staff' ? p.userId : null,
          p.kind === 'diner' ? p.dinerId : null,
          p.kind === 'diner' ? p.sessionId : null,
          branches,
          args.sessionId,
          args.roundId,
          args.items,
          initialRoundStatus(p.kind),
          uuidv7(),
          // UUIDv7: the events of one round keep the order they were made in.
          [uuidv7(), uuidv7()],
          auditArgs,
        ],
      );
      // Not handed to chain.onCommit: when this COMMIT turns out a ROLLBACK, round.ts runs next,
      // and the batch's next mutation must wait for that one's commit, not for this one's.
      const committed = tx.commit(chain.after);
      const settled = await Promise.allSettled([called, committed]);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      return (await called)[0]!.result;
    });
  } catch {
    // Anything at all (a case the function leaves to round.ts, a retried id, a deadlock): round.ts
    // runs from the start, as if this had not been tried; this transaction wrote nothing.
    return undefined;
  }
}
