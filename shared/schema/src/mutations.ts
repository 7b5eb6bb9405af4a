/** The zod schema of every mutation of the write path (CONTRACT.md "Write path"), and who may run it. */
import { z } from 'zod';
import type { Actor } from './roles.ts';
import { PAYMENT_METHODS, SERVICE_CALL_KINDS } from './status.ts';

const id = z.uuid();
// U+0000 and lone UTF-16 surrogates can't be stored in PostgreSQL text or jsonb: refused as input, not a 500.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Text PostgreSQL can store: no U+0000, no lone surrogate, at most `max` characters. Trimmed, except
 * with `{trim: false}` for what must arrive exactly as sent (a password, a token). Every string a
 * request body carries goes through it, so such text is a 400 or a rejection at the edge, never a
 * 22021 from the database (a 500).
 */
export const storableText = (max: number, opts: { trim?: boolean } = {}) =>
  (opts.trim === false ? z.string() : z.string().trim())
    .max(max)
    .refine(
      (s) => !UNSTORABLE.test(s),
      'Contains characters that cannot be stored (NUL or a broken surrogate).',
    );
/** Free text a person typed: trimmed, bounded, never empty where it is required. */
const text = (max: number) => storableText(max).min(1);

export const MAX_ROUND_ITEMS = 50;
export const MAX_ITEM_QTY = 99;
/** Ten million pesos in cents: far above any real check, low enough that sums stay exact in a double. */
export const MAX_AMOUNT_CENTS = 1_000_000_000;

export const roundItemInput = z.strictObject({
  id,
  productId: id,
  qty: z.int().min(1).max(MAX_ITEM_QTY),
  notes: text(200).optional(),
  dinerId: id.optional(),
});

export const mutationArgs = {
  'session.open': z.strictObject({ sessionId: id, tableId: id }),
  'round.submit': z.strictObject({
    roundId: id,
    sessionId: id,
    items: z.array(roundItemInput).min(1).max(MAX_ROUND_ITEMS),
  }),
  'round.confirm': z.strictObject({ roundId: id }),
  'round.ready': z.strictObject({ roundId: id }),
  'round.served': z.strictObject({ roundId: id }),
  'round.cancel': z.strictObject({ roundId: id, reason: text(200) }),
  'serviceCall.create': z.strictObject({
    serviceCallId: id,
    sessionId: id,
    kind: z.enum(SERVICE_CALL_KINDS),
  }),
  'serviceCall.ack': z.strictObject({ serviceCallId: id }),
  'check.request': z.strictObject({ checkId: id, sessionId: id }),
  'payment.record': z.strictObject({
    paymentId: id,
    checkId: id,
    method: z.enum(PAYMENT_METHODS),
    amountCents: z.int().min(1).max(MAX_AMOUNT_CENTS),
    tipCents: z.int().min(0).max(MAX_AMOUNT_CENTS).optional(),
  }),
  'table.clear': z.strictObject({ tableId: id }),
  // Admin: catalog, prices per branch, knowledge.
  'product.update': z.strictObject({
    productId: id,
    name: text(120).optional(),
    description: storableText(2000).optional(),
    ingredients: z.array(text(80)).max(60).optional(),
    allergens: z.array(text(40)).max(20).optional(),
    mayContain: z.array(text(40)).max(20).optional(),
    dietary: z.array(text(40)).max(10).optional(),
    spiceLevel: z.int().min(0).max(3).optional(),
    /** IVA percentage as decimal text ("21", "10.5", "10.50"): exact, never a float. */
    vatRate: z
      .string()
      .regex(/^\d{1,2}(\.\d{1,2})?$/, 'a percentage from 0 to 99.99 with at most two decimals')
      .optional(),
  }),
  'branchProduct.update': z.strictObject({
    branchId: id,
    productId: id,
    priceCents: z.int().min(0).max(MAX_AMOUNT_CENTS).optional(),
    isAvailable: z.boolean().optional(),
  }),
  'knowledge.upsert': z.strictObject({
    documentId: id,
    branchId: id.nullable(),
    title: text(200),
    body: storableText(200_000),
  }),
  'knowledge.delete': z.strictObject({ documentId: id }),
  // Prints a new QR for the table: the old printed codes stop letting diners join.
  'table.rotateQr': z.strictObject({ tableId: id }),
} as const;

export type MutationName = keyof typeof mutationArgs;
export type MutationArgs<N extends MutationName> = z.infer<(typeof mutationArgs)[N]>;
export const MUTATION_NAMES = Object.keys(mutationArgs) as MutationName[];

/**
 * A row of the contract's "who" column, with ADMIN added wherever MANAGER is. CONTRACT.md names diner,
 * waiter, kitchen and manager and is silent on admin: here an admin holds a manager's rights in the
 * branches they are admin of, and no floor rights beyond them. A manager does not take orders, call a
 * waiter or ask for the check (that is the diner's and the waiter's), so neither does an admin. An admin
 * alone edits what the whole restaurant shares (product sheets here; tenant-wide knowledge in the mutator).
 */
const who = (...actors: Actor[]): readonly Actor[] =>
  actors.includes('MANAGER') ? [...actors, 'ADMIN'] : actors;

/**
 * Who may run each mutation: CONTRACT.md "Write path", the "who" column, role for role (admin
 * mutations, not in that table, in the same spirit). A diner only ever acts on their own table
 * session, and staff only in their branches (both checked by the mutator).
 */
export const MUTATION_ACTORS: Record<MutationName, readonly Actor[]> = {
  'session.open': who('WAITER', 'MANAGER'),
  'round.submit': who('DINER', 'WAITER'),
  'round.confirm': who('WAITER', 'MANAGER'),
  'round.ready': who('KITCHEN', 'MANAGER'),
  'round.served': who('WAITER', 'MANAGER'),
  'round.cancel': who('WAITER', 'MANAGER'),
  'serviceCall.create': who('DINER', 'WAITER'),
  'serviceCall.ack': who('WAITER', 'MANAGER'),
  'check.request': who('DINER', 'WAITER'),
  'payment.record': who('WAITER', 'MANAGER'),
  'table.clear': who('WAITER', 'MANAGER'),
  'product.update': ['ADMIN'],
  'branchProduct.update': who('MANAGER'),
  'knowledge.upsert': who('MANAGER'),
  'knowledge.delete': who('MANAGER'),
  'table.rotateQr': who('MANAGER'),
};

/** One mutation as sent by a client. `args` is checked against `mutationArgs[name]` by the server. */
export const mutationEnvelope = z.strictObject({
  id: z.uuid(),
  name: z.string().min(1).max(64),
  args: z.unknown(),
});

export const MAX_BATCH = 100;
export const mutationBatch = z.strictObject({ mutations: z.array(mutationEnvelope).min(1).max(MAX_BATCH) });

export type MutationEnvelope = z.infer<typeof mutationEnvelope>;

/**
 * `data` on an applied result carries what the caller could not know beforehand: check.request answers
 * `{checkId}`, the id of the session's one check (the one asked for, or the one that already existed).
 */
export type MutationResult =
  | { id: string; status: 'applied'; txid: string; data?: Record<string, unknown> }
  | { id: string; status: 'rejected'; code: string; message: string; details?: Record<string, unknown> };
