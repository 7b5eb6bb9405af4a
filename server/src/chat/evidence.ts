/**
 * Everything the evidence says one dish may hold: the allergens and traces of its sheet, and what
 * the documents about that dish state ("el vinagre de vino contiene sulfitos" in the sheet of the
 * chimichurri a steak is served with). Where the two disagree, presence wins: it is the safe side.
 */
import type { ProductFacts } from './chunking.ts';
import { notesAbout, type Section } from './matching.ts';
import { fold } from './normalize.ts';
import { presenceOf, readSentence } from './statements.ts';
import type { Allergen, Lang } from './vocabulary.ts';

/** A document sentence that puts an allergen (or "some trace") in a dish. */
export interface DocPresence<C extends Section = Section> {
  allergen: Allergen | 'any-trace';
  level: 'contains' | 'trace';
  sentence: string;
  chunk: C;
}

export interface DishAllergens<C extends Section = Section> {
  /** In the dish: the sheet's allergens, plus what a document says it contains. */
  contains: Allergen[];
  /** Maybe in the dish, and not already in `contains`: the sheet's traces and the documents' risks. */
  traces: Allergen[];
  /** A document speaks of traces without naming one ("puede quedar alguna traza"). */
  someTrace: DocPresence<C> | null;
  /** The document statements that add to the sheet (what it lacks, or holds only as a trace). */
  fromDocs: DocPresence<C>[];
}

/** Removes the catalog's dish names from a sentence: "pera y nueces" in a name is no claim about nuts. */
export function withoutNames(sentence: string, catalog: { facts: ProductFacts | null }[]): string {
  let text = fold(sentence);
  const names = catalog
    .flatMap((p) => (p.facts ? [fold(p.facts.name)] : []))
    .sort((a, b) => b.length - a.length);
  for (const n of names) text = text.split(n).join(' ');
  return text;
}

/** What the documents about `f` state is in it, strongest statement per allergen. */
export function documentPresence<C extends Section>(
  f: ProductFacts,
  docs: C[],
  catalog: { facts: ProductFacts | null }[],
  lang: Lang,
): DocPresence<C>[] {
  const best = new Map<string, DocPresence<C>>();
  for (const n of notesAbout(f, docs, catalog)) {
    for (const clause of readSentence(withoutNames(n.sentence, catalog), lang)) {
      if (clause.uncertain) continue;
      const byAllergen = new Map<string, typeof clause.allergens>();
      for (const s of clause.allergens)
        if (s.allergen !== 'any-allergen')
          byAllergen.set(s.allergen, [...(byAllergen.get(s.allergen) ?? []), s]);
      for (const [allergen, statements] of byAllergen) {
        const level = presenceOf(statements);
        if (!level) continue;
        const prev = best.get(allergen);
        if (!prev || (prev.level === 'trace' && level === 'contains'))
          best.set(allergen, {
            allergen: allergen as DocPresence['allergen'],
            level,
            sentence: n.sentence,
            chunk: n.chunk,
          });
      }
    }
  }
  return [...best.values()];
}

/** The sheet and the documents together. */
export function dishAllergens<C extends Section>(
  f: ProductFacts,
  docs: C[],
  catalog: { facts: ProductFacts | null }[],
  lang: Lang,
): DishAllergens<C> {
  const stated = documentPresence(f, docs, catalog, lang);
  const named = stated.filter(
    (d): d is DocPresence<C> & { allergen: Allergen } => d.allergen !== 'any-trace',
  );
  const contains = [
    ...(f.allergens as Allergen[]),
    ...named
      .filter((d) => d.level === 'contains' && !f.allergens.includes(d.allergen))
      .map((d) => d.allergen),
  ];
  const traces = [...new Set([...(f.mayContain as Allergen[]), ...named.map((d) => d.allergen)])].filter(
    (a) => !contains.includes(a),
  );
  const fromDocs = named.filter((d) =>
    d.level === 'contains'
      ? !f.allergens.includes(d.allergen)
      : !contains.includes(d.allergen) && !f.mayContain.includes(d.allergen),
  );
  return {
    contains,
    traces,
    someTrace: stated.find((d) => d.allergen === 'any-trace') ?? null,
    fromDocs,
  };
}
