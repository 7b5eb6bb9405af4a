/**
 * What one sentence says about allergens and diets, clause by clause: for each allergen it names,
 * whether it says the dish contains it, may contain it (traces, or "no apto para celíacos"), or is
 * free of it. Read on document sentences (what the kitchen states about a dish) and on answers (what
 * we claim), so both sides of every check are read the same way.
 */
import { hasPhrase, words } from './normalize.ts';
import {
  ALLERGEN_VOCAB,
  ALLERGENS,
  type Allergen,
  DIET_VOCAB,
  type Lang,
  maskFalseFriends,
} from './vocabulary.ts';

/**
 * `contains`: said to be in it ("contiene", "lleva", "Alérgenos: ..."); `mention`: named with no
 * verb at all ("vinagre de vino tinto", "pan rallado de trigo"); `trace`: may be in it ("puede
 * contener trazas", and the double negatives "no apto para celíacos", "no la recomendamos a
 * celíacos"); `free`: said not to be in it ("no tiene", "sin", "apto para celíacos", "gluten-free").
 */
export type Polarity = 'contains' | 'mention' | 'trace' | 'free';

export interface AllergenStatement {
  /** An allergen, or allergens / traces in general ("sin alérgenos declarados", "no tiene trazas"). */
  allergen: Allergen | 'any-allergen' | 'any-trace';
  polarity: Polarity;
  /** A free-of that promises suitability ("apto para celíacos", "sin TACC", "gluten-free"). */
  suitability: boolean;
}

export interface Clause {
  text: string;
  allergens: AllergenStatement[];
  /** Diets the clause calls the dish suitable for (`true`) or not (`false`). */
  diets: { diet: 'vegan' | 'vegetarian'; suitable: boolean }[];
  /** "entre sus alérgenos declarados": about the sheet's list, not a promise about the plate. */
  hedged: boolean;
  /** "no podemos confirmar": the clause says it does not know, so it claims nothing. */
  uncertain: boolean;
}

const p = (xs: string[]) => xs.map((x) => x.split(' '));
const NEGATORS = new Set(['no', 'not', 'doesn', 'isn', 'aren', 'don', 'nunca', 'never', 'nor']);
const TRACE = p([
  'puede contener trazas',
  'pueden contener trazas',
  'puede tener trazas',
  'puede contener',
  'pueden contener',
  'puede quedar',
  'trazas posibles',
  'traza',
  'trazas',
  'may contain traces',
  'may contain',
  'might contain',
  'can contain',
  'trace',
  'traces',
  'contaminacion cruzada',
  'cross contamination',
]);
// Free-of words; the first group are promises of suitability (a double negative makes them a risk).
const SUITABLE = p(['apto', 'apta', 'aptos', 'aptas', 'suitable', 'safe', 'recomendamos', 'recommended']);
const FREE = p(['libre de', 'libres de', 'libre', 'sin', 'without', 'free of', 'ni']);
const CONTAINS = p([
  'contiene',
  'contienen',
  'lleva',
  'llevan',
  'tiene',
  'tienen',
  'con',
  'incluye',
  'incluyen',
  'usa',
  'usamos',
  'contains',
  'contain',
  'has',
  'have',
  'with',
  'includes',
]);
const ANY_ALLERGEN = p(['alergenos', 'alergeno', 'allergens', 'allergen']);
const HEDGES = p(['alergenos declarados', 'declared allergens', 'no declaran', 'declare no']);
const UNCERTAIN = p([
  'no podemos confirmar',
  'no lo podemos confirmar',
  'no puedo confirmar',
  'can t confirm',
  'cannot confirm',
  'could not confirm',
]);
const SUITABILITY_TERMS = new Set([
  'tacc',
  'celiaco',
  'celiaca',
  'celiacos',
  'celiacas',
  'celiac',
  'celiacs',
  'coeliac',
]);
// A negator reaches this many words ahead: "no la recomendamos", "no figura como sin TACC".
const REACH = 3;

const terms = (lang: Lang) =>
  ALLERGENS.flatMap((a) => {
    const v = ALLERGEN_VOCAB[a].terms;
    return (a === 'soy' && lang === 'es' ? v.es : [...v.es, ...v.en]).map((t) => ({ a, t: t.split(' ') }));
  }).sort((x, y) => y.t.length - x.t.length);
const TERMS = { es: terms('es'), en: terms('en') };
const DIET_TERMS = (['vegan', 'vegetarian'] as const).flatMap((d) =>
  [...DIET_VOCAB[d].terms.es, ...DIET_VOCAB[d].terms.en].map((t) => ({ d, t: t.split(' ') })),
);

const at = (ws: string[], i: number, phrase: string[]) => hasPhrase(ws.slice(i, i + phrase.length), phrase);
const longest = (ws: string[], i: number, phrases: string[][]) =>
  phrases.filter((ph) => at(ws, i, ph)).sort((a, b) => b.length - a.length)[0];

