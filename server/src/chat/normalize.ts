/** Text folding shared by indexing and questions: lower case, accents folded, words split. */

/**
 * Lower case without accents ("Celíaco" -> "celiaco", "ñoquis" -> "noquis"). Done here rather than
 * with the unaccent extension, which PGlite does not ship: both sides of every match go through it.
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** Folded words (letters and digits only): never carries query syntax into SQL. */
export function words(text: string): string[] {
  return fold(text).match(/[a-z0-9]+/g) ?? [];
}

/** Crude singular form so "empanadas" meets "empanada" and "papas" meets "papa". */
export function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ces')) return `${word.slice(0, -3)}z`;
  if (word.length > 4 && word.endsWith('es') && /[^aeiou]es$/.test(word) && !word.endsWith('ses'))
    return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/** True when two folded words name the same thing (plural, or a longer form of the same stem). */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const sa = singular(a);
  const sb = singular(b);
  if (sa === sb) return true;
  const [short, long] = sa.length <= sb.length ? [sa, sb] : [sb, sa];
  return short.length >= 5 && long.startsWith(short) && long.length - short.length <= 1;
}

/** True when `phrase` (folded words) occurs in `text` (folded words) as consecutive words. */
export function hasPhrase(text: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= text.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (!sameWord(text[i + j]!, phrase[j]!)) continue outer;
    return true;
  }
  return false;
}

/** Sentences of a text, keeping list items apart. */
export function sentences(text: string): string[] {
  return text
    .replace(/\r/g, '')
    .split(/\n\s*[-*]\s+|(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡])|\n{2,}/)
    .map((s) =>
      s
        .replace(/\s*\n\s*/g, ' ')
        .replace(/^[-*]\s+/, '')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

const EN = new Set(
  'the is are does do did what which who how much many have has contain contains containing any can could i im my with without free allergic allergy dish dishes recommend recommendation you your there this that it of for in on and or an please tell about food something eat order would should spicy cost price costs suitable vegan vegetarian nuts dairy wheat safe'.split(
    ' ',
  ),
);
const ES = new Set(
  'el la los las es son que tiene tienen lleva llevan con sin para hay cual cuales puedo soy me algo plato platos cuanto cuesta sale de del un una unos unas y o mi tengo comer pedir recomendas recomiendan apto apta aptos aptas contiene alergico alergica alergia sucursal carta tambien esta este eso queso pica picante leche trazas celiaco celiaca vegano vegana vegetariano vegetariana postre'.split(
    ' ',
  ),
);

/** The question's language: English when its words say so, Spanish (the project's default) otherwise. */
export function detectLanguage(text: string, hint?: 'es' | 'en'): 'es' | 'en' {
  const ws = words(text);
  let en = 0;
  let es = 0;
  for (const w of ws) {
    if (EN.has(w)) en++;
    if (ES.has(w)) es++;
  }
  if (/[ñ¿¡áéíóú]/i.test(text)) es += 2;
  if (en > es) return 'en';
  if (es > en) return 'es';
  return hint ?? 'es';
}
