/** GET /api/health: what this server runs on (CONTRACT.md "Health"). */
import { readFileSync } from 'node:fs';
import type { HealthAnswer } from '@comanda/schema';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

/** The server package's version (server/package.json): one place to bump, never a copy that drifts. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Extra fields that features add to the health answer (the chatbot's retrieval mode, for one). */
export type HealthContributor = () => Record<string, unknown>;

export function healthRoutes(contributors: HealthContributor[]) {
  return new Hono<AppEnv>().get('/health', async (c) => {
    const { db, config } = c.var.ctx;
    await db.query('SELECT 1');
    const body: HealthAnswer = {
      ok: true,
      db: db.kind,
      shapes: config.electricUrl ? 'electric' : 'builtin',
      version: VERSION,
      ...Object.assign({}, ...contributors.map((f) => f())),
    };
    return c.json(body, 200, { 'cache-control': 'no-store' });
  });
}
