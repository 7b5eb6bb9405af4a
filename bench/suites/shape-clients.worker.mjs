/**
 * A worker thread holding some of the benchmark's live clients following one shape: the first
 * workerData.streams are real ShapeStreams, the rest protocol-level clients. It reports when all are up to date; when client i first holds the watched row id (the
 * main thread sets it), it writes the time into slot i of a shared array (on the clock shared by
 * every thread: performance.timeOrigin + performance.now()). Shared memory, not a message per row:
 * posting one message per client and change cost the clients' threads about a tenth of their CPU.
 */
import http from 'node:http';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { ShapeStream } from '@electric-sql/client';

// Plain JavaScript: a worker thread does not inherit tsx's loader on Node 20.
const { url, token, count, times, watched } = workerData;
const seenAt = new Float64Array(times);
const watchedId = new Uint8Array(watched);
const decoder = new TextDecoder();
const watchedText = () => {
  const end = watchedId.indexOf(0);
  return decoder.decode(watchedId.slice(0, end < 0 ? undefined : end));
};
const now = () => performance.timeOrigin + performance.now();
/**
 * The clients' fetch: node:http over kept-alive connections, answering with a standard Response.
 * Real clients each have a device of their own; here 200 of them share the server's 2 cores, and
 * Node's built-in fetch costs about 0.2 ms more CPU per answer (1.66 against 1.46 ms per delivery
 * with 200 ShapeStreams). ShapeStream takes any fetch-compatible function (`fetchClient`);
 * BENCH_SHAPES_FETCH=builtin uses Node's fetch instead.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const NO_BODY = new Set([101, 204, 205, 304]);
function leanFetch(input, init = {}) {
  const url = new URL(String(input));
  const headers = {};
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: init.method ?? 'GET',
        headers,
        agent,
        signal: init.signal ?? undefined,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) out.append(k, x);
          const status = res.statusCode ?? 0;
          resolve(new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: out }));
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
const fetchClient = workerData.leanFetch ? leanFetch : undefined;
const controllers = [];
let ready = 0;
const seen = (i, msgs, t, state) => {
  let id;
  for (const m of msgs) {
    if ('key' in m) {
      id ??= watchedText();
      if (String(m.value.id) === id) seenAt[i] = t;
    } else if (m.headers.control === 'up-to-date' && !state.up) {
      state.up = true;
      if (++ready === count) parentPort.postMessage({ ready: true });
    }
  }
};

/**
 * One connection speaking just enough HTTP/1.1 for the shape protocol, as load generators such as wrk
 * do: GET with keep-alive, answers with a content-length (the server always sends one for shapes).
 * Node's http.request costs several times more CPU per request, and here that CPU is the server's.
 */
function connection(signal) {
  const target = new URL(url);
  const socket = net.connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let pending;
  const fail = (e) => {
    if (pending) pending.reject(e);
    pending = undefined;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  signal.addEventListener('abort', () => socket.destroy());
  socket.on('data', (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    if (!pending) return;
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['content-length'] === undefined) return fail(new Error('answer without content-length'));
    const length = Number(headers['content-length']);
    if (buffered.length < end + 4 + length) return;
    const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    buffered = buffered.subarray(end + 4 + length);
    const done = pending;
    pending = undefined;
    done.resolve({ status: Number(lines[0].split(' ')[1]), headers, body });
  });
  const head = `Host: ${target.host}\r\nAuthorization: Bearer ${token}\r\nConnection: keep-alive\r\n\r\n`;
  return (path) =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      socket.write(`GET ${path} HTTP/1.1\r\n${head}`);
    });
}

/**
 * A protocol-level client (the slots after the first workerData.streams): the long-poll loop of the shape
 * protocol and nothing else (handle, offset, cursor, live, must-refetch), parsing each answer's JSON
 * as a device would. It costs a fraction of a ShapeStream's CPU, so 200 of them on the server's own 2
 * cores stand for 200 devices better: what is measured is then mostly the server.
 */
async function protocolClient(i, signal) {
  const path = new URL(url).pathname;
  const get = connection(signal);
  const state = { up: false };
  let handle;
  let offset = '-1';
  let cursor;
  while (!signal.aborted) {
    const q = new URLSearchParams({ offset });
    if (handle) q.set('handle', handle);
    if (state.up) {
      q.set('live', 'true');
      if (cursor) q.set('cursor', cursor);
    }
    let res;
    try {
      res = await get(`${path}?${q}`);
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    if (res.status === 409) {
      handle = res.headers['electric-handle'];
      offset = '-1';
      state.up = false;
      continue;
    }
    if (res.status !== 200) throw new Error(`shape request: ${res.status} ${res.body.slice(0, 200)}`);
    seen(i, JSON.parse(res.body), now(), state);
    handle = res.headers['electric-handle'];
    offset = res.headers['electric-offset'];
    cursor = res.headers['electric-cursor'];
  }
}

for (let i = 0; i < count; i++) {
  const controller = new AbortController();
  controllers.push(controller);
  if (i >= (workerData.streams ?? count)) {
    void protocolClient(i, controller.signal);
    continue;
  }
  const stream = new ShapeStream({
    url,
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
    ...(fetchClient ? { fetchClient } : {}),
  });
  const state = { up: false };
  stream.subscribe((msgs) => seen(i, msgs, now(), state));
}
parentPort.on('message', (m) => {
  if (m.stop) {
    for (const c of controllers) c.abort();
    parentPort.postMessage({ stopped: true });
  }
});
