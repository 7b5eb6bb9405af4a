/** Arguments as the audit log keeps them: any JSON a client sent, made safe for a jsonb column and bounded. */

const MAX_DEPTH = 16;
const MAX_CHARS = 8_000;
const TRUNCATED = { truncated: true } as const;

// PostgreSQL text and jsonb can't hold U+0000 or a lone UTF-16 surrogate; the audit keeps a visible stand-in.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (s: string) => s.replace(UNSTORABLE, '\uFFFD');

/**
 * A copy of `value` that PostgreSQL's jsonb accepts, or `{truncated: true}` when it is deeper than 16
 * levels or longer than 8,000 characters. Works without recursion on the input, so a body nested
 * 100,000 levels deep is just "truncated", not a stack overflow.
 *
 * @example storable({ notes: 'sin sal\u0000' }) // { notes: 'sin sal\uFFFD' }
 */
export function storable(value: unknown): unknown {
  let chars = 0;
  const copy = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH || chars > MAX_CHARS) throw TRUNCATED;
    if (typeof v === 'string') {
      chars += v.length;
      return clean(v);
    }
    if (v === null || typeof v === 'number' || typeof v === 'boolean') {
      chars += 5;
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1));
    if (typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        chars += k.length;
        out[clean(k)] = copy(x, depth + 1);
      }
      return out;
    }
    return null;
  };
  try {
    const out = copy(value ?? null, 0);
    return chars > MAX_CHARS ? TRUNCATED : out;
  } catch (e) {
    if (e === TRUNCATED) return TRUNCATED;
    throw e;
  }
}
