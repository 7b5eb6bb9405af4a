/**
 * Composes the answer from the evidence alone (no generative model): structured product fields
 * for allergens, traces, diets, price and availability; document sentences for the rest. Nothing
 * in the question is ever followed as an instruction: it only selects evidence.
 */
import type { ChatCitation } from '@comanda/schema';
import { formatPrice, type ProductFacts } from './chunking.ts';
import { allAllergenLines, allergenLine, cardAllergenLines, type Lines, traceLines } from './dish-lines.ts';
import { type DishAllergens, dishAllergens, withoutNames } from './evidence.ts';
import {
  chunkIsAbout,
  coreWords,
  GENERIC,
  notesAbout,
  productsNamed,
  sentenceMentions,
  sourceName,
} from './matching.ts';
import { hasPhrase, sameWord, sentences, words } from './normalize.ts';
import { PHRASES as T } from './phrases.ts';
import type { Chunk, Retrieval } from './retrieve.ts';
import {
  ALLERGEN_VOCAB,
  type Allergen,
  ANIMAL_ALLERGENS,
  allergenLabel,
  allergensIn,
  CATEGORY_WORDS,
  DIET_VOCAB,
  dietsIn,
  FREE_OF_TAG,
  INTENT_TERMS,
  intentsIn,
  type Lang,
  maskFalseFriends,
  mentions,
} from './vocabulary.ts';

export interface Composed {
  answer: string;
  decision: 'answered' | 'abstained';
  citations: ChatCitation[];
  /** Chunks the answer rests on (for the log and the generative model's evidence). */
  used: Chunk[];
}

const STOP = new Set(
  (
    'el la los las un una unos unas de del al a y o u que qué es son se me te mi tu su lo le les por para con sin en hay ' +
    'tiene tienen tenes lleva llevan puedo puede pueden quiero queria quisiera algo alguno alguna algun cual cuales como ' +
    'cuanto cuanta cuantos cuantas tarda tardan demora tiempo personas porcion porciones alcanza donde cuando este esta esto ese esa eso muy mas menos tambien plato platos comida comer pedir tomar ' +
    'favor hola gracias buenas noches dias tardes decime decir sabes sabe carta menu opcion opciones ustedes vos yo ' +
    'the a an is are do does did what which who how can could i my me you your it of for to in on with without and or ' +
    'any some there this that have has please tell about dish dishes food eat order menu would should much many get ' +
    'options option avoid want like today here something anything drink im am if so also ' +
    'necesito necesitamos busco buscamos quiero queremos podrias podes podria podrian aconsejas aconsejan recomendarias ' +
    'cena almuerzo mediodia noche hoy hijo hija hijos nene nena chicos ninos familia amigos somos estamos soy es ' +
    'mucho poco algun ningun ninguno cosa cosas rico rica ricos'
  ).split(' '),
);

const ARTICLES = new Set(['el', 'la', 'los', 'las', 'un', 'una', 'the', 'a', 'an']);
const PREPOSITIONS = new Set(['para', 'en', 'de', 'a', 'con', 'por', 'for', 'in', 'at', 'with', 'to']);
const NEGATIONS = new Set(['sin', 'without', 'no']);
const WITH = new Set([
  'con',
  'with',
  'lleven',
  'llevan',
  'lleva',
  'tengan',
  'tienen',
  'contain',
  'contains',
  'have',
]);
const uniq = <X>(xs: X[]) => [...new Set(xs)];
const sourceOf = (c: Chunk) =>
  c.kind === 'product' ? c.title : c.heading && c.heading !== c.title ? `${c.title} › ${c.heading}` : c.title;
