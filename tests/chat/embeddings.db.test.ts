import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../../server/src/chat/embedder.ts';
import { chatServices } from '../../server/src/chat/index.ts';
import { retrieve } from '../../server/src/chat/retrieve.ts';
import { demo } from '../support/demo.ts';
import { testConfig } from '../../server/src/config.ts';
import { startServer } from '../../server/src/server.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runEvaluation } from './run-evaluation.ts';

// The tiny random-weight model the project generates (scripts/make-tiny-embed-model.py) and ships.
const MODEL_DIR = fileURLToPath(new URL('../fixtures/embed-model', import.meta.url));

describe('hybrid retrieval with an embedding model from EMBED_MODEL_DIR', () => {
  let s: TestServer;
  let pgvector: boolean;
  beforeAll(async () => {
    s = await startTestServer({
      config: { embedModelDir: MODEL_DIR, chatRateLimit: { windowMs: 60_000, perActor: 1000, perIp: 1000 } },
    });
    await chatServices.get(s.server.ctx)!.indexer.idle();
    const [row] = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'vector'`,
    );
    pgvector = (row?.n ?? 0) > 0;
  });
  afterAll(() => s?.close());

  it('says in /api/health which model and which vector store it uses', async () => {
    const health = (await (await s.fetch('/api/health')).json()) as { chat: Record<string, unknown> };
    expect(health.chat).toMatchObject({
      retrieval: 'hybrid',
      embedModel: 'comanda/tiny-bert',
      vectors: pgvector ? 'pgvector' : 'array',
    });
    // PGlite ships pgvector; this machine's PostgreSQL 15 does not, and the server still embeds.
    if (s.kind === 'pglite') expect(pgvector).toBe(true);
  });

  it('embeds every chunk with the model', async () => {
    const column = pgvector ? 'embedding' : 'embedding_array';
    const [row] = await s.db.query<{ total: number; embedded: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE embed_model = 'comanda/tiny-bert' AND ${column} IS NOT NULL)::int AS embedded
         FROM knowledge_chunk`,
    );
    expect(row!.total).toBeGreaterThan(70);
    expect(row!.embedded).toBe(row!.total);
  });

  it('ranks by vector similarity exactly as cosine over the stored vectors says, inside the scope', async () => {
    const { deps } = chatServices.get(s.server.ctx)!;
    const question = 'algo fresco y suave para una tarde de calor';
    const r = await retrieve(s.db, { tenantId: demo.tenant.id, branchId: demo.centro.id }, question, 'es', {
      embedder: deps.embedder,
      mode: deps.vectors,
    });
    const best = [...r.ranked].sort((a, b) => b.vector - a.vector)[0]!;
    expect(best.vector).toBeGreaterThan(0);
    // Recompute in the test from the stored vectors of the same scope.
    const [qv] = await deps.embedder!.embed([question], 'query');
    const rows = await s.db.query<{ id: string; v: string }>(
      `SELECT id, ${pgvector ? 'embedding::text' : 'embedding_array::text'} AS v FROM knowledge_chunk
        WHERE tenant_id = $1 AND (branch_id = $2 OR (branch_id IS NULL AND source_kind = 'document'))`,
      [demo.tenant.id, demo.centro.id],
    );
    const sims = rows
      .map((row) => ({
        id: row.id,
        sim: cosine(qv!, JSON.parse(row.v.replace('{', '[').replace('}', ']')) as number[]),
      }))
      .sort((a, b) => b.sim - a.sim);
    expect(best.id).toBe(sims[0]!.id);
    expect(best.vector).toBeCloseTo(sims[0]!.sim, 4);
    // Nothing from Norte's documents or the other tenant, even through the vector side.
    const allowed = new Set(rows.map((row) => row.id));
    for (const c of r.ranked) expect(allowed.has(c.id)).toBe(true);
  });

  it('keeps every evaluation answer correct with vectors fused in', async () => {
    const { results, summary } = await runEvaluation(s);
    expect(results.filter((x) => x.failures.length || x.unsupported.length).map((x) => x.case.id)).toEqual(
      [],
    );
    expect(summary.unsupportedClaims).toBe(0);
  }, 180_000);

  it('re-indexes at start when the model changes: without one it answers on full text, with it again it re-embeds', async () => {
    await s.stop();
    const column = pgvector ? 'embedding' : 'embedding_array';
    const plain = await startServer(testConfig({ loadDemo: true }), { db: s.db });
    try {
      await chatServices.get(plain.ctx)!.indexer.idle();
      const [row] = await s.db.query<{ stale: number }>(
        `SELECT count(*) FILTER (WHERE embed_model IS NOT NULL OR ${column} IS NOT NULL)::int AS stale FROM knowledge_chunk`,
      );
      expect(row!.stale).toBe(0);
    } finally {
      await plain.close();
    }
    const again = await startServer(testConfig({ loadDemo: true, embedModelDir: MODEL_DIR }), { db: s.db });
    try {
      await chatServices.get(again.ctx)!.indexer.idle();
      const [row] = await s.db.query<{ missing: number }>(
        `SELECT count(*) FILTER (WHERE embed_model IS DISTINCT FROM 'comanda/tiny-bert' OR ${column} IS NULL)::int AS missing FROM knowledge_chunk`,
      );
      expect(row!.missing).toBe(0);
    } finally {
      await again.close();
    }
  }, 120_000);
});
