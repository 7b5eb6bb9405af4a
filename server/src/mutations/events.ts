/** Domain events: appended in the transaction of the change they describe (ARCHITECTURE.md "Events"). */
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../db/index.ts';
import type { EventInput } from './types.ts';

/** Who caused an event: a staff member or a diner (null id for the system). */
export interface EventActor {
  kind: 'staff' | 'diner';
  id: string | null;
}

/** Writes `events` in order, all in one statement, inside the caller's transaction. */
export async function appendEvents(
  tx: Queryable,
  events: readonly EventInput[],
  actor: EventActor,
): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [];
  const rows = events.map((e) => {
    const at = params.length;
    params.push(
      uuidv7(),
      e.tenantId,
      e.branchId,
      e.type,
      e.entity,
      e.entityId,
      e.sessionId ?? null,
      e.tableId ?? null,
      actor.kind,
      actor.id,
      e.payload ?? {},
    );
    return `(${Array.from({ length: 11 }, (_, i) => `$${at + i + 1}`).join(', ')})`;
  });
  await tx.query(
    `INSERT INTO event (id, tenant_id, branch_id, type, entity, entity_id, session_id, table_id, actor_kind, actor_id, payload)
     VALUES ${rows.join(', ')}`,
    params,
  );
}
