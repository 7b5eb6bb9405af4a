/**
 * The index worker: drains chat_index_queue (filled by triggers on product, branch_product and
 * knowledge_document, whoever writes them) and rebuilds the affected chunks. Woken by NOTIFY,
 * with a slow poll as a backstop; never on a request's path.
 */
import { v5 as uuidv5 } from 'uuid';
import type { Db, Queryable } from '../db/index.ts';
import { chunkDocument, type ProductFacts, productEvidenceText } from './chunking.ts';
import { type Embedder, vectorLiteral } from './embedder.ts';
import { fold } from './normalize.ts';

/** Where vectors live: pgvector's column, a real[] column ranked in the server, or nowhere. */
export type VectorMode = 'pgvector' | 'array' | 'none';

const CHUNK_NS = '0c7f4a52-3a1e-4d0b-9f55-6a1d2e8b7c31';
const BATCH = 200;
const POLL_MS = 5_000;
// Advisory lock namespace for "this server is building that entity" (migrate.ts uses 7311001, the change log 7311002).
const ENTITY_LOCK = 7_311_003;

interface QueueRow {
  id: number;
  entity: 'product' | 'document';
  entity_id: string;
}

interface NewChunk {
  id: string;
  tenantId: string;
  branchId: string | null;
  kind: 'product' | 'document';
  productId: string | null;
  documentId: string | null;
  ord: number;
  title: string;
  heading: string;
  body: string;
  facts: ProductFacts | null;
}

export class ChatIndexer {
  #db: Db;
  #embedder: Embedder | null;
  #vectors: VectorMode;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #closed = false;
  /** Chunks written since start (health and tests). */
  indexed = 0;
  /** Products and documents built since start: two servers sharing a queue never build one entry twice. */
  built = 0;
  lastError: string | null = null;

  constructor(db: Db, embedder: Embedder | null, vectors: VectorMode) {
    this.#db = db;
    this.#embedder = embedder;
    this.#vectors = vectors;
  }

  get model(): string | null {
    return this.#embedder?.model ?? null;
  }

