/** Runs the evaluation set against a real server and scores it (used by the test and by bench/suites/chat.ts). */
import type { ChatAnswer } from '@comanda/schema';
import { type ClaimProblem, unsupportedClaims } from '../../server/src/chat/claims.ts';
import { fold } from '../../server/src/chat/normalize.ts';
import { demo, seed } from '../support/demo.ts';
import type { TestServer } from '../support/server.ts';
import { demoScope } from './demo-scope.ts';
import { seatDiner } from './diners.ts';
import { EVALUATION, type EvalCase, type Source } from './evaluation.ts';

export interface EvalResult {
  case: EvalCase;
  answer: string;
  decision: string;
  latencyMs: number;
  failures: string[];
  unsupported: ClaimProblem[];
  /** The share of the case's expected sources among the top 5 retrieved; null when the case names none. */
  recallAt5: number | null;
}

/** The chunk a recall check looks at. */
interface RetrievedChunk {
  id: string;
  source_kind: 'product' | 'document';
  product_id: string | null;
  branch_id: string | null;
  title: string;
  heading: string;
  body: string;
}

/** Does a retrieved chunk match an expected source exactly: that product in the case's branch, or that document section? */
export function matchesSource(chunk: RetrievedChunk, source: Source, branchId: string): boolean {
  if ('product' in source) {
    const product = seed.products.find((p) => p.tenantId === demo.tenant.id && p.name === source.product);
    if (!product) throw new Error(`evaluation: no demo product named ${source.product}`);
    return chunk.source_kind === 'product' && chunk.product_id === product.id && chunk.branch_id === branchId;
  }
  return (
    chunk.source_kind === 'document' &&
    chunk.title === source.doc &&
    (source.section === undefined || chunk.heading === source.section) &&
    (source.text === undefined || fold(chunk.body).includes(fold(source.text)))
  );
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};

export async function runEvaluation(s: TestServer, cases: EvalCase[] = EVALUATION) {
  const tokens = {
    centro: (await seatDiner(s, demo.centro.id)).token,
    norte: (await seatDiner(s, demo.norte.id)).token,
  };
  const results: EvalResult[] = [];
  for (const c of cases) {
    const started = performance.now();
    const res = await s.fetch('/api/chat', { token: tokens[c.branch], json: { question: c.question } });
    const latencyMs = performance.now() - started;
    const body = (await res.json()) as ChatAnswer;
    const failures: string[] = [];
    if (res.status !== 200) failures.push(`status ${res.status}: ${JSON.stringify(body)}`);
    const text = fold(body.answer ?? '');
    if (body.decision !== c.expect) failures.push(`decision ${body.decision}, expected ${c.expect}`);
    for (const m of c.must ?? [])
      if (!m.split('|').some((alt) => text.includes(fold(alt)))) failures.push(`must say "${m}"`);
    for (const m of c.mustNot ?? []) if (text.includes(fold(m))) failures.push(`must not say "${m}"`);
    for (const { list, names } of c.notListed ?? []) {
      const at = text.indexOf(fold(list));
      if (at < 0) continue;
      // The list runs to the end of its sentence: ". " followed by a capital in the original answer.
      const end = (body.answer ?? '').slice(at).search(/\.\s+[A-ZÁÉÍÓÚÑ]|\.$/);
      const sentence = text.slice(at, end < 0 ? undefined : at + end);
      for (const n of names)
        if (sentence.includes(fold(n))) failures.push(`must not list "${n}" in "${list}"`);
    }
    // Held against the evidence of the case's own branch, each claim against the dish it is about.
    const lang = c.kind === 'english' || /^[a-z' ]+[?.]?$/i.test(c.question) ? 'en' : 'es';
    const unsupported = unsupportedClaims(body.answer ?? '', demoScope(c.branch, lang, c.question));
    let recallAt5: number | null = null;
    if (c.relevant?.length && body.logId) {
      const [log] = await s.db.query<{ chunks: { id: string }[] | string }>(
        'SELECT chunks FROM chat_log WHERE id = $1',
        [body.logId],
      );
      const logged =
        typeof log?.chunks === 'string' ? (JSON.parse(log.chunks) as { id: string }[]) : (log?.chunks ?? []);
      const top = await s.db.query<RetrievedChunk>(
        'SELECT id, source_kind, product_id, branch_id, title, heading, body FROM knowledge_chunk WHERE id = ANY($1::uuid[])',
        [logged.slice(0, 5).map((x) => x.id)],
      );
      const branchId = demo[c.branch].id;
      const found = c.relevant.filter((src) => top.some((chunk) => matchesSource(chunk, src, branchId)));
      recallAt5 = found.length / c.relevant.length;
    }
    results.push({
      case: c,
      answer: body.answer,
      decision: body.decision,
      latencyMs,
      failures,
      unsupported,
      recallAt5,
    });
  }
  const withRecall = results.filter((r) => r.recallAt5 !== null);
  const abstained = results.filter((r) => r.decision === 'abstained');
  const shouldAbstain = results.filter((r) => r.case.expect === 'abstained');
  const lat = results.map((r) => r.latencyMs);
  const summary = {
    questions: results.length,
    passRate:
      results.filter((r) => r.failures.length === 0 && r.unsupported.length === 0).length / results.length,
    unsupportedClaims: results.reduce((n, r) => n + r.unsupported.length, 0),
    recallAt5: withRecall.reduce((n, r) => n + (r.recallAt5 ?? 0), 0) / Math.max(1, withRecall.length),
    /** The cases recall is measured on: every one with an expected source. */
    recallCases: withRecall.length,
    /** Answers that are lists over the whole menu, read whole rather than retrieved (no recall). */
    wholeMenuCases: results.filter((r) => r.case.wholeMenu).length,
    abstentionPrecision:
      abstained.filter((r) => r.case.expect === 'abstained').length / Math.max(1, abstained.length),
    abstentionRecall:
      shouldAbstain.filter((r) => r.decision === 'abstained').length / Math.max(1, shouldAbstain.length),
    latencyMs: {
      p50: Math.round(percentile(lat, 50) * 10) / 10,
      p95: Math.round(percentile(lat, 95) * 10) / 10,
    },
  };
  return { results, summary };
}