const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Builds an answer; `question` only ever selects evidence. */
export function compose(question: string, lang: Lang, r: Retrieval): Composed {
  const t = T[lang];
  const qw = words(question);
  const intents = intentsIn(question);
  const allergens = allergensIn(question, lang);
  const diets = dietsIn(question);
  const docs = r.ranked.filter((c) => c.kind === 'document');
  const catalog = r.products.filter((p) => p.facts) as (Chunk & { facts: ProductFacts })[];
  // What a dish holds is read from every document of the scope, not only those the question's words found.
  const rankedIds = new Set(docs.map((c) => c.id));
  const allDocs = [...docs, ...r.documents.filter((c) => !rankedIds.has(c.id))];
  const dishes = new Map<string, DishAllergens<Chunk>>();
  const dish = (f: ProductFacts) => {
    let d = dishes.get(f.productId);
    if (!d) dishes.set(f.productId, (d = dishAllergens(f, allDocs, catalog, lang)));
    return d;
  };
  const branch = catalog[0]?.facts.branchName ?? '';
  const out: string[] = [];
  const cites = new Map<string, ChatCitation & { chunk: Chunk }>();
  const cite = (c: Chunk, snippet?: string) => {
    const prev = cites.get(c.id);
    const snip = (snippet ?? c.body).slice(0, 240);
    if (prev) {
      if (snippet && !prev.snippet.includes(snippet.slice(0, 60)))
        prev.snippet = `${prev.snippet} … ${snip}`.slice(0, 400);
      return;
    }
    cites.set(c.id, {
      source: sourceOf(c),
      snippet: snip,
      score: round(c.score || c.fulltext || 0),
      chunk: c,
    });
  };
  // Never offer as available what this branch does not serve today: mark it wherever a document names it.
  const markUnavailable = (s: string) =>
    productsNamed(s, catalog).some((p) => !p.facts.available)
      ? `${s.replace(/[.\s]*$/, '')}${t.notHere}.`
      : s;
  const noteLine = (n: { sentence: string; chunk: Chunk }) => {
    cite(n.chunk, n.sentence);
    return t.note(n.chunk.title, markUnavailable(n.sentence));
  };
  const pushLines = (l: Lines) => {
    for (const c of l.cites) cite(c.chunk, c.sentence);
    out.push(...l.lines);
  };
  const done = (decision: Composed['decision']): Composed => {
    // An answer with nothing in it but the allergy reminder says nothing: that is no answer.
    if (decision === 'abstained' || !out.some((l) => l !== t.allergyClose))
      return { answer: t.abstain, decision: 'abstained', citations: [], used: [] };
    const list = [...cites.values()];
    return {
      answer: uniq(out).join(' '),
      decision,
      citations: list.map(({ chunk: _c, ...c }) => c),
      used: list.map((c) => c.chunk),
    };
  };

  // Words of the scope: a content word found nowhere in this branch's evidence means we know nothing about it.
  const lexicon = new Set([...catalog, ...docs].flatMap((c) => words(`${c.title} ${c.heading} ${c.body}`)));
  const vocabulary = new Set(
    [
      ...Object.values(ALLERGEN_VOCAB).flatMap((v) => [...v.terms.es, ...v.terms.en]),
      ...Object.values(DIET_VOCAB).flatMap((v) => [...v.terms.es, ...v.terms.en]),
      ...Object.values(INTENT_TERMS).flat(),
      ...Object.values(CATEGORY_WORDS).flat(),
    ].flatMap((p) => p.split(' ')),
  );
  const unknown = qw.filter(
    (w) => w.length >= 4 && !STOP.has(w) && !vocabulary.has(w) && ![...lexicon].some((l) => sameWord(l, w)),
  );

  const generalNotes = (terms: string[]) =>
    docs
      .filter((c) => !catalog.some((p) => chunkIsAbout(c, p.facts) || productsNamed(c.body, [p]).length))
      .flatMap((c) => sentences(c.body).map((s) => ({ sentence: s, chunk: c })))
      .filter((n) => sentenceMentions(n.sentence, terms))
      .slice(0, 3);
  // A document section the question names outright ("las papas fritas"): it speaks before a dish that only shares a word.
  const sections = docs.filter((c) => {
    if (c.heading === c.title) return false;
    const hw = words(c.heading).filter((w) => w.length > 2 && !STOP.has(w) && !GENERIC.has(w));
    if (!hw.length || !hw.every((w) => qw.some((q) => sameWord(q, w)))) return false;
    // One word names a section only when it is the sheet of something dishes are made with ("el chimichurri").
    return (
      hw.length >= 2 ||
      catalog.some((p) => p.facts.ingredients.some((i) => words(i).some((x) => sameWord(x, hw[0]!))))
    );
  });
  const named = productsNamed(question, catalog)
    .filter((p) => !sections.length || qw.some((q) => sameWord(q, coreWords(p.facts.name)[0] ?? '')))
    .slice(0, 3);
  const allergyTalk =
    allergens.length > 0 || diets.length > 0 || intents.has('allergy') || intents.has('traces');

  // Definitions: a glossary-style line "Term: meaning" whose term the question names.
  if (intents.has('definition')) {
    const defs = docs.filter((c) => {
      const m = c.body.match(/^([^:]{2,40}):\s/);
      return m && words(m[1]!).every((w) => qw.some((q) => sameWord(q, w)));
    });
    if (defs.length && (!allergyTalk || productsNamed(question, catalog).length === 0)) {
      // Quoted as the document says it, so the claim checker can hold it against that document.
      for (const d of defs.slice(0, 2)) {
        const [first, ...rest] = sentences(d.body);
        out.push([noteLine({ sentence: first!, chunk: d }), ...rest.map(markUnavailable)].join(' '));
      }
      for (const p of named) {
        cite(p, p.facts.description);
        out.push(
          p.facts.available ? `${p.facts.name}: ${p.facts.description}` : t.unavailable(p.facts.name, branch),
        );
      }
      return done('answered');
    }
  }

  if (named.length) {
    // Asked about one dish (or a few): structured fields first, then what the documents add.
    const asksIngredient = ingredientAsked(question, named, catalog, docs);
    // "¿Qué alérgenos tiene la milanesa?": no allergen named, so every one the dish holds.
    const wholeList =
      (intents.has('allergy') || intents.has('traces')) &&
      !allergens.length &&
      !diets.length &&
      !asksIngredient;
    let withContent = 0;
    for (const p of named) {
      const f = p.facts;
      const before = out.length;
      cite(p, f.name);
      const notes = notesAbout(f, allDocs, catalog);
      if (allergyTalk || asksIngredient || intents.has('ingredients')) {
        if (intents.has('ingredients') && !allergens.length && !diets.length && !asksIngredient)
          out.push(t.ingredients(f.name, f.ingredients));
        if (wholeList) pushLines(allAllergenLines(f, dish(f), lang));
        for (const a of allergens) pushLines(allergenLine(f, dish(f), a, lang));
        for (const d of diets) {
          if (f.dietary.includes(d)) out.push(t.dietYes(f.name, t.diet[d]));
          else {
            const animal =
              d === 'vegan' ? f.allergens.filter((a) => ANIMAL_ALLERGENS.includes(a as Allergen)) : [];
            out.push(t.dietNo(f.name, t.diet[d], animal.map((a) => allergenLabel(a, lang)).join(', ')));
          }
        }
        if (asksIngredient) {
          const ing = asksIngredient.split(' ');
          const direct = f.ingredients.find((i) => hasPhrase(words(i), ing));
          if (direct) out.push(t.ingredientYes(f.name, direct));
          else {
            const via = notes.find(
              (n) =>
                chunkIsAbout(n.chunk, f) &&
                !coreWords(f.name).every((w) => words(n.chunk.heading).some((h) => sameWord(h, w))) &&
                hasPhrase(words(n.sentence), ing),
            );
            if (via) {
              cite(via.chunk, via.sentence);
              out.push(t.ingredientVia(f.name, asksIngredient, via.chunk.heading));
            } else out.push(t.ingredientNo(f.name, asksIngredient), t.ingredients(f.name, f.ingredients));
          }
        }
        // Known traces are always named, whatever allergen was asked about (the whole list has them already).
        if (!wholeList) pushLines(traceLines(f, dish(f), allergens, lang));
        const allergenTerms = allergens.flatMap((a) => [
          ...ALLERGEN_VOCAB[a].terms.es,
          ...ALLERGEN_VOCAB[a].terms.en,
        ]);
        // Notes that speak of what was asked; the generic ones (traces, adaptations) only when nothing specific was.
        const specific = [
          ...allergenTerms,
          ...diets.flatMap((d) => DIET_VOCAB[d].terms.es),
          ...(asksIngredient ? [asksIngredient] : []),
        ];
        const terms = specific.length
          ? specific
          : ['traza', 'trazas', 'puede contener', 'a pedido', 'se puede pedir', 'sin'];
        // Words of a dish's name ("... pera y nueces") do not make a note speak of nuts.
        for (const n of notes
          .filter((n) => sentenceMentions(withoutNames(n.sentence, catalog), terms))
          .slice(0, 4))
          out.push(noteLine(n));
        if (allergens.length) for (const n of generalNotes(allergenTerms).slice(0, 2)) out.push(noteLine(n));
        if (allergens.length || intents.has('allergy') || intents.has('traces')) out.push(t.allergyClose);
      } else if (intents.has('price')) {
        out.push(t.price(f.name, formatPrice(f.priceCents, f.currency, lang), branch));
      } else if (intents.has('spicy')) {
        out.push(t.spice(f.name, f.spiceLevel));
        for (const n of notes
          .filter((n) => sentenceMentions(n.sentence, [...INTENT_TERMS.spicy, 'aji', 'suave', 'curry']))
          .slice(0, 2))
          out.push(noteLine(n));
      } else if (f.available) {
        if (unknown.length) return done('abstained');
        // What was asked besides the dish's name; the notes that cover most of it come first.
        const nameWords = words(f.name);
        const asked = qw.filter(
          (w) => w.length > 2 && !nameWords.some((n) => sameWord(n, w)) && !['que', 'the', 'con'].includes(w),
        );
        const cover = (x: string) => asked.filter((w) => words(x).some((y) => sameWord(y, w))).length;
        // A question about something of the dish (its oven) that no note about it covers is not answered by its card.
        const topic = asked.filter((w) => !STOP.has(w) && !vocabulary.has(w));
        const sheet = `${f.description} ${f.ingredients.join(' ')} ${f.tags.join(' ')}`;
        if (topic.length && !notes.some((n) => cover(n.sentence) > 0) && !cover(sheet)) {
          if (named.length > 1) out.push(t.noInfoAbout(f.name));
          continue;
        }
        out.push(t.card(f));
        pushLines(cardAllergenLines(f, dish(f), lang));
        out.push(t.availableAt(f.name, formatPrice(f.priceCents, f.currency, lang)));
        for (const n of [...notes].sort((a, b) => cover(b.sentence) - cover(a.sentence)).slice(0, 3))
          out.push(noteLine(n));
      }
      if (!f.available) out.push(t.unavailable(f.name, branch));
      if (out.length > before) withContent++;
    }
    // Several dishes named and nothing known about any of them: that is no answer either.
    if (!withContent) return done('abstained');
    return done('answered');
  }

  if (sections.length) {
    const terms = [
      ...allergens.flatMap((a) => [...ALLERGEN_VOCAB[a].terms.es, ...ALLERGEN_VOCAB[a].terms.en]),
      ...diets.flatMap((d) => DIET_VOCAB[d].terms.es),
    ];
    for (const c of sections.slice(0, 2)) {
      const said = sentences(c.body).filter((x) => !terms.length || sentenceMentions(x, terms));
      for (const sentence of said.slice(0, 3)) out.push(noteLine({ sentence, chunk: c }));
      // The sheet of a sauce or a side: what it says holds for every dish served with it (the chimichurri's sulphites).
      if (said.length && allergens.length)
        for (const p of catalog.filter((x) => x.facts.available && chunkIsAbout(c, x.facts))) {
          cite(p, p.facts.name);
          for (const a of allergens) pushLines(allergenLine(p.facts, dish(p.facts), a, lang));
        }
    }
    if (allergens.length) out.push(t.allergyClose);
    // Asked about an allergen the sheet says nothing of: we can't confirm it, and no list answers that.
    if (allergens.length && !out.some((l) => l !== t.allergyClose)) return done('abstained');
    if (out.length) return done('answered');
  }

  const categories = uniq(catalog.map((p) => p.facts.category)).filter((c) => {
    const key = words(c)[0] ?? '';
    return mentions(qw, CATEGORY_WORDS[key] ?? [key]);
  });
  // Nothing named that this branch serves: an unknown dish or topic is not ours to describe. A word we
  // don't know only blocks a list when it is what the question is about ("el sushi", "sin alcohol"),
  // or when the question asks for no list we can make.
  // Ingredients a list must have ("postres con chocolate") or leave out ("algo sin cebolla").
  const catalogIngredients = uniq(
    catalog.flatMap((p) => p.facts.ingredients.flatMap((i) => words(i))),
  ).filter((w) => w.length >= 4 && !STOP.has(w) && !vocabulary.has(w));
  const wantIngredient = (before: Set<string>) =>
    qw.filter((w, i) => before.has(qw[i - 1] ?? '') && catalogIngredients.some((x) => sameWord(x, w)));
  const withIngredients = wantIngredient(WITH);
  const withoutIngredients = wantIngredient(NEGATIONS);
  const hasIngredient = (f: ProductFacts, w: string) =>
    f.ingredients.some((i) => words(i).some((x) => sameWord(x, w)));
  const concept =
    allergens.length + diets.length + categories.length + withIngredients.length + withoutIngredients.length >
      0 ||
    intents.has('spicy') ||
    intents.has('light') ||
    intents.has('share');
  const isSubject = (w: string) => {
    const i = qw.indexOf(w);
    const prev = qw[i - 1] ?? '';
    return (
      (ARTICLES.has(prev) && !PREPOSITIONS.has(qw[i - 2] ?? '')) ||
      NEGATIONS.has(prev) ||
      qw[i + 1] === 'free'
    );
  };
  if (unknown.length && (!concept || unknown.some(isSubject))) return done('abstained');
  // "un postre sin lácteos": a category narrows every list below.
  const available = catalog.filter(
    (p) =>
      p.facts.available &&
      (!categories.length ||
        allergens.length + diets.length === 0 ||
        categories.includes(p.facts.category)) &&
      withIngredients.every((w) => hasIngredient(p.facts, w)) &&
      !withoutIngredients.some((w) => hasIngredient(p.facts, w)),
  );
  // A dish in a list, with every trace it may hold and what its documents add to its sheet.
  const item = (p: Chunk & { facts: ProductFacts }, extra: string[] = [], asked: Allergen[] = []) => {
    cite(p, p.facts.name);
    const f = p.facts;
    const d = dish(f);
    const bits = [...extra];
    const fromDoc = (a: string, level: 'contains' | 'trace') => {
      const doc = d.fromDocs.find((x) => x.allergen === a && x.level === level);
      if (doc) cite(doc.chunk, doc.sentence);
      return doc && sourceName(doc.chunk);
    };
    for (const a of f.mayContain) {
      const src = fromDoc(a, 'contains');
      bits.push(src ? t.containsPer(allergenLabel(a, lang), src) : t.mayContain(allergenLabel(a, lang)));
    }
    for (const a of asked)
      if (!f.mayContain.includes(a) && !f.allergens.includes(a)) {
        const src = fromDoc(a, 'contains');
        if (src) bits.push(t.containsPer(allergenLabel(a, lang), src));
      }
    for (const x of d.fromDocs)
      if (x.level === 'trace')
        bits.push(t.mayContainPer(allergenLabel(x.allergen, lang), fromDoc(x.allergen, 'trace')!));
    return bits.length ? `${f.name} (${bits.join('; ')})` : f.name;
  };

  if (allergens.length) {
    const terms = allergens.flatMap((a) => [...ALLERGEN_VOCAB[a].terms.es, ...ALLERGEN_VOCAB[a].terms.en]);
    const label = allergens.map((a) => allergenLabel(a, lang)).join(lang === 'es' ? ' ni ' : ' or ');
    const free: string[] = [];
    const traces: string[] = [];
    const contains: string[] = [];
    const untagged: string[] = [];
    for (const p of available) {
      const f = p.facts;
      // The sheet and the documents about the dish together: a document's "contiene" puts it with those that contain.
      const d = dish(f);
      if (allergens.some((a) => d.contains.includes(a))) contains.push(item(p, [], allergens));
      else if (allergens.some((a) => d.traces.includes(a))) traces.push(item(p, [], allergens));
      else if (allergens.some((a) => FREE_OF_TAG[a] && !f.dietary.includes(FREE_OF_TAG[a]!)))
        untagged.push(item(p));
      else free.push(item(p));
    }
    out.push(free.length ? t.listFree(label, branch, free.join(', ')) : t.noneAvailable(branch));
    if (untagged.length)
      out.push(
        t.listUntagged(
          allergens
            .map((a) => t.tag[FREE_OF_TAG[a] ?? ''] ?? '')
            .filter(Boolean)
            .join(', '),
          untagged.join(', '),
        ),
      );
    if (traces.length) out.push(t.listTraces(label, traces.join(', ')));
    if (contains.length) out.push(t.listContains(label, contains.join(', ')));
    for (const n of generalNotes(terms)) out.push(noteLine(n));
    out.push(t.allergyClose);
    return done('answered');
  }

  if (diets.length) {
    for (const d of diets) {
      const xs = available.filter((p) => p.facts.dietary.includes(d)).map((p) => item(p));
      out.push(xs.length ? t.listDiet(t.diet[d], branch, xs.join(', ')) : t.noneAvailable(branch));
      for (const n of generalNotes(DIET_VOCAB[d].terms.es)) out.push(noteLine(n));
    }
    return done('answered');
  }

  if (intents.has('spicy')) {
    const xs = available
      .filter((p) => p.facts.spiceLevel > 0)
      .sort((a, b) => b.facts.spiceLevel - a.facts.spiceLevel);
    out.push(
      xs.length
        ? t.listSpicy(branch, xs.map((p) => item(p, [t.spiceOf(p.facts.spiceLevel)])).join(', '))
        : t.noneAvailable(branch),
    );
    for (const p of xs)
      for (const n of notesAbout(p.facts, docs, catalog)
        .filter((n) => sentenceMentions(n.sentence, [...INTENT_TERMS.spicy, 'suave', 'aji']))
        .slice(0, 1))
        out.push(noteLine(n));
    return done('answered');
  }

  if (intents.has('light')) {
    const xs = available.filter((p) => p.facts.tags.some((tg) => sameWord(words(tg)[0] ?? '', 'liviano')));
    out.push(xs.length ? t.listLight(branch, xs.map((p) => item(p)).join(', ')) : t.noneAvailable(branch));
    for (const n of generalNotes(INTENT_TERMS.light as unknown as string[])) out.push(noteLine(n));
    return done('answered');
  }

  if (intents.has('share')) {
    const xs = available.filter((p) => p.facts.tags.some((tg) => words(tg).includes('compartir')));
    out.push(xs.length ? t.listShare(branch, xs.map((p) => item(p)).join(', ')) : t.noneAvailable(branch));
    for (const n of generalNotes(['compartir'])) out.push(noteLine(n));
    for (const p of xs)
      for (const n of notesAbout(p.facts, docs, catalog)
        .filter((n) => sentenceMentions(n.sentence, ['compartir']))
        .slice(0, 1))
        out.push(noteLine(n));
    return done('answered');
  }

  if (categories.length) {
    for (const c of categories) {
      const xs = available.filter((p) => p.facts.category === c);
      out.push(
        xs.length
          ? t.listCategory(
              c,
              branch,
              xs.map((p) => item(p, [formatPrice(p.facts.priceCents, p.facts.currency, lang)])).join(', '),
            )
          : t.noneAvailable(branch),
      );
    }
    if (intents.has('recommend') || intents.has('share'))
      for (const n of docs
        .flatMap((c) => sentences(c.body).map((s) => ({ sentence: s, chunk: c })))
        .filter((n) =>
          mentions(
            words(n.sentence),
            categories.flatMap((c) => CATEGORY_WORDS[words(c)[0] ?? ''] ?? []),
          ),
        )
        .map((n) => ({
          ...n,
          cover:
            qw.filter((w) => !STOP.has(w) && words(n.sentence).some((x) => sameWord(x, w))).length +
            categories
              .flatMap((c) => CATEGORY_WORDS[words(c)[0] ?? ''] ?? [])
              .filter((w) => words(n.sentence).includes(w)).length +
            (mentions(words(n.sentence), INTENT_TERMS.recommend) ? 1 : 0),
        }))
        .sort((a, b) => b.cover - a.cover)
        .slice(0, 1))
        out.push(noteLine(n));
    return done('answered');
  }

  if (withIngredients.length || withoutIngredients.length) {
    const label = [
      ...withIngredients.map((w) => (lang === 'es' ? `con ${w}` : `with ${w}`)),
      ...withoutIngredients.map((w) => (lang === 'es' ? `sin ${w}` : `without ${w}`)),
    ].join(lang === 'es' ? ' y ' : ' and ');
    out.push(
      available.length
        ? t.listIngredient(label, branch, available.map((p) => item(p)).join(', '))
        : t.noneAvailable(branch),
    );
    return done('answered');
  }

  // Anything else: the document sentences that cover what the question asks, or nothing.
  const content = uniq(
    qw
      .filter((w) => w.length >= 3 && !STOP.has(w) && !vocabulary.has(w))
      .concat(
        qw.filter((w) => ['compartir', 'share', 'maridar', 'liviano', 'postre', 'porciones'].includes(w)),
      ),
  );
  if (content.length === 0) return done('abstained');
  const scored = docs
    .flatMap((c) => sentences(c.body).map((s) => ({ sentence: s, chunk: c })))
    .map((n) => {
      const sw = words(`${n.chunk.heading} ${n.sentence}`);
      return { ...n, cover: content.filter((w) => sw.some((x) => sameWord(x, w))).length / content.length };
    })
    .filter((n) => n.cover >= 0.5)
    .sort((a, b) => b.cover - a.cover || b.chunk.score - a.chunk.score);
  if (scored.length === 0) return done('abstained');
  for (const n of scored.slice(0, 2)) out.push(noteLine(n));
  return done('answered');
}

