/**
 * Refresh tokens: opaque random strings, stored only as SHA-256, rotated on every use. Presenting a
 * token that was already rotated means it leaked: the whole family is revoked (OAuth 2.0 Security BCP §4.14).
 */
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Db, Queryable } from '../db/index.ts';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export async function issueRefreshToken(
  q: Queryable,
  user: { id: string; tenantId: string },
  ttlSec: number,
  familyId: string = uuidv7(),
): Promise<{ token: string; id: string }> {
  const token = randomBytes(32).toString('base64url');
  const id = uuidv7();
  await q.query(
    `INSERT INTO refresh_token (id, user_id, tenant_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [id, user.id, user.tenantId, familyId, digest(token), ttlSec],
  );
  return { token, id };
}

export type RotateResult = { ok: true; userId: string; token: string } | { ok: false };

/**
 * How long the previous token of a family stays usable while its successor is unused. A refresh whose
 * answer was lost on the restaurant's Wi-Fi is retried with the old token: without this window that
 * retry would look like theft and sign the person out on every device of the family.
 */
export const REFRESH_RETRY_GRACE_SEC = 60;

/**
 * Swaps a valid refresh token for a new one of the same family. Presenting a rotated token again is
 * reuse, and revokes the family, unless it is the retry of a lost answer: rotated less than
 * REFRESH_RETRY_GRACE_SEC ago and its successor never used. Then the unused successor is retired and
 * a new one issued, so a family never has more than one live token.
 */
export async function rotateRefreshToken(db: Db, token: string, ttlSec: number): Promise<RotateResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{
      id: string;
      user_id: string;
      tenant_id: string;
      family_id: string;
      revoked: boolean;
      retry: boolean;
      replaced_by: string | null;
      expired: boolean;
      active: boolean;
    }>(
      `SELECT t.id, t.user_id, t.tenant_id, t.family_id, t.revoked_at IS NOT NULL AS revoked,
              t.replaced_by IS NOT NULL AND t.revoked_at > now() - make_interval(secs => $2) AS retry,
              t.replaced_by, t.expires_at <= now() AS expired, u.active
         FROM refresh_token t JOIN app_user u ON u.id = t.user_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [digest(token), REFRESH_RETRY_GRACE_SEC],
    );
    if (!row) return { ok: false };
    if (row.revoked) {
      if (row.retry && !row.expired && row.active) {
        const next = await issueRefreshToken(
          tx,
          { id: row.user_id, tenantId: row.tenant_id },
          ttlSec,
          row.family_id,
        );
        // Retire the successor only if nobody used it yet (the UPDATE re-checks under its row lock). It
        // points at the new token too, so a copy of it that did arrive somewhere can retry the same way.
        const retired = await tx.query(
          'UPDATE refresh_token SET revoked_at = now(), replaced_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
          [row.replaced_by, next.id],
        );
        if (retired.length > 0) {
          await tx.query('UPDATE refresh_token SET replaced_by = $2 WHERE id = $1', [row.id, next.id]);
          return { ok: true, userId: row.user_id, token: next.token };
        }
      }
      // Reuse of a rotated token: somebody else may hold the family. End it for everyone.
      await tx.query(
        'UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
        [row.family_id],
      );
      return { ok: false };
    }
    if (row.expired || !row.active) return { ok: false };
    const next = await issueRefreshToken(
      tx,
      { id: row.user_id, tenantId: row.tenant_id },
      ttlSec,
      row.family_id,
    );
    await tx.query('UPDATE refresh_token SET revoked_at = now(), replaced_by = $2 WHERE id = $1', [
      row.id,
      next.id,
    ]);
    return { ok: true, userId: row.user_id, token: next.token };
  });
}

/** Revokes the token's whole family (sign-out on this device). Unknown tokens are ignored. */
export async function revokeRefreshToken(db: Db, token: string): Promise<void> {
  await db.query(
    `UPDATE refresh_token SET revoked_at = now()
      WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_token WHERE token_hash = $1)`,
    [digest(token)],
  );
}
