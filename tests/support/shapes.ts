/** Following our shapes with the real @electric-sql/client, for tests and benchmarks. */
import { type Row, Shape, ShapeStream, type ShapeStreamOptions } from '@electric-sql/client';
import type { TestServer } from './server.ts';

type T = Row;

export interface Followed {
  stream: ShapeStream;
  shape: Shape;
  /** Resolves with the rows once `pred` holds (checked on every change), or rejects after `ms`. */
  until(pred: (rows: T[]) => boolean, ms?: number): Promise<T[]>;
  stop(): void;
}

/** Opens a live ShapeStream on /api/shapes/<name> with `token`. */
export function follow(
  s: Pick<TestServer, 'url'>,
  token: string,
  name: string,
  opts: Partial<ShapeStreamOptions> & { params?: Record<string, string> } = {},
): Followed {
  const controller = new AbortController();
  const stream = new ShapeStream({
    url: `${s.url}/api/shapes/${name}`,
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
    ...opts,
  });
  const shape = new Shape(stream);
  return {
    stream,
    shape,
    until(pred, ms = 15_000) {
      return new Promise<T[]>((resolve, reject) => {
        let unsub = () => {};
        const check = () => {
          if (!shape.isUpToDate) return false;
          const rows = shape.currentRows;
          if (!pred(rows)) return false;
          clearTimeout(timer);
          unsub();
          resolve(rows);
          return true;
        };
        const timer = setTimeout(() => {
          unsub();
          reject(
            new Error(
              `shape ${name}: condition not met in ${ms} ms; rows: ${JSON.stringify(shape.currentRows).slice(0, 500)}`,
            ),
          );
        }, ms);
        unsub = shape.subscribe(() => {
          check();
        });
        check();
      });
    },
    stop() {
      controller.abort();
      stream.unsubscribeAll();
    },
  };
}

/** GET a shape URL directly and return status, headers and parsed body. */
export async function getShape(s: TestServer, token: string | undefined, path: string) {
  const res = await s.fetch(`/api/shapes/${path}`, token ? { token } : {});
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as any };
}
