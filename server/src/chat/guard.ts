/**
 * The guard on a generative model's answer (ARCHITECTURE.md "Menu chatbot"): every allergen,
 * ingredient and dish it names must be in the evidence; it must keep every allergen and trace the
 * composed draft names and every "no está disponible"; and it goes through the same claim checker
 * as the evaluation, against the documents of the caller's scope about each dish it speaks of.
 */
import type { ProductFacts } from './chunking.ts';
import { unsupportedClaims } from './claims.ts';
import { withoutNames } from './evidence.ts';
import { productsNamed, type Section } from './matching.ts';
import { detectLanguage, sameWord, sentences, words } from './normalize.ts';
import { readSentence } from './statements.ts';
import { allergenLabel, allergensIn, type Lang, mentions } from './vocabulary.ts';

export interface GuardInput {
  answer: string;
  lang: Lang;
  question: string;
  /** The composed answer the model was asked to rephrase: what it must not leave out. */
  draft: string;
  /** The branch's whole catalog (to recognise any dish named). */
  catalog: ProductFacts[];
  /** Every document chunk of the caller's scope (branch and tenant-wide). */
  documents: Section[];
  /** The products and document text the composed answer rests on. */
  evidenceProducts: ProductFacts[];
  evidenceText: string;
}

const UNAVAILABLE = ['no disponible', 'no esta disponible', 'not available', 'unavailable'];
const QUOTE = /^(?:Según [^:]{1,120}|From "[^"]{1,120}" \(in Spanish\)):\s*/;

/** The allergens a text says are (or may be) in something, "some trace" included. */
function presentIn(text: string, catalog: { facts: ProductFacts }[], lang: Lang): Set<string> {
  const out = new Set<string>();
  for (const s of sentences(text))
    for (const clause of readSentence(withoutNames(s.replace(QUOTE, ''), catalog), lang))
      for (const st of clause.allergens)
        if (st.polarity !== 'free' && st.allergen !== 'any-allergen') out.add(st.allergen);
  return out;
}

/** Null when the answer may be shown; otherwise why it may not. */
export function guardAnswer(g: GuardInput): string | null {
  const text = g.answer.trim();
  if (!text || text.length > 1500) return 'empty or overlong answer';
  const rows = g.catalog.map((facts) => ({ facts }));
  // The language of the answer's own words: dish names and quoted documents are Spanish in any answer.
  const own = sentences(text)
    .filter((s) => !QUOTE.test(s))
    .map((s) => withoutNames(s, rows))
    .join(' ');
  if (detectLanguage(own, g.lang) !== g.lang) return 'answer is not in the question language';
  const evidenceWords = words(g.evidenceText);
  // Strictly (the head of the name): "papas fritas" does not name the ñoquis de papa. A dish the draft
  // names is evidence too (a note it quotes may name one).
  const inDraft = new Set(productsNamed(g.draft, rows, true).map((r) => r.facts.productId));
  for (const { facts } of productsNamed(text, rows, true))
    if (!inDraft.has(facts.productId) && !g.evidenceProducts.some((p) => p.productId === facts.productId))
      return `names ${facts.name}, which is not in the evidence`;
  for (const a of allergensIn(text, g.lang))
    if (!allergensIn(g.evidenceText, g.lang).includes(a))
      return `names allergen ${a}, which is not in the evidence`;
  const ingredientWords = new Set(
    g.catalog.flatMap((p) => p.ingredients.flatMap((i) => words(i))).filter((w) => w.length > 3),
  );
  for (const w of words(text))
    if (ingredientWords.has(w) && !evidenceWords.some((e) => sameWord(e, w)))
      return `names ingredient ${w}, which is not in the evidence`;
  // A dish this branch does not serve today may be named only where the answer says so of it. Named
  // among the whole catalog, so "empanadas de humita" is not read as the humita en chala.
  const unavailable = new Map<string, boolean>();
  for (const s of sentences(text))
    for (const { facts } of productsNamed(s, rows).filter((r) => !r.facts.available))
      unavailable.set(facts.name, (unavailable.get(facts.name) ?? false) || mentions(words(s), UNAVAILABLE));
  for (const [name, said] of unavailable) if (!said) return `offers ${name}, which is not available here`;
  // Omissions: a rephrasing that drops a trace or an allergen the draft names is a wrong answer.
  const kept = presentIn(text, rows, g.lang);
  for (const a of presentIn(g.draft, rows, g.lang))
    if (!kept.has(a))
      return a === 'any-trace'
        ? 'leaves out the traces the composed answer names'
        : `leaves out ${allergenLabel(a, 'en')}, which the composed answer names`;
  if (mentions(words(g.draft), UNAVAILABLE) && !mentions(words(text), UNAVAILABLE))
    return 'leaves out that a dish is not available';
  const problems = unsupportedClaims(text, {
    products: g.catalog,
    documents: g.documents,
    question: g.question,
    lang: g.lang,
  });
  return problems.length ? `unsupported claim: ${problems[0]!.problem}` : null;
}
