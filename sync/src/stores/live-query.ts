/**
 * Live queries by change notification: a store tells its listeners after each write it makes, and a
 * live query reads again then. PGlite's own live extension is not used: over the overlay views
 * (UNION, aggregates, a LEFT JOIN per table) its triggers and temporary views hung the database.
 */

/** Who to tell when a store's rows may have changed. */
export class ChangeListeners {
  readonly #fns = new Set<() => void>();

  /** Calls `fn` after every change; returns the unsubscribe function. */
  add(fn: () => void): () => void {
    this.#fns.add(fn);
    return () => this.#fns.delete(fn);
  }

  emit(): void {
    for (const fn of [...this.#fns]) {
      try {
        fn();
      } catch {
        // One listener's bug must not stop the others (or the write that notified them).
      }
    }
  }
}

export interface LiveQueryOptions {
  /**
   * Also read this often (ms) whatever the notifications: for what no write reports, such as a
   * `now() - interval` window moving on.
   */
  everyMs?: number;
  onError?: (e: unknown) => void;
}

/**
 * Runs `read` now and after every change `listeners` report, one read at a time (a change during a
 * read makes one more read after it), and calls `onRows` only when the result differs from the last.
 *
 * @example
 * const stop = await liveQuery(listeners, () => pg.query('SELECT * FROM round'), render);
 */
export async function liveQuery<T>(
  listeners: ChangeListeners,
  read: () => Promise<T[]>,
  onRows: (rows: T[]) => void,
  o: LiveQueryOptions = {},
): Promise<() => void> {
  let stopped = false;
  let reading: Promise<void> | undefined;
  let again = false;
  let last: string | undefined;
  const deliver = (rows: T[]) => {
    const json = JSON.stringify(rows);
    if (json === last) return;
    last = json;
    onRows(rows);
  };
  const run = async () => {
    do {
      again = false;
      const rows = await read();
      if (stopped) return;
      deliver(rows);
    } while (again && !stopped);
  };
  const kick = () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = run()
      .catch((e: unknown) => {
        if (!stopped) o.onError?.(e);
      })
      .finally(() => {
        reading = undefined;
      });
  };
  // Listening before the first read: a change during it makes a second read, never a missed one.
  let first = true;
  const off = listeners.add(() => {
    if (first) again = true;
    else kick();
  });
  try {
    // The first read's error is the caller's (a typo in the SQL): thrown, not reported later.
    deliver(await read());
  } catch (e) {
    off();
    throw e;
  }
  first = false;
  if (again) kick();
  const timer = o.everyMs ? setInterval(kick, o.everyMs) : undefined;
  return () => {
    stopped = true;
    off();
    clearInterval(timer);
  };
}
