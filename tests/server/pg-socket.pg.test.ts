/**
 * The PostgreSQL connection sends what one tick wrote in one system call (server/src/db/postgres.ts):
 * a pipelined transaction of many statements reaches the server in one write, not one per KiB, and
 * its COMMIT (which the driver holds back until setImmediate) travels in that same write.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../server/src/db/index.ts';
import { openPostgres } from '../../server/src/db/postgres.ts';
import { TEST_DATABASE_URL } from '../support/db.ts';

describe('PostgreSQL connection', () => {
  let db: Db;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    const connect = net.connect.bind(net);
    vi.spyOn(net, 'connect').mockImplementation(((...a: Parameters<typeof net.connect>) => {
      const s = connect(...a);
      sockets.push(s);
      return s;
    }) as typeof net.connect);
    db = await openPostgres(TEST_DATABASE_URL, { max: 1 });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await db?.close();
  });

  it('sends a pipelined transaction of 5 KiB with its COMMIT in one write, and gets every answer in order', async () => {
    expect(sockets).toHaveLength(1);
    const s = sockets[0]!;
    let writes = 0;
    const count = <T extends (...a: never[]) => unknown>(f: T) =>
      ((...a: Parameters<T>) => {
        writes++;
        return f.apply(s, a);
      }) as unknown as T;
    s._write = count(s._write);
    s._writev = count(s._writev!);
    const texts = Array.from({ length: 10 }, (_, i) => `${i}:${'ñ'.repeat(250)}`);
    const run = () =>
      db.transaction(async (tx) => {
        const sent = texts.map((t) => tx.query<{ t: string }>('SELECT $1::text AS t', [t]));
        await tx.commit();
        return (await Promise.all(sent)).map(([r]) => r!.t);
      });
    // The first run prepares the statement on this connection (the driver waits for its description).
    await run();
    writes = 0;
    expect(await run()).toEqual(texts);
    // BEGIN, the statements and COMMIT: one write (the driver alone made one per KiB, then the COMMIT).
    expect(writes).toBe(1);
  });
});
