import { randomUUID } from 'node:crypto';
import { createSyncClient, PgliteStore, staticAuth, type SyncClient } from '@comanda/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../support/demo.ts';
import { openTable, roundArgs } from '../support/floor.ts';
import { type Fault, type FaultProxy, type SeenRequest, startFaultProxy } from '../support/http-faults.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// The sender's HTTP handling against the real write path, with a proxy in between that answers or
// garbles single requests the way gateways and bad wifi do. Every case ends the same way: each
// mutation applied on the server exactly once, and nothing refused that the server would accept.

const MUTATIONS = '/api/mutations';
const idsOf = (r: SeenRequest) =>
  ((JSON.parse(r.body) as { mutations?: { id: string }[] }).mutations ?? []).map((m) => m.id);

describe(
  'sender: HTTP answers and failures, against the real server behind a fault proxy',
  { timeout: 120_000 },
  () => {
    let s: TestServer;
    let proxy: FaultProxy;
    let token: string;
    let sessionId: string;
    let client: SyncClient<PgliteStore> | undefined;
    beforeAll(async () => {
      // A small body limit, so that one oversized round is refused with a real 413 by the server itself.
      s = await startTestServer({ config: { bodyLimitBytes: 8 * 1024 } });
      proxy = await startFaultProxy(s.url);
      token = (await s.login(demo.users.waiterCentro)).accessToken;
      sessionId = await openTable(s, token, demo.tables(demo.centro.id)[0]!.id);
    });
    afterEach(async () => {
      await client?.close();
      client = undefined;
    });
    afterAll(async () => {
      await proxy?.close();
      await s?.close();
    });

    /** A client whose sender goes through the proxy; `maxRetryDelayMs` keeps its own backoff under 1 s. */
    const open = async () =>
      (client = await createSyncClient({
        baseUrl: proxy.url,
        auth: staticAuth(token),
        store: new PgliteStore(),
        maxRetryDelayMs: 1_000,
      }));

    /**
     * Until `release()`, every POST is answered 503 (so that what is queued leaves together, as one
     * batch); after it, `then(n, body)` decides the fault of the n-th POST (undefined: pass through).
     */
    let holding = true;
    let releasedFrom = 0;
    const script = (then: (n: number, json: unknown) => Fault | undefined) => {
      holding = true;
      let n = 0;
      proxy.setRule(({ path, json }) => {
        if (path !== MUTATIONS) return undefined;
        if (holding)
          return { kind: 'answer', status: 503, body: { error: { code: 'INTERNAL', message: 'busy' } } };
        return then(n++, json);
      });
    };
    /** Lets the POSTs through once one carrying exactly `ids` was held: the next tries carry them all. */
    const release = async (c: SyncClient<PgliteStore>, ids: string[]) => {
      const want = JSON.stringify(ids);
      const end = Date.now() + 20_000;
      while (!proxy.seen.some((r) => r.path === MUTATIONS && JSON.stringify(idsOf(r)) === want)) {
        if (Date.now() > end) throw new Error('the outbox never sent its whole queue');
        await new Promise((r) => setTimeout(r, 20));
      }
      releasedFrom = proxy.seen.length;
      holding = false;
      c.retryNow();
    };
    /** The POSTs since the release, as the proxy saw them. */
    const sent = () => proxy.seen.slice(releasedFrom).filter((r) => r.path === MUTATIONS);

    /** Queues `n` small rounds; returns their mutation ids. */
    const queueRounds = async (c: SyncClient<PgliteStore>, n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await c.mutate('round.submit', roundArgs(sessionId, demo.centro.id, [{ qty: 1 + i }]));
        if (!r.ok) throw new Error(r.message);
        ids.push(r.id);
      }
      return ids;
    };

    /** Each id applied exactly once: one stored result, `applied`, one audit row, its round on the server. */
    const appliedOnce = async (ids: string[]) => {
      const rows = await s.db.query<{ id: string; status: string; audits: number; rounds: number }>(
        `SELECT m.id::text, m.result->>'status' AS status,
              (SELECT count(*)::int FROM audit_log a WHERE a.mutation_id = m.id) AS audits,
              (SELECT count(*)::int FROM audit_log a JOIN round r ON r.id::text = a.args->>'roundId'
                WHERE a.mutation_id = m.id) AS rounds
         FROM applied_mutation m WHERE m.id = ANY($1) ORDER BY m.id`,
        [ids],
      );
      expect(rows).toEqual([...ids].sort().map((id) => ({ id, status: 'applied', audits: 1, rounds: 1 })));
    };

    it('retries a 503, and a 502 that came after the server had applied the batch; applies each once', async () => {
      const c = await open();
      script((n) => (n === 0 ? { kind: 'answer-after', status: 502 } : undefined));
      const ids = await queueRounds(c, 3);
      await release(c, ids);
      expect(await c.drained(30_000)).toBe(true);
      await appliedOnce(ids);
      expect(sent().map((p) => p.status)).toEqual([502, 200]);
      expect(sent().map(idsOf)).toEqual([ids, ids]);
      expect(c.rejections.get()).toEqual([]);
    });

    it('retries a 408, and waits at least Retry-After after a 429', async () => {
      const c = await open();
      script((n) =>
        n === 0
          ? { kind: 'answer', status: 408 }
          : n === 1
            ? {
                kind: 'answer',
                status: 429,
                headers: { 'retry-after': '2' },
                body: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
              }
            : undefined,
      );
      const ids = await queueRounds(c, 1);
      await release(c, ids);
      expect(await c.drained(30_000)).toBe(true);
      await appliedOnce(ids);
      const [the408, the429, last] = sent();
      expect(sent().map((p) => p.status)).toEqual([408, 429, 200]);
      // The client's own backoff is at most 1 s here (maxRetryDelayMs): only Retry-After explains 2 s.
      expect(last!.at - the429!.at).toBeGreaterThanOrEqual(2_000 - 5);
      expect(the429!.at - the408!.at).toBeLessThan(2_000);
    });

    it('sends a batch again, with the same ids, when its answer is cut mid-body or names other ids', async () => {
      const c = await open();
      script((n) => {
        if (n === 0) return { kind: 'cut-body', bytes: 40 };
        // A stranger's answer (misrouted, cached): results for other ids.
        if (n === 1)
          return {
            kind: 'rewrite',
            body: (json) => ({
              results: (json as { results: { id: string }[] }).results.map((r) => ({
                ...r,
                id: randomUUID(),
              })),
            }),
          };
        // One result short.
        if (n === 2)
          return {
            kind: 'rewrite',
            body: (json) => ({ results: (json as { results: unknown[] }).results.slice(1) }),
          };
        return undefined;
      });
      const ids = await queueRounds(c, 3);
      await release(c, ids);
      expect(await c.drained(30_000)).toBe(true);
      await appliedOnce(ids);
      // The server applied the batch on the first try; the retries got its stored answers.
      expect(sent().map((p) => p.fault)).toEqual(['cut-body', 'rewrite', 'rewrite', undefined]);
      expect(sent().map(idsOf)).toEqual([ids, ids, ids, ids]);
      expect(c.rejections.get()).toEqual([]);
    });

    it('after a 400 for a whole batch, sends one by one and rejects only the entry that is refused', async () => {
      const c = await open();
      let bad = '';
      // A gateway (or an older server) that refuses the whole request for one entry it can't take.
      script((_n, json) =>
        (json as { mutations: { id: string }[] }).mutations.some((m) => m.id === bad)
          ? {
              kind: 'answer',
              status: 400,
              body: { error: { code: 'VALIDATION_FAILED', message: 'mutations.1: refused' } },
            }
          : undefined,
      );
      const ids = await queueRounds(c, 4);
      bad = ids[1]!;
      await release(c, ids);
      expect(await c.drained(30_000)).toBe(true);
      await appliedOnce(ids.filter((id) => id !== bad));
      expect(await s.db.query('SELECT 1 FROM applied_mutation WHERE id = $1', [bad])).toEqual([]);
      expect(c.rejections.get()).toMatchObject([{ id: bad, code: 'VALIDATION_FAILED' }]);
      // The whole batch once, then one entry per request, in order.
      expect(sent().map(idsOf)).toEqual([ids, [ids[0]], [ids[1]], [ids[2]], [ids[3]]]);
      expect(sent().map((p) => p.status)).toEqual([400, 200, 400, 200, 200]);
    });

    it("finds the one mutation over the server's body limit (a real 413) and applies the others", async () => {
      const c = await open();
      script(() => undefined);
      const small = await queueRounds(c, 2);
      // 50 items with 200 characters of notes each: about 15 KB, over the server's 8 KB.
      const big = roundArgs(
        sessionId,
        demo.centro.id,
        Array.from({ length: 50 }, () => ({ qty: 1 })),
      );
      const items = big.items.map((i) => ({ ...i, notes: 'x'.repeat(200) }));
      const r = await c.mutate('round.submit', { ...big, items });
      if (!r.ok) throw new Error(r.message);
      const last = await queueRounds(c, 1);
      await release(c, [...small, r.id, ...last]);
      expect(await c.drained(30_000)).toBe(true);
      await appliedOnce([...small, ...last]);
      expect(c.rejections.get()).toMatchObject([{ id: r.id, code: 'PAYLOAD_TOO_LARGE' }]);
      expect(await s.db.query('SELECT 1 FROM round WHERE id = $1', [big.roundId])).toEqual([]);
      expect(sent().map((p) => [idsOf(p).length, p.status])).toEqual([
        [4, 413],
        [1, 200],
        [1, 200],
        [1, 413],
        [1, 200],
      ]);
    });
  },
);
