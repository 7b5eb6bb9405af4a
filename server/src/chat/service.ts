/** One chat exchange: scope from the caller, retrieve, compose, optionally rephrase under the guard, log. */
import { randomUUID } from 'node:crypto';
import type { ChatAnswer } from '@comanda/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/index.ts';
import type { ProductFacts } from './chunking.ts';
import { compose } from './compose.ts';
import type { Embedder } from './embedder.ts';
import { guardAnswer } from './guard.ts';
import type { VectorMode } from './indexer.ts';
import { type LlmClient, llmPrompt } from './llm.ts';
import { detectLanguage } from './normalize.ts';
import { retrieve, type Scope } from './retrieve.ts';

export interface ChatDeps {
  db: Db;
  embedder: Embedder | null;
  vectors: VectorMode;
  llm: LlmClient | null;
}

/** What the log and the tests see besides the public answer. */
export interface ChatOutcome extends ChatAnswer {
  lang: 'es' | 'en';
  /** 'composed', or the generative model's name when its answer passed the guard. */
  answeredBy: string;
  guard: string | null;
}

/** The retrieval mode /api/health reports. */
export const retrievalMode = (d: Pick<ChatDeps, 'embedder' | 'vectors'>) =>
  d.embedder && d.vectors !== 'none' ? 'hybrid' : 'fulltext';

export async function answerQuestion(
  deps: ChatDeps,
  who: Principal,
  scope: Scope,
  question: string,
  locale?: 'es' | 'en',
): Promise<ChatOutcome> {
  const started = performance.now();
  const lang = detectLanguage(question, locale);
  const r = await retrieve(deps.db, scope, question, lang, { embedder: deps.embedder, mode: deps.vectors });
  const composed = compose(question, lang, r);
  let answer = composed.answer;
  let answeredBy = 'composed';
  let guard: string | null = null;
  // No evidence, no answer: the model is only asked to rephrase an answer the evidence supports.
  if (deps.llm && composed.decision === 'answered') {
    const evidence = composed.used.map(
      (c) => `${c.title}${c.heading && c.heading !== c.title ? ` › ${c.heading}` : ''}: ${c.body}`,
    );
    const { system, user } = llmPrompt(lang, question, evidence, composed.answer);
    try {
      const text = await deps.llm.complete(system, user);
      guard = guardAnswer({
        answer: text,
        lang,
        question,
        draft: composed.answer,
        catalog: r.products.flatMap((p) => (p.facts ? [p.facts] : [])),
        documents: r.documents,
        evidenceProducts: composed.used.flatMap((c) => (c.facts ? [c.facts] : [])) as ProductFacts[],
        evidenceText: [...evidence, composed.answer].join('\n'),
      });
      if (!guard) {
        answer = text;
        answeredBy = deps.llm.model;
      }
    } catch (err) {
      guard = `model failed: ${(err as Error).message}`;
    }
  }
  const latencyMs = Math.round(performance.now() - started);
  const logId = randomUUID();
  const used = new Set(composed.used.map((c) => c.id));
  const chunks = r.ranked.slice(0, 12).map((c) => ({
    id: c.id,
    source: c.kind === 'product' ? c.title : `${c.title} › ${c.heading}`,
    score: c.score,
    fulltext: c.fulltext,
    vector: c.vector,
    used: used.has(c.id),
  }));
  for (const c of composed.used)
    if (!chunks.some((x) => x.id === c.id))
      chunks.push({
        id: c.id,
        source: c.title,
        score: c.score,
        fulltext: c.fulltext,
        vector: c.vector,
        used: true,
      });
  const model = [
    deps.embedder?.model ?? 'fulltext',
    answeredBy === 'composed' ? 'composed' : `llm:${answeredBy}`,
  ].join(' + ');
  await deps.db.query(
    `INSERT INTO chat_log (id, tenant_id, branch_id, actor_kind, actor_id, session_id, question, locale, decision, answer,
       chunks, citations, retrieval, model, latency_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13, $14, $15)`,
    [
      logId,
      scope.tenantId,
      scope.branchId,
      who.kind,
      who.kind === 'diner' ? who.dinerId : who.userId,
      who.kind === 'diner' ? who.sessionId : null,
      question,
      lang,
      composed.decision,
      answer,
      JSON.stringify(chunks),
      JSON.stringify(composed.citations),
      retrievalMode(deps),
      guard ? `${model} (guard: ${guard})`.slice(0, 500) : model,
      latencyMs,
    ],
  );
  return {
    answer,
    decision: composed.decision,
    citations: composed.citations,
    logId,
    lang,
    answeredBy,
    guard,
  };
}
