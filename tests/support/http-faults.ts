/**
 * An HTTP proxy in front of a test server that misbehaves on cue, one request at a time: answers
 * 503, 429 with Retry-After, or 400 itself; passes a request through and then loses or garbles the
 * answer (the server did the work, the client never learns it). The TCP chaos proxy cuts at random;
 * this one scripts what a gateway, a load balancer or a captive portal does to a single request.
 */
import http from 'node:http';

/** What to do with one request. Anything not listed passes through untouched. */
export type Fault =
  /** Answer `status` (with `headers` and `body`) without asking the server. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Ask the server, then answer `status` instead of its answer (a 502 from a gateway after the fact). */
  | { kind: 'answer-after'; status: number }
  /** Ask the server, send its headers and the first `bytes` of its body, then cut the connection. */
  | { kind: 'cut-body'; bytes: number }
  /** Ask the server, then change its JSON body before passing it on (a stranger's answer). */
  | { kind: 'rewrite'; body: (json: unknown) => unknown };

/** One request as the proxy saw it. */
export interface SeenRequest {
  at: number;
  method: string;
  path: string;
  body: string;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  /** What the client got (undefined when the connection was cut). */
  status?: number;
}

export interface FaultProxy {
  url: string;
  /**
   * Decides the fault of each request (undefined: pass through). Called with the request's path and
   * body (parsed JSON when it is JSON) in arrival order.
   */
  setRule(rule: (req: { method: string; path: string; json: unknown }) => Fault | undefined): void;
  /** Every request so far, in arrival order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

const readAll = (s: NodeJS.ReadableStream) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });

const parse = (b: Buffer) => {
  try {
    return JSON.parse(b.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

/** Starts a fault proxy to `target` (the test server's url) on a free local port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let rule: Parameters<FaultProxy['setRule']>[0] = () => undefined;
  const seen: SeenRequest[] = [];

  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const url = new URL(req.url ?? '/', target);
      const up = http.request(url, {
        method: req.method,
        headers: { ...req.headers, host: url.host, 'content-length': String(body.length) },
      });
      up.on('response', resolve);
      up.on('error', reject);
      up.end(body);
    });

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const path = new URL(req.url ?? '/', target).pathname;
      const entry: SeenRequest = {
        at: Date.now(),
        method: req.method ?? 'GET',
        path,
        body: body.toString('utf8'),
      };
      seen.push(entry);
      const fault = rule({ method: entry.method, path, json: parse(body) });
      entry.fault = fault?.kind;
      if (fault?.kind === 'answer') {
        const text = fault.body === undefined ? '' : JSON.stringify(fault.body);
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(text);
        return;
      }
      const up = await forward(req, body);
      const answer = await readAll(up);
      if (fault?.kind === 'answer-after') {
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'text/plain' });
        res.end('Bad Gateway');
        return;
      }
      const headers = { ...up.headers };
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      if (fault?.kind === 'cut-body') {
        // Declared whole, sent in part: the client sees a body that dies mid-way.
        res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(answer.length) });
        res.write(answer.subarray(0, Math.min(fault.bytes, answer.length - 1)));
        res.socket?.destroy();
        return;
      }
      const out = fault?.kind === 'rewrite' ? Buffer.from(JSON.stringify(fault.body(parse(answer)))) : answer;
      entry.status = up.statusCode;
      res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(out.length) });
      res.end(out);
    })().catch(() => {
      // The server went away under the proxy: the client sees a cut connection, as it would.
      res.socket?.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    setRule: (r) => {
      rule = r;
    },
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
