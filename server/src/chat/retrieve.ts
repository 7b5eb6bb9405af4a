/**
 * Retrieval, always inside one tenant and one branch (plus the tenant's documents for every branch):
 * Spanish full-text over folded text widened by the domain vocabulary, fused with vector
 * similarity (reciprocal rank fusion) when an embedding model is loaded.
 */
import type { Queryable } from '../db/index.ts';
import type { ProductFacts } from './chunking.ts';
import { cosine, type Embedder, vectorLiteral } from './embedder.ts';
import type { VectorMode } from './indexer.ts';
import { chunkIsAbout, productsNamed } from './matching.ts';
import { sentences, words } from './normalize.ts';
import { expansionTerms, type Lang } from './vocabulary.ts';

export interface Chunk {
  id: string;
  kind: 'product' | 'document';
  productId: string | null;
  documentId: string | null;
  title: string;
  heading: string;
  body: string;
  /** Tenant-wide documents have none. */
  branchId: string | null;
  facts: ProductFacts | null;
  /** Fused score (higher is better), with the parts it came from. */
  score: number;
  fulltext: number;
  vector: number;
}

export interface Retrieval {
  /** Every product of the branch (the catalog the answer may name), in menu order. */
  products: Chunk[];
  /**
   * Every document chunk of the scope, ranked or not: what the documents state about a dish (its
   * sauce's sulphites) counts whether or not the question's words found it.
   */
  documents: Chunk[];
  /** Evidence ranked for the question, best first. */
  ranked: Chunk[];
}

export interface Scope {
  tenantId: string;
  branchId: string;
}

const COLUMNS = `id, source_kind AS kind, product_id, document_id, title, heading, body, branch_id, facts`;
// The scope of every read below. Auth check before anything else: no other tenant's row is ever read.
const SCOPE = `tenant_id = $1 AND (branch_id = $2 OR (branch_id IS NULL AND source_kind = 'document'))`;
const RRF_K = 60;
const DEPTH = 30;

type Row = {
  id: string;
  kind: 'product' | 'document';
  product_id: string | null;
  document_id: string | null;
  title: string;
  heading: string;
  body: string;
  branch_id: string | null;
  facts: ProductFacts | string | null;
  score?: number;
  embedding_array?: number[] | string | null;
};

const toChunk = (r: Row): Chunk => ({
  id: r.id,
  kind: r.kind,
  productId: r.product_id,
  documentId: r.document_id,
  title: r.title,
  heading: r.heading,
  body: r.body,
  branchId: r.branch_id,
  facts: typeof r.facts === 'string' ? (JSON.parse(r.facts) as ProductFacts) : r.facts,
  score: 0,
  fulltext: 0,
  vector: 0,
});

/** The OR-query of the question's words and the vocabulary they call up; only [a-z0-9] words reach to_tsquery. */
export function fulltextQuery(question: string, lang: Lang): string {
  const ws = new Set([...words(question), ...expansionTerms(question, lang).flatMap((t) => t.split(' '))]);
  return [...ws].filter((w) => w.length > 1).join(' | ');
}

export async function retrieve(
  db: Queryable,
  scope: Scope,
  question: string,
  lang: Lang,
  vectors: { embedder: Embedder | null; mode: VectorMode },
): Promise<Retrieval> {
  const params = [scope.tenantId, scope.branchId];
  // One branch's menu and documents: a few dozen rows, read whole.
  const all = (
    await db.query<Row>(
      `SELECT ${COLUMNS} FROM knowledge_chunk WHERE ${SCOPE} ORDER BY source_kind DESC, title, ord`,
      params,
    )
  ).map(toChunk);
  const products = all.filter((c) => c.kind === 'product');
  const documents = all.filter((c) => c.kind === 'document');

  const byId = new Map<string, Chunk>();
  const tsq = fulltextQuery(question, lang);
  if (tsq) {
    const rows = await db.query<Row>(
      `SELECT ${COLUMNS}, ts_rank_cd(search, q, 1) AS score
         FROM knowledge_chunk, to_tsquery('spanish', $3) q
        WHERE ${SCOPE} AND search @@ q
        ORDER BY score DESC, id LIMIT ${DEPTH}`,
      [...params, tsq],
    );
    rows.forEach((r, i) => {
      const c = toChunk(r);
      c.fulltext = Number(r.score ?? 0);
      c.score += 1 / (RRF_K + i + 1);
      byId.set(c.id, c);
    });
  }

  const { embedder, mode } = vectors;
  if (embedder && mode !== 'none') {
    const [qv] = await embedder.embed([question], 'query');
    let hits: { row: Row; sim: number }[] = [];
    if (qv && mode === 'pgvector') {
      const rows = await db.query<Row>(
        `SELECT ${COLUMNS}, 1 - (embedding <=> $3::vector) AS score FROM knowledge_chunk
          WHERE ${SCOPE} AND embed_model = $4 AND embedding IS NOT NULL
          ORDER BY embedding <=> $3::vector, id LIMIT ${DEPTH}`,
        [...params, vectorLiteral(qv), embedder.model],
      );
      hits = rows.map((row) => ({ row, sim: Number(row.score ?? 0) }));
    } else if (qv) {
      // No pgvector on this database: the scope is one branch's menu and documents, small enough to rank here.
      const rows = await db.query<Row>(
        `SELECT ${COLUMNS}, embedding_array FROM knowledge_chunk
          WHERE ${SCOPE} AND embed_model = $3 AND embedding_array IS NOT NULL`,
        [...params, embedder.model],
      );
      hits = rows
        .map((row) => {
          const v =
            typeof row.embedding_array === 'string'
              ? (JSON.parse(row.embedding_array.replace('{', '[').replace('}', ']')) as number[])
              : (row.embedding_array ?? []);
          return { row, sim: cosine(qv, v.map(Number)) };
        })
        .sort((a, b) => b.sim - a.sim || a.row.id.localeCompare(b.row.id))
        .slice(0, DEPTH);
    }
    hits.forEach(({ row, sim }, i) => {
      const c = byId.get(row.id) ?? toChunk(row);
      c.vector = sim;
      c.score += 1 / (RRF_K + i + 1);
      byId.set(c.id, c);
    });
  }
  // The dishes the question names, and the document chunks about them (their sheets, their sauce's
  // sheet), as a third ranked list: the question's words may miss the chimichurri a steak is served with.
  const named = productsNamed(question, products).slice(0, 3);
  const about = named.flatMap((p) => [
    p,
    ...documents.filter(
      (c) =>
        chunkIsAbout(c, p.facts!) ||
        sentences(c.body).some((s) => productsNamed(s, products).some((x) => x.productId === p.productId)),
    ),
  ]);
  [...new Set(about)]
    .sort((a, b) => (byId.get(b.id)?.score ?? 0) - (byId.get(a.id)?.score ?? 0))
    .forEach((c, i) => {
      const hit = byId.get(c.id) ?? { ...c };
      hit.score += 1 / (RRF_K + i + 1);
      byId.set(c.id, hit);
    });
  const ranked = [...byId.values()].sort(
    (a, b) => b.score - a.score || b.fulltext - a.fulltext || a.id.localeCompare(b.id),
  );
  return { products, documents, ranked };
}
