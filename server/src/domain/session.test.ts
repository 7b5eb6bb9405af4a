import { describe, expect, it } from 'vitest';
import { ensureCallOpen } from './service-call.ts';
import { ensureSessionOpen } from './session.ts';

describe('ensureSessionOpen and ensureCallOpen', () => {
  it.each([
    ['open session', () => ensureSessionOpen({ id: 's', status: 'OPEN' }), undefined],
    ['closed session', () => ensureSessionOpen({ id: 's', status: 'CLOSED' }), 'SESSION_NOT_OPEN'],
    ['open call', () => ensureCallOpen({ id: 'c', status: 'OPEN' }), undefined],
    ['answered call', () => ensureCallOpen({ id: 'c', status: 'ACKED' }), 'INVALID_TRANSITION'],
  ])('%s', (_name, rule, code) => {
    expect(rule()?.code).toBe(code);
  });
});
