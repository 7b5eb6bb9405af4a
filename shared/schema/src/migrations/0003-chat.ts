/**
 * The menu chatbot's tables (ARCHITECTURE.md "Menu chatbot"): evidence chunks with a full-text
 * vector (and a pgvector embedding where the extension exists), the re-index queue fed by
 * triggers, and the log of every exchange.
 */
export const chat = `
-- One row of evidence: a product in one branch (price, availability) or a section of a
-- knowledge document (branch_id NULL = tenant-wide). Rebuilt by the server's index worker.
CREATE TABLE knowledge_chunk (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid REFERENCES branch(id),
  source_kind text NOT NULL CHECK (source_kind IN ('product', 'document')),
  product_id uuid,
  document_id uuid,
  ord integer NOT NULL DEFAULT 0,
  title text NOT NULL,
  heading text NOT NULL DEFAULT '',
  body text NOT NULL,
  -- product chunks: the structured fields the answer is composed from (allergens, traces, price ...)
  facts jsonb,
  -- Spanish full-text over accent-folded text plus domain vocabulary terms (folded by the server:
  -- unaccent is not available on every database we run on).
  search tsvector NOT NULL,
  embed_model text,
  -- Embedding as a plain array when the vector extension is missing (ranked in the server).
  embedding_array real[],
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((source_kind = 'product') = (product_id IS NOT NULL AND branch_id IS NOT NULL)),
  CHECK ((source_kind = 'document') = (document_id IS NOT NULL))
);
CREATE INDEX knowledge_chunk_scope ON knowledge_chunk (tenant_id, branch_id);
CREATE INDEX knowledge_chunk_search ON knowledge_chunk USING gin (search);
CREATE INDEX knowledge_chunk_product ON knowledge_chunk (product_id);
CREATE INDEX knowledge_chunk_document ON knowledge_chunk (document_id);

-- pgvector where it is installed (PGlite here, the docker-compose image); elsewhere the
-- column is simply absent and the server says so at start. Same SQL on every database.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS vector;
  ALTER TABLE knowledge_chunk ADD COLUMN embedding vector;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pgvector is not available: chat embeddings are kept as real[]';
END
$$;

-- What changed and must be re-indexed. Filled by triggers, whoever writes the row; drained by
-- the server's index worker (SKIP LOCKED, so several servers can share one database).
CREATE TABLE chat_index_queue (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  entity text NOT NULL CHECK (entity IN ('product', 'document')),
  entity_id uuid NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION chat_enqueue() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'knowledge_document' THEN
    INSERT INTO chat_index_queue (tenant_id, entity, entity_id) VALUES (r.tenant_id, 'document', r.id);
  ELSIF TG_TABLE_NAME = 'product' THEN
    INSERT INTO chat_index_queue (tenant_id, entity, entity_id) VALUES (r.tenant_id, 'product', r.id);
  ELSE
    INSERT INTO chat_index_queue (tenant_id, entity, entity_id) VALUES (r.tenant_id, 'product', r.product_id);
    IF TG_OP = 'UPDATE' AND OLD.product_id <> NEW.product_id THEN
      INSERT INTO chat_index_queue (tenant_id, entity, entity_id) VALUES (OLD.tenant_id, 'product', OLD.product_id);
    END IF;
  END IF;
  PERFORM pg_notify('chat_index', r.tenant_id::text);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER product_chat_index AFTER INSERT OR UPDATE OR DELETE ON product
  FOR EACH ROW EXECUTE FUNCTION chat_enqueue();
CREATE TRIGGER branch_product_chat_index AFTER INSERT OR UPDATE OR DELETE ON branch_product
  FOR EACH ROW EXECUTE FUNCTION chat_enqueue();
CREATE TRIGGER knowledge_document_chat_index AFTER INSERT OR UPDATE OR DELETE ON knowledge_document
  FOR EACH ROW EXECUTE FUNCTION chat_enqueue();

-- Every exchange: the question as asked, the evidence with its scores, the answer and decision.
CREATE TABLE chat_log (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenant(id),
  branch_id uuid NOT NULL REFERENCES branch(id),
  actor_kind text NOT NULL CHECK (actor_kind IN ('staff', 'diner')),
  actor_id uuid NOT NULL,
  session_id uuid,
  question text NOT NULL,
  locale text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('answered', 'abstained')),
  answer text NOT NULL,
  chunks jsonb NOT NULL DEFAULT '[]',
  citations jsonb NOT NULL DEFAULT '[]',
  retrieval text NOT NULL,
  model text NOT NULL,
  latency_ms integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_log_branch ON chat_log (tenant_id, branch_id, created_at DESC);
`;
