/**
 * Admin knowledge: documents the menu chatbot answers from. A document belongs to one branch or, with
 * branchId null, to the whole restaurant. Who may edit: a branch's managers and admins its documents;
 * only an admin the tenant-wide ones (a manager of Norte can't rewrite what Centro's diners read).
 * Indexing (chunks, embeddings) belongs to the chatbot: it reacts to KNOWLEDGE_CHANGED.
 */
import { authorizeScope, ensureBranch } from './access.ts';
import { type Mutator, type MutatorContext, Rejection } from './types.ts';

async function lockDocument(m: MutatorContext, documentId: string) {
  const [doc] = await m.tx.query<{ id: string; branchId: string | null }>(
    'SELECT id, branch_id AS "branchId" FROM knowledge_document WHERE id = $1 AND tenant_id = $2 FOR UPDATE',
    [documentId, m.principal.tenantId],
  );
  return doc;
}

export const upsertKnowledge: Mutator<'knowledge.upsert'> = async (
  m,
  { documentId, branchId, title, body },
) => {
  if (branchId !== null) await ensureBranch(m, branchId);
  authorizeScope(m, 'knowledge.upsert', branchId);
  const tenantId = m.principal.tenantId;
  const existing = await lockDocument(m, documentId);
  // Moving a document between branches needs the right on both sides.
  if (existing) authorizeScope(m, 'knowledge.upsert', existing.branchId);
  m.write(
    existing
      ? 'UPDATE knowledge_document SET branch_id = $3, title = $4, body = $5, updated_at = now() WHERE id = $1 AND tenant_id = $2'
      : 'INSERT INTO knowledge_document (id, tenant_id, branch_id, title, body) VALUES ($1, $2, $3, $4, $5)',
    [documentId, tenantId, branchId, title, body],
  );
  await m.emit({
    type: 'KNOWLEDGE_CHANGED',
    tenantId,
    branchId,
    entity: 'knowledge_document',
    entityId: documentId,
    payload: {
      documentId,
      title,
      change: existing ? 'updated' : 'created',
      previousBranchId: existing?.branchId ?? null,
    },
  });
  return { tenantId, branchId };
};

export const deleteKnowledge: Mutator<'knowledge.delete'> = async (m, { documentId }) => {
  const doc = await lockDocument(m, documentId);
  if (!doc) throw new Rejection('NOT_FOUND', 'Document not found.', { id: documentId });
  authorizeScope(m, 'knowledge.delete', doc.branchId);
  m.write('DELETE FROM knowledge_document WHERE id = $1', [doc.id]);
  await m.emit({
    type: 'KNOWLEDGE_CHANGED',
    tenantId: m.principal.tenantId,
    branchId: doc.branchId,
    entity: 'knowledge_document',
    entityId: doc.id,
    payload: { documentId: doc.id, change: 'deleted' },
  });
  return { tenantId: m.principal.tenantId, branchId: doc.branchId };
};
