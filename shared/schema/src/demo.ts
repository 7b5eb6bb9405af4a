/** The demo restaurant's rows (seed.json). Its folder is `DEMO_DIR` from `@comanda/schema/demo-dir` (Node only). */

export interface DemoSeed {
  tenants: { id: string; slug: string; name: string }[];
  branches: { id: string; tenantId: string; slug: string; name: string; timezone: string; currency: string }[];
  users: {
    id: string;
    tenantId: string;
    email: string;
    name: string;
    password: string;
    roles: { branchId: string; role: string }[];
  }[];
  sectors: { id: string; branchId: string; name: string }[];
  tables: { id: string; branchId: string; sectorId: string; code: string; seats: number }[];
  categories: { id: string; tenantId: string; name: string; sort: number }[];
  products: {
    id: string;
    tenantId: string;
    categoryId: string;
    name: string;
    description: string;
    ingredients: string[];
    allergens: string[];
    mayContain: string[];
    dietary: string[];
    spiceLevel: number;
    tags: string[];
  }[];
  branchProducts: { id: string; branchId: string; productId: string; priceCents: number; isAvailable: boolean }[];
  knowledge: { file: string; tenantId: string; branchId: string | null; title: string }[];
}