  /** Queues whatever has no chunks yet or was embedded by another model, then starts listening. */
  async start(): Promise<void> {
    await this.#db.query(
      `INSERT INTO chat_index_queue (tenant_id, entity, entity_id)
       SELECT p.tenant_id, 'product', p.id FROM product p
        WHERE EXISTS (SELECT 1 FROM branch_product bp WHERE bp.product_id = p.id)
          AND NOT EXISTS (SELECT 1 FROM knowledge_chunk c WHERE c.product_id = p.id AND c.embed_model IS NOT DISTINCT FROM $1)
          AND NOT EXISTS (SELECT 1 FROM chat_index_queue q WHERE q.entity_id = p.id)
       UNION ALL
       SELECT d.tenant_id, 'document', d.id FROM knowledge_document d
        WHERE NOT EXISTS (SELECT 1 FROM knowledge_chunk c WHERE c.document_id = d.id AND c.embed_model IS NOT DISTINCT FROM $1)
          AND NOT EXISTS (SELECT 1 FROM chat_index_queue q WHERE q.entity_id = d.id)`,
      [this.model],
    );
    this.#unlisten = await this.#db.listen('chat_index', () => this.kick());
    this.#timer = setInterval(() => this.kick(), POLL_MS);
    this.#timer.unref();
    this.kick();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#unlisten?.().catch(() => {});
    await this.#running?.catch(() => {});
  }

  /** Asks for a pass; a pass already running runs once more when it ends. */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          while (!this.#closed && (await this.#pass()) > 0);
          this.lastError = null;
        } catch (err) {
          this.lastError = (err as Error).message;
          if (!this.#closed) console.error('[comanda] chat index pass failed:', this.lastError);
        }
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves once the queue is empty (tests and the benchmark wait for the start-up index). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      await this.#running;
      const [row] = await this.#db.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_index_queue');
      if (!row?.n && !this.#running) return;
      if (Date.now() > until)
        throw new Error(`chat index still busy after ${timeoutMs} ms: ${this.lastError ?? ''}`);
      this.kick();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * One batch. PostgreSQL may be shared by several servers: the pass runs in one transaction that
   * holds its queue rows (FOR UPDATE SKIP LOCKED: another server takes the next rows, never these)
   * and an advisory lock per entity (a newer entry for a product another server is building waits
   * for that build instead of racing it). PGlite belongs to this process alone, where an open
   * transaction blocks every request: there rows are read without locks (kick() never runs two
   * passes at once) and only the write is a transaction, after the embedding.
   * Returns how many queue entries it processed (0 stops the drain loop).
   */
  async #pass(): Promise<number> {
    if (this.#db.kind === 'postgres') return this.#db.transaction((tx) => this.#drain(tx, tx));
    return this.#drain(this.#db, null);
  }

  async #drain(read: Queryable, tx: Queryable | null): Promise<number> {
    const queued = await read.query<QueueRow>(
      `SELECT id, entity, entity_id FROM chat_index_queue ORDER BY id LIMIT $1${tx ? ' FOR UPDATE SKIP LOCKED' : ''}`,
      [BATCH],
    );
    if (queued.length === 0) return 0;
    const byEntity = new Map<string, QueueRow[]>();
    for (const q of queued) {
      const key = `${q.entity}:${q.entity_id}`;
      byEntity.set(key, [...(byEntity.get(key) ?? []), q]);
    }
    const mine: QueueRow[][] = [];
    for (const [key, rows] of byEntity) {
      if (tx) {
        const [lock] = await tx.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok',
          [ENTITY_LOCK, key],
        );
        // Another server is building this entity now: its newer entry stays queued for the next pass.
        if (!lock?.ok) continue;
      }
      mine.push(rows);
    }
    if (mine.length === 0) return 0;
    const built: { entity: QueueRow; chunks: NewChunk[] }[] = [];
    for (const [entity] of mine as [QueueRow, ...QueueRow[]][])
      built.push({
        entity,
        chunks:
          entity.entity === 'product'
            ? await this.#productChunks(read, entity.entity_id)
            : await this.#documentChunks(read, entity.entity_id),
      });
    const all = built.flatMap((b) => b.chunks);
    const vectors =
      this.#embedder && all.length
        ? await this.#embedder.embed(
            all.map((c) => `${c.title}. ${c.heading === c.title ? '' : `${c.heading}. `}${c.body}`),
            'passage',
          )
        : [];
    const vectorOf = new Map(all.map((c, i) => [c.id, vectors[i]]));
    const ids = mine.flat().map((q) => q.id);
    const write = async (w: Queryable) => {
      for (const { entity, chunks } of built) {
        const column = entity.entity === 'product' ? 'product_id' : 'document_id';
        await w.query(`DELETE FROM knowledge_chunk WHERE ${column} = $1`, [entity.entity_id]);
        for (const c of chunks) await this.#insert(w, c, vectorOf.get(c.id));
      }
      // Only the rows read: a change queued meanwhile stays for the next pass.
      await w.query('DELETE FROM chat_index_queue WHERE id = ANY($1::bigint[])', [ids]);
    };
    this.built += built.length;
    if (tx) await write(tx);
    else await this.#db.transaction(write);
    this.indexed += all.length;
    return ids.length;
  }

  async #insert(tx: Queryable, c: NewChunk, vector: number[] | undefined) {
    const headingText = c.heading === c.title ? c.title : `${c.title} ${c.heading}`;
    const params: unknown[] = [
      c.id,
      c.tenantId,
      c.branchId,
      c.kind,
      c.productId,
      c.documentId,
      c.ord,
      c.title,
      c.heading,
      c.body,
      c.facts ? JSON.stringify(c.facts) : null,
      fold(headingText),
      fold(c.body),
      vector ? this.model : null,
    ];
    let vectorColumn = '';
    if (vector && this.#vectors === 'pgvector') {
      params.push(vectorLiteral(vector));
      vectorColumn = ', embedding';
    } else if (vector && this.#vectors === 'array') {
      params.push(`{${vector.join(',')}}`);
      vectorColumn = ', embedding_array';
    }
    const cast = this.#vectors === 'pgvector' ? '::vector' : '::real[]';
    await tx.query(
      `INSERT INTO knowledge_chunk (id, tenant_id, branch_id, source_kind, product_id, document_id, ord, title, heading,
         body, facts, search, embed_model${vectorColumn})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb,
         setweight(to_tsvector('spanish', $12), 'A') || setweight(to_tsvector('spanish', $13), 'B'), $14
         ${vectorColumn ? `, $15${cast}` : ''})`,
      params,
    );
  }

  async #productChunks(db: Queryable, productId: string): Promise<NewChunk[]> {
    const rows = await db.query<{
      tenant_id: string;
      branch_id: string;
      branch_name: string;
      currency: string;
      name: string;
      description: string;
      category: string | null;
      ingredients: string[];
      allergens: string[];
      may_contain: string[];
      dietary: string[];
      spice_level: number;
      tags: string[];
      price_cents: number;
      is_available: boolean;
    }>(
      `SELECT p.tenant_id, bp.branch_id, b.name AS branch_name, b.currency, p.name, p.description, c.name AS category,
              p.ingredients, p.allergens, p.may_contain, p.dietary, p.spice_level, p.tags, bp.price_cents, bp.is_available
         FROM product p
         JOIN branch_product bp ON bp.product_id = p.id AND bp.tenant_id = p.tenant_id
         JOIN branch b ON b.id = bp.branch_id AND b.tenant_id = p.tenant_id
         LEFT JOIN category c ON c.id = p.category_id
        WHERE p.id = $1`,
      [productId],
    );
    return rows.map((r) => {
      const facts: ProductFacts = {
        productId,
        name: r.name,
        description: r.description,
        category: r.category ?? '',
        ingredients: r.ingredients,
        allergens: r.allergens,
        mayContain: r.may_contain,
        dietary: r.dietary,
        spiceLevel: r.spice_level,
        tags: r.tags,
        priceCents: r.price_cents,
        currency: r.currency,
        available: r.is_available,
        branchName: r.branch_name,
      };
      return {
        id: uuidv5(`product:${productId}:${r.branch_id}`, CHUNK_NS),
        tenantId: r.tenant_id,
        branchId: r.branch_id,
        kind: 'product' as const,
        productId,
        documentId: null,
        ord: 0,
        title: r.name,
        heading: r.name,
        body: productEvidenceText(facts),
        facts,
      };
    });
  }

  async #documentChunks(db: Queryable, documentId: string): Promise<NewChunk[]> {
    const [d] = await db.query<{
      tenant_id: string;
      branch_id: string | null;
      title: string;
      body: string;
    }>('SELECT tenant_id, branch_id, title, body FROM knowledge_document WHERE id = $1', [documentId]);
    if (!d) return [];
    return chunkDocument(d.title, d.body).map((c) => ({
      id: uuidv5(`document:${documentId}:${c.ord}`, CHUNK_NS),
      tenantId: d.tenant_id,
      branchId: d.branch_id,
      kind: 'document' as const,
      productId: null,
      documentId,
      ord: c.ord,
      title: d.title,
      heading: c.heading,
      body: c.body,
      facts: null,
    }));
  }
}
