/**
 * The sentences that say what one dish holds, from its sheet and the documents about it together.
 * Where a document puts an allergen in the dish that the sheet does not (or only as a trace), the
 * sentence says it is there and names the document: presence is the safe side.
 */
import type { ProductFacts } from './chunking.ts';
import type { DishAllergens, DocPresence } from './evidence.ts';
import { sourceName } from './matching.ts';
import { sameWord, words } from './normalize.ts';
import { PHRASES } from './phrases.ts';
import type { Chunk } from './retrieve.ts';
import { type Allergen, allergenLabel, FREE_OF_TAG, type Lang } from './vocabulary.ts';

/** Ingredient words that carry an allergen, to say why a dish contains it. */
const CAUSES: Partial<Record<Allergen, string[]>> = {
  milk: [
    'leche',
    'queso',
    'manteca',
    'crema',
    'muzzarella',
    'ricota',
    'parmesano',
    'provolone',
    'burrata',
    'helado',
  ],
  gluten: ['harina', 'trigo', 'pan', 'masa'],
  eggs: ['huevo'],
  nuts: ['nueces', 'nuez', 'almendra'],
  fish: ['trucha', 'salmon', 'pescado'],
  crustaceans: ['langostinos', 'camarones'],
  celery: ['apio'],
  mustard: ['mostaza'],
  sulphites: ['vino'],
  sesame: ['sesamo'],
};

export interface Lines {
  lines: string[];
  /** The document sentences those lines rest on, to cite. */
  cites: DocPresence<Chunk>[];
}

const docOf = (da: DishAllergens<Chunk>, a: Allergen, level?: 'contains' | 'trace') =>
  da.fromDocs.find((d) => d.allergen === a && (!level || d.level === level));

/** A document says the dish contains what its sheet has at most as a trace: say it contains it, and that the sheet says less. */
function upgrade(f: ProductFacts, a: Allergen, src: string, lang: Lang): string {
  const t = PHRASES[lang];
  const label = allergenLabel(a, lang);
  return f.mayContain.includes(a)
    ? t.docContainsSheetTrace(f.name, label, src)
    : t.docContains(f.name, label, src);
}

/** What the dish holds of one allergen: contains, contains per a document, trace, or not declared. */
export function allergenLine(f: ProductFacts, da: DishAllergens<Chunk>, a: Allergen, lang: Lang): Lines {
  const t = PHRASES[lang];
  const label = allergenLabel(a, lang);
  if (f.allergens.includes(a)) {
    const why = f.ingredients.filter((i) =>
      (CAUSES[a] ?? []).some((c) => words(i).some((w) => sameWord(w, c))),
    );
    const reason = why.filter((w) => words(w).join(' ') !== words(label).join(' ')).join(', ');
    return { lines: [t.contains(f.name, label, reason)], cites: [] };
  }
  const doc = docOf(da, a, 'contains');
  if (doc) return { lines: [upgrade(f, a, sourceName(doc.chunk), lang)], cites: [doc] };
  if (f.mayContain.includes(a)) return { lines: [t.traceOnly(f.name, label)], cites: [] };
  const risk = docOf(da, a, 'trace');
  if (risk) return { lines: [t.docTrace(f.name, label, sourceName(risk.chunk))], cites: [risk] };
  const tag = FREE_OF_TAG[a];
  return {
    lines: [t.notDeclared(f.name, label, tag && f.dietary.includes(tag) ? t.tag[tag]! : '')],
    cites: [],
  };
}

/** Every trace of the dish but the `except` ones, the documents' included (a trace they upgrade is said as contained). */
export function traceLines(f: ProductFacts, da: DishAllergens<Chunk>, except: Allergen[], lang: Lang): Lines {
  const t = PHRASES[lang];
  const out: Lines = { lines: [], cites: [] };
  const sheet: string[] = [];
  for (const a of [...new Set([...(f.mayContain as Allergen[]), ...da.traces])]) {
    if (except.includes(a) || f.allergens.includes(a)) continue;
    const doc = docOf(da, a);
    if (doc && doc.level === 'contains') {
      out.lines.push(upgrade(f, a, sourceName(doc.chunk), lang));
      out.cites.push(doc);
    } else if (f.mayContain.includes(a)) sheet.push(allergenLabel(a, lang));
    else if (doc) {
      out.lines.push(t.docTrace(f.name, allergenLabel(a, lang), sourceName(doc.chunk)));
      out.cites.push(doc);
    }
  }
  if (sheet.length) out.lines.unshift(t.traces(f.name, sheet.join(', ')));
  return out;
}

/** The whole list ("¿Qué alérgenos tiene la milanesa?"): declared, stated by documents, and traces. */
export function allAllergenLines(f: ProductFacts, da: DishAllergens<Chunk>, lang: Lang): Lines {
  const t = PHRASES[lang];
  const out: Lines = { lines: [], cites: [] };
  if (f.allergens.length)
    out.lines.push(t.contains(f.name, f.allergens.map((a) => allergenLabel(a, lang)).join(', '), ''));
  for (const d of da.fromDocs)
    if (d.level === 'contains' && !f.mayContain.includes(d.allergen as Allergen)) {
      out.lines.push(t.docContains(f.name, allergenLabel(d.allergen, lang), sourceName(d.chunk)));
      out.cites.push(d);
    }
  const traces = traceLines(f, da, [], lang);
  out.lines.push(...traces.lines);
  out.cites.push(...traces.cites);
  if (out.lines.length === 0 && !da.someTrace) out.lines.push(t.noAllergens(f.name));
  return out;
}

/** The card's allergen sentence: the sheet's list, else "sin alérgenos declarados" only if no document says otherwise. */
export function cardAllergenLines(f: ProductFacts, da: DishAllergens<Chunk>, lang: Lang): Lines {
  const t = PHRASES[lang];
  const out: Lines = { lines: [], cites: [] };
  if (f.allergens.length) out.lines.push(t.allergenList(f.allergens.map((a) => allergenLabel(a, lang))));
  for (const d of da.fromDocs)
    if (d.level === 'contains' && !f.mayContain.includes(d.allergen as Allergen)) {
      out.lines.push(t.docContains(f.name, allergenLabel(d.allergen, lang), sourceName(d.chunk)));
      out.cites.push(d);
    }
  // "Sin alérgenos declarados" only when nothing, sheet or document, puts one in the dish.
  if (out.lines.length === 0 && da.contains.length === 0) out.lines.push(t.noAllergensDeclared);
  const traces = traceLines(f, da, [], lang);
  out.lines.push(...traces.lines);
  out.cites.push(...traces.cites);
  return out;
}
