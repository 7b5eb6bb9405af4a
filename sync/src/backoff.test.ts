import { describe, expect, it } from 'vitest';
import { Backoff, retryAfterMs } from './backoff.ts';

describe('Backoff', () => {
  it('grows exponentially up to the cap, with jitter inside [10%, 100%] of it', () => {
    const lo = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const hi = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(() => lo.next())).toEqual([10, 20, 40, 80, 100]);
    expect([1, 2, 3, 4, 5].map(() => hi.next())).toEqual([100, 200, 400, 800, 1000]);
  });

  it('spreads devices that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => new Backoff({ initialMs: 1000 }).next()));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('honours Retry-After as a floor and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect(b.next(2000)).toBe(2000);
    b.next();
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(10);
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBe(0);
    expect(retryAfterMs(null)).toBe(0);
  });
});
