import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { qrBaseUrl } from './admin.ts';

const ctx = (publicUrl?: string) => ({ config: { publicUrl } }) as AppContext;
const lan = Object.values(networkInterfaces())
  .flatMap((l) => l ?? [])
  .find((a) => a.family === 'IPv4' && !a.internal)?.address;

describe('qrBaseUrl', () => {
  it('prefers PUBLIC_URL, without a trailing slash', () => {
    expect(qrBaseUrl(ctx('https://resto.example/comanda/'), 'http://127.0.0.1:3000/api/x')).toBe(
      'https://resto.example/comanda',
    );
  });

  it('keeps the address the admin used when phones can reach it', () => {
    expect(qrBaseUrl(ctx(), 'https://192.168.1.20:3443/api/admin/tables/x/qr')).toBe(
      'https://192.168.1.20:3443',
    );
    expect(qrBaseUrl(ctx(), 'http://caja.local:3000/api/admin/tables/x/qr')).toBe('http://caja.local:3000');
  });

  it('replaces a loopback address, useless on a phone, with the LAN address', () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]'])
      expect(qrBaseUrl(ctx(), `http://${host}:3000/api/admin/tables/x/qr`)).toBe(
        `http://${lan ?? host}:3000`,
      );
  });
});
