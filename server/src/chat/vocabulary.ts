/**
 * The domain vocabulary in Spanish and English: the EU-14 allergens as the catalog codes them,
 * dietary tags, and the words diners use for them ("celíaco", "sin TACC" -> gluten; "frutos secos"
 * -> nuts; "lácteos" -> milk). Terms are folded (see normalize.ts).
 */
import { fold, hasPhrase, words } from './normalize.ts';

export type Lang = 'es' | 'en';

export const ALLERGENS = [
  'gluten',
  'crustaceans',
  'eggs',
  'fish',
  'peanuts',
  'soy',
  'milk',
  'nuts',
  'celery',
  'mustard',
  'sesame',
  'sulphites',
  'lupin',
  'molluscs',
] as const;
export type Allergen = (typeof ALLERGENS)[number];

interface Concept {
  label: Record<Lang, string>;
  terms: Record<Lang, string[]>;
}

export const ALLERGEN_VOCAB: Record<Allergen, Concept> = {
  gluten: {
    label: { es: 'gluten', en: 'gluten' },
    terms: {
      es: ['gluten', 'tacc', 'celiaco', 'celiaca', 'celiacos', 'celiacas', 'celiaquia', 'trigo'],
      en: ['gluten', 'celiac', 'celiacs', 'coeliac', 'wheat'],
    },
  },
  crustaceans: {
    label: { es: 'crustáceos', en: 'crustaceans' },
    terms: {
      es: [
        'crustaceo',
        'crustaceos',
        'marisco',
        'mariscos',
        'langostino',
        'langostinos',
        'camaron',
        'camarones',
        'gambas',
      ],
      en: ['crustacean', 'crustaceans', 'shellfish', 'shrimp', 'prawn', 'prawns'],
    },
  },
  eggs: { label: { es: 'huevo', en: 'eggs' }, terms: { es: ['huevo', 'huevos'], en: ['egg', 'eggs'] } },
  fish: { label: { es: 'pescado', en: 'fish' }, terms: { es: ['pescado', 'pescados'], en: ['fish'] } },
  peanuts: {
    label: { es: 'maní', en: 'peanuts' },
    terms: { es: ['mani', 'cacahuete', 'cacahuate'], en: ['peanut', 'peanuts'] },
  },
  soy: { label: { es: 'soja', en: 'soy' }, terms: { es: ['soja'], en: ['soy', 'soya'] } },
  milk: {
    label: { es: 'lácteos', en: 'dairy' },
    terms: { es: ['lacteo', 'lacteos', 'leche', 'lactosa'], en: ['dairy', 'milk', 'lactose'] },
  },
  nuts: {
    label: { es: 'frutos secos', en: 'tree nuts' },
    terms: {
      es: [
        'frutos secos',
        'fruto seco',
        'nuez',
        'nueces',
        'almendra',
        'almendras',
        'avellana',
        'avellanas',
        'pistacho',
        'pistachos',
      ],
      en: ['nut', 'nuts', 'tree nuts', 'walnut', 'walnuts', 'almond', 'almonds', 'hazelnut', 'hazelnuts'],
    },
  },
  celery: { label: { es: 'apio', en: 'celery' }, terms: { es: ['apio'], en: ['celery'] } },
  mustard: { label: { es: 'mostaza', en: 'mustard' }, terms: { es: ['mostaza'], en: ['mustard'] } },
  sesame: { label: { es: 'sésamo', en: 'sesame' }, terms: { es: ['sesamo'], en: ['sesame'] } },
  sulphites: {
    label: { es: 'sulfitos', en: 'sulphites' },
    terms: { es: ['sulfito', 'sulfitos'], en: ['sulphite', 'sulphites', 'sulfite', 'sulfites'] },
  },
  lupin: {
    label: { es: 'altramuces', en: 'lupin' },
    terms: { es: ['altramuz', 'altramuces', 'lupino'], en: ['lupin', 'lupine'] },
  },
  molluscs: {
    label: { es: 'moluscos', en: 'molluscs' },
    terms: {
      es: ['molusco', 'moluscos', 'mejillon', 'mejillones', 'calamar', 'calamares', 'pulpo', 'almejas'],
      en: ['mollusc', 'molluscs', 'mollusk', 'mollusks', 'squid', 'mussels', 'clams'],
    },
  },
};

