import { randomUUID } from 'node:crypto';
import { MUTATION_NAMES, type MutationName } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knowledgeDocumentId } from '../../server/src/seed.ts';
import { demo } from '../support/demo.ts';
import {
  applied,
  type Diner,
  one,
  openTable,
  roundArgs,
  seatDiner,
  snapshot,
  type Staff,
  startFloor,
} from '../support/floor.ts';
import type { TestServer } from '../support/server.ts';

type Actor = Staff | 'diner' | 'dinerOfAnotherTable';

const ACTORS: Actor[] = [
  'admin',
  'managerCentro',
  'waiterCentro',
  'waiter2Centro',
  'kitchenCentro',
  'managerNorte',
  'waiterNorte',
  'kitchenNorte',
  'otherAdmin',
  'otherWaiter',
  'diner',
  'dinerOfAnotherTable',
];
const OTHER_TENANT: readonly Actor[] = ['otherAdmin', 'otherWaiter'];
/** Staff with a role in Centro, where every case's rows are; the diner sits at a Centro table. */
const IN_CENTRO: readonly Actor[] = [
  'admin',
  'managerCentro',
  'waiterCentro',
  'waiter2Centro',
  'kitchenCentro',
  'diner',
];

/**
 * CONTRACT.md "Write path", the "who" column, written out by hand: the expectations come from here,
 * never from shared/schema's MUTATION_ACTORS (a test that read the table it checks could not fail).
 * The contract is silent on admin: an admin holds a manager's rights in their branches and no more
 * (see MUTATION_ACTORS). Admin mutations are not in the contract's table: product sheets are the
 * admin's; a branch's prices, documents and QR codes are its managers' and admins'.
 */
const CONTRACT_WHO: Record<MutationName, readonly string[]> = {
  'session.open': ['WAITER', 'MANAGER', 'ADMIN'],
  'round.submit': ['DINER', 'WAITER'],
  'round.confirm': ['WAITER', 'MANAGER', 'ADMIN'],
  'round.ready': ['KITCHEN', 'MANAGER', 'ADMIN'],
  'round.served': ['WAITER', 'MANAGER', 'ADMIN'],
  'round.cancel': ['WAITER', 'MANAGER', 'ADMIN'],
  'serviceCall.create': ['DINER', 'WAITER'],
  'serviceCall.ack': ['WAITER', 'MANAGER', 'ADMIN'],
  'check.request': ['DINER', 'WAITER'],
  'payment.record': ['WAITER', 'MANAGER', 'ADMIN'],
  'table.clear': ['WAITER', 'MANAGER', 'ADMIN'],
  'product.update': ['ADMIN'],
  'branchProduct.update': ['MANAGER', 'ADMIN'],
  'knowledge.upsert': ['MANAGER', 'ADMIN'],
  'knowledge.delete': ['MANAGER', 'ADMIN'],
  'table.rotateQr': ['MANAGER', 'ADMIN'],
};

/** The role each actor acts with, for the write path's first check ("can this role ever run it?"). */
const ROLE: Record<Actor, string> = {
  admin: 'ADMIN',
  managerCentro: 'MANAGER',
  waiterCentro: 'WAITER',
  waiter2Centro: 'WAITER',
  kitchenCentro: 'KITCHEN',
  managerNorte: 'MANAGER',
  waiterNorte: 'WAITER',
  kitchenNorte: 'KITCHEN',
  otherAdmin: 'ADMIN',
  otherWaiter: 'WAITER',
  diner: 'DINER',
  dinerOfAnotherTable: 'DINER',
};

