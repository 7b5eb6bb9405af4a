/** One syncing tab per device: the tab holding a Web Lock runs the sender and the shape streams. */

/**
 * Runs `lead` while this tab holds the lock `name`; resolves `release` to give it up (closing
 * the tab releases it too, and another tab takes over). Without Web Locks (Node), leads at once.
 */
export function holdLeadership(name: string, lead: () => Promise<void>, signal: AbortSignal): void {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) {
    void lead();
    return;
  }
  locks
    .request(name, { signal }, async () => {
      await lead();
      // Hold the lock until this client closes.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    })
    .catch(() => undefined); // aborted while waiting: this tab never led
}