/**
 * The ingredient a question asks about ("¿el ojo de bife lleva ajo?", "¿el curry tiene leche de
 * coco?"), when it names one that is not an allergen or diet term nor part of the dish's own name.
 * Terms of several words are matched whole: "frutos secos" is the nuts, not an ingredient "frutos".
 */
function ingredientAsked(
  question: string,
  named: { facts: ProductFacts | null }[],
  catalog: { facts: ProductFacts | null }[],
  docs: Chunk[],
): string | null {
  const qw = words(maskFalseFriends(question));
  if (!mentions(qw, INTENT_TERMS.contains)) return null;
  const nameWords = named.flatMap((p) => words(p.facts?.name ?? ''));
  const inName = (w: string) => nameWords.some((n) => sameWord(n, w));
  // A dish's ingredient of several words, whole in the question and not its name ("leche de coco").
  const phrases = uniq(
    catalog.flatMap((p) => (p.facts?.ingredients ?? []).map((i) => words(i))).map((ws) => ws.join(' ')),
  )
    .map((x) => x.split(' '))
    .filter((ws) => ws.length > 1 && hasPhrase(words(question), ws) && !ws.every(inName))
    .sort((a, b) => b.length - a.length);
  if (phrases[0]) return phrases[0].join(' ');
  // Positions the vocabulary already reads (allergens, diets, intents): not ingredients.
  const covered = new Set<number>();
  const vocab = [
    ...Object.values(ALLERGEN_VOCAB).flatMap((v) => [...v.terms.es, ...v.terms.en]),
    ...Object.values(DIET_VOCAB).flatMap((v) => [...v.terms.es, ...v.terms.en]),
    ...Object.values(INTENT_TERMS)
      .flat()
      .flatMap((x) => x.split(' ')),
  ].map((x) => x.split(' '));
  for (let i = 0; i < qw.length; i++)
    for (const v of vocab)
      if (hasPhrase(qw.slice(i, i + v.length), v)) for (let j = 0; j < v.length; j++) covered.add(i + j);
  const known = new Set([
    ...catalog.flatMap((p) => (p.facts?.ingredients ?? []).flatMap((i) => words(i))),
    ...docs.flatMap((c) => words(c.body)),
  ]);
  for (const [i, w] of qw.entries()) {
    if (w.length < 3 || STOP.has(w) || covered.has(i) || inName(w)) continue;
    if ([...known].some((k) => sameWord(k, w))) return w;
  }
  return null;
}
