import { describe, expect, it } from 'vitest';
import { fullXid } from './change-feed.ts';

describe('fullXid', () => {
  const E = 2 ** 32;
  it('puts a 32-bit xid in the epoch nearest to a full transaction id', () => {
    // Same epoch, below and above the reference (running xids can be above a snapshot's xmax).
    expect(fullXid(1_000, 1_200)).toBe(1_000);
    expect(fullXid(1_500, 1_200)).toBe(1_500);
    expect(fullXid(1_000, 3 * E + 1_200)).toBe(3 * E + 1_000);
    // Just past a wrap: an xid from the end of the previous epoch.
    expect(fullXid(E - 10, 3 * E + 5)).toBe(2 * E + E - 10);
    // Just before a wrap: an xid already in the next epoch.
    expect(fullXid(5, 3 * E + E - 10)).toBe(4 * E + 5);
  });
});
