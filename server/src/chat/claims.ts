/**
 * Checks what an answer claims about allergens, diets and ingredients against the evidence of the
 * caller's scope: the guard on a generative model's answer, and the evaluation (which fails on any
 * unsupported claim). Each claim is held against the dish it is about, never against the whole
 * tenant: "no tiene sulfitos" fails when the sheet of the chimichurri served with that dish says
 * "contiene sulfitos", and "contiene gluten" fails when nothing about that dish says so.
 */
import type { ProductFacts } from './chunking.ts';
import { type DishAllergens, dishAllergens, withoutNames } from './evidence.ts';
import { chunkIsAbout, notesAbout, productsNamed, type Section, sourceName } from './matching.ts';
import { fold, sameWord, sentences, words } from './normalize.ts';
import { type Clause, clausesOf, readClause, readSentence } from './statements.ts';
import { type Allergen, FREE_OF_TAG, type Lang, mentions } from './vocabulary.ts';

export interface ClaimProblem {
  sentence: string;
  problem: string;
}

/** The evidence an answer may rest on: one branch's dishes and the documents that branch may read. */
export interface ClaimScope {
  /** Every dish of the caller's branch: their sheets are the truth. */
  products: ProductFacts[];
  /** Every document chunk of the caller's scope (the branch's and the tenant-wide ones). */
  documents: Section[];
  /** The question: a sentence that names no dish ("No, no tiene gluten.") is about the dish asked about. */
  question?: string;
  lang: Lang;
}

const NEGATION = ['no', 'sin', 'not', 'without', 'doesn', 'ni', 'free'];
const QUOTE = /^(?:Según ([^:]{1,120})|From "([^"]{1,120})" \(in Spanish\)):\s*/;
const UNAVAILABLE = /\s*\((no disponible|not available)[^)]*\)/;

const clean = (s: string) =>
  fold(s)
    .replace(UNAVAILABLE, '')
    .replace(/\s+/g, ' ')
    .replace(/[.\s]+$/, '')
    .trim();

type Row = { facts: ProductFacts };

/** The dishes a piece of an answer names: whole names first (lists name each dish whole), then short ones. */
function dishesIn(text: string, rows: Row[]): Row[] {
  const folded = fold(text);
  const whole = rows.filter((r) => folded.includes(fold(r.facts.name)));
  return whole.length ? whole : productsNamed(text, rows, true);
}

/** Returns every claim of `answer` the evidence of `scope` does not support. */
export function unsupportedClaims(answer: string, scope: ClaimScope): ClaimProblem[] {
  const { lang, documents } = scope;
  const rows: Row[] = scope.products.map((facts) => ({ facts }));
  const problems: ClaimProblem[] = [];
  const cache = new Map<string, { all: DishAllergens; own: string[] }>();
  const evidenceOf = (f: ProductFacts) => {
    let e = cache.get(f.productId);
    if (!e) {
      const notes = notesAbout(f, documents, rows);
      e = {
        all: dishAllergens(f, documents, rows, lang),
        own: words(
          `${f.name} ${f.description} ${f.ingredients.join(' ')} ${notes.map((n) => n.sentence).join(' ')}`,
        ),
      };
      cache.set(f.productId, e);
    }
    return e;
  };
  const asked = scope.question ? productsNamed(scope.question, rows) : [];
  const spokenOf = new Set([...dishesIn(answer, rows), ...asked].map((r) => r.facts.productId));
  const ingredientWords = new Set(
    scope.products.flatMap((p) => p.ingredients.flatMap((i) => words(i))).filter((w) => w.length > 3),
  );
  let previous: Row[] = [];

  for (const raw of sentences(answer)) {
    const flag = (problem: string) => problems.push({ sentence: raw, problem });
    const quote = raw.match(QUOTE);
    if (quote) {
      checkQuote(raw.slice(quote[0].length), (quote[1] ?? quote[2])!, documents, rows, spokenOf, flag);
      previous = [];
      continue;
    }
    // Item notes, "Name (puede contener trazas de X)", are claims about that item alone.
    let sentence = raw;
    for (const { facts } of [...rows].sort((a, b) => b.facts.name.length - a.facts.name.length)) {
      const at = sentence.indexOf(`${facts.name} (`);
      if (at < 0) continue;
      const open = at + facts.name.length + 1;
      const close = sentence.indexOf(')', open);
      if (close < 0) continue;
      const inner = sentence.slice(open + 1, close);
      if (!/^\d/.test(inner.trim())) {
        for (const clause of readSentence(inner, lang)) checkClause(clause, [facts], evidenceOf, flag, false);
        sentence = `${sentence.slice(0, open)}${sentence.slice(close + 1)}`;
      }
    }
    // "Ingredientes: ...", "Alérgenos: ..." go on about the dish before: a dish named in them ("vacío" in the
    // parrillada's ingredients) is an ingredient. Any other sentence that names no dish goes on about the
    // one before, or else the one the question asked about.
    const continues =
      /^(Ingredientes|Ingredients|Alérgenos|Allergens):/.test(sentence.trim()) && previous.length === 1;
    let named = continues ? previous : dishesIn(sentence, rows);
    if (named.length === 0) named = previous.length === 1 ? previous : asked;
    previous = continues || dishesIn(sentence, rows).length ? named : previous;
    // A clause that names a dish whole speaks of it; any other clause, of the sentence's dishes.
    const clauses = clausesOf(sentence).map((text) => ({
      clause: readClause(withoutNames(text, rows), lang),
      own: rows.filter((r) => fold(text).includes(fold(r.facts.name))),
    }));
    const traceToo = (a: string) =>
      clauses.some(({ clause }) => clause.allergens.some((s) => s.allergen === a && s.polarity === 'trace'));
    for (const { clause, own } of clauses) {
      const dishes = (own.length ? own : named).map((r) => r.facts);
      if (dishes.length === 0) {
        if (!clause.uncertain && (clause.allergens.length || clause.diets.some((d) => d.suitable)))
          flag('an allergen or diet claim that names no dish');
        continue;
      }
      checkClause(clause, dishes, evidenceOf, flag, true, traceToo);
    }
    // Ingredients named next to a dish must be its own (or in a document about it), unless denied.
    const ws = words(withoutNames(sentence, rows));
    const isNegative = mentions(ws, NEGATION);
    if (named.length === 1) {
      const f = named[0]!.facts;
      const { own } = evidenceOf(f);
      for (const w of ws) {
        if (!ingredientWords.has(w)) continue;
        if (!isNegative && !own.some((x) => sameWord(x, w)))
          flag(`${f.name}: ${w} is not among its ingredients`);
        if (
          isNegative &&
          f.ingredients.some((i) => words(i).some((x) => sameWord(x, w))) &&
          !mentions(ws, ['traza', 'trazas', 'trace', 'traces'])
        )
          flag(`${f.name} has ${w}, the answer denies it`);
      }
    }
  }
  return problems;
}

