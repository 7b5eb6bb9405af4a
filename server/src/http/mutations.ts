/** POST /api/mutations: an ordered batch, each mutation in its own transaction, results in the order given. */
import { type MutationEnvelope, mutationBatch, type MutationResult } from '@comanda/schema';
import { Hono } from 'hono';
import type { Feature } from '../app.ts';
import { authenticate } from '../auth/principal.ts';
import type { AppEnv } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/index.ts';
import { EarlierMutationFailed, runMutation } from '../mutations/run.ts';
import { AppError } from './errors.ts';

export function mutationsFeature(): Feature {
  const api = new Hono<AppEnv>().post('/mutations', authenticate({ allowDiner: true }), async (c) => {
    const started = performance.now();
    const body = await c.req.json().catch(() => {
      throw new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');
    });
    const batch = mutationBatch.safeParse(body);
    if (!batch.success)
      throw new AppError(
        'VALIDATION_FAILED',
        'Expected {"mutations": [{"id", "name", "args"}]} with 1 to 100 mutations.',
        {
          issues: batch.error.issues
            .slice(0, 10)
            .map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      );
    const results = await runBatch(c.var.ctx.db, batch.data.mutations, c.var.principal);
    return c.json({ results }, 200, {
      'cache-control': 'no-store',
      // How long the batch took to commit here (developer tools show it; the shape benchmark times
      // write -> visible from the commit with it).
      'server-timing': `commit;dur=${(performance.now() - started).toFixed(1)}`,
    });
  });
  return { name: 'mutations', api };
}

/** Wrapped, so that resolving with it does not adopt the promise inside. */
type Committing = { committed: Promise<unknown>; failed?: boolean };

/**
 * Runs a batch in order (a later mutation may depend on an earlier one: open the session, then
 * submit a round), each in its own transaction, on one connection. A mutation starts as soon as the
 * one before has sent its COMMIT, so its first statements travel with that COMMIT; it commits (or
 * records a rejection) only once that one has committed. If that one did not (a write failed at
 * the last moment), it and everything after it roll back and run again once that one is over.
 * Throws (a 5xx the client retries) when a mutation failed for a reason that is not its own.
 */
export async function runBatch(
  db: Db,
  mutations: readonly MutationEnvelope[],
  p: Principal,
): Promise<MutationResult[]> {
  const results: MutationResult[] = [];
  while (results.length < mutations.length) {
    const seq = db.sequence();
    const runs: Promise<MutationResult>[] = [];
    try {
      let after: Promise<unknown> = Promise.resolve();
      for (const m of mutations.slice(results.length)) {
        let onCommit!: (committed: Promise<void>) => void;
        const committing = new Promise<Committing>((resolve) => {
          onCommit = (committed) => resolve({ committed });
        });
        const run = runMutation(seq, m, p, { after, onCommit });
        runs.push(run);
        const next = await Promise.race([
          committing,
          run.then(
            (): Committing => ({ committed: Promise.resolve() }),
            (): Committing => ({ committed: Promise.resolve(), failed: true }),
          ),
        ]);
        if (next.failed) break;
        after = next.committed.catch(() => {
          throw new EarlierMutationFailed();
        });
        after.catch(() => {});
      }
    } finally {
      await Promise.allSettled(runs);
      seq.release();
    }
    const before = results.length;
    for (const outcome of await Promise.allSettled(runs)) {
      if (outcome.status === 'fulfilled') {
        results.push(outcome.value);
        continue;
      }
      if (outcome.reason instanceof EarlierMutationFailed) break;
      throw outcome.reason;
    }
    // Cannot happen (the first of a round waits for nothing); never loop on it.
    if (results.length === before) throw new Error('no mutation of the batch could run');
  }
  return results;
}
