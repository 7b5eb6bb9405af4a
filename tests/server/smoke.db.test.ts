import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { snapshot } from '../support/floor.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const versionOf = (path: string) =>
  (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;

describe('server start', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('answers health with the database it runs on and the version of package.json', async () => {
    const res = await s.fetch('/api/health');
    expect(res.status).toBe(200);
    const version = versionOf('../../server/package.json');
    expect(await res.json()).toMatchObject({ ok: true, db: s.kind, shapes: 'builtin', version });
    // The server's version is the release's: bumping one package.json and not the other is a mistake.
    expect(version).toBe(versionOf('../../package.json'));
  });

  it('opens a table once: the second waiter gets TABLE_BUSY and not one row changes', async () => {
    const { accessToken } = await s.login(demo.users.waiterCentro);
    const tableId = demo.tables(demo.centro.id)[0]!.id;
    const [first] = await s.mutate(accessToken, {
      name: 'session.open',
      args: { sessionId: randomUUID(), tableId },
    });
    expect(first).toMatchObject({ status: 'applied' });
    const before = await snapshot(s);
    const other = (await s.login(demo.users.waiter2Centro)).accessToken;
    const [second] = await s.mutate(other, {
      name: 'session.open',
      args: { sessionId: randomUUID(), tableId },
    });
    expect(second).toMatchObject({ status: 'rejected', code: 'TABLE_BUSY' });
    expect(second).not.toHaveProperty('txid');
    expect(await snapshot(s)).toEqual(before);
  });
});
