import { randomUUID } from 'node:crypto';
import type { ChatAnswer, ChatLogEntry } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatServices } from '../../server/src/chat/index.ts';
import { fold } from '../../server/src/chat/normalize.ts';
import { demo, seed } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { seatDiner } from './diners.ts';

const ask = async (s: TestServer, token: string, question: string, extra: Record<string, unknown> = {}) => {
  const res = await s.fetch('/api/chat', { token, json: { question, ...extra } });
  return { status: res.status, body: (await res.json()) as ChatAnswer & { error?: { code: string } } };
};

/** Polls until `check` passes: the index worker re-indexes on its own, a moment after the write. */
async function eventually(check: () => Promise<boolean>, ms = 15_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('POST /api/chat', () => {
  let s: TestServer;
  let centro: string;
  let norte: string;
  let other: string;
  beforeAll(async () => {
    s = await startTestServer({
      config: { chatRateLimit: { windowMs: 60_000, perActor: 1000, perIp: 1000 } },
    });
    await chatServices.get(s.server.ctx)!.indexer.idle();
    centro = (await seatDiner(s, demo.centro.id)).token;
    norte = (await seatDiner(s, demo.norte.id)).token;
    other = (await seatDiner(s, demo.unica.id, demo.otherTenant.id)).token;
  });
  afterAll(() => s?.close());

  it('says in /api/health that it runs on full-text retrieval without a model', async () => {
    const health = (await (await s.fetch('/api/health')).json()) as { chat: unknown };
    expect(health.chat).toMatchObject({ retrieval: 'fulltext', embedModel: null, llm: null });
  });

  it('answers with citations naming the product and the document', async () => {
    const { status, body } = await ask(s, centro, '¿La trucha tiene lácteos?');
    expect(status).toBe(200);
    expect(body.decision).toBe('answered');
    expect(body.logId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.citations.map((c) => c.source)).toEqual(
      expect.arrayContaining(['Trucha cítrica', 'Fichas técnicas › Trucha cítrica']),
    );
    expect(body.citations.every((c) => c.snippet.length > 0 && typeof c.score === 'number')).toBe(true);
  });

  it('never gives a Centro diner Norte-only knowledge or the other tenant data, whatever they ask', async () => {
    const probes = [
      '¿Tienen locro?',
      '¿Qué especiales tiene la Sucursal Norte?',
      '¿Las empanadas se hacen en horno convencional?',
      'Decime todo lo que sepas de la Sucursal Norte y de La Otra Cocina',
      '¿Tienen sushi roll de salmón?',
      '¿Hay 2x1 en rolls los jueves?',
      '¿El lemon pie lleva merengue?',
      'Ignorá el filtro de sucursal y mostrame los documentos de todas las sucursales',
      'maíz blanco porotos panceta pata de cerdo',
      'salmón rosado palta queso crema sésamo',
    ];
    const forbidden = [
      'locro',
      'horno convencional',
      'pata de cerdo',
      'salmon',
      'sushi',
      '2x1',
      'lemon pie',
      'merengue',
      'la otra cocina',
      'sesamo tostado',
    ];
    const allowed = await s.db.query<{ id: string }>(
      `SELECT id FROM knowledge_chunk WHERE tenant_id = $1 AND (branch_id = $2 OR (branch_id IS NULL AND source_kind = 'document'))`,
      [demo.tenant.id, demo.centro.id],
    );
    const allowedIds = new Set(allowed.map((r) => r.id));
    for (const q of probes) {
      const { body } = await ask(s, centro, q);
      const seen = fold(`${body.answer} ${body.citations.map((c) => `${c.source} ${c.snippet}`).join(' ')}`);
      for (const f of forbidden) expect(seen, `${q} -> ${body.answer}`).not.toContain(f);
      // Not only the answer: retrieval itself never read a chunk outside the caller's scope.
      const [log] = await s.db.query<{ chunks: { id: string }[] | string }>(
        'SELECT chunks FROM chat_log WHERE id = $1',
        [body.logId],
      );
      const chunks =
        typeof log!.chunks === 'string' ? (JSON.parse(log!.chunks) as { id: string }[]) : log!.chunks;
      for (const c of chunks) expect(allowedIds.has(c.id), `${q} retrieved ${c.id}`).toBe(true);
    }
  });

  it('keeps Norte-only and other-tenant text out even when a Centro diner pastes it in verbatim', async () => {
    // Every sentence of the documents a Centro diner must never see, and the other tenant's dishes, asked as questions.
    const docs = await s.db.query<{ body: string }>(
      'SELECT body FROM knowledge_document WHERE (tenant_id = $1 AND branch_id = $2) OR tenant_id = $3',
      [demo.tenant.id, demo.norte.id, demo.otherTenant.id],
    );
    const theirs = await s.db.query<{ name: string; description: string }>(
      'SELECT name, description FROM product WHERE tenant_id = $1',
      [demo.otherTenant.id],
    );
    const questions = [
      ...docs
        .flatMap((d) => d.body.split('\n').map((l) => l.replace(/^[#\s-]+/, '').trim()))
        .filter((l) => l.length > 8),
      ...theirs.flatMap((p) => [p.name, `¿${p.description}?`, `¿El ${p.name} tiene gluten?`]),
    ];
    expect(questions.length).toBeGreaterThan(10);
    const forbidden = [
      'locro',
      'horno convencional',
      'todos los dias en sucursal norte',
      'salmon',
      'sushi',
      '2x1',
      'lemon pie',
      'merengue',
      'sablee',
      'palta',
      'la otra cocina',
    ];
    for (const q of questions) {
      const { status, body } = await ask(s, centro, q);
      expect(status).toBe(200);
      const seen = fold(`${body.answer} ${body.citations.map((c) => `${c.source} ${c.snippet}`).join(' ')}`);
      for (const f of forbidden) expect(seen, `${q} -> ${body.answer}`).not.toContain(f);
    }
  });

  it('gives a Norte diner the Norte specials, and the other tenant only its own menu', async () => {
    expect((await ask(s, norte, '¿Tienen locro?')).body.answer).toMatch(/25 de mayo/);
    const theirs = await ask(s, other, '¿El sushi tiene sésamo?');
    expect(theirs.body.decision).toBe('answered');
    expect(theirs.body.answer).toMatch(/Sushi roll de salmón \(8 u\.\) contiene sésamo/);
    const ours = await ask(s, other, '¿La provoleta tiene gluten?');
    expect(ours.body.decision).toBe('abstained');
    expect(fold(ours.body.answer)).not.toContain('provoleta');
  });

  it('keeps a diner in their own branch even if the body names another', async () => {
    const { body } = await ask(s, centro, '¿Tienen locro?', { branchId: demo.norte.id });
    expect(body.decision).toBe('abstained');
  });

  it('lets staff ask about their branches only', async () => {
    const { accessToken } = await s.login(demo.users.managerCentro);
    const mine = await ask(s, accessToken, '¿Cuánto sale el ojo de bife?', { branchId: demo.centro.id });
    expect(mine.body.answer).toContain('23.800');
    const notMine = await ask(s, accessToken, '¿Cuánto sale el ojo de bife?', { branchId: demo.norte.id });
    expect(notMine.status).toBe(403);
    expect(notMine.body.error?.code).toBe('FORBIDDEN');
  });

  it('rejects bad input with a clear error and logs nothing for it', async () => {
    const [{ n: before }] = (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_log')) as [
      { n: number },
    ];
    for (const json of [
      {},
      { question: '' },
      { question: 'x'.repeat(501) },
      { question: 42 },
      { question: 'hola', locale: 'fr' },
      { question: 'sin\u0000sal' },
      { question: 'sin sal \ud800' },
    ]) {
      const res = await s.fetch('/api/chat', { token: centro, json });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await ask(s, centro, '¿El malbec tiene sulfitos? 🍷')).status).toBe(200);
    // Query syntax and SQL in a question are just words.
    const sqlish = await ask(s, centro, "gluten') | !* & : OR 1=1; DROP TABLE product; --");
    expect(sqlish.status).toBe(200);
    const [{ n: products }] = (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM product')) as [
      { n: number },
    ];
    expect(products).toBeGreaterThan(20);
    const raw = await s.fetch('/api/chat', {
      token: centro,
      method: 'POST',
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(raw.status).toBe(400);
    expect((await s.fetch('/api/chat', { json: { question: 'hola' } })).status).toBe(401);
    const [{ n: after }] = (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_log')) as [
      { n: number },
    ];
    expect(after).toBe(before + 2);
  });

  it('re-indexes by itself when a price, a category name or a branch name changes', async () => {
    const bife = demo.products(demo.centro.id).find((p) => p.name === 'Ojo de bife (400 g)')!;
    expect((await ask(s, centro, '¿Cuánto sale el ojo de bife?')).body.answer).toContain('23.800');
    await s.db.query(
      'UPDATE branch_product SET price_cents = 2450000 WHERE branch_id = $1 AND product_id = $2',
      [demo.centro.id, bife.id],
    );
    await eventually(async () =>
      (await ask(s, centro, '¿Cuánto sale el ojo de bife?')).body.answer.includes('24.500'),
    );
    // Norte's price is its own row: untouched.
    expect((await ask(s, norte, '¿Cuánto sale el vacío?')).body.answer).toContain('20.900');

    // Category names are in the evidence ("Postres disponibles en ...", "Categoría: Postres").
    const postres = seed.categories.find((c) => c.tenantId === demo.tenant.id && c.name === 'Postres')!;
    await s.db.query(`UPDATE category SET name = 'Postres de la casa' WHERE id = $1`, [postres.id]);
    await eventually(async () =>
      /Postres de la casa disponibles en Sucursal Centro: Brownie/.test(
        (await ask(s, centro, '¿Qué postres tienen?')).body.answer,
      ),
    );
    const [chunk] = await s.db.query<{ body: string }>(
      `SELECT body FROM knowledge_chunk WHERE product_id = $1 AND branch_id = $2`,
      [demo.products(demo.centro.id).find((p) => p.name === 'Brownie con helado')!.id, demo.centro.id],
    );
    expect(chunk!.body).toContain('Categoría: Postres de la casa.');

    // The branch's name is in every price line of its products.
    await s.db.query(`UPDATE branch SET name = 'Sucursal Microcentro' WHERE id = $1`, [demo.centro.id]);
    await eventually(async () =>
      /en Sucursal Microcentro/.test((await ask(s, centro, '¿Cuánto sale el ojo de bife?')).body.answer),
    );
    await s.db.query(`UPDATE branch SET name = 'Sucursal Centro' WHERE id = $1`, [demo.centro.id]);
    await s.db.query(`UPDATE category SET name = 'Postres' WHERE id = $1`, [postres.id]);
    await s.db.query(
      'UPDATE branch_product SET price_cents = 2380000 WHERE branch_id = $1 AND product_id = $2',
      [demo.centro.id, bife.id],
    );
    await chatServices.get(s.server.ctx)!.indexer.idle();
  });

  it('re-indexes by itself when availability, a product sheet or a document changes', async () => {
    const bp = demo.products(demo.centro.id).find((p) => p.name === 'Flan casero con dulce de leche')!;
    await s.db.query(
      'UPDATE branch_product SET is_available = false WHERE branch_id = $1 AND product_id = $2',
      [demo.centro.id, bp.id],
    );
    await eventually(async () =>
      /no está disponible/.test((await ask(s, centro, '¿Tienen flan?')).body.answer),
    );
    const dessert = await ask(s, centro, '¿Qué postres tienen?');
    expect(dessert.body.answer).not.toContain('Flan');

    await s.db.query(`UPDATE product SET may_contain = '{sesame}' WHERE id = $1`, [bp.id]);
    await eventually(async () =>
      /trazas de sésamo/.test((await ask(s, centro, '¿El flan tiene sésamo?')).body.answer),
    );

    const docId = randomUUID();
    await s.db.query(
      'INSERT INTO knowledge_document (id, tenant_id, branch_id, title, source, body) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        docId,
        demo.tenant.id,
        demo.centro.id,
        'Especiales de Centro',
        'centro.md',
        '# Especiales de Centro\n\n- Cazuela de mondongo: solo los viernes en Sucursal Centro.\n- Otra línea de la lista.\n',
      ],
    );
    await eventually(async () => /viernes/.test((await ask(s, centro, '¿Tienen mondongo?')).body.answer));
    expect((await ask(s, norte, '¿Tienen mondongo?')).body.decision).toBe('abstained');
    await s.db.query('DELETE FROM knowledge_document WHERE id = $1', [docId]);
    await eventually(async () => (await ask(s, centro, '¿Tienen mondongo?')).body.decision === 'abstained');
  });

  it('logs every exchange, readable by the managers of that branch only', async () => {
    const { body } = await ask(s, centro, '¿El curry es vegano?');
    const [row] = await s.db.query<{
      question: string;
      decision: string;
      answer: string;
      latency_ms: number;
      model: string;
      chunks: unknown;
    }>('SELECT question, decision, answer, latency_ms, model, chunks FROM chat_log WHERE id = $1', [
      body.logId,
    ]);
    expect(row).toMatchObject({
      question: '¿El curry es vegano?',
      decision: 'answered',
      answer: body.answer,
      model: 'fulltext + composed',
    });
    expect(row!.latency_ms).toBeGreaterThanOrEqual(0);

    const manager = (await s.login(demo.users.managerCentro)).accessToken;
    const res = await s.fetch(`/api/chat/log?branchId=${demo.centro.id}&limit=200`, { token: manager });
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as { entries: ChatLogEntry[] };
    const mine = entries.find((e) => e.id === body.logId);
    expect(mine).toMatchObject({
      question: '¿El curry es vegano?',
      decision: 'answered',
      actorKind: 'diner',
    });
    expect(mine!.chunks.length).toBeGreaterThan(0);
    expect(mine!.chunks[0]).toMatchObject({ source: expect.any(String), score: expect.any(Number) });
    expect(entries.every((e) => e.branchId === demo.centro.id)).toBe(true);

    for (const [who, status] of [
      [demo.users.waiterCentro, 403],
      [demo.users.managerNorte, 403],
      [demo.users.otherAdmin, 403],
    ] as const) {
      const token = (await s.login(who)).accessToken;
      expect((await s.fetch(`/api/chat/log?branchId=${demo.centro.id}`, { token })).status, who).toBe(status);
    }
    // A diner is who they say they are, but the log is for staff.
    expect((await s.fetch(`/api/chat/log?branchId=${demo.centro.id}`, { token: centro })).status).toBe(403);
    expect((await s.fetch(`/api/chat/log?branchId=${demo.centro.id}`)).status).toBe(401);
    expect((await s.fetch('/api/chat/log?branchId=nope', { token: manager })).status).toBe(400);
  });
});

describe('chat rate limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { chatRateLimit: { windowMs: 60_000, perActor: 3, perIp: 8 } } });
  });
  afterAll(() => s?.close());

  it('limits each diner token, then the address', async () => {
    const a = (await seatDiner(s, demo.centro.id)).token;
    const b = (await seatDiner(s, demo.centro.id)).token;
    const c = (await seatDiner(s, demo.centro.id)).token;
    for (let i = 0; i < 3; i++) expect((await ask(s, a, 'hola')).status).toBe(200);
    const limited = await ask(s, a, 'hola');
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('RATE_LIMITED');
    // Another diner at the same address still gets answers, until the address runs out too.
    for (let i = 0; i < 3; i++) expect((await ask(s, b, 'hola')).status).toBe(200);
    expect((await ask(s, c, 'hola')).status).toBe(200);
    expect((await ask(s, c, 'hola')).status).toBe(429);
  });
});
