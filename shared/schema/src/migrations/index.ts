/** SQL migrations, applied in order at start and recorded in schema_migration. Same SQL on PGlite and PostgreSQL. */
import { core } from './0001-core.ts';
import { changeLog } from './0002-change-log.ts';
import { chat } from './0003-chat.ts';
import { commitOrder } from './0004-commit-order.ts';
import { vatRate } from './0005-vat-rate.ts';
import { chatReindex } from './0006-chat-reindex.ts';
import { hotPathKeys } from './0007-hot-path-keys.ts';
import { itemStatusOnInsert } from './0008-item-status-on-insert.ts';
import { roundSubmitFunction } from './0009-round-submit-function.ts';
import { commitOrderWithoutLock } from './0010-commit-order-without-lock.ts';
import { orderCapturesItself } from './0011-order-captures-itself.ts';
import { itemRoundKey } from './0012-item-round-key.ts';

export interface Migration {
  id: string;
  sql: string;
}

/** Append only: a migration that has shipped is never edited, a new one is added after it. */
export const MIGRATIONS: readonly Migration[] = [
  { id: '0001-core', sql: core },
  { id: '0002-change-log', sql: changeLog },
  { id: '0003-chat', sql: chat },
  { id: '0004-commit-order', sql: commitOrder },
  { id: '0005-vat-rate', sql: vatRate },
  { id: '0006-chat-reindex', sql: chatReindex },
  { id: '0007-hot-path-keys', sql: hotPathKeys },
  { id: '0008-item-status-on-insert', sql: itemStatusOnInsert },
  { id: '0009-round-submit-function', sql: roundSubmitFunction },
  { id: '0010-commit-order-without-lock', sql: commitOrderWithoutLock },
  { id: '0011-order-captures-itself', sql: orderCapturesItself },
  { id: '0012-item-round-key', sql: itemRoundKey },
];