interface Case {
  /** Label: the mutation name, plus the scope when one mutation is checked on two scopes. */
  label: string;
  name: MutationName;
  /**
   * `tenant`: rows every branch shares (a tenant-wide document), the tenant admin's alone. Otherwise the
   * rows are Centro's: whoever is in Centro with a role of CONTRACT_WHO may run it, everyone else is refused.
   */
  scope?: 'tenant';
  /** Fresh rows in the state the mutation needs; returns its args. Called again before each allowed run. */
  prepare(): Promise<Record<string, unknown>>;
  /** Cleans up after an allowed run so the next one finds the same state. */
  after?(args: Record<string, unknown>): Promise<void>;
  /**
   * What another restaurant's staff gets when their role could run this mutation somewhere: the row does
   * not exist for them (NOT_FOUND), or, when the mutation creates a row under an id that is taken, ID_CONFLICT.
   */
  otherTenantCode?: string;
}

describe('isolation: every mutation x every actor', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let diner: Diner;
  let dinerOfAnotherTable: Diner;
  let sessionId: string;
  let checkId: string;
  const centro = demo.tables(demo.centro.id);
  const product = demo.products(demo.centro.id)[2]!;
  const token = (a: Actor) =>
    a === 'diner' ? diner.token : a === 'dinerOfAnotherTable' ? dinerOfAnotherTable.token : t[a];

  beforeAll(async () => {
    ({ s, t } = await startFloor());
    sessionId = await openTable(s, t.waiterCentro, centro[0]!.id);
    diner = await seatDiner(s, sessionId);
    dinerOfAnotherTable = await seatDiner(s, await openTable(s, t.waiterCentro, centro[1]!.id));
    await applied(s, t.waiterCentro, 'round.submit', roundArgs(sessionId, demo.centro.id, [{ qty: 3 }]));
    checkId = randomUUID();
    await applied(s, t.waiterCentro, 'check.request', { checkId, sessionId });
  });
  afterAll(() => s?.close());

  const submitted = async (by: string) => {
    const r = roundArgs(sessionId, demo.centro.id);
    await applied(s, by, 'round.submit', r);
    return r.roundId;
  };
  const newDocument = async (branchId: string | null) => {
    const documentId = randomUUID();
    await applied(s, t.admin, 'knowledge.upsert', { documentId, branchId, title: 'Vinos', body: '# Malbec' });
    return documentId;
  };
  const clearAsAdmin = (tableId: unknown) => applied(s, t.admin, 'table.clear', { tableId });

  const cases: Case[] = [
    {
      label: 'session.open',
      name: 'session.open',
      prepare: async () => ({ sessionId: randomUUID(), tableId: centro[2]!.id }),
      after: async (a) => void (await clearAsAdmin(a.tableId)),
    },
    {
      label: 'round.submit',
      name: 'round.submit',
      prepare: async () => roundArgs(sessionId, demo.centro.id, [{}, {}]),
    },
    {
      label: 'round.confirm',
      name: 'round.confirm',
      prepare: async () => ({ roundId: await submitted(diner.token) }),
    },
    {
      label: 'round.ready',
      name: 'round.ready',
      prepare: async () => ({ roundId: await submitted(t.waiterCentro) }),
    },
    {
      label: 'round.served',
      name: 'round.served',
      prepare: async () => {
        const roundId = await submitted(t.waiterCentro);
        await applied(s, t.kitchenCentro, 'round.ready', { roundId });
        return { roundId };
      },
    },
    {
      label: 'round.cancel',
      name: 'round.cancel',
      prepare: async () => ({ roundId: await submitted(t.waiterCentro), reason: 'Sin stock' }),
    },
    {
      label: 'serviceCall.create',
      name: 'serviceCall.create',
      prepare: async () => ({ serviceCallId: randomUUID(), sessionId, kind: 'PAYMENT_HELP' }),
    },
    {
      label: 'serviceCall.ack',
      name: 'serviceCall.ack',
      prepare: async () => {
        const serviceCallId = randomUUID();
        await applied(s, diner.token, 'serviceCall.create', { serviceCallId, sessionId, kind: 'WAITER' });
        return { serviceCallId };
      },
    },
    {
      label: 'check.request',
      name: 'check.request',
      prepare: async () => ({ checkId: randomUUID(), sessionId }),
    },
    {
      label: 'payment.record',
      name: 'payment.record',
      prepare: async () => ({ paymentId: randomUUID(), checkId, method: 'CASH', amountCents: 100 }),
    },
    {
      label: 'table.clear',
      name: 'table.clear',
      prepare: async () => {
        const tableId = centro[3]!.id;
        const open = await s.db.query("SELECT 1 FROM table_session WHERE table_id = $1 AND status = 'OPEN'", [
          tableId,
        ]);
        if (open.length === 0) await openTable(s, t.waiterCentro, tableId);
        return { tableId };
      },
    },
    {
      label: 'table.rotateQr',
      name: 'table.rotateQr',
      prepare: async () => ({ tableId: centro[4]!.id }),
    },
    {
      // The catalog is the restaurant's, not a branch's: only its admin edits product sheets.
      label: 'product.update',
      name: 'product.update',
      prepare: async () => ({ productId: product.id, description: `Receta ${randomUUID().slice(0, 8)}` }),
    },
    {
      label: 'branchProduct.update (Centro)',
      name: 'branchProduct.update',
      prepare: async () => ({
        branchId: demo.centro.id,
        productId: product.id,
        priceCents: 100_000 + Math.floor(Math.random() * 1000),
      }),
    },
    {
      label: 'knowledge.upsert (Centro document)',
      name: 'knowledge.upsert',
      prepare: async () => ({
        documentId: await newDocument(demo.centro.id),
        branchId: demo.centro.id,
        title: 'Vinos de la casa',
        body: '# Malbec\nDe Luján de Cuyo.',
      }),
    },
    {
      label: 'knowledge.upsert (tenant-wide document)',
      name: 'knowledge.upsert',
      scope: 'tenant',
      prepare: async () => ({
        documentId: knowledgeDocumentId(demo.tenant.id, 'knowledge/glosario.md'),
        branchId: null,
        title: 'Glosario',
        body: '# Glosario\nChimichurri: salsa de perejil.',
      }),
      // The other admin would create a document of their own under an id the demo tenant already uses.
      otherTenantCode: 'ID_CONFLICT',
    },
    {
      label: 'knowledge.delete (Centro document)',
      name: 'knowledge.delete',
      prepare: async () => ({ documentId: await newDocument(demo.centro.id) }),
    },
    {
      label: 'knowledge.delete (tenant-wide document)',
      name: 'knowledge.delete',
      scope: 'tenant',
      prepare: async () => ({ documentId: await newDocument(null) }),
    },
  ];

  it('covers every mutation the server knows', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(MUTATION_NAMES));
  });

  const allowedIn = (c: Case): Actor[] =>
    c.scope === 'tenant'
      ? ['admin']
      : ACTORS.filter((a) => IN_CENTRO.includes(a) && CONTRACT_WHO[c.name].includes(ROLE[a]));

  it.each(cases)('$label', async (c) => {
    const args = await c.prepare();
    const before = await snapshot(s);
    const allowed = allowedIn(c);
    for (const actor of ACTORS.filter((a) => !allowed.includes(a))) {
      const mayRunSomewhere = CONTRACT_WHO[c.name].includes(ROLE[actor]);
      const code =
        OTHER_TENANT.includes(actor) && mayRunSomewhere ? (c.otherTenantCode ?? 'NOT_FOUND') : 'FORBIDDEN';
      const r = await one(s, token(actor), c.name, args);
      expect(r, `${actor} running ${c.label}`).toMatchObject({ status: 'rejected', code });
    }
    // Not one row changed by any of the refused attempts.
    expect(await snapshot(s)).toEqual(before);

    for (const actor of allowed) {
      const fresh = await c.prepare();
      const r = await one(s, token(actor), c.name, fresh);
      expect(r, `${actor} running ${c.label}`).toMatchObject({ status: 'applied' });
      await c.after?.(fresh);
    }
  });
});
