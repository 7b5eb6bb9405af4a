/** Password hashing with argon2id (OWASP's first choice), through the native @node-rs/argon2. */
import { hash, verify } from '@node-rs/argon2';

// OWASP 2024 minimum for argon2id: m=19 MiB, t=2, p=1 (the library's defaults, spelled out here).
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, PARAMS);

/** A hash of a password nobody has: verifying against it costs the same as a real check, so timing does not tell whether an email exists. */
let dummy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummy ??= hashPassword('no-such-user-password');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
