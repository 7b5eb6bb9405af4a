import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { joinAsDiner } from '../support/diner.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// pngjs comes with qrcode; read through require to avoid a types package for one call.
const { PNG } = createRequire(import.meta.url)('pngjs') as {
  PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } };
};

const PUBLIC_URL = 'https://resto.example/comanda';
const table = demo.tables(demo.centro.id)[0]!;
const norteTable = demo.tables(demo.norte.id)[0]!;

/** The modules a PNG from qrcode shows (margin 2, square modules), read back pixel by pixel. */
function modulesOf(png: Buffer, size: number): boolean[] {
  const img = PNG.sync.read(png);
  const scale = img.width / (size + 4);
  const out: boolean[] = [];
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      const x = Math.floor((2 + c + 0.5) * scale);
      const y = Math.floor((2 + r + 0.5) * scale);
      out.push(img.data[(y * img.width + x) * 4]! < 128);
    }
  return out;
}

describe('table QR codes', () => {
  let s: TestServer;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    s = await startTestServer({ config: { publicUrl: `${PUBLIC_URL}/` } });
    for (const [who, email] of Object.entries(demo.users)) tokens[who] = (await s.login(email)).accessToken;
  });
  afterAll(() => s?.close());

  const qr = (tableId: string, who: string, query = '') =>
    s.fetch(`/api/admin/tables/${tableId}/qr${query}`, { token: tokens[who] });

  it('gives a manager of the branch the URL, the token and an SVG of the QR', async () => {
    const res = await qr(table.id, 'managerCentro');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { url: string; tableToken: string; svg: string };
    expect(Object.keys(body).sort()).toEqual(['svg', 'tableToken', 'url']);
    expect(body.url).toBe(`${PUBLIC_URL}/menu/t/${body.tableToken}`);
    expect(body.svg.trimStart()).toMatch(/^<svg[\s>]/);
    expect(body.svg.trimEnd()).toMatch(/<\/svg>$/);
    expect(body.svg).toContain('<path');
    // Printing again gives the same code, so a reprint matches the one on the table.
    const again = (await (await qr(table.id, 'admin')).json()) as { tableToken: string };
    expect(again.tableToken).toBe(body.tableToken);
  });

  it('gives a PNG image that encodes exactly the table URL', async () => {
    const { url } = (await (await qr(table.id, 'admin')).json()) as { url: string };
    const res = await qr(table.id, 'admin', '?format=png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const img = PNG.sync.read(png);
    expect(img.width).toBe(img.height);
    expect(img.width).toBeGreaterThanOrEqual(256);
    const expected = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules;
    const want = Array.from({ length: expected.size * expected.size }, (_, i) =>
      Boolean(expected.get(Math.floor(i / expected.size), i % expected.size)),
    );
    expect(modulesOf(png, expected.size)).toEqual(want);
    // A QR of another URL does not match: the comparison can tell.
    const other = QRCode.create(`${url}x`, { errorCorrectionLevel: 'M' }).modules;
    const wrong = Array.from({ length: other.size * other.size }, (_, i) =>
      Boolean(other.get(Math.floor(i / other.size), i % other.size)),
    );
    expect(modulesOf(png, other.size)).not.toEqual(wrong);
  });

  it('lets only managers and admins of the table branch print it', async () => {
    expect((await qr(table.id, 'admin')).status).toBe(200);
    expect((await qr(table.id, 'managerCentro')).status).toBe(200);
    expect((await qr(norteTable.id, 'managerNorte')).status).toBe(200);
    for (const who of ['waiterCentro', 'kitchenCentro', 'managerNorte', 'waiterNorte']) {
      const res = await qr(table.id, who);
      expect(res.status, who).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });

  it("answers another tenant's table exactly like a missing one", async () => {
    const foreign = await qr(table.id, 'otherAdmin');
    const missing = await qr(randomUUID(), 'otherAdmin');
    const malformed = await qr('not-a-uuid', 'otherAdmin');
    for (const res of [foreign, missing, malformed]) expect(res.status).toBe(404);
    const bodies = await Promise.all([foreign, missing, malformed].map((r) => r.json()));
    for (const b of bodies)
      expect(b).toMatchObject({ error: { code: 'NOT_FOUND', message: 'Table not found.' } });
    // The other tenant's admin prints their own tables.
    const own = demo.tables(demo.unica.id)[0]!;
    expect((await qr(own.id, 'otherAdmin')).status).toBe(200);
    expect((await qr(own.id, 'admin')).status).toBe(404);
  });

  it('asks for a token and refuses unknown formats', async () => {
    expect((await s.fetch(`/api/admin/tables/${table.id}/qr`)).status).toBe(401);
    const res = await qr(table.id, 'admin', '?format=gif');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('rotates a QR: old prints stop working, seated diners stay, new prints work', async () => {
    const t = demo.tables(demo.centro.id)[9]!;
    const before = (await (await qr(t.id, 'managerCentro')).json()) as { tableToken: string };
    const seated = await joinAsDiner(s, t.id);

    // Waiters, another branch's manager and another tenant can't rotate it.
    const denied = [
      ['waiterCentro', 'FORBIDDEN'],
      ['managerNorte', 'FORBIDDEN'],
      ['otherAdmin', 'NOT_FOUND'],
    ] as const;
    for (const [who, code] of denied) {
      const [r] = await s.mutate(tokens[who]!, { name: 'table.rotateQr', args: { tableId: t.id } });
      expect(r, who).toMatchObject({ status: 'rejected', code });
    }
    const join = (tableToken: string) => s.fetch('/api/diner/join', { json: { tableToken } });
    expect((await join(before.tableToken)).status).toBe(200);

    const [rotated] = await s.mutate(tokens.managerCentro!, {
      name: 'table.rotateQr',
      args: { tableId: t.id },
    });
    expect(rotated).toMatchObject({ status: 'applied' });
    const [ev] = await s.db.query<{ payload: { qrVersion: number } }>(
      "SELECT payload FROM event WHERE type = 'TABLE_QR_ROTATED' AND entity_id = $1",
      [t.id],
    );
    expect(ev?.payload.qrVersion).toBe(2);

    const old = await join(before.tableToken);
    expect(old.status).toBe(401);
    const after = (await (await qr(t.id, 'managerCentro')).json()) as { tableToken: string };
    expect(after.tableToken).not.toBe(before.tableToken);
    const fresh = await join(after.tableToken);
    expect(fresh.status).toBe(200);
    expect(((await fresh.json()) as { sessionId: string }).sessionId).toBe(seated.sessionId);
    // The diner seated before the rotation is still signed in to the session.
    const still = await s.fetch('/api/mutations', {
      token: seated.dinerToken,
      json: {
        mutations: [
          { id: randomUUID(), name: 'session.open', args: { sessionId: randomUUID(), tableId: t.id } },
        ],
      },
    });
    expect(still.status).toBe(200);
  });
});