export const DIETS = ['vegan', 'vegetarian', 'gluten_free', 'lactose_free'] as const;
export type Diet = (typeof DIETS)[number];

export const DIET_VOCAB: Record<'vegan' | 'vegetarian', Concept> = {
  vegan: {
    label: { es: 'veganos', en: 'vegans' },
    terms: { es: ['vegano', 'vegana', 'veganos', 'veganas'], en: ['vegan', 'vegans'] },
  },
  vegetarian: {
    label: { es: 'vegetarianos', en: 'vegetarians' },
    terms: {
      es: ['vegetariano', 'vegetariana', 'vegetarianos', 'vegetarianas'],
      en: ['vegetarian', 'vegetarians', 'veggie'],
    },
  },
};

/** Which dietary tag answers "free of allergen X" directly. */
export const FREE_OF_TAG: Partial<Record<Allergen, Diet>> = { gluten: 'gluten_free', milk: 'lactose_free' };

/** Allergens a vegan dish cannot declare. */
export const ANIMAL_ALLERGENS: readonly Allergen[] = ['milk', 'eggs', 'fish', 'crustaceans', 'molluscs'];

/** Intents, each a list of folded phrases in either language. */
export const INTENT_TERMS = {
  spicy: ['picante', 'picantes', 'pica', 'pican', 'picor', 'picoso', 'spicy', 'hot', 'spice'],
  light: ['liviano', 'liviana', 'livianos', 'livianas', 'ligero', 'ligera', 'light', 'saludable', 'healthy'],
  share: ['compartir', 'share', 'sharing'],
  price: [
    'cuanto sale',
    'cuanto cuesta',
    'cuanto vale',
    'cuanto esta',
    'precio',
    'precios',
    'how much',
    'price',
    'cost',
    'costs',
  ],
  availability: [
    'tienen',
    'hay',
    'disponible',
    'disponibles',
    'quedan',
    'queda',
    'sirven',
    'do you have',
    'available',
    'is there',
    'serve',
  ],
  definition: [
    'que es',
    'que son',
    'que significa',
    'significa',
    'what is',
    'whats',
    'what are',
    'meaning',
    'mean',
  ],
  recommend: [
    'recomendas',
    'recomienda',
    'recomiendan',
    'recomendacion',
    'recomendaciones',
    'recomendar',
    'sugeris',
    'sugerencia',
    'aconsejas',
    'maridar',
    'marida',
    'acompanar',
    'recommend',
    'recommendation',
    'suggest',
    'pair',
    'pairing',
    'go with',
  ],
  ingredients: [
    'ingrediente',
    'ingredientes',
    'que lleva',
    'que llevan',
    'de que esta hecho',
    'de que es',
    'ingredient',
    'ingredients',
    'whats in',
    'what is in',
    'made of',
    'made with',
  ],
  allergy: [
    'alergeno',
    'alergenos',
    'alergia',
    'alergias',
    'alergico',
    'alergica',
    'allergen',
    'allergens',
    'allergy',
    'allergic',
  ],
  traces: [
    'traza',
    'trazas',
    'puede contener',
    'trace',
    'traces',
    'cross contamination',
    'contaminacion cruzada',
  ],
  contains: [
    'tiene',
    'tienen',
    'lleva',
    'llevan',
    'contiene',
    'contienen',
    'con',
    'contain',
    'contains',
    'have',
    'has',
    'with',
  ],
  negation: [
    'sin',
    'no',
    'libre de',
    'apto',
    'apta',
    'aptos',
    'aptas',
    'free',
    'without',
    'suitable',
    'safe',
    'puedo comer',
    'can i eat',
  ],
} as const;
export type Intent = keyof typeof INTENT_TERMS;

