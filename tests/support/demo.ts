/** Ids of the demo restaurant (shared/schema/demo/seed.json), by name, for readable tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoSeed } from '@comanda/schema';
import { DEMO_DIR } from '@comanda/schema/demo-dir';

export const seed = JSON.parse(readFileSync(join(DEMO_DIR, 'seed.json'), 'utf8')) as DemoSeed;

const byName = <T extends { id: string }>(rows: T[], pick: (r: T) => boolean, what: string) => {
  const r = rows.find(pick);
  if (!r) throw new Error(`demo: no ${what}`);
  return r;
};

export const demo = {
  tenant: byName(seed.tenants, (t) => t.slug === 'demo', 'tenant demo'),
  otherTenant: byName(seed.tenants, (t) => t.slug === 'otro', 'tenant otro'),
  centro: byName(seed.branches, (b) => b.slug === 'centro', 'branch centro'),
  norte: byName(seed.branches, (b) => b.slug === 'norte', 'branch norte'),
  unica: byName(seed.branches, (b) => b.slug === 'unica', 'branch unica'),
  users: {
    admin: 'admin@demo.test',
    managerCentro: 'gerente.centro@demo.test',
    waiterCentro: 'mozo.centro@demo.test',
    waiter2Centro: 'mozo2.centro@demo.test',
    kitchenCentro: 'cocina.centro@demo.test',
    managerNorte: 'gerente.norte@demo.test',
    waiterNorte: 'mozo.norte@demo.test',
    kitchenNorte: 'cocina.norte@demo.test',
    otherAdmin: 'admin@otro.test',
    otherWaiter: 'mozo@otro.test',
  },
  /** Tables of a branch, in seed order. */
  tables: (branchId: string) => seed.tables.filter((t) => t.branchId === branchId),
  /** Products with their price in a branch (available ones by default). */
  products: (branchId: string, available = true) =>
    seed.branchProducts
      .filter((bp) => bp.branchId === branchId && bp.isAvailable === available)
      .map((bp) => ({ ...byName(seed.products, (p) => p.id === bp.productId, 'product'), priceCents: bp.priceCents })),
};
