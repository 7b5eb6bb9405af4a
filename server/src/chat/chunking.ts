/** Turns catalog rows and knowledge documents into evidence chunks (pure; the index worker stores them). */
import { allergenLabel, dietLabel, type Lang } from './vocabulary.ts';

/** A product as one branch sells it: the structured fields answers are composed from. */
export interface ProductFacts {
  productId: string;
  name: string;
  description: string;
  category: string;
  ingredients: string[];
  allergens: string[];
  mayContain: string[];
  dietary: string[];
  spiceLevel: number;
  tags: string[];
  priceCents: number;
  currency: string;
  available: boolean;
  branchName: string;
}

export interface DocChunk {
  ord: number;
  heading: string;
  body: string;
}

/** Money in the branch's currency, whole units when there are no cents: 2380000 -> "$ 23.800". */
export function formatPrice(cents: number, currency: string, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'es' ? 'es-AR' : 'en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(cents / 100);
}

const list = (xs: string[]) => xs.join(', ');

/** The text a product chunk is searched (and embedded) by: Spanish, with English labels for English questions. */
export function productEvidenceText(f: ProductFacts): string {
  const parts = [
    `${f.name}.`,
    f.description,
    `Categoría: ${f.category}.`,
    f.ingredients.length ? `Ingredientes: ${list(f.ingredients)}.` : '',
    f.allergens.length
      ? `Alérgenos: ${list(f.allergens.map((a) => allergenLabel(a, 'es')))} (allergens: ${list(f.allergens.map((a) => allergenLabel(a, 'en')))}).`
      : 'Sin alérgenos declarados.',
    f.mayContain.length
      ? `Puede contener trazas de: ${list(f.mayContain.map((a) => allergenLabel(a, 'es')))} (may contain: ${list(f.mayContain.map((a) => allergenLabel(a, 'en')))}).`
      : '',
    f.dietary.length
      ? `Apto: ${list(f.dietary.map((d) => dietLabel(d, 'es')))} (${list(f.dietary.map((d) => dietLabel(d, 'en')))}).`
      : '',
    f.spiceLevel > 0 ? `Picante: ${f.spiceLevel} de 3 (spicy).` : '',
    f.tags.length ? `${list(f.tags)}.` : '',
    `Precio en ${f.branchName}: ${formatPrice(f.priceCents, f.currency, 'es')}.`,
    f.available ? 'Disponible.' : `No disponible en ${f.branchName}.`,
  ];
  return parts.filter(Boolean).join(' ');
}

/**
 * Splits a markdown document along its headings. A section that is a list of items (a glossary,
 * a list of specials) becomes one chunk per item, so a citation points at the line that says it.
 */
export function chunkDocument(title: string, body: string): DocChunk[] {
  const out: DocChunk[] = [];
  let heading = title;
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join('\n').trim();
    lines = [];
    if (!text) return;
    const items = text.split(/\n(?=\s*[-*]\s)/).map((s) => s.trim());
    const isList = items.length >= 2 && items.every((s) => /^[-*]\s/.test(s));
    if (isList) {
      for (const item of items)
        out.push({ ord: out.length, heading, body: item.replace(/^[-*]\s+/, '').replace(/\s*\n\s*/g, ' ') });
    } else {
      // Text before a list (an introduction) stays with its section; a list after it is split as above.
      const m = text.match(/^([\s\S]*?)\n((?:\s*[-*]\s[\s\S]*))$/);
      if (m && m[2] && m[2].split(/\n(?=\s*[-*]\s)/).length >= 2 && m[1]!.trim()) {
        out.push({ ord: out.length, heading, body: m[1]!.trim().replace(/\s*\n\s*/g, ' ') });
        lines = [m[2]];
        flush();
        return;
      }
      out.push({ ord: out.length, heading, body: text.replace(/\s*\n\s*/g, ' ') });
    }
  };
  for (const line of body.replace(/\r/g, '').split('\n')) {
    const h = line.match(/^(#{1,6})\s+(.*)$/);
    if (h) {
      flush();
      heading = h[1]!.length === 1 ? h[2]!.trim() : h[2]!.trim();
      continue;
    }
    lines.push(line);
  }
  flush();
  return out;
}
