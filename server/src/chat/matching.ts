/** Which products a question (or a sentence) names, and which document sentences speak about a product. */
import type { ProductFacts } from './chunking.ts';
import { hasPhrase, sameWord, sentences, words } from './normalize.ts';

const NAME_STOP = new Set([
  'de',
  'del',
  'con',
  'a',
  'al',
  'la',
  'el',
  'los',
  'las',
  'y',
  'en',
  'para',
  'dos',
  'u',
  'g',
  'ml',
  'o',
]);
// Words that alone do not pick a dish ("la parrilla", "casero").
export const GENERIC = new Set([
  'casero',
  'casera',
  'parrilla',
  'casa',
  'copa',
  'mixta',
  'disco',
  'mineral',
  'cortada',
  'cuchillo',
  'carne',
]);

/** The words that name a dish: its name before "con" and any parenthesis, without filler words. */
export function coreWords(name: string): string[] {
  const base = name.replace(/\(.*?\)/g, ' ');
  const ws = words(base);
  const cut = ws.indexOf('con');
  return (cut > 0 ? ws.slice(0, cut) : ws).filter((w) => !NAME_STOP.has(w) && w.length > 1);
}

const hasWord = (ws: string[], w: string) => ws.some((x) => sameWord(x, w));

/** Products a text names, most specific first: "empanadas de humita" names one dish, "empanadas" two. */
export function productsNamed<T extends { facts: ProductFacts | null }>(
  text: string,
  products: T[],
  strict = false,
): T[] {
  const ws = words(text);
  const hits: { p: T; matched: string[] }[] = [];
  for (const p of products) {
    if (!p.facts) continue;
    const core = coreWords(p.facts.name);
    const specific = core.filter((w) => !GENERIC.has(w));
    const matched = specific.filter((w) => hasWord(ws, w));
    if (matched.length === 0) continue;
    const headHit = matched.includes(specific[0]!);
    if (headHit || (!strict && matched.length / specific.length >= 0.5)) hits.push({ p, matched });
  }
  // A dish whose matched words are all matched by a more specific dish steps aside.
  return hits
    .filter(
      (h) =>
        !hits.some(
          (o) =>
            o !== h && o.matched.length > h.matched.length && h.matched.every((w) => o.matched.includes(w)),
        ),
    )
    .sort((a, b) => b.matched.length - a.matched.length)
    .map((h) => h.p);
}

/** What matching needs of a document chunk (a stored chunk, or one cut from a document in a test). */
export interface Section {
  kind?: 'product' | 'document';
  title: string;
  heading: string;
  body: string;
}

/**
 * Does a document chunk speak about the product as a whole (its own sheet, its side, its sauce)?
 * Only when its heading really names the dish: every distinctive word of the dish's name is in the
 * heading, or every word of the heading is in the dish's name. Generic words count on the heading's
 * side: "Empanadas de carne cortada a cuchillo" is not about "Empanadas de humita", although only
 * "empanadas" is left of it once "carne" and "cuchillo" are set aside as generic.
 */
export function chunkIsAbout(chunk: Pick<Section, 'heading'>, f: ProductFacts): boolean {
  const heading = words(chunk.heading).filter((w) => !NAME_STOP.has(w));
  if (heading.length === 0) return false;
  const nameWords = words(f.name);
  const core = coreWords(f.name).filter((w) => !GENERIC.has(w));
  if (core.length && core.every((w) => hasWord(heading, w))) return true;
  const specificHeading = heading.filter((w) => !GENERIC.has(w));
  if (specificHeading.length === 0) return false;
  if (heading.every((w) => hasWord(nameWords, w))) return true;
  // A sub-recipe: the chunk is the sheet of one of the dish's ingredients (the chimichurri of a steak).
  return f.ingredients.some((i) => specificHeading.every((w) => hasWord(words(i), w)));
}

// Which dishes each sentence names, per catalog: a list answer asks it of every sentence for every dish.
const namedBySentence = new WeakMap<object, Map<string, Set<string>>>();
function namesIn(sentence: string, catalog: { facts: ProductFacts | null }[]): Set<string> {
  let bySentence = namedBySentence.get(catalog);
  if (!bySentence) namedBySentence.set(catalog, (bySentence = new Map()));
  let ids = bySentence.get(sentence);
  if (!ids) {
    ids = new Set(productsNamed(sentence, catalog).map((p) => p.facts!.productId));
    bySentence.set(sentence, ids);
  }
  return ids;
}

/**
 * Sentences of the documents that speak about `f`, each with the chunk it came from.
 * `catalog` decides which dish a sentence names ("empanadas de humita" is not "humita en chala").
 */
export function notesAbout<C extends Section>(
  f: ProductFacts,
  docs: C[],
  catalog: { facts: ProductFacts | null }[] = [{ facts: f }],
): { sentence: string; chunk: C }[] {
  const out: { sentence: string; chunk: C }[] = [];
  const core = coreWords(f.name).filter((w) => !GENERIC.has(w));
  for (const c of docs) {
    if (c.kind === 'product') continue;
    const whole = chunkIsAbout(c, f);
    for (const s of sentences(c.body)) {
      if (whole || (core.length > 0 && namesIn(s, catalog).has(f.productId)))
        out.push({ sentence: s, chunk: c });
    }
  }
  return out;
}

/** "Title › Heading" as citations write it, or the title alone. */
export const sourceName = (c: Section) =>
  c.heading && c.heading !== c.title ? `${c.title} › ${c.heading}` : c.title;

/** True when a sentence contains any of the phrases. */
export const sentenceMentions = (s: string, phrases: readonly string[]) => {
  const ws = words(s);
  return phrases.some((p) => hasPhrase(ws, p.split(' ')));
};