/** Category words diners use, mapped to the folded words of the demo categories' names. */
export const CATEGORY_WORDS: Record<string, string[]> = {
  postres: ['postre', 'postres', 'dessert', 'desserts', 'dulce'],
  bebidas: [
    'bebida',
    'bebidas',
    'tomar',
    'drink',
    'drinks',
    'beverage',
    'beverages',
    'vino',
    'vinos',
    'wine',
  ],
  entradas: ['entrada', 'entradas', 'starter', 'starters', 'appetizer', 'appetizers', 'picar'],
  pastas: ['pasta', 'pastas'],
  ensaladas: ['ensalada', 'ensaladas', 'salad', 'salads'],
  parrilla: ['parrilla', 'asado', 'carne', 'carnes', 'corte', 'cortes', 'grill', 'steak', 'meat'],
  principales: ['principal', 'principales', 'main', 'mains'],
};

/** Does the folded word list contain any of the phrases (plural-tolerant)? */
export const mentions = (ws: string[], phrases: readonly string[]) =>
  phrases.some((p) => hasPhrase(ws, p.split(' ')));

/**
 * Phrases that hold an allergen's word without being that allergen: coconut milk is no dairy,
 * nutmeg no tree nut, buckwheat no wheat. Each becomes one word nothing in the vocabulary matches.
 */
const FALSE_FRIENDS = [
  'leche de coco',
  'coconut milk',
  'nuez moscada',
  'trigo sarraceno',
  'leche de soja',
  'leche de almendras',
  'leche de almendra',
];
const FALSE_FRIEND_RE = new RegExp(`\\b(${FALSE_FRIENDS.join('|')})\\b`, 'g');

/** Folded text with every false friend glued into one word ("leche de coco" -> "lechedecoco"). */
export const maskFalseFriends = (text: string) =>
  fold(text).replace(FALSE_FRIEND_RE, (m) => m.replace(/ /g, ''));

/** Allergens a text talks about, in either language ("soy" is only English: in Spanish it means "I am"). */
export function allergensIn(text: string, lang: Lang): Allergen[] {
  const ws = words(maskFalseFriends(text));
  return ALLERGENS.filter((a) => {
    const v = ALLERGEN_VOCAB[a].terms;
    const phrases = a === 'soy' && lang === 'es' ? v.es : [...v.es, ...v.en];
    return mentions(ws, phrases);
  });
}

/** Diets (vegan, vegetarian) a text talks about. */
export function dietsIn(text: string): ('vegan' | 'vegetarian')[] {
  const ws = words(text);
  return (['vegan', 'vegetarian'] as const).filter((d) =>
    mentions(ws, [...DIET_VOCAB[d].terms.es, ...DIET_VOCAB[d].terms.en]),
  );
}

/** Intents a text shows. */
export function intentsIn(text: string): Set<Intent> {
  const ws = words(text);
  const out = new Set<Intent>();
  for (const [k, phrases] of Object.entries(INTENT_TERMS)) if (mentions(ws, phrases)) out.add(k as Intent);
  return out;
}

/** Every folded term of the vocabulary, for widening a full-text query ("celíaco" also finds "sin TACC"). */
export function expansionTerms(text: string, lang: Lang): string[] {
  const out: string[] = [];
  for (const a of allergensIn(text, lang))
    out.push(...ALLERGEN_VOCAB[a].terms.es, ...ALLERGEN_VOCAB[a].terms.en);
  for (const d of dietsIn(text))
    out.push(...DIET_VOCAB[d].terms.es.slice(0, 2), ...DIET_VOCAB[d].terms.en.slice(0, 1));
  const ws = words(text);
  for (const group of Object.values(CATEGORY_WORDS)) if (mentions(ws, group)) out.push(...group);
  return out;
}

/** The label of an allergen in a language ("lácteos (leche)", "tree nuts"). */
export const allergenLabel = (a: string, lang: Lang) => ALLERGEN_VOCAB[a as Allergen]?.label[lang] ?? a;

export const dietLabel = (d: string, lang: Lang): string =>
  ({
    vegan: { es: 'vegano', en: 'vegan' },
    vegetarian: { es: 'vegetariano', en: 'vegetarian' },
    gluten_free: { es: 'sin TACC', en: 'gluten-free' },
    lactose_free: { es: 'sin lactosa', en: 'lactose-free' },
  })[d]?.[lang] ?? d;
