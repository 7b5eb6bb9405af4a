/** Loads the demo restaurant (shared/schema/demo) on first start, rows exactly as given, ids included. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoSeed } from '@comanda/schema';
import { DEMO_DIR } from '@comanda/schema/demo-dir';
import { v5 as uuidv5 } from 'uuid';
import { hashPassword } from './auth/passwords.ts';
import type { Db, Queryable } from './db/index.ts';

/** Namespace for ids the seed file does not give (knowledge documents are named by file). */
const KNOWLEDGE_NS = '5b0c2a5e-8f1e-4c55-9d7e-3f0b7f1e2a10';
export const knowledgeDocumentId = (tenantId: string, file: string) => uuidv5(`${tenantId}/${file}`, KNOWLEDGE_NS);

export async function readDemoSeed(): Promise<DemoSeed> {
  return JSON.parse(await readFile(join(DEMO_DIR, 'seed.json'), 'utf8')) as DemoSeed;
}

/** Inserts the demo data unless the database already has tenants. Returns whether it loaded anything. */
export async function loadDemo(db: Db): Promise<boolean> {
  const [{ n } = { n: 0 }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tenant');
  if (n > 0) return false;
  const seed = await readDemoSeed();
  // Hash outside the transaction: argon2 is slow on purpose, and the same password hashes differently each time.
  const hashes = await Promise.all(seed.users.map((u) => hashPassword(u.password)));
  const docs = await Promise.all(
    seed.knowledge.map(async (k) => ({ ...k, body: await readFile(join(DEMO_DIR, k.file), 'utf8') })),
  );
  const tenantOfBranch = new Map(seed.branches.map((b) => [b.id, b.tenantId]));
  const branchTenant = (branchId: string) => {
    const t = tenantOfBranch.get(branchId);
    if (!t) throw new Error(`demo seed: unknown branch ${branchId}`);
    return t;
  };
  await db.transaction(async (tx: Queryable) => {
    for (const t of seed.tenants)
      await tx.query('INSERT INTO tenant (id, slug, name) VALUES ($1, $2, $3)', [t.id, t.slug, t.name]);
    for (const b of seed.branches)
      await tx.query(
        'INSERT INTO branch (id, tenant_id, slug, name, timezone, currency) VALUES ($1, $2, $3, $4, $5, $6)',
        [b.id, b.tenantId, b.slug, b.name, b.timezone, b.currency],
      );
    for (const [i, u] of seed.users.entries()) {
      await tx.query('INSERT INTO app_user (id, tenant_id, email, name, password_hash) VALUES ($1, $2, $3, $4, $5)', [
        u.id,
        u.tenantId,
        u.email,
        u.name,
        hashes[i],
      ]);
      for (const r of u.roles)
        await tx.query('INSERT INTO user_branch_role (user_id, tenant_id, branch_id, role) VALUES ($1, $2, $3, $4)', [
          u.id,
          u.tenantId,
          r.branchId,
          r.role,
        ]);
    }
    for (const [i, s] of seed.sectors.entries())
      await tx.query('INSERT INTO sector (id, tenant_id, branch_id, name, sort) VALUES ($1, $2, $3, $4, $5)', [
        s.id,
        branchTenant(s.branchId),
        s.branchId,
        s.name,
        i,
      ]);
    for (const t of seed.tables)
      await tx.query(
        'INSERT INTO dining_table (id, tenant_id, branch_id, sector_id, code, seats) VALUES ($1, $2, $3, $4, $5, $6)',
        [t.id, branchTenant(t.branchId), t.branchId, t.sectorId, t.code, t.seats],
      );
    for (const c of seed.categories)
      await tx.query('INSERT INTO category (id, tenant_id, name, sort) VALUES ($1, $2, $3, $4)', [
        c.id,
        c.tenantId,
        c.name,
        c.sort,
      ]);
    for (const p of seed.products)
      await tx.query(
        `INSERT INTO product (id, tenant_id, category_id, name, description, ingredients, allergens, may_contain,
           dietary, spice_level, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          p.id,
          p.tenantId,
          p.categoryId,
          p.name,
          p.description,
          p.ingredients,
          p.allergens,
          p.mayContain,
          p.dietary,
          p.spiceLevel,
          p.tags,
        ],
      );
    for (const bp of seed.branchProducts)
      await tx.query(
        `INSERT INTO branch_product (id, tenant_id, branch_id, product_id, price_cents, is_available)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [bp.id, branchTenant(bp.branchId), bp.branchId, bp.productId, bp.priceCents, bp.isAvailable],
      );
    for (const d of docs)
      await tx.query(
        'INSERT INTO knowledge_document (id, tenant_id, branch_id, title, source, body) VALUES ($1, $2, $3, $4, $5, $6)',
        [knowledgeDocumentId(d.tenantId, d.file), d.tenantId, d.branchId, d.title, d.file, d.body],
      );
  });
  return true;
}
