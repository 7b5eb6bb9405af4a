/**
 * Two servers on one PostgreSQL database drain the same chat re-index queue (migration 0003-chat):
 * each entry is built and embedded by one of them, never by both. PostgreSQL only: PGlite belongs
 * to one process.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Embedder, loadEmbedder } from '../../server/src/chat/embedder.ts';
import { ChatIndexer } from '../../server/src/chat/indexer.ts';
import { migrate } from '../../server/src/db/migrate.ts';
import type { Db } from '../../server/src/db/types.ts';
import { loadDemo } from '../../server/src/seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const MODEL_DIR = fileURLToPath(new URL('../fixtures/embed-model', import.meta.url));

/** The real fixture model, slowed down so both servers are surely mid-pass at once, counting what it embeds. */
function slowed(model: Embedder) {
  const counter = { texts: 0 };
  const embedder: Embedder = {
    model: model.model,
    dims: model.dims,
    async embed(texts, kind) {
      counter.texts += texts.length;
      await new Promise((r) => setTimeout(r, 300));
      return model.embed(texts, kind);
    },
  };
  return { embedder, counter };
}

describe('chat index queue shared by two servers', () => {
  let database: TestDatabase;
  let one: Db;
  let two: Db;
  const indexers: ChatIndexer[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    one = await database.open();
    two = await database.open();
    await migrate(one);
    // The demo's inserts queue every product and document (the triggers of 0003-chat).
    await loadDemo(one);
  });
  afterAll(async () => {
    for (const i of indexers) await i.close();
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  it('builds and embeds each queued entity once, whichever server takes it', async () => {
    const [{ entities, entries }] = (await one.query<{ entities: number; entries: number }>(
      'SELECT count(DISTINCT (entity, entity_id))::int AS entities, count(*)::int AS entries FROM chat_index_queue',
    )) as [{ entities: number; entries: number }];
    // Several entries per product (the product and each branch's price): more entries than entities.
    expect(entries).toBeGreaterThan(entities);
    const model = await loadEmbedder(MODEL_DIR);
    if ('error' in model) throw new Error(model.error);
    const a = slowed(model);
    const b = slowed(model);
    const first = new ChatIndexer(one, a.embedder, 'array');
    const second = new ChatIndexer(two, b.embedder, 'array');
    indexers.push(first, second);
    await Promise.all([first.start(), second.start()]);
    await Promise.all([first.idle(), second.idle()]);

    const [{ chunks, embedded }] = (await one.query<{ chunks: number; embedded: number }>(
      'SELECT count(*)::int AS chunks, count(embedding_array)::int AS embedded FROM knowledge_chunk',
    )) as [{ chunks: number; embedded: number }];
    expect(chunks).toBeGreaterThan(70);
    expect(embedded).toBe(chunks);
    // Each entity built by exactly one server, each chunk embedded once between the two.
    expect(first.built + second.built).toBe(entities);
    expect(a.counter.texts + b.counter.texts).toBe(chunks);
    expect((await one.query('SELECT 1 FROM chat_index_queue')).length).toBe(0);
  }, 60_000);
});
