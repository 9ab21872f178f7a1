/**
 * How the HTTP layer guards and reports on itself: auth, rate limits, CORS, size limits, logging
 * and metrics. The server entry builds these from the environment ({@link httpOptionsFromEnv});
 * an app built without them (tests, the SDK's embedded mode, which has no network listener) is
 * open: auth off, no rate limit, silent logs.
 */
import type { ApiKeyStore, AuthMode } from "@quantdb/core/auth";
import type { Clock } from "@quantdb/core/clock";
import type { Logger } from "pino";
import type { Env } from "../env.ts";

/** Options of the HTTP layer (see `createApp`). */
export interface HttpOptions {
  /** Who needs a key. @default "off" (server: QUANTDB_AUTH, default "admin") */
  auth?: AuthMode;
  /** Where keys are looked up by hash; required unless `auth` is "off". */
  apiKeys?: ApiKeyStore;
  /**
   * This process's local admin token (a `qdb_…` key that is not in the key table): accepted as an
   * admin key, only from this machine and not through a proxy. The server entry makes one per
   * process and records it in the data directory's lock (mode 0600) for the `quantdb` CLI.
   */
  localAdminToken?: string | undefined;
  /**
   * Upstream calls per minute per key (or per client IP without a key): requests are charged the upstream calls they
   * make, an answer from the cache nothing (see middleware/rate-limit.ts); `false` = no limit. @default false
   * (server: QUANTDB_RATE_LIMIT_PER_MINUTE, default 600)
   */
  rateLimitPerMinute?: number | false;
  /** What the rate limit's one-minute windows are timed with (tests). @default the system clock */
  rateLimitClock?: Clock;
  /**
   * Failed authentications per client IP per minute before 429 (no key lookup); `false` = no limit. @default false
   * (server: QUANTDB_AUTH_FAILURES_PER_MINUTE, default 20)
   */
  authFailuresPerMinute?: number | false;
  /** CORS allow-list of origins; `["*"]` = any. @default ["http://localhost:3000"] */
  corsOrigins?: string[];
  /** Largest request body, bytes. @default 65536 */
  maxBodyBytes?: number;
  /** Longest request target (path + query), characters. @default 4096 */
  maxUrlLength?: number;
  /** Request log; @default a silent logger */
  logger?: Logger;
  /** Whether log lines carry the client IP. @default false */
  logClientIp?: boolean;
  /** Trusted proxy hops in front of the API (0 = ignore X-Forwarded-For). @default 0 */
  trustProxy?: number;
  /**
   * Seconds a stream token from `POST /api/v1/stream/tokens` is accepted (the `?token=` of the stream routes, for
   * browsers' EventSource, which cannot send a key header). @default 60
   */
  streamTokenTtlSeconds?: number;
  /**
   * What stream tokens are issued and checked with (tests). @default the system clock, so a frozen QUANTDB_NOW never
   * keeps a token valid
   */
  streamTokenClock?: Clock;
  /**
   * Interval of the WebSocket keep-alive pings (`GET /api/v1/ws`), ms; a connection that did not answer the previous
   * ping is terminated. @default 15000
   */
  webSocketPingMs?: number;
  /** Serve GET /metrics. @default true */
  metrics?: boolean;
  /** Keep /metrics open under auth "all". @default false */
  metricsPublic?: boolean;
  /**
   * Include prom-client's default Node process metrics (CPU, memory, event loop, GC) in /metrics.
   * They describe the whole process, so only the server entry turns them on. @default false
   */
  processMetrics?: boolean;
}

/** The HTTP options an environment names (the logger and key store are added by the caller). */
export function httpOptionsFromEnv(env: Env): Omit<HttpOptions, "apiKeys" | "logger"> {
  const origins = (env.QUANTDB_CORS_ORIGINS ?? `http://localhost:${env.WEB_PORT}`)
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter((o) => o !== "");
  return {
    auth: env.QUANTDB_AUTH,
    rateLimitPerMinute: env.QUANTDB_RATE_LIMIT === "off" ? false : env.QUANTDB_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: env.QUANTDB_AUTH_FAILURES_PER_MINUTE === 0 ? false : env.QUANTDB_AUTH_FAILURES_PER_MINUTE,
    corsOrigins: origins,
    maxBodyBytes: env.QUANTDB_MAX_BODY_BYTES,
    maxUrlLength: env.QUANTDB_MAX_URL_LENGTH,
    logClientIp: env.QUANTDB_LOG_CLIENT_IP,
    trustProxy: env.QUANTDB_TRUST_PROXY,
    metrics: env.QUANTDB_METRICS === "on",
    metricsPublic: env.QUANTDB_METRICS_PUBLIC,
    processMetrics: true,
  };
}
