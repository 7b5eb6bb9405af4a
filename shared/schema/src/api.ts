/** Request and answer types of the HTTP API (CONTRACT.md), shared by the server, sync/ and the apps. */
import { z } from 'zod';
import { storableText } from './mutations.ts';
import type { BranchRole } from './roles.ts';

// Every string of a body is storableText: NUL or a broken surrogate is a 400 here, not a 500 from
// PostgreSQL (22021) once the text reaches a query (the email lookup, the diner's name).

/** Any email-ish text is accepted at login: a malformed one is simply wrong credentials, like any other. */
export const loginBody = z.strictObject({
  email: storableText(254).min(1),
  // Never trimmed: spaces can be part of a password.
  password: storableText(200, { trim: false }).min(1),
});
export const refreshBody = z.strictObject({ refreshToken: storableText(500, { trim: false }).min(10) });
export const dinerJoinBody = z.strictObject({
  tableToken: storableText(1000, { trim: false }).min(10),
  name: storableText(60).min(1).optional(),
});

export interface SessionUser {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  roles: BranchRole[];
  /** The branches of `roles`, with their names (for a branch picker). */
  branches: { id: string; name: string }[];
}

export interface LoginAnswer {
  accessToken: string;
  refreshToken: string;
  user: SessionUser;
}

export interface DinerJoinAnswer {
  dinerToken: string;
  dinerId: string;
  sessionId: string;
  tableId: string;
  branchId: string;
}

export interface HealthAnswer {
  ok: true;
  db: 'pglite' | 'postgres';
  shapes: 'builtin' | 'electric';
  version: string;
  [extra: string]: unknown;
}

/** POST /api/chat (CONTRACT.md "Chat"). Staff may name the branch they ask about; a diner's branch comes from the token. */
export const chatBody = z.strictObject({
  question: storableText(500).min(1),
  locale: z.enum(['es', 'en']).optional(),
  branchId: z.uuid().optional(),
});

/** One piece of evidence an answer rests on, named for the diner (product or document). */
export interface ChatCitation {
  source: string;
  snippet: string;
  score: number;
}

export interface ChatAnswer {
  answer: string;
  decision: 'answered' | 'abstained';
  citations: ChatCitation[];
  logId: string;
}

/** GET /api/chat/log: one exchange as staff read it. */
export interface ChatLogEntry {
  id: string;
  branchId: string;
  actorKind: 'staff' | 'diner';
  actorId: string;
  sessionId: string | null;
  question: string;
  locale: string;
  decision: 'answered' | 'abstained';
  answer: string;
  chunks: { id: string; source: string; score: number }[];
  citations: ChatCitation[];
  retrieval: string;
  model: string;
  latencyMs: number;
  createdAt: string;
}