/**
 * Splits where a sentence turns ("no lleva nueces, pero puede contener trazas") and at a colon,
 * after which a list starts afresh ("No hacemos milanesa sin TACC: el pan rallado es de trigo").
 */
export function clausesOf(sentence: string): string[] {
  return sentence
    .split(/\s*[;:]\s*|,?\s+(?=(?:pero|but|aunque|although|sino|whereas)\b)/i)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads one clause. `lang` only decides whether "soy" is soy (English) or "I am" (Spanish). */
export function readClause(text: string, lang: Lang): Clause {
  const ws = words(maskFalseFriends(text));
  const out: Clause = {
    text,
    allergens: [],
    diets: [],
    hedged: HEDGES.some((h) => hasPhrase(ws, h)),
    uncertain: UNCERTAIN.some((h) => hasPhrase(ws, h)),
  };
  let polarity: Polarity | null = null;
  let suitability = false;
  let negAt = -99;
  // Where the last word that made the clause a free-of ended: "sin trazas", "no tiene alérgenos".
  let freeEnd = -1;
  const generic: AllergenStatement[] = [];
  const general = (allergen: 'any-allergen' | 'any-trace') => {
    if (!generic.some((g) => g.allergen === allergen))
      generic.push({ allergen, polarity: polarity!, suitability: false });
  };
  const set = (pol: Polarity, end: number) => {
    polarity = pol;
    if (pol === 'free') freeEnd = end;
    negAt = -99;
  };
  for (let i = 0; i < ws.length;) {
    const negated = i - negAt <= REACH;
    const freeHere = negated || (polarity === 'free' && freeEnd === i);
    const term = TERMS[lang].find((x) => at(ws, i, x.t));
    if (term) {
      const next = ws[i + term.t.length];
      const postfix = next === 'free';
      // "gluten-free", "nut free": the label follows the word.
      const pol: Polarity = postfix
        ? negated
          ? 'trace'
          : 'free'
        : negated
          ? 'free'
          : (polarity ?? 'mention');
      const suit = postfix || suitability || SUITABILITY_TERMS.has(ws[i]!);
      if (pol !== 'mention') set(pol, i + term.t.length);
      out.allergens.push({ allergen: term.a, polarity: pol, suitability: pol === 'free' && suit });
      i += term.t.length + (postfix ? 1 : 0);
      continue;
    }
    const diet = DIET_TERMS.find((x) => at(ws, i, x.t));
    if (diet) {
      const before = ws.slice(Math.max(0, i - 5), i);
      out.diets.push({ diet: diet.d, suitable: !before.some((w) => NEGATORS.has(w)) && ws[i - 1] !== 'ni' });
      i += diet.t.length;
      continue;
    }
    if (NEGATORS.has(ws[i]!)) {
      negAt = i;
      i++;
      continue;
    }
    const trace = longest(ws, i, TRACE);
    if (trace) {
      set(freeHere ? 'free' : 'trace', i + trace.length);
      general('any-trace');
      i += trace.length;
      continue;
    }
    if (ANY_ALLERGEN.some((a) => at(ws, i, a))) {
      set(freeHere ? 'free' : 'contains', i + 1);
      general('any-allergen');
      i++;
      continue;
    }
    const suit = longest(ws, i, SUITABLE);
    const free = suit ?? longest(ws, i, FREE);
    if (free) {
      // "no apto", "no es libre de", "no hacemos ... sin TACC": a double negative is a risk, not a promise.
      const pol = negated && free[0] !== 'ni' ? 'trace' : 'free';
      suitability = Boolean(suit) || (pol === 'free' && ws[i + free.length] === 'tacc');
      set(pol, i + free.length);
      i += free.length;
      continue;
    }
    const contains = longest(ws, i, CONTAINS);
    if (contains) {
      set(negated ? 'free' : 'contains', i + contains.length);
      suitability = false;
      i += contains.length;
      continue;
    }
    i++;
  }
  // "Sin alérgenos declarados", "no tiene trazas de nada": only when no allergen is named at all.
  if (out.allergens.length === 0) out.allergens.push(...generic);
  return out;
}

/** Every clause of a sentence, read. */
export const readSentence = (sentence: string, lang: Lang): Clause[] =>
  clausesOf(sentence).map((c) => readClause(c, lang));

/** The strongest thing a set of statements says is in the dish: contains, then trace, else nothing. */
export function presenceOf(statements: { polarity: Polarity }[]): 'contains' | 'trace' | null {
  if (statements.some((s) => s.polarity === 'contains')) return 'contains';
  if (statements.some((s) => s.polarity === 'trace' || s.polarity === 'mention')) return 'trace';
  return null;
}
