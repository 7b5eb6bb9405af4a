/** The signed-in kitchen session: tokens and chosen branch kept on the device, so a reload (even offline) stays signed in. */
import type { LoginAnswer, SessionUser } from '@comanda/schema';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  user: SessionUser;
  /** The branch this screen shows; null until chosen when the person works in several. */
  branchId: string | null;
}

const KEY = 'comanda.kitchen.session';
/** Roles that may run the kitchen screen (round.ready is KITCHEN, MANAGER or ADMIN). */
const KITCHEN_ROLES = new Set(['KITCHEN', 'MANAGER', 'ADMIN']);

export type SignInResult =
  | { ok: true; session: StoredSession }
  | { ok: false; reason: 'credentials' | 'no-role' | 'offline' | 'failed' };

/** Branches where the user may work the kitchen. */
export const kitchenBranches = (user: SessionUser) => [
  ...new Set(user.roles.filter((r) => KITCHEN_ROLES.has(r.role)).map((r) => r.branchId)),
];

export function loadSession(): StoredSession | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as StoredSession | null;
    return s?.accessToken && s.user ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: StoredSession | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

async function post<T>(path: string, body: unknown): Promise<{ status: number; json: T | null }> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as T | null };
}

/** POST /api/auth/login; picks the only kitchen branch when there is one. */
export async function signIn(email: string, password: string): Promise<SignInResult> {
  let res: Awaited<ReturnType<typeof post<LoginAnswer>>>;
  try {
    res = await post<LoginAnswer>('/api/auth/login', { email, password });
  } catch {
    return { ok: false, reason: navigator.onLine ? 'failed' : 'offline' };
  }
  if (res.status === 401 || res.status === 400) return { ok: false, reason: 'credentials' };
  if (res.status !== 200 || !res.json) return { ok: false, reason: 'failed' };
  const branches = kitchenBranches(res.json.user);
  if (!branches.length) return { ok: false, reason: 'no-role' };
  const session: StoredSession = { ...res.json, branchId: branches.length === 1 ? branches[0]! : null };
  saveSession(session);
  return { ok: true, session };
}

/** Revokes the refresh token (best effort: offline sign-out still signs out locally). */
export async function signOut(): Promise<void> {
  const s = loadSession();
  saveSession(null);
  if (s) await post('/api/auth/logout', { refreshToken: s.refreshToken }).catch(() => undefined);
}
