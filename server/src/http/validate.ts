/** Input validation at the edge: JSON bodies checked against the shared zod schemas. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from './errors.ts';

/** Parses the JSON body with `schema`, or answers 400 VALIDATION_FAILED with the first issues. */
export async function parseJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const body = await c.req.json().catch(() => {
    throw new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');
  });
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new AppError('VALIDATION_FAILED', 'The request is not valid.', {
      issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  return parsed.data;
}
