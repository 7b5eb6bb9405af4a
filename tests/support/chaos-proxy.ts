/**
 * A TCP proxy between clients and a test server that misbehaves like restaurant wifi: it delays
 * connections, drops some at once, cuts others in the middle of a request or an answer, and can
 * go fully offline. Cutting at the TCP level is what a real network does to HTTP.
 */
import net from 'node:net';

export interface ChaosSettings {
  /** Share of new connections reset at once. */
  dropRate: number;
  /** Share of connections cut after a random time up to `cutWithinMs` (mid-request or mid-answer). */
  cutRate: number;
  cutWithinMs: number;
  /** Share of data chunks (either way) at which the connection is cut: kept-alive connections die too. */
  chunkCutRate: number;
  /** Each new connection waits a random time up to this before it reaches the server. */
  maxDelayMs: number;
}

export interface ChaosProxy {
  url: string;
  /** All connections cut and refused while offline. */
  setOffline(offline: boolean): void;
  set(s: Partial<ChaosSettings>): void;
  stats: { connections: number; dropped: number; cut: number };
  close(): Promise<void>;
}

const CALM: ChaosSettings = { dropRate: 0, cutRate: 0, cutWithinMs: 0, chunkCutRate: 0, maxDelayMs: 0 };

/** Starts a proxy to `target` (http://host:port) on a free local port. `random` is injectable for a seeded run. */
export async function startChaosProxy(
  target: string,
  initial: Partial<ChaosSettings> = {},
  random: () => number = Math.random,
): Promise<ChaosProxy> {
  const { hostname, port } = new URL(target);
  let settings: ChaosSettings = { ...CALM, ...initial };
  let offline = false;
  const open = new Set<net.Socket>();
  const stats = { connections: 0, dropped: 0, cut: 0 };

  const server = net.createServer((client) => {
    stats.connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (offline || random() < settings.dropRate) {
      stats.dropped++;
      client.resetAndDestroy();
      return;
    }
    client.pause();
    const delay = random() * settings.maxDelayMs;
    setTimeout(() => {
      if (client.destroyed) return;
      const upstream = net.connect(Number(port), hostname);
      open.add(upstream);
      upstream.on('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      const cut = () => {
        stats.cut++;
        client.resetAndDestroy();
        upstream.destroy();
      };
      client.on('data', (chunk) => {
        if (random() < settings.chunkCutRate) return cut();
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (random() < settings.chunkCutRate) return cut();
        client.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
      client.resume();
      if (random() < settings.cutRate) {
        setTimeout(() => {
          if (!client.destroyed) cut();
        }, random() * settings.cutWithinMs);
      }
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    stats,
    setOffline(v) {
      offline = v;
      if (v) for (const s of open) s.destroy();
    },
    set(s) {
      settings = { ...settings, ...s };
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