/** One clause's allergen and diet statements, held against each dish it is about. */
function checkClause(
  clause: Clause,
  dishes: ProductFacts[],
  evidenceOf: (f: ProductFacts) => { all: DishAllergens },
  flag: (problem: string) => void,
  checkDiets: boolean,
  traceToo: (a: string) => boolean = () => false,
) {
  if (clause.uncertain) return;
  for (const f of dishes) {
    const { all } = evidenceOf(f);
    const present = (a: Allergen) => all.contains.includes(a) || all.traces.includes(a);
    for (const s of clause.allergens) {
      if (s.allergen === 'any-allergen') {
        if (s.polarity === 'free' && all.contains.length)
          flag(`${f.name} has ${all.contains.join(', ')}, the answer says it has no allergens`);
        continue;
      }
      if (s.allergen === 'any-trace') {
        if (s.polarity === 'free' && (f.mayContain.length || all.traces.length || all.someTrace))
          flag(`${f.name} may contain traces, the answer says it has none`);
        continue;
      }
      const a = s.allergen;
      if (s.polarity === 'free') {
        // "No lleva X como ingrediente, pero puede contener trazas de X" denies only that it contains X.
        if (traceToo(a)) {
          if (all.contains.includes(a)) flag(`${f.name} contains ${a}, the answer says it is only a trace`);
          continue;
        }
        if (present(a)) flag(`${f.name} may hold ${a}, the answer says it does not`);
        const tag = FREE_OF_TAG[a];
        if (tag && !clause.hedged && !f.dietary.includes(tag))
          flag(`${f.name} is not marked ${tag}, the answer says it is free of ${a}`);
      } else if (!present(a)) {
        flag(`${f.name}: nothing in its evidence puts ${a} in it`);
      }
    }
    if (checkDiets)
      for (const d of clause.diets)
        if (
          d.suitable &&
          !f.dietary.includes(d.diet) &&
          !(d.diet === 'vegetarian' && f.dietary.includes('vegan'))
        )
          flag(`${f.name} is not marked ${d.diet}`);
  }
}

/**
 * A quote must be a whole sentence of a document in the caller's scope with that name, and when that
 * sentence is about particular dishes, about one the answer or the question speaks of.
 */
function checkQuote(
  said: string,
  source: string,
  documents: Section[],
  rows: Row[],
  spokenOf: Set<string>,
  flag: (problem: string) => void,
) {
  const target = clean(said);
  const hits = documents
    .filter((c) => sourceName(c) === source || c.title === source)
    .flatMap((c) => sentences(c.body).map((s) => ({ c, s })))
    .filter(({ s }) => clean(s) === target);
  if (hits.length === 0) return flag('quotes a sentence that is not in the evidence of this branch');
  const aboutOk = hits.some(({ c, s }) => {
    const named = new Set(productsNamed(s, rows).map((r) => r.facts.productId));
    const about = rows.filter((r) => chunkIsAbout(c, r.facts) || named.has(r.facts.productId));
    return about.length === 0 || about.some((r) => spokenOf.has(r.facts.productId));
  });
  if (!aboutOk) flag('quotes a note about another dish');
}
