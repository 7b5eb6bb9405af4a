/**
 * The truth a chat answer is checked against, read straight from the demo seed files (not from the
 * index under test): the dishes one branch sells, and the documents that branch may read (its own
 * and the tenant-wide ones), cut along their headings as the indexer cuts them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DIR } from '@comanda/schema/demo-dir';
import { chunkDocument, type ProductFacts } from '../../server/src/chat/chunking.ts';
import type { ClaimScope } from '../../server/src/chat/claims.ts';
import type { Section } from '../../server/src/chat/matching.ts';
import type { Lang } from '../../server/src/chat/vocabulary.ts';
import { demo, seed } from '../support/demo.ts';

export type BranchSlug = 'centro' | 'norte';

/** A document section of the demo, with the id of its document (for precise recall). */
export interface DemoSection extends Section {
  documentTitle: string;
  branchId: string | null;
}

/** The products of one branch as its product chunks hold them (price and availability in that branch). */
export function branchProducts(slug: BranchSlug): ProductFacts[] {
  const branch = demo[slug];
  const categories = new Map(seed.categories.map((c) => [c.id, c.name]));
  return seed.branchProducts
    .filter((bp) => bp.branchId === branch.id)
    .map((bp) => {
      const p = seed.products.find((x) => x.id === bp.productId)!;
      return {
        productId: p.id,
        name: p.name,
        description: p.description,
        category: (p.categoryId && categories.get(p.categoryId)) || '',
        ingredients: p.ingredients,
        allergens: p.allergens,
        mayContain: p.mayContain,
        dietary: p.dietary,
        spiceLevel: p.spiceLevel,
        tags: p.tags,
        priceCents: bp.priceCents,
        currency: branch.currency,
        available: bp.isAvailable,
        branchName: branch.name,
      };
    });
}

/** The document sections a diner of that branch may read. */
export function branchDocuments(slug: BranchSlug): DemoSection[] {
  const branch = demo[slug];
  return seed.knowledge
    .filter((k) => k.tenantId === branch.tenantId && (k.branchId === null || k.branchId === branch.id))
    .flatMap((k) =>
      chunkDocument(k.title, readFileSync(join(DEMO_DIR, k.file), 'utf8')).map((c) => ({
        kind: 'document' as const,
        title: k.title,
        heading: c.heading,
        body: c.body,
        documentTitle: k.title,
        branchId: k.branchId,
      })),
    );
}

/** The claim checker's scope for a question asked in that branch. */
export const demoScope = (slug: BranchSlug, lang: Lang, question?: string): ClaimScope => ({
  products: branchProducts(slug),
  documents: branchDocuments(slug),
  question,
  lang,
});
