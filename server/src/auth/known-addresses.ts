/** Where each staff account signed in successfully lately: the restaurant's own tablets and phones. */

const DAY_MS = 24 * 3600 * 1000;

/**
 * Account -> addresses it signed in from, with the time of the last success. Only a correct password
 * adds an entry, so memory is bounded by real accounts times `perAccount`. In memory, like the rate
 * limiter's counters: a restart (or another server of a scale-out) starts empty and learns again at
 * the next successful sign-in.
 *
 * @example known.remember('mozo.centro@demo.test', '192.168.1.20'); known.has('mozo.centro@demo.test', '192.168.1.20') // true
 */
export class KnownAddresses {
  readonly #seen = new Map<string, Map<string, number>>();

  constructor(
    readonly ttlMs = 30 * DAY_MS,
    readonly perAccount = 16,
  ) {}

  remember(account: string, address: string, now = Date.now()): void {
    // Without a real address (no socket info) every caller would share one entry: remember nothing.
    if (!account || address === 'unknown') return;
    const seen = this.#seen.get(account) ?? new Map<string, number>();
    // Re-inserted so the Map's order is oldest success first; past the bound the oldest goes.
    seen.delete(address);
    seen.set(address, now);
    while (seen.size > this.perAccount) seen.delete(seen.keys().next().value!);
    this.#seen.set(account, seen);
  }

  has(account: string, address: string, now = Date.now()): boolean {
    const at = this.#seen.get(account)?.get(address);
    return at !== undefined && now - at < this.ttlMs;
  }
}
