/** Access tokens for the sync client: a bearer to send, and a single-flight refresh with rotation. */
import type { LoginAnswer } from '@comanda/schema';

/** What the sync client needs from the app's sign-in. */
export interface SyncAuth {
  /** The current bearer token, or undefined when signed out. */
  token(): string | undefined;
  /**
   * Gets a new access token after a 401. Resolves true when there is one to retry with, false
   * when the session is over (sign in again). Concurrent calls share one refresh.
   */
  refresh(): Promise<boolean>;
  /** Called when the token changes (a refresh, or a new sign-in after the session ended). */
  onChange?(fn: () => void): () => void;
}

/** A token that cannot be refreshed, like a diner's: a 401 means the table session is over. */
export function staticAuth(token: string): SyncAuth {
  return { token: () => token, refresh: async () => false };
}

/** The pair a staff sign-in yields, as persisted by the app. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface StaffAuthOptions {
  baseUrl: string;
  tokens: TokenPair | undefined;
  /** Persist the rotated pair: the previous refresh token stops working once rotated. */
  onTokens?: (pair: TokenPair | undefined) => void;
  fetch?: typeof fetch;
}

/**
 * Staff tokens with rotation (POST /api/auth/refresh). One refresh at a time: the server kills
 * the old refresh token on rotation, so two racing refreshes would sign the person out.
 *
 * @example
 * const auth = new StaffAuth({ baseUrl, tokens: await login(), onTokens: save });
 * createSyncClient({ baseUrl, auth, store });
 */
export class StaffAuth implements SyncAuth {
  #pair: TokenPair | undefined;
  #inflight: Promise<boolean> | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #o: StaffAuthOptions;

  constructor(o: StaffAuthOptions) {
    this.#o = o;
    this.#pair = o.tokens;
  }

  token(): string | undefined {
    return this.#pair?.accessToken;
  }

  /** A new sign-in (after the session ended): the sender and shapes resume with it. */
  setTokens(pair: TokenPair | undefined): void {
    this.#pair = pair;
    this.#o.onTokens?.(pair);
    for (const fn of [...this.#listeners]) fn();
  }

  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  refresh(): Promise<boolean> {
    this.#inflight ??= this.#rotate().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Revokes the refresh token on the server (best effort) and forgets the pair. */
  async signOut(): Promise<void> {
    const pair = this.#pair;
    this.setTokens(undefined);
    if (!pair) return;
    await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: pair.refreshToken }),
    }).catch(() => undefined);
  }

  async #rotate(): Promise<boolean> {
    const pair = this.#pair;
    if (!pair) return false;
    const res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: pair.refreshToken }),
    });
    // 401: the refresh token is dead (expired, revoked, or rotated by another device's copy).
    if (res.status === 401 || res.status === 400) {
      this.setTokens(undefined);
      return false;
    }
    // Anything else (5xx, 429) is not an answer about the session: let the caller back off and retry.
    if (!res.ok) throw new Error(`refresh failed with HTTP ${res.status}`);
    const body = (await res.json()) as LoginAnswer;
    this.setTokens({ accessToken: body.accessToken, refreshToken: body.refreshToken });
    return true;
  }
}
