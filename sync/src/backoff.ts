/** Exponential backoff with full jitter, the retry rhythm of the outbox sender (and of Electric's client). */

/** Options of a {@link Backoff}. Delays in milliseconds. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  multiplier?: number;
  /** Random source in [0, 1): injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Delay before the next try after a failure. "Full jitter" (a random delay between 0 and the
 * exponential cap) keeps devices that lost the network together from retrying in lockstep.
 *
 * @example
 * const b = new Backoff({ initialMs: 250, maxMs: 30_000 });
 * await sleep(b.next());   // after a network error
 * b.reset();               // after a definitive answer
 */
export class Backoff {
  #attempt = 0;
  readonly #initial: number;
  readonly #max: number;
  readonly #mult: number;
  readonly #random: () => number;

  constructor(o: BackoffOptions = {}) {
    this.#initial = o.initialMs ?? 250;
    this.#max = o.maxMs ?? 30_000;
    this.#mult = o.multiplier ?? 2;
    this.#random = o.random ?? Math.random;
  }

  /** Failures in a row so far. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next delay; `floorMs` (a server's Retry-After) is respected as a minimum. */
  next(floorMs = 0): number {
    const cap = Math.min(this.#max, this.#initial * this.#mult ** this.#attempt);
    this.#attempt++;
    // At least a tenth of the cap: a zero delay would hammer a server that just said 503.
    const jittered = cap * (0.1 + 0.9 * this.#random());
    return Math.max(Math.round(jittered), Math.min(floorMs, this.#max * 4));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 0;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
