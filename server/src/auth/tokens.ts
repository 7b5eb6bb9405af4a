/**
 * Signed tokens (HS256 JWT through hono/jwt). Three kinds, told apart by `typ` so one can never
 * stand in for another: staff access tokens, diner tokens bound to one table session, and the
 * table tokens printed in QR codes.
 */
import type { BranchRole, Role } from '@comanda/schema';
import { sign, verify } from 'hono/jwt';

export interface AccessClaims {
  typ: 'access';
  sub: string;
  tid: string;
  /** [branchId, role] pairs. */
  roles: [string, Role][];
  iat: number;
  exp: number;
}

export interface DinerClaims {
  typ: 'diner';
  sub: string;
  sid: string;
  tid: string;
  bid: string;
  tbl: string;
  iat: number;
  exp: number;
}

export interface TableClaims {
  typ: 'table';
  tbl: string;
  tid: string;
  bid: string;
  /** dining_table.qr_version: bumping it invalidates every printed QR of that table. */
  v: number;
}

export type AnyClaims = AccessClaims | DinerClaims | TableClaims;

const now = () => Math.floor(Date.now() / 1000);

const VERIFIED_CACHE_SIZE = 10_000;

export class Tokens {
  readonly #verified = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly secret: string,
    private readonly ttl: { access: number; diner: number },
  ) {}

  access(userId: string, tenantId: string, roles: BranchRole[]): Promise<string> {
    const iat = now();
    const claims: AccessClaims = {
      typ: 'access',
      sub: userId,
      tid: tenantId,
      roles: roles.map((r) => [r.branchId, r.role]),
      iat,
      exp: iat + this.ttl.access,
    };
    return sign({ ...claims }, this.secret, 'HS256');
  }

  diner(c: Omit<DinerClaims, 'typ' | 'iat' | 'exp'>): Promise<string> {
    const iat = now();
    return sign({ typ: 'diner', ...c, iat, exp: iat + this.ttl.diner }, this.secret, 'HS256');
  }

  table(c: Omit<TableClaims, 'typ'>): Promise<string> {
    return sign({ typ: 'table', ...c }, this.secret, 'HS256');
  }

  /**
   * Verifies signature (HS256 only: `alg: none` and any other algorithm fail), expiry, and kind.
   * Returns null for anything but a valid token of one of the kinds in `typ`. Access and diner tokens
   * must carry `exp`: hono/jwt only checks expiry when the claim is present.
   */
  async verify<K extends AnyClaims['typ']>(
    token: string,
    ...typ: K[]
  ): Promise<Extract<AnyClaims, { typ: K }> | null> {
    let claims = this.#verified.get(token);
    if (claims && typeof claims.exp === 'number' && claims.exp <= now()) {
      this.#verified.delete(token);
      return null;
    }
    if (!claims) {
      try {
        claims = (await verify(token, this.secret, 'HS256')) as Record<string, unknown>;
      } catch {
        return null;
      }
      // Every live shape request and every mutation batch carries the same token: its signature is
      // checked once (WebCrypto's import + HMAC was a fifth of the server's CPU with 200 live
      // clients), and expiry on every use. Only valid tokens are kept, the oldest dropped first.
      if (this.#verified.size >= VERIFIED_CACHE_SIZE)
        this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, claims);
    }
    if (!typ.includes(claims.typ as K)) return null;
    if (claims.typ !== 'table' && typeof claims.exp !== 'number') return null;
    return claims as unknown as Extract<AnyClaims, { typ: K }>;
  }
}
