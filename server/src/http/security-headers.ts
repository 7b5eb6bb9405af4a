/** The security headers of every answer (hono's secureHeaders), and the same set as a plain object for answers written directly. */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export const securityHeadersMiddleware: MiddlewareHandler = secureHeaders({
  // The apps load PGlite's WASM and talk to this origin only.
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    connectSrc: ["'self'"],
    workerSrc: ["'self'", 'blob:'],
    frameAncestors: ["'none'"],
  },
  crossOriginEmbedderPolicy: false,
});

let pairs: Record<string, string> | undefined;

/**
 * The headers the middleware sets, read once by running it on an empty answer (it has no per-request
 * parts: no nonce), so an answer written straight to the socket carries exactly the same ones.
 */
export async function securityHeaders(): Promise<Readonly<Record<string, string>>> {
  if (pairs) return pairs;
  const res = { headers: new Headers() };
  await securityHeadersMiddleware({ res } as never, async () => {});
  pairs = Object.fromEntries(res.headers);
  return pairs;
}
