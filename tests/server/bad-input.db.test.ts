import { randomUUID } from 'node:crypto';
import { MAX_BATCH } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { joinAsDiner, tableToken } from '../support/diner.ts';
import {
  applied,
  openTable,
  roundArgs,
  snapshot,
  type Staff,
  startFloor,
  WRITE_TABLES,
} from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const DEEP = Symbol('deep');
const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);

describe('bad input on POST /api/mutations', () => {
  let s: TestServer;
  let t: Record<Staff, string>;
  let sessionId: string;
  let roundId: string;
  const product = demo.products(demo.centro.id)[0]!;
  beforeAll(async () => {
    ({ s, t } = await startFloor());
    sessionId = await openTable(s, t.waiterCentro, demo.tables(demo.centro.id)[0]!.id);
    const r = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', r);
    roundId = r.roundId;
  });
  afterAll(() => s?.close());

  const post = (body: string, token: string | null = t.waiterCentro) =>
    s.fetch('/api/mutations', {
      method: 'POST',
      token: token ?? undefined,
      body,
      headers: { 'content-type': 'application/json' },
    });
  const envelope = (name: string, args: unknown) =>
    JSON.stringify({ mutations: [{ id: randomUUID(), name, args }] });
  const item = (extra: Record<string, unknown> = {}) => ({
    id: randomUUID(),
    productId: product.id,
    qty: 1,
    ...extra,
  });

  const requestCases: [string, () => string, number, string, string?][] = [
    ['malformed JSON', () => '{"mutations": [', 400, 'VALIDATION_FAILED'],
    ['JSON that is not an object', () => '"round.submit"', 400, 'VALIDATION_FAILED'],
    ['null', () => 'null', 400, 'VALIDATION_FAILED'],
    ['no mutations field', () => '{}', 400, 'VALIDATION_FAILED'],
    ['an empty batch', () => '{"mutations": []}', 400, 'VALIDATION_FAILED'],
    [
      `more than ${MAX_BATCH} mutations`,
      () =>
        JSON.stringify({
          mutations: Array.from({ length: MAX_BATCH + 1 }, () => ({
            id: randomUUID(),
            name: 'round.confirm',
            args: {},
          })),
        }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a mutation id that is not a UUID',
      () => JSON.stringify({ mutations: [{ id: '1; DROP TABLE round', name: 'round.confirm', args: {} }] }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an extra field on the batch',
      () =>
        JSON.stringify({ mutations: [{ id: randomUUID(), name: 'round.confirm', args: {} }], admin: true }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an extra field on a mutation',
      () =>
        JSON.stringify({
          mutations: [{ id: randomUUID(), name: 'round.confirm', args: {}, tenantId: demo.otherTenant.id }],
        }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a 1 MB body',
      () => envelope('round.cancel', { roundId: randomUUID(), reason: 'x'.repeat(1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['no token', () => envelope('round.confirm', { roundId: randomUUID() }), 401, 'UNAUTHORIZED', 'none'],
    [
      'a forged token',
      () => envelope('round.confirm', { roundId: randomUUID() }),
      401,
      'UNAUTHORIZED',
      'forged',
    ],
  ];

  it.each(requestCases)(
    'answers %s with a clear 4xx and writes nothing',
    async (_label, body, status, code, auth) => {
      const before = await snapshot(s);
      const token =
        auth === 'none' ? null : auth === 'forged' ? `${t.admin.slice(0, -4)}AAAA` : t.waiterCentro;
      const res = await post(body(), token);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/json');
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe(code);
      expect(json.error.message.length).toBeGreaterThan(0);
      expect(await snapshot(s)).toEqual(before);
    },
  );

  const mutationCases: [string, string, () => unknown, string][] = [
    ['an unknown mutation name', 'round.delete', () => ({ roundId }), 'UNKNOWN_MUTATION'],
    ['a name that is an Object property', '__proto__', () => ({}), 'UNKNOWN_MUTATION'],
    ['a name that is an Object method', 'constructor', () => ({}), 'UNKNOWN_MUTATION'],
    ['args that are an array', 'round.confirm', () => [roundId], 'VALIDATION_FAILED'],
    ['args that are null', 'round.submit', () => null, 'VALIDATION_FAILED'],
    ['a missing field', 'round.submit', () => ({ roundId: randomUUID(), sessionId }), 'VALIDATION_FAILED'],
    [
      'a number where a UUID goes',
      'round.submit',
      () => ({ roundId: randomUUID(), sessionId: 123, items: [item()] }),
      'VALIDATION_FAILED',
    ],
    [
      'a string quantity',
      'round.submit',
      () => ({ roundId: randomUUID(), sessionId, items: [item({ qty: '2' })] }),
      'VALIDATION_FAILED',
    ],
    [
      'items that are an object',
      'round.submit',
      () => ({ roundId: randomUUID(), sessionId, items: item() }),
      'VALIDATION_FAILED',
    ],
    [
      'a price sent by the client',
      'round.submit',
      () => ({ roundId: randomUUID(), sessionId, items: [item({ unitPriceCents: 1 })] }),
      'VALIDATION_FAILED',
    ],
    [
      'an extra field that would skip a step',
      'round.confirm',
      () => ({ roundId, status: 'SERVED' }),
      'VALIDATION_FAILED',
    ],
    [
      'fractional cents',
      'payment.record',
      () => ({ paymentId: randomUUID(), checkId: randomUUID(), method: 'CASH', amountCents: 10.5 }),
      'VALIDATION_FAILED',
    ],
    [
      'negative cents',
      'payment.record',
      () => ({ paymentId: randomUUID(), checkId: randomUUID(), method: 'CASH', amountCents: -100 }),
      'VALIDATION_FAILED',
    ],
    [
      'astronomic cents',
      'payment.record',
      () => ({ paymentId: randomUUID(), checkId: randomUUID(), method: 'CASH', amountCents: 1e300 }),
      'VALIDATION_FAILED',
    ],
    [
      'an unknown payment method',
      'payment.record',
      () => ({ paymentId: randomUUID(), checkId: randomUUID(), method: 'BITCOIN', amountCents: 100 }),
      'VALIDATION_FAILED',
    ],
    [
      'an unknown call kind',
      'serviceCall.create',
      () => ({ serviceCallId: randomUUID(), sessionId, kind: 'CHEF' }),
      'VALIDATION_FAILED',
    ],
    ['an empty cancel reason', 'round.cancel', () => ({ roundId, reason: '   ' }), 'VALIDATION_FAILED'],
    [
      'a NUL character in notes',
      'round.submit',
      () => ({ roundId: randomUUID(), sessionId, items: [item({ notes: 'sin\u0000sal' })] }),
      'VALIDATION_FAILED',
    ],
    [
      'a broken surrogate in a reason',
      'round.cancel',
      () => ({ roundId, reason: 'x\ud800' }),
      'VALIDATION_FAILED',
    ],
    ['args nested 100,000 levels deep', 'round.confirm', () => DEEP, 'VALIDATION_FAILED'],
    ['a NUL character in a key', 'round.confirm', () => ({ roundId, ['x\u0000']: 1 }), 'VALIDATION_FAILED'],
  ];

  it.each(mutationCases)('rejects %s inside a 200 and writes nothing', async (_label, name, args, code) => {
    const before = await snapshot(s);
    const id = randomUUID();
    const a = args();
    // A deeply nested body is written by hand: JSON.stringify itself would overflow the stack.
    const raw = a === DEEP ? nested(100_000) : JSON.stringify(a);
    const res = await post(
      `{"mutations": [{"id": "${id}", "name": ${JSON.stringify(name)}, "args": ${raw}}]}`,
    );
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { id: string; status: string; code: string }[] };
    expect(results).toEqual([expect.objectContaining({ id, status: 'rejected', code })]);
    expect(await snapshot(s)).toEqual(before);
  });

  it('keeps a batch going after a bad mutation: each gets its own answer, in order', async () => {
    const good = roundArgs(sessionId, demo.centro.id);
    const results = await s.mutate(
      t.waiterCentro,
      { name: 'round.submit', args: { ...good, items: [] } },
      { name: 'nope', args: {} },
      { name: 'round.submit', args: good },
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'applied']);
  });

  it('stores SQL-looking and unusual text exactly as typed', async () => {
    const texts = {
      notes: "'); DROP TABLE round_item; --",
      reason: "1' OR '1'='1'; DELETE FROM payment WHERE '' = '",
      title: 'Robert"); DROP TABLE knowledge_document;-- $1 $$ \\x00',
      body: "E'\\\\' || pg_sleep(10) -- ñandú 🍷 \\u0000 /* */ ${process.env}",
      description: "<script>alert('xss')</script> %s %n {{7*7}}",
    };
    const r = roundArgs(sessionId, demo.centro.id);
    r.items[0] = { ...r.items[0]!, notes: texts.notes } as (typeof r.items)[number];
    await applied(s, t.waiterCentro, 'round.submit', r);
    const cancel = roundArgs(sessionId, demo.centro.id);
    await applied(s, t.waiterCentro, 'round.submit', cancel);
    await applied(s, t.waiterCentro, 'round.cancel', { roundId: cancel.roundId, reason: texts.reason });
    const documentId = randomUUID();
    await applied(s, t.admin, 'knowledge.upsert', {
      documentId,
      branchId: demo.centro.id,
      title: texts.title,
      body: texts.body,
    });
    await applied(s, t.admin, 'product.update', { productId: product.id, description: texts.description });

    const [stored] = await s.db.query<Record<string, string>>(
      `SELECT (SELECT notes FROM round_item WHERE round_id = $1) AS notes,
         (SELECT cancel_reason FROM round WHERE id = $2) AS reason,
         (SELECT title FROM knowledge_document WHERE id = $3) AS title,
         (SELECT body FROM knowledge_document WHERE id = $3) AS body,
         (SELECT description FROM product WHERE id = $4) AS description`,
      [r.roundId, cancel.roundId, documentId, product.id],
    );
    expect(stored).toEqual(texts);
    // And every table is still there with its rows.
    const [counts] = await s.db.query<{ items: number; payments: number; docs: number }>(
      `SELECT (SELECT count(*) FROM round_item)::int AS items, (SELECT count(*) FROM payment)::int AS payments,
         (SELECT count(*) FROM knowledge_document)::int AS docs`,
    );
    expect(counts!.items).toBeGreaterThan(0);
    expect(counts!.docs).toBeGreaterThan(5);
  });

  it('never answers a 500 to a mixed bag of junk', async () => {
    const junk = [
      '',
      ' ',
      '{"mutations": null}',
      '{"mutations": [null]}',
      '{"mutations": [1, 2]}',
      '{"mutations": "all"}',
      `{"mutations": [{"id": "${randomUUID()}", "name": 42, "args": {}}]}`,
      `{"mutations": [{"id": "${randomUUID()}", "name": "${'x'.repeat(65)}", "args": {}}]}`,
      `{"mutations": [{"id": "${randomUUID()}", "name": "round.submit", "args": ${nested(5000)}}]}`,
      '\u0000\u0000',
      '{"__proto__": {"admin": true}, "mutations": []}',
    ];
    for (const body of junk) {
      const res = await post(body);
      expect(res.status, body.slice(0, 60)).toBeGreaterThanOrEqual(200);
      expect(res.status, body.slice(0, 60)).toBeLessThan(500);
      await res.arrayBuffer();
    }
  });

  it('answers a rejected mutation the same way when it is sent again', async () => {
    const id = randomUUID();
    const body = JSON.stringify({
      mutations: [{ id, name: 'round.confirm', args: { roundId, ['k\u0000']: 1 } }],
    });
    const first = await (await post(body)).json();
    const again = await (await post(body)).json();
    expect(again).toEqual(first);
  });
});

/**
 * Text PostgreSQL can't store (U+0000, a lone surrogate) and text far over a field's size, in every
 * string field of every JSON route: each is a clear 4xx (or a rejected mutation), never a 500, and no
 * row anywhere changes. Before these were checked at the edge, a NUL in a login email or a diner's
 * name reached the query and PostgreSQL refused it (22021): a 500.
 */
describe('unstorable and oversized text on every JSON route', () => {
  let s: TestServer;
  let waiter: string;
  let refreshToken: string;
  let diner: string;
  let qr: string;
  const table = demo.tables(demo.centro.id)[3]!;
  const TABLES = [...WRITE_TABLES, 'app_user', 'refresh_token', 'audit_log', 'chat_log', 'user_branch_role'];
  beforeAll(async () => {
    s = await startTestServer({
      config: {
        loginRateLimit: { windowMs: 60_000, limit: 10_000 },
        chatRateLimit: { windowMs: 60_000, perActor: 10_000, perIp: 10_000 },
      },
    });
    const login = await s.login(demo.users.waiterCentro);
    waiter = login.accessToken;
    refreshToken = login.refreshToken;
    qr = await tableToken(s, table.id);
    diner = (await joinAsDiner(s, table.id)).dinerToken;
  });
  afterAll(() => s?.close());

  // Sent as JSON escapes (\u0000, \ud800): what a client's JSON.stringify makes of such strings.
  const BAD: [string, (valid: string) => string][] = [
    ['a NUL character', (v) => `${v.slice(0, 3)}\u0000${v.slice(3)}`],
    ['only a NUL character', () => '\u0000'],
    ['a lone high surrogate', (v) => `${v}\ud800`],
    ['a lone low surrogate', (v) => `\udc00${v}`],
    ['200,001 characters (past every field, within the body limit)', (v) => v + 'x'.repeat(200_001)],
  ];
  /** Every string field of every JSON route, with a valid value to spoil. */
  const FIELDS: { route: string; field: string; body: (bad: string) => unknown; token?: () => string }[] = [
    { route: '/api/auth/login', field: 'email', body: (v) => ({ email: v, password: 'demo1234' }) },
    {
      route: '/api/auth/login',
      field: 'password',
      body: (v) => ({ email: demo.users.waiterCentro, password: v }),
    },
    { route: '/api/auth/refresh', field: 'refreshToken', body: (v) => ({ refreshToken: v }) },
    { route: '/api/auth/logout', field: 'refreshToken', body: (v) => ({ refreshToken: v }) },
    { route: '/api/diner/join', field: 'tableToken', body: (v) => ({ tableToken: v }) },
    { route: '/api/diner/join', field: 'name', body: (v) => ({ tableToken: qr, name: v }) },
    { route: '/api/chat', field: 'question', body: (v) => ({ question: v }), token: () => diner },
    {
      route: '/api/chat',
      field: 'locale',
      body: (v) => ({ question: '¿Tiene gluten?', locale: v }),
      token: () => diner,
    },
    {
      route: '/api/chat',
      field: 'branchId',
      body: (v) => ({ question: 'Hola', branchId: v }),
      token: () => waiter,
    },
  ];
  const valid: Record<string, () => string> = {
    email: () => demo.users.waiterCentro,
    password: () => 'demo1234',
    refreshToken: () => refreshToken,
    tableToken: () => qr,
    name: () => 'Ana',
    question: () => '¿Qué lleva la empanada?',
    locale: () => 'es',
    branchId: () => demo.centro.id,
  };
  const cases = FIELDS.flatMap((f) => BAD.map(([what, spoil]) => ({ ...f, what, spoil })));

  it.each(cases)('$route $field with $what: 400 VALIDATION_FAILED, nothing written', async (c) => {
    const before = await snapshot(s, TABLES);
    const res = await s.fetch(c.route, { json: c.body(c.spoil(valid[c.field]!())), token: c.token?.() });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: expect.any(String) },
    });
    expect(await snapshot(s, TABLES)).toEqual(before);
  });

  it('still signs in, refreshes and seats with the valid values those cases spoiled', async () => {
    expect(
      (await s.fetch('/api/auth/login', { json: { email: valid.email!(), password: 'demo1234' } })).status,
    ).toBe(200);
    expect((await s.fetch('/api/auth/refresh', { json: { refreshToken } })).status).toBe(200);
    expect((await s.fetch('/api/diner/join', { json: { tableToken: qr, name: 'Ana' } })).status).toBe(200);
  });

  // Mutation args: the write path checks them itself; the batch answers 200 with a rejection per mutation.
  const MUTATIONS: [string, (bad: string) => Record<string, unknown>][] = [
    ['round.cancel reason', (v) => ({ roundId: randomUUID(), reason: v })],
    [
      'round.submit item notes',
      (v) => ({
        roundId: randomUUID(),
        sessionId: randomUUID(),
        items: [{ id: randomUUID(), productId: demo.products(demo.centro.id)[0]!.id, qty: 1, notes: v }],
      }),
    ],
    [
      'knowledge.upsert title',
      (v) => ({ documentId: randomUUID(), branchId: demo.centro.id, title: v, body: '#' }),
    ],
    [
      'knowledge.upsert body',
      (v) => ({ documentId: randomUUID(), branchId: demo.centro.id, title: 'T', body: v }),
    ],
    [
      'product.update ingredient',
      (v) => ({ productId: demo.products(demo.centro.id)[0]!.id, ingredients: [v] }),
    ],
  ];
  const mutationCases = MUTATIONS.flatMap(([label, args]) =>
    BAD.map(([what, spoil]) => ({ label, what, args: () => args(spoil('texto')) })),
  );

  it.each(mutationCases)('$label with $what: rejected VALIDATION_FAILED, nothing written', async (c) => {
    const admin = (await s.login(demo.users.admin)).accessToken;
    const before = await snapshot(s);
    const name = c.label.split(' ')[0]!;
    const [r] = await s.mutate(name.startsWith('round') ? waiter : admin, { name, args: c.args() });
    expect(r).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    expect(await snapshot(s)).toEqual(before);
  });
});
