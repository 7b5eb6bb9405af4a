/**
 * The demo restaurant is loaded exactly as given (CONTRACT.md "Demo data"): every row of every table
 * the seed fills, compared with the repo's own copy of seed.json and knowledge/*.md, read here
 * straight from shared/schema/demo (never ../shared).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoSeed, LoginAnswer } from '@comanda/schema';
import { DEMO_DIR } from '@comanda/schema/demo-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knowledgeDocumentId } from '../../server/src/seed.ts';
import { snapshot } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const REPO_DEMO = fileURLToPath(new URL('../../shared/schema/demo/', import.meta.url));
const seed = JSON.parse(readFileSync(`${REPO_DEMO}seed.json`, 'utf8')) as DemoSeed;
const tenantOf = (branchId: string) => seed.branches.find((b) => b.id === branchId)!.tenantId;
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
const SEED_TABLES = [
  'tenant',
  'branch',
  'app_user',
  'user_branch_role',
  'sector',
  'dining_table',
  'category',
  'product',
  'branch_product',
  'knowledge_document',
];

describe('demo data, loaded exactly as given', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());
  const rows = <T>(sql: string) => s.db.query<T>(sql);

  it('is read from the repo copy', () => {
    expect(DEMO_DIR).toBe(REPO_DEMO);
    expect(seed.products.length).toBeGreaterThan(0);
  });

  it('holds every tenant and branch', async () => {
    expect(await rows('SELECT id, slug, name FROM tenant ORDER BY id')).toEqual(byId(seed.tenants));
    expect(
      await rows(
        'SELECT id, tenant_id AS "tenantId", slug, name, timezone, currency FROM branch ORDER BY id',
      ),
    ).toEqual(byId(seed.branches));
  });

  it('holds every user, active, with exactly their roles per branch', async () => {
    expect(
      await rows('SELECT id, tenant_id AS "tenantId", email, name, active FROM app_user ORDER BY id'),
    ).toEqual(
      byId(seed.users).map((u) => ({
        id: u.id,
        tenantId: u.tenantId,
        email: u.email,
        name: u.name,
        active: true,
      })),
    );
    const roles = seed.users
      .flatMap((u) =>
        u.roles.map((r) => ({ userId: u.id, tenantId: u.tenantId, branchId: r.branchId, role: r.role })),
      )
      .sort((a, b) => `${a.userId}${a.branchId}${a.role}`.localeCompare(`${b.userId}${b.branchId}${b.role}`));
    expect(
      await rows(
        `SELECT user_id AS "userId", tenant_id AS "tenantId", branch_id AS "branchId", role
           FROM user_branch_role ORDER BY user_id::text || branch_id::text || role`,
      ),
    ).toEqual(roles);
  });

  it('holds every sector and table, in seed order, every table free with its first QR', async () => {
    expect(
      await rows(
        'SELECT id, tenant_id AS "tenantId", branch_id AS "branchId", name FROM sector ORDER BY sort, id',
      ),
    ).toEqual(seed.sectors.map((x) => ({ ...x, tenantId: tenantOf(x.branchId) })));
    expect(
      await rows(
        `SELECT id, tenant_id AS "tenantId", branch_id AS "branchId", sector_id AS "sectorId", code, seats, status,
           qr_version AS "qrVersion" FROM dining_table ORDER BY id`,
      ),
    ).toEqual(
      byId(seed.tables).map((x) => ({ ...x, tenantId: tenantOf(x.branchId), status: 'FREE', qrVersion: 1 })),
    );
  });

  it('holds every category and product with all their fields, arrays in their order', async () => {
    expect(await rows('SELECT id, tenant_id AS "tenantId", name, sort FROM category ORDER BY id')).toEqual(
      byId(seed.categories),
    );
    expect(
      await rows(
        `SELECT id, tenant_id AS "tenantId", category_id AS "categoryId", name, description, ingredients, allergens,
           may_contain AS "mayContain", dietary, spice_level AS "spiceLevel", tags FROM product ORDER BY id`,
      ),
    ).toEqual(byId(seed.products));
  });

  it('holds every price and availability per branch', async () => {
    expect(
      await rows(
        `SELECT id, tenant_id AS "tenantId", branch_id AS "branchId", product_id AS "productId",
           price_cents AS "priceCents", is_available AS "isAvailable" FROM branch_product ORDER BY id`,
      ),
    ).toEqual(byId(seed.branchProducts).map((x) => ({ ...x, tenantId: tenantOf(x.branchId) })));
  });

  it('holds every knowledge document with its file body byte for byte', async () => {
    const expected = seed.knowledge
      .map((k) => ({
        id: knowledgeDocumentId(k.tenantId, k.file),
        tenantId: k.tenantId,
        branchId: k.branchId,
        title: k.title,
        source: k.file,
        body: readFileSync(`${REPO_DEMO}${k.file}`, 'utf8'),
      }))
      .sort((a, b) => a.source.localeCompare(b.source));
    const stored = await rows<{ body: string }>(
      `SELECT id, tenant_id AS "tenantId", branch_id AS "branchId", title, source, body
         FROM knowledge_document ORDER BY source`,
    );
    expect(stored).toEqual(expected);
    expect(stored.every((d) => d.body.length > 100)).toBe(true);
  });

  it('signs every demo user in with demo1234, with the roles of the seed', async () => {
    for (const u of seed.users) {
      const res = await s.fetch('/api/auth/login', { json: { email: u.email, password: 'demo1234' } });
      expect(res.status, u.email).toBe(200);
      const { user } = (await res.json()) as LoginAnswer;
      expect({ id: user.id, tenantId: user.tenantId, email: user.email }).toEqual({
        id: u.id,
        tenantId: u.tenantId,
        email: u.email,
      });
      const sortRoles = (r: { branchId: string; role: string }[]) =>
        [...r].sort((a, b) => `${a.branchId}${a.role}`.localeCompare(`${b.branchId}${b.role}`));
      expect(sortRoles(user.roles), u.email).toEqual(sortRoles(u.roles));
    }
  });

  it('is not loaded again on a restart, and what staff changed since stays changed', async () => {
    const admin = (await s.login('admin@demo.test')).accessToken;
    const bp = seed.branchProducts[0]!;
    const [r] = await s.mutate(admin, {
      name: 'branchProduct.update',
      args: { branchId: bp.branchId, productId: bp.productId, priceCents: bp.priceCents + 100 },
    });
    expect(r).toMatchObject({ status: 'applied' });
    const before = await snapshot(s, SEED_TABLES);
    await s.restart();
    expect(await snapshot(s, SEED_TABLES)).toEqual(before);
    const [price] = await rows<{ price_cents: number }>(
      `SELECT price_cents FROM branch_product WHERE id = '${bp.id}'`,
    );
    expect(price!.price_cents).toBe(bp.priceCents + 100);
  });
});
