/**
 * Snapshot rows are serialized by the database (snapshotMessageSql) for speed; the change log's
 * messages are built in JS from record text. Both must say exactly the same about a row: every
 * shape's snapshot, row by row, equals the message made from the row's record text.
 */
import { randomUUID } from 'node:crypto';
import { SHAPES, SYNCED_TABLES } from '@comanda/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../server/src/auth/principal.ts';
import { bindShape, ident, whereSql } from '../../server/src/shapes/access.ts';
import { loadCatalog, type TableInfo } from '../../server/src/shapes/catalog.ts';
import { recordValues, snapshotMessage, snapshotMessageSql } from '../../server/src/shapes/messages.ts';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('snapshot messages built by the database', () => {
  let s: TestServer;
  let catalog: Map<string, TableInfo>;
  const admin: Principal = {
    kind: 'staff',
    userId: randomUUID(),
    tenantId: demo.tenant.id,
    roles: [{ branchId: demo.centro.id, role: 'ADMIN' }],
  };

  beforeAll(async () => {
    s = await startTestServer();
    catalog = await loadCatalog(s.db, SYNCED_TABLES);
    // Rows with the awkward texts: quotes, backslashes, commas, parentheses, braces, accents, emoji.
    const waiter = (await s.login(demo.users.waiterCentro)).accessToken;
    const sessionId = randomUUID();
    const product = demo.products(demo.centro.id)[0]!;
    const results = await s.mutate(
      waiter,
      { name: 'session.open', args: { sessionId, tableId: demo.tables(demo.centro.id)[0]!.id } },
      {
        name: 'round.submit',
        args: {
          roundId: randomUUID(),
          sessionId,
          items: [
            { id: randomUUID(), productId: product.id, qty: 2, notes: 'sin "sal", con \\ y (pan), {a,b}' },
            { id: randomUUID(), productId: product.id, qty: 1, notes: 'ñandú — 🍕 / ;' },
            { id: randomUUID(), productId: product.id, qty: 1 },
          ],
        },
      },
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
  });
  afterAll(() => s?.close());

  it('equals the record-text message for every row of every staff shape', async () => {
    let compared = 0;
    for (const name of Object.keys(SHAPES)) {
      if (!SHAPES[name]!.staff) continue;
      const shape = bindShape(name, admin, demo.centro.id);
      const table = catalog.get(shape.def.table)!;
      const { sql, params } = whereSql(shape, (c) => table.types[c]!.type);
      const rows = await s.db.query<{ m: string; r: string }>(
        `SELECT ${snapshotMessageSql(shape, table)} AS m, t::text AS r FROM ${ident(table.name)} t WHERE ${sql} ORDER BY t.id`,
        params,
      );
      for (const row of rows) {
        expect(JSON.parse(row.m), `${name}: ${row.r}`).toEqual(
          snapshotMessage(shape, table, recordValues(table, row.r)),
        );
        compared++;
      }
    }
    // Every column type the shapes use came through: bool, arrays, jsonb, timestamps, nulls.
    expect(compared).toBeGreaterThan(50);
  });
});
