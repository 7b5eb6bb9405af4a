/**
 * `npm run cert` makes a local CA and a certificate for this box; the server speaks HTTPS with it,
 * HTTP/2 and HTTP/1.1 on the same port. A client that trusts only that CA (as a tablet does once
 * ca.crt is installed) verifies the chain and the name; one that doesn't is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'comanda-cert-'));
const makeCert = () =>
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/make-cert.ts', 'caja.local'], {
    cwd: root,
    env: { ...process.env, CERT_DIR: dir },
    encoding: 'utf8',
  });

function h2Get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { ca, servername: 'localhost' });
    session.on('error', reject);
    const req = session.request({ ':path': '/api/health' });
    let body = '';
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', reject);
    req.end();
  });
}

function h1Get(url: string, ca?: string): Promise<{ status: number; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${url}/api/health`,
      { ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] } as https.RequestOptions,
      (res) => {
        const alpn = (res.socket as { alpnProtocol?: string | false }).alpnProtocol ?? false;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, alpn }));
      },
    );
    req.on('error', reject);
  });
}

describe('npm run cert, and HTTPS with the certificate it makes', () => {
  let s: TestServer;
  let url: string;
  let ca: string;
  beforeAll(async () => {
    const printed = makeCert();
    expect(printed).toContain('Made a new CA');
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    s = await startTestServer({
      demo: false,
      config: { tlsCert: join(dir, 'server.crt'), tlsKey: join(dir, 'server.key') },
    });
    url = s.url.replace('127.0.0.1', 'localhost');
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the keys private to the box', () => {
    expect(statSync(join(dir, 'ca.key')).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'server.key')).mode & 0o077).toBe(0);
  });

  it('answers HTTP/2 and HTTP/1.1 on one port to a client that trusts the local CA', async () => {
    expect(url).toMatch(/^https:/);
    const h2 = await h2Get(url, ca);
    expect(h2.status).toBe(200);
    expect(JSON.parse(h2.body)).toMatchObject({ ok: true });
    const h1 = await h1Get(url, ca);
    expect(h1).toEqual({ status: 200, alpn: 'http/1.1' });
  });

  it('is refused by a client that does not trust the local CA', async () => {
    await expect(h2Get(url)).rejects.toThrow(/certificate/i);
    await expect(h1Get(url)).rejects.toThrow(/certificate/i);
  });

  it('keeps the CA when run again, so devices need no new install', async () => {
    const printed = makeCert();
    expect(printed).toContain('Using the existing CA');
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(ca);
    // The renewed server certificate still chains to it.
    expect((await h1Get(url, ca)).status).toBe(200);
  });
});
