/** POST /api/mutations: an ordered batch, each mutation in its own transaction, results in the order given. */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { type MutationEnvelope, mutationBatch, type MutationResult } from '@comanda/schema';
import { Hono } from 'hono';
import type { Feature, NodeFastPath } from '../app.ts';
import { authenticate, principalOf } from '../auth/principal.ts';
import type { AppContext, AppEnv } from '../context.ts';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/index.ts';
import { EarlierMutationFailed, runMutation } from '../mutations/run.ts';
import { failDirect, sendDirect } from './direct-answer.ts';
import { AppError } from './errors.ts';
import { securityHeaders } from './security-headers.ts';

const PATH = '/api/mutations';

/** The batch in a parsed body, or a 400 that says what is wrong with it. */
function batchOf(body: unknown): MutationEnvelope[] {
  const batch = mutationBatch.safeParse(body);
  if (!batch.success)
    throw new AppError(
      'VALIDATION_FAILED',
      'Expected {"mutations": [{"id", "name", "args"}]} with 1 to 100 mutations.',
      {
        issues: batch.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    );
  return batch.data.mutations;
}

const notJson = () => new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');

/** The headers of an answered batch besides its content type. */
const batchHeaders = (started: number) => ({
  'cache-control': 'no-store',
  // How long the batch took to commit here (developer tools show it; the shape benchmark times
  // write -> visible from the commit with it).
  'server-timing': `commit;dur=${(performance.now() - started).toFixed(1)}`,
});

/** The whole body of a request whose declared length is `length`; undefined when the client went away. */
function readBody(req: IncomingMessage | Http2ServerRequest, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)));
    req.once('error', () => resolve(undefined));
    req.once('aborted', () => resolve(undefined));
  });
}

/** The origin a browser on this server's own pages writes: the scheme and host the request was sent to. */
function ownOrigin(req: IncomingMessage | Http2ServerRequest): string | undefined {
  const host = req.headers[':authority'] ?? req.headers.host;
  if (typeof host !== 'string' || !host) return undefined;
  const tls = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return `${tls ? 'https' : 'http'}://${host}`;
}

export async function mutationsFeature(ctx: AppContext): Promise<Feature> {
  const api = new Hono<AppEnv>().post('/mutations', authenticate({ allowDiner: true }), async (c) => {
    const started = performance.now();
    const body = await c.req.json().catch(() => {
      throw notJson();
    });
    const results = await runBatch(c.var.ctx.db, batchOf(body), c.var.principal);
    return c.json({ results }, 200, batchHeaders(started));
  });

  /**
   * Same-origin batches with a declared length within the limit, answered before hono sees them:
   * the write path's request (every order of every waiter and diner). Hono's Request and Response
   * objects, the body read through a web stream and the middleware chain were about a quarter of
   * the server's CPU per order (bench write-path). Same authentication, the same checks in the same
   * order, the same answer and security headers, errors in the contract's format. Browsers send an
   * Origin header with every POST, same-origin ones included: a request whose Origin is the
   * server's own (the scheme and host it was sent to) is same-origin, and has no CORS headers to
   * get. Everything else (another Origin: CORS; no declared length, or one over the limit: hono's
   * 413) takes the route above.
   */
  const secure = await securityHeaders();
  const { bodyLimitBytes } = ctx.config;
  const fastPath: NodeFastPath | undefined = ctx.config.logRequests
    ? undefined
    : (req, res) => {
        const url = req.url ?? '';
        if (req.method !== 'POST' || (url !== PATH && !url.startsWith(`${PATH}?`))) return false;
        const origin = req.headers.origin;
        if (origin !== undefined && origin !== ownOrigin(req)) return false;
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (!(declared >= 0 && declared <= bodyLimitBytes)) return false;
        void (async () => {
          try {
            const principal = await principalOf(ctx, req.headers.authorization, { allowDiner: true });
            const started = performance.now();
            const raw = await readBody(req, declared);
            if (!raw) return;
            let body: unknown;
            try {
              // As the web's text decoding does for hono's route: UTF-8, a leading byte order mark dropped.
              body = JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, ''));
            } catch {
              throw notJson();
            }
            const results = await runBatch(ctx.db, batchOf(body), principal);
            sendDirect(
              res,
              secure,
              200,
              { 'content-type': 'application/json', ...batchHeaders(started) },
              JSON.stringify({ results }),
            );
          } catch (e) {
            failDirect(res, secure, e, 'POST', PATH);
          }
        })();
        return true;
      };
  return { name: 'mutations', api, fastPath };
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
