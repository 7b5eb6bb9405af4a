/** The menu chatbot feature: POST /api/chat, GET /api/chat/log, the index worker, and its line in /api/health. */
import { type ChatLogEntry, chatBody } from '@comanda/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Feature } from '../app.ts';
import { authenticate, rolesIn } from '../auth/principal.ts';
import type { AppContext, AppEnv } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { clientIp, limitRequests } from '../http/rate-limit.ts';
import { parseJson } from '../http/validate.ts';
import { type Embedder, loadEmbedder } from './embedder.ts';
import { ChatIndexer, type VectorMode } from './indexer.ts';
import { llmClient } from './llm.ts';
import { answerQuestion, type ChatDeps, retrievalMode } from './service.ts';

/** The running chatbot of a server (tests and the benchmark wait on its index). */
export const chatServices = new WeakMap<AppContext, { indexer: ChatIndexer; deps: ChatDeps }>();

const logQuery = z.object({
  branchId: z.uuid(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});

async function vectorMode(ctx: AppContext): Promise<VectorMode> {
  const [row] = await ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'knowledge_chunk' AND column_name = 'embedding'`,
  );
  return row?.n ? 'pgvector' : 'array';
}

export async function chatFeature(ctx: AppContext): Promise<Feature> {
  let embedder: Embedder | null = null;
  let why = 'no EMBED_MODEL_DIR';
  if (ctx.config.embedModelDir) {
    const loaded = await loadEmbedder(ctx.config.embedModelDir);
    if ('error' in loaded) why = loaded.error;
    else embedder = loaded;
  }
  const vectors: VectorMode = embedder ? await vectorMode(ctx) : 'none';
  const llm = ctx.config.llmUrl
    ? llmClient(ctx.config.llmUrl, ctx.config.llmModel, ctx.config.llmTimeoutMs)
    : null;
  const deps: ChatDeps = { db: ctx.db, embedder, vectors, llm };
  console.log(
    embedder
      ? `[comanda] chat: hybrid retrieval, embeddings by ${embedder.model} (${embedder.dims} dims) in ${
          vectors === 'pgvector'
            ? 'pgvector'
            : 'a real[] column ranked in the server (no pgvector on this database)'
        }`
      : `[comanda] chat: full-text retrieval only (${why})`,
  );
  const indexer = new ChatIndexer(ctx.db, embedder, vectors);
  await indexer.start();
  ctx.onClose(() => indexer.close());
  chatServices.set(ctx, { indexer, deps });

  const { windowMs, perActor, perIp } = ctx.config.chatRateLimit;
  const api = new Hono<AppEnv>()
    .post(
      '/chat',
      limitRequests({ windowMs, limit: perIp, key: (c) => `chat-ip:${clientIp(c)}` }),
      authenticate({ allowDiner: true }),
      limitRequests({
        windowMs,
        limit: perActor,
        key: (c) => {
          const p = c.var.principal;
          return p.kind === 'diner' ? `chat-diner:${p.dinerId}` : `chat-staff:${p.userId}`;
        },
      }),
      async (c) => {
        const { question, locale, branchId } = await parseJson(c, chatBody);
        const p = c.var.principal;
        let branch: string;
        if (p.kind === 'diner') {
          // A diner's branch is the table's: a branchId in the body cannot move them elsewhere.
          branch = p.branchId;
        } else {
          const mine = [...new Set(p.roles.map((r) => r.branchId))];
          const wanted = branchId ?? mine[0];
          if (!wanted || !mine.includes(wanted))
            throw new AppError('FORBIDDEN', 'You have no role in that branch.');
          branch = wanted;
        }
        const out = await answerQuestion(
          deps,
          p,
          { tenantId: p.tenantId, branchId: branch },
          question,
          locale,
        );
        return c.json(
          { answer: out.answer, decision: out.decision, citations: out.citations, logId: out.logId },
          200,
          { 'cache-control': 'no-store' },
        );
      },
    )
    .get('/chat/log', authenticate({ allowDiner: false }), async (c) => {
      const parsed = logQuery.safeParse(c.req.query());
      if (!parsed.success)
        throw new AppError('VALIDATION_FAILED', 'Expected ?branchId=<uuid>&limit=1..200&before=<ISO time>.');
      const { branchId, limit, before } = parsed.data;
      const p = c.var.principal;
      // Managers and admins of that branch only; the tenant filter below is a second fence.
      if (!rolesIn(p, branchId).some((r) => r === 'MANAGER' || r === 'ADMIN'))
        throw new AppError('FORBIDDEN', 'Only managers of that branch can read its chat log.');
      const rows = await ctx.db.query<{
        id: string;
        branch_id: string;
        actor_kind: 'staff' | 'diner';
        actor_id: string;
        session_id: string | null;
        question: string;
        locale: string;
        decision: 'answered' | 'abstained';
        answer: string;
        chunks: ChatLogEntry['chunks'] | string;
        citations: ChatLogEntry['citations'] | string;
        retrieval: string;
        model: string;
        latency_ms: number;
        created_at: Date;
      }>(
        `SELECT * FROM chat_log WHERE tenant_id = $1 AND branch_id = $2 AND ($3::timestamptz IS NULL OR created_at < $3)
          ORDER BY created_at DESC, id LIMIT $4`,
        [p.tenantId, branchId, before ?? null, limit],
      );
      const json = <X>(v: X | string): X => (typeof v === 'string' ? (JSON.parse(v) as X) : v);
      const entries: ChatLogEntry[] = rows.map((r) => ({
        id: r.id,
        branchId: r.branch_id,
        actorKind: r.actor_kind,
        actorId: r.actor_id,
        sessionId: r.session_id,
        question: r.question,
        locale: r.locale,
        decision: r.decision,
        answer: r.answer,
        chunks: json(r.chunks),
        citations: json(r.citations),
        retrieval: r.retrieval,
        model: r.model,
        latencyMs: r.latency_ms,
        createdAt: new Date(r.created_at).toISOString(),
      }));
      return c.json({ entries }, 200, { 'cache-control': 'no-store' });
    });

  return {
    name: 'chat',
    api,
    health: () => ({
      chat: {
        retrieval: retrievalMode(deps),
        vectors,
        embedModel: embedder?.model ?? null,
        llm: llm ? llm.model : null,
      },
    }),
  };
}
