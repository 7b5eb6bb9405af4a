/**
 * Scale-out mode against a local upstream that records what it receives and answers like Electric:
 * the server forwards its own table, columns, where and params (never the client's), streams the
 * answer back, fixes the headers, and the real client syncs through it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Shape, ShapeStream } from '@electric-sql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { getShape } from '../support/shapes.ts';

describe('shape endpoint forwarding to Electric (ELECTRIC_URL)', () => {
  let upstream: Server;
  const seen: URL[] = [];
  let s: TestServer;
  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url!, 'http://upstream');
      seen.push(url);
      const live = url.searchParams.get('live') === 'true';
      const body = live
        ? [{ headers: { control: 'up-to-date', global_last_seen_lsn: '9' } }]
        : [
            {
              key: '"public"."round"/"r1"',
              value: { id: 'r1', status: 'IN_KITCHEN' },
              headers: { operation: 'insert', relation: ['public', 'round'] },
            },
            { headers: { control: 'up-to-date', global_last_seen_lsn: '9' } },
          ];
      const gz = gzipSync(JSON.stringify(body));
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': String(gz.length),
        'cache-control': 'public, max-age=60',
        // Electric answers any origin; the server's own CORS_ORIGINS must decide instead.
        'access-control-allow-origin': '*',
        'access-control-expose-headers': '*',
        'electric-handle': 'h-1',
        'electric-offset': live ? '9_0' : '0_inf',
        'electric-up-to-date': '',
        ...(live
          ? { 'electric-cursor': '100' }
          : { 'electric-schema': '{"id":{"type":"text","pk_index":0},"status":{"type":"text"}}' }),
      });
      if (live) setTimeout(() => res.end(gz), 200);
      else res.end(gz);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const { port } = upstream.address() as AddressInfo;
    s = await startTestServer({
      config: { electricUrl: `http://127.0.0.1:${port}`, electricSecret: 'upstream-secret' },
    });
  });
  afterAll(async () => {
    await s?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it('says so in health', async () => {
    expect(await (await s.fetch('/api/health')).json()).toMatchObject({ shapes: 'electric' });
  });

  it("forwards the shape it built from the token, ignoring the client's table, where and columns", async () => {
    const { accessToken } = await s.login(demo.users.kitchenCentro);
    seen.length = 0;
    const res = await getShape(
      s,
      accessToken,
      `kitchen_rounds?offset=-1&table=app_user&where=true&columns=password_hash&params%5B1%5D=x&cache-buster=abc`,
    );
    expect(res.status).toBe(200);
    const got = seen[0]!;
    expect(got.pathname).toBe('/v1/shape');
    expect(got.searchParams.get('table')).toBe('round');
    expect(got.searchParams.get('where')).toBe(
      `"tenant_id" = $1 AND "branch_id" = $2 AND "status" IN ('IN_KITCHEN', 'READY')`,
    );
    expect(got.searchParams.get('params[1]')).toBe(demo.tenant.id);
    expect(got.searchParams.get('params[2]')).toBe(demo.centro.id);
    expect(got.searchParams.get('columns')).toContain('"status"');
    expect(got.searchParams.get('columns')).not.toContain('password_hash');
    expect(got.searchParams.get('offset')).toBe('-1');
    expect(got.searchParams.get('cache-buster')).toBe('abc');
    expect(got.searchParams.get('secret')).toBe('upstream-secret');
    // Streamed back decoded, with headers that describe what is sent now.
    expect(res.body[0].value).toEqual({ id: 'r1', status: 'IN_KITCHEN' });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('electric-handle')).toBe('h-1');
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    expect(res.headers.get('vary')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const foreign = await s.fetch('/api/shapes/kitchen_rounds?offset=-1', {
      token: accessToken,
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('still refuses what the caller may not read, before asking Electric', async () => {
    const { accessToken } = await s.login(demo.users.kitchenCentro);
    seen.length = 0;
    expect((await getShape(s, accessToken, 'payments?offset=-1')).status).toBe(403);
    expect((await getShape(s, accessToken, `rounds?offset=-1&branch=${demo.norte.id}`)).status).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it('works with the real client, live requests included', async () => {
    const { accessToken } = await s.login(demo.users.kitchenCentro);
    const stream = new ShapeStream({
      url: `${s.url}/api/shapes/kitchen_rounds`,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const shape = new Shape(stream);
    expect(await shape.rows).toEqual([{ id: 'r1', status: 'IN_KITCHEN' }]);
    await expect
      .poll(() =>
        seen.some((u) => u.searchParams.get('live') === 'true' && u.searchParams.get('handle') === 'h-1'),
      )
      .toBe(true);
    stream.unsubscribeAll();
  });
});
