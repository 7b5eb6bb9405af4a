/** Admin routes outside the write path: the printable QR code of a table (CONTRACT.md "Auth"). */
import type { Role } from '@comanda/schema';
import { networkInterfaces } from 'node:os';
import { Hono } from 'hono';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Feature } from '../app.ts';
import { authenticate, rolesIn } from '../auth/principal.ts';
import type { AppContext, AppEnv } from '../context.ts';
import { AppError } from './errors.ts';

const QR_ROLES: readonly Role[] = ['MANAGER', 'ADMIN'];
const uuid = z.uuid();
const qrQuery = z.strictObject({ format: z.enum(['json', 'png']).optional() });

interface QrTable {
  id: string;
  tenant_id: string;
  branch_id: string;
  code: string;
  qr_version: number;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/** This machine's first LAN IPv4 address, if it has one. */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/**
 * Where diners' phones reach this server. PUBLIC_URL when set; otherwise the address the admin used,
 * except that a loopback address is useless on a phone, so the box's LAN address replaces it.
 */
export function qrBaseUrl(ctx: AppContext, requestUrl: string): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/+$/, '');
  const url = new URL(requestUrl);
  const lan = LOOPBACK.test(url.hostname) ? lanAddress() : undefined;
  if (lan) url.hostname = lan;
  return url.origin;
}

/** The URL a table's QR encodes, and its token. Same table and qr_version give the same token, so reprints match. */
export async function tableQr(
  ctx: AppContext,
  t: QrTable,
  base: string,
): Promise<{ url: string; tableToken: string }> {
  const tableToken = await ctx.tokens.table({
    tbl: t.id,
    tid: t.tenant_id,
    bid: t.branch_id,
    v: t.qr_version,
  });
  return { url: `${base}/menu/t/${tableToken}`, tableToken };
}

export function adminFeature(ctx: AppContext): Feature {
  const api = new Hono<AppEnv>().get(
    '/admin/tables/:id/qr',
    authenticate({ allowDiner: false }),
    async (c) => {
      const p = c.var.principal;
      const query = qrQuery.safeParse(c.req.query());
      if (!query.success)
        throw new AppError('VALIDATION_FAILED', 'Use ?format=png for an image, or no format for JSON.');
      const id = c.req.param('id');
      // Auth before existence: another tenant's table is reported exactly like a missing one.
      const [table] = uuid.safeParse(id).success
        ? await ctx.db.query<QrTable>(
            'SELECT id, tenant_id, branch_id, code, qr_version FROM dining_table WHERE id = $1 AND tenant_id = $2',
            [id, p.tenantId],
          )
        : [];
      if (!table) throw new AppError('NOT_FOUND', 'Table not found.', { id });
      if (!rolesIn(p, table.branch_id).some((r) => QR_ROLES.includes(r)))
        throw new AppError(
          'FORBIDDEN',
          "Only a manager or admin of this table's branch can print its QR code.",
        );
      const { url, tableToken } = await tableQr(ctx, table, qrBaseUrl(ctx, c.req.url));
      if (query.data.format === 'png') {
        const png = await QRCode.toBuffer(url, {
          type: 'png',
          errorCorrectionLevel: 'M',
          margin: 2,
          width: 512,
        });
        return c.body(new Uint8Array(png), 200, {
          'content-type': 'image/png',
          'content-disposition': `inline; filename="mesa-${table.code.replace(/[^A-Za-z0-9_-]/g, '')}.png"`,
          'cache-control': 'no-store',
        });
      }
      const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return c.json({ url, tableToken, svg }, 200, { 'cache-control': 'no-store' });
    },
  );
  return { name: 'admin', api };
}
