import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config.ts';

describe('configFromEnv', () => {
  it('uses the documented defaults', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      corsOrigins: [],
      accessTokenTtlSec: 900,
      refreshTokenTtlSec: 2_592_000,
      dinerTokenTtlSec: 43_200,
      loginRateLimit: { windowMs: 60_000, limit: 10 },
      joinRateLimit: { windowMs: 60_000, limit: 60 },
      bodyLimitBytes: 262_144,
      loadDemo: true,
      logRequests: false,
    });
    expect(c.jwtSecret).toBeUndefined();
    expect(c.publicUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/[/\\]data$/);
  });

  it('reads what is set', () => {
    const c = configFromEnv({
      PORT: '8080',
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      LOGIN_RATE_LIMIT: '3',
      DATABASE_URL: 'postgres://x@h/db',
      LOAD_DEMO: '0',
    });
    expect(c).toMatchObject({
      port: 8080,
      corsOrigins: ['https://a.example', 'https://b.example'],
      loginRateLimit: { limit: 3 },
      databaseUrl: 'postgres://x@h/db',
      dataDir: undefined,
      loadDemo: false,
    });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ BODY_LIMIT_BYTES: '-1' }, /BODY_LIMIT_BYTES/],
    [{ ACCESS_TOKEN_TTL_SEC: '1.5' }, /ACCESS_TOKEN_TTL_SEC/],
    [{ JWT_SECRET: 'short-secret' }, /JWT_SECRET/],
    [{ PUBLIC_URL: 'resto.example' }, /PUBLIC_URL/],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, /PUBLIC_URL/],
  ])('stops on an unusable setting %o', (env, name) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(name);
  });
});
