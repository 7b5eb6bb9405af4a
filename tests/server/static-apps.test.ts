import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

// A built app as Vite lays it out, in a folder of its own so the test does not depend on a real build.
describe('static apps', () => {
  let s: TestServer;
  let apps: string;
  beforeAll(async () => {
    apps = mkdtempSync(join(tmpdir(), 'comanda-apps-'));
    const dist = join(apps, 'kitchen-pwa', 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Cocina</title>');
    writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dist, 'manifest.webmanifest'), '{"name":"Cocina"}');
    writeFileSync(join(dist, 'assets', 'index-B2xY9_aQ.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets', 'pglite-Cz81kLm0.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(join(apps, 'secret.txt'), 'outside dist');
    s = await startTestServer({ demo: false, config: { appsDir: apps } });
  });
  afterAll(async () => {
    await s?.close();
    rmSync(apps, { recursive: true, force: true });
  });

  it('serves index.html without letting caches keep it', async () => {
    const res = await s.fetch('/kitchen/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('Cocina');
  });

  it('redirects the bare prefix to the folder, so relative URLs resolve', async () => {
    const res = await s.fetch('/kitchen', { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/kitchen/');
  });

  it('keeps hashed assets forever and revalidates the service worker', async () => {
    const js = await s.fetch('/kitchen/assets/index-B2xY9_aQ.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const wasm = await s.fetch('/kitchen/assets/pglite-Cz81kLm0.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
    const sw = await s.fetch('/kitchen/sw.js');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const manifest = await s.fetch('/kitchen/manifest.webmanifest');
    expect(manifest.headers.get('content-type')).toMatch(/manifest\+json/);
  });

  it('answers 304 to a revalidation of an unchanged file', async () => {
    const first = await s.fetch('/kitchen/sw.js');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await s.fetch('/kitchen/sw.js', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('falls back to index.html for screens of the app, but not for missing files', async () => {
    const screen = await s.fetch('/kitchen/listos');
    expect(screen.status).toBe(200);
    expect(await screen.text()).toContain('Cocina');
    const missing = await s.fetch('/kitchen/assets/gone-12345678.js');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('never serves a file outside the app build', async () => {
    for (const path of [
      '/kitchen/../secret.txt',
      '/kitchen/%2e%2e/secret.txt',
      '/kitchen/..%2fsecret.txt',
      '/kitchen/%2e%2e%2f%2e%2e%2fsecret.txt',
    ]) {
      const res = await s.fetch(path);
      expect(res.status, path).not.toBe(200);
      expect(await res.text(), path).not.toContain('outside dist');
    }
  });

  it('says clearly when an app is not built yet', async () => {
    const res = await s.fetch('/waiter/');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /not built.*npm run build/,
    );
  });

  it('leaves the API alone', async () => {
    const res = await s.fetch('/api/health');
    expect(res.status).toBe(200);
  });
});
