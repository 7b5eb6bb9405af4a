/**
 * Menu chatbot figures (issue 6): the evaluation set run against a real server on embedded PGlite,
 * without a generative model. Answer pass rate and unsupported claims (each answer checked against
 * its own branch's sheets and documents, claim by claim against the dish it is about), abstention
 * precision, per-question latency (client round trip) after one warm-up pass, and retrieval
 * recall@5 on every case with an expected source (the share of its sources, each a product in that
 * branch or a document section, among the top 5 retrieved). The same run with the tiny fixture
 * model shows the cost of the embedding path (its vectors are random: no quality figure).
 */
import { fileURLToPath } from 'node:url';
import { chatServices } from '../../server/src/chat/index.ts';
import { runEvaluation } from '../../tests/chat/run-evaluation.ts';
import { startTestServer } from '../../tests/support/server.ts';

const FIXTURE = fileURLToPath(new URL('../../tests/fixtures/embed-model', import.meta.url));

async function measure(embedModelDir?: string) {
  const started = performance.now();
  const s = await startTestServer({
    db: 'pglite',
    config: { embedModelDir, chatRateLimit: { windowMs: 60_000, perActor: 100_000, perIp: 100_000 } },
  });
  try {
    await chatServices.get(s.server.ctx)!.indexer.idle();
    // Schema, demo data, model load and the whole index, until the first question can be answered.
    const readyMs = Math.round(performance.now() - started);
    await runEvaluation(s);
    const { summary } = await runEvaluation(s);
    const [chunks] = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge_chunk');
    return { ...summary, chunks: chunks?.n, readyMs };
  } finally {
    await s.close();
  }
}

export async function run(): Promise<object> {
  return {
    fulltext: await measure(),
    hybridTinyFixture: await measure(FIXTURE),
  };
}
