import { describe, expect, it } from 'vitest';
import { KnownAddresses } from './known-addresses.ts';

describe('KnownAddresses', () => {
  it('knows an address after a success there, for that account only, until it is too old', () => {
    const k = new KnownAddresses(1000, 16);
    k.remember('ana@x.test', '10.0.0.5', 0);
    expect(k.has('ana@x.test', '10.0.0.5', 999)).toBe(true);
    expect(k.has('ana@x.test', '10.0.0.5', 1000)).toBe(false);
    expect(k.has('ana@x.test', '10.0.0.6', 10)).toBe(false);
    expect(k.has('beto@x.test', '10.0.0.5', 10)).toBe(false);
  });

  it('keeps the most recent addresses of an account, a success refreshing one', () => {
    const k = new KnownAddresses(10_000, 2);
    k.remember('ana@x.test', 'a', 1);
    k.remember('ana@x.test', 'b', 2);
    k.remember('ana@x.test', 'a', 3);
    k.remember('ana@x.test', 'c', 4);
    expect(['a', 'b', 'c'].map((ip) => k.has('ana@x.test', ip, 5))).toEqual([true, false, true]);
  });

  it('never knows the address of a caller without socket information', () => {
    const k = new KnownAddresses();
    k.remember('ana@x.test', 'unknown');
    expect(k.has('ana@x.test', 'unknown')).toBe(false);
  });
});
