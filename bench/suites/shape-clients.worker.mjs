/**
 * A worker thread holding some of the benchmark's live clients: real ShapeStreams following one
 * shape. It reports when all are up to date; when client i first holds the watched row id (the
 * main thread sets it), it writes the time into slot i of a shared array (on the clock shared by
 * every thread: performance.timeOrigin + performance.now()). Shared memory, not a message per row:
 * posting one message per client and change cost the clients' threads about a tenth of their CPU.
 */
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
const controllers = [];
let ready = 0;
for (let i = 0; i < count; i++) {
  const controller = new AbortController();
  controllers.push(controller);
  const stream = new ShapeStream({
    url,
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  let up = false;
  stream.subscribe((msgs) => {
    const t = now();
    let id;
    for (const m of msgs) {
      if ('key' in m) {
        id ??= watchedText();
        if (String(m.value.id) === id) seenAt[i] = t;
      } else if (m.headers.control === 'up-to-date' && !up) {
        up = true;
        if (++ready === count) parentPort.postMessage({ ready: true });
      }
    }
  });
}
parentPort.on('message', (m) => {
  if (m.stop) {
    for (const c of controllers) c.abort();
    parentPort.postMessage({ stopped: true });
  }
});
