/** Server configuration from the environment, with the defaults of CONTRACT.md "Start". */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Config {
  port: number;
  host: string;
  /** PGlite data directory (embedded mode); undefined keeps the database in memory (tests). */
  dataDir?: string;
  databaseUrl?: string;
  electricUrl?: string;
  /** Electric's API secret (ELECTRIC_SECRET), added by the server when it forwards a shape; never sent to clients. */
  electricSecret?: string;
  /** Signing key for access, diner and table tokens. Without it one is made and kept in the database. */
  jwtSecret?: string;
  /** Public base URL printed in QR codes; defaults to the address the server listens on. */
  publicUrl?: string;
  /** Origins allowed by CORS besides the server's own. */
  corsOrigins: string[];
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  dinerTokenTtlSec: number;
  /** Login attempts per window, counted per client address and per email. */
  loginRateLimit: { windowMs: number; limit: number };
  /** QR joins per window and client address (a restaurant's guests often share one address). */
  joinRateLimit: { windowMs: number; limit: number };
  bodyLimitBytes: number;
  loadDemo: boolean;
  tlsCert?: string;
  tlsKey?: string;
  embedModelDir?: string;
  llmUrl?: string;
  /** Model name sent to LLM_URL (OpenAI-compatible or Ollama). */
  llmModel: string;
  llmTimeoutMs: number;
  /** POST /api/chat: per diner token (or staff member) and per client address. */
  chatRateLimit: { windowMs: number; perActor: number; perIp: number };
  logRequests: boolean;
  /** Folder holding the apps' builds (`<appsDir>/kitchen-pwa/dist`, ...); the repo's `apps/` by default. */
  appsDir: string;
  /** How long a live shape request waits for a change before answering up-to-date. */
  shapeLiveTimeoutMs: number;
  /** Change-log retention: older positions are trimmed and clients behind them refetch (409). */
  shapeLogRetentionMs: number;
  shapeTrimIntervalMs: number;
  /**
   * The change feed reads new positions when a commit notifies it; this is only the safety net for a
   * lost notification (a dropped LISTEN connection).
   */
  shapeFeedPollMs: number;
}

/** A setting that is present but unusable stops the start with a message naming it, instead of a silent default. */
export class ConfigError extends Error {}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const int = (name: string, dflt: number) => {
    const v = env[name];
    if (v === undefined || v === '') return dflt;
    if (!/^\d{1,12}$/.test(v)) throw new ConfigError(`${name} must be a whole number, got "${v}".`);
    return Number(v);
  };
  // HS256 keys shorter than the hash output weaken every token (RFC 7518 §3.2).
  if (env.JWT_SECRET && env.JWT_SECRET.length < 32)
    throw new ConfigError('JWT_SECRET must be at least 32 characters; leave it unset to have one generated.');
  if (env.PUBLIC_URL && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(env.PUBLIC_URL))
    throw new ConfigError(`PUBLIC_URL must be an http(s) URL, got "${env.PUBLIC_URL}".`);
  return {
    port: int('PORT', 3000),
    host: env.HOST ?? '0.0.0.0',
    dataDir: env.DATABASE_URL ? undefined : resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    electricUrl: env.ELECTRIC_URL || undefined,
    electricSecret: env.ELECTRIC_SECRET || undefined,
    jwtSecret: env.JWT_SECRET || undefined,
    publicUrl: env.PUBLIC_URL || undefined,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    accessTokenTtlSec: int('ACCESS_TOKEN_TTL_SEC', 15 * 60),
    refreshTokenTtlSec: int('REFRESH_TOKEN_TTL_SEC', 30 * 24 * 3600),
    dinerTokenTtlSec: int('DINER_TOKEN_TTL_SEC', 12 * 3600),
    loginRateLimit: { windowMs: int('LOGIN_RATE_WINDOW_MS', 60_000), limit: int('LOGIN_RATE_LIMIT', 10) },
    joinRateLimit: { windowMs: int('JOIN_RATE_WINDOW_MS', 60_000), limit: int('JOIN_RATE_LIMIT', 60) },
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 256 * 1024),
    loadDemo: env.LOAD_DEMO !== '0',
    tlsCert: env.TLS_CERT || undefined,
    tlsKey: env.TLS_KEY || undefined,
    embedModelDir: env.EMBED_MODEL_DIR || undefined,
    llmUrl: env.LLM_URL || undefined,
    llmModel: env.LLM_MODEL || 'llama3.2',
    llmTimeoutMs: int('LLM_TIMEOUT_MS', 8_000),
    chatRateLimit: {
      windowMs: int('CHAT_RATE_WINDOW_MS', 60_000),
      perActor: int('CHAT_RATE_LIMIT', 20),
      perIp: int('CHAT_RATE_LIMIT_IP', 120),
    },
    logRequests: env.LOG_REQUESTS === '1',
    appsDir: resolve(env.APPS_DIR ?? fileURLToPath(new URL('../../apps', import.meta.url))),
    shapeLiveTimeoutMs: int('SHAPE_LIVE_TIMEOUT_MS', 20_000),
    shapeLogRetentionMs: int('SHAPE_LOG_RETENTION_HOURS', 72) * 3_600_000,
    shapeTrimIntervalMs: int('SHAPE_TRIM_INTERVAL_MS', 10 * 60_000),
    shapeFeedPollMs: int('SHAPE_FEED_POLL_MS', 2_000),
  };
}

/** Defaults for tests: in-memory PGlite, no demo unless asked, generous limits (a rate-limit test sets its own). */
export function testConfig(over: Partial<Config> = {}): Config {
  return {
    ...configFromEnv({}),
    dataDir: undefined,
    port: 0,
    host: '127.0.0.1',
    jwtSecret: 'test-secret-0123456789abcdef0123456789abcdef',
    loginRateLimit: { windowMs: 60_000, limit: 10_000 },
    joinRateLimit: { windowMs: 60_000, limit: 10_000 },
    ...over,
  };
}
