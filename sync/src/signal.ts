/** A tiny observable value: what the apps subscribe to for status, pending count and rejections. */

/**
 * Holds a value and tells subscribers when it changes (by shallow comparison of plain objects).
 *
 * @example
 * const s = new Signal({ n: 0 });
 * const off = s.subscribe((v) => console.log(v.n));
 * s.set({ n: 1 });
 */
export class Signal<T> {
  #value: T;
  readonly #listeners = new Set<(v: T) => void>();

  constructor(initial: T) {
    this.#value = initial;
  }

  get(): T {
    return this.#value;
  }

  /** Calls `fn` now and after every change; returns the unsubscribe function. */
  subscribe(fn: (v: T) => void): () => void {
    this.#listeners.add(fn);
    fn(this.#value);
    return () => this.#listeners.delete(fn);
  }

  set(next: T): void {
    if (shallowEqual(this.#value, next)) return;
    this.#value = next;
    for (const fn of [...this.#listeners]) fn(next);
  }

  update(patch: Partial<T>): void {
    this.set({ ...this.#value, ...patch });
  }
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b || Array.isArray(a) !== Array.isArray(b))
    return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
