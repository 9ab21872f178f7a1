/**
 * The API's configuration: the only place that reads `process.env`. Validated at start-up; a bad
 * value stops the process with a message naming the variable.
 */
import { CRYPTO_EXCHANGES, type CryptoExchangeId } from "@quantdb/core/crypto";
import { z } from "zod";

/** Empty strings count as unset, so `DATABASE_URL= pnpm start` means "embedded". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);

const envSchema = z.object({
  /** HTTP port of the API. */
  PORT: optional(z.coerce.number().int().min(0).max(65535).default(8000)),
  /** Interface to listen on; all interfaces when unset. */
  HOST: optional(z.string().optional()),
  /** PostgreSQL URL; when unset the embedded PGlite database in QUANTDB_DATA_DIR is used. */
  DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  /** Directory of the embedded database. */
  QUANTDB_DATA_DIR: optional(z.string().default("./.quantdb")),
  /**
   * `live` calls the real upstream sites; `replay` starts the bundled replay upstream (real recorded data, offline).
   */
  QUANTDB_UPSTREAM: optional(z.enum(["live", "replay"]).default("live")),
  /** Base URL of Eastmoney's push2his host (or the full kline endpoint URL). */
  QUANTDB_EASTMONEY_HISTORY_URL: optional(z.url().default("https://push2his.eastmoney.com")),
  /**
   * Base URL of Eastmoney's push2 host for the stock list (or the full `/api/qt/clist/get` URL); company info uses
   * QUANTDB_EASTMONEY_QUOTE_URL's host.
   */
  QUANTDB_EASTMONEY_LIST_URL: optional(z.url().default("https://push2.eastmoney.com")),
  /** Base URL of Eastmoney's push2 host for realtime quotes (or the full `/api/qt/ulist.np/get` URL). */
  QUANTDB_EASTMONEY_QUOTE_URL: optional(z.url().default("https://push2.eastmoney.com")),
  /** Seconds a realtime quote is reused while its exchange trades. */
  QUANTDB_REALTIME_TTL_SECONDS: optional(z.coerce.number().min(0).max(3600).default(15)),
  /** Live-quote poll interval, ms, for every market (default 3000 CN/HK, 2000 crypto). */
  QUANTDB_STREAM_INTERVAL_MS: optional(z.coerce.number().int().min(100).max(600_000).optional()),
  /** A stream whose writes have not completed for this long is closed, ms. */
  QUANTDB_STREAM_STALL_MS: optional(z.coerce.number().int().min(1000).max(3_600_000).default(30_000)),
  /**
   * Open live-quote streams (server-sent-event streams and WebSocket connections together) per client: per API key,
   * or per client IP without one; 429 TOO_MANY_STREAMS beyond; 0 = no limit.
   */
  QUANTDB_STREAM_MAX_PER_CLIENT: optional(z.coerce.number().int().min(0).max(1_000_000).default(100)),
  /**
   * Base URL of Eastmoney's datacenter host (financial reports: `/securities/api/data/get`,
   * `/securities/api/data/v1/get`).
   */
  QUANTDB_EASTMONEY_DATACENTER_URL: optional(z.url().default("https://datacenter.eastmoney.com")),
  /** Sina's A-share trading-date list, used to extend the A-share calendar. */
  QUANTDB_SINA_CALENDAR_URL: optional(z.url().default("https://finance.sina.com.cn/realstock/company/klc_td_sh.txt")),
  /**
   * Crypto exchanges served (ccxt ids, comma-separated, of binance, okx, bybit, coinbase, kraken). Default: all five
   * live; binance only in replay mode (the replay records binance alone).
   */
  QUANTDB_CRYPTO_EXCHANGES: optional(
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const ids = [
          ...new Set(
            v
              .split(",")
              .map((id) => id.trim().toLowerCase())
              .filter((id) => id !== ""),
          ),
        ];
        const unknown = ids.filter((id) => !(CRYPTO_EXCHANGES as readonly string[]).includes(id));
        if (unknown.length > 0 || ids.length === 0) {
          ctx.addIssue({ code: "custom", message: `expected a comma list of ${CRYPTO_EXCHANGES.join(", ")}` });
          return z.NEVER;
        }
        return ids as CryptoExchangeId[];
      }),
  ),
  /** Replaces every REST host of binance for ccxt (a replay, a fake exchange, a proxy); paths are kept. */
  QUANTDB_CCXT_BINANCE_URL: optional(z.url().optional()),
  /** Replaces every REST host of okx for ccxt. */
  QUANTDB_CCXT_OKX_URL: optional(z.url().optional()),
  /** Replaces every REST host of bybit for ccxt. */
  QUANTDB_CCXT_BYBIT_URL: optional(z.url().optional()),
  /** Replaces every REST host of coinbase for ccxt. */
  QUANTDB_CCXT_COINBASE_URL: optional(z.url().optional()),
  /** Replaces every REST host of kraken for ccxt. */
  QUANTDB_CCXT_KRAKEN_URL: optional(z.url().optional()),
  /** Per-call upstream timeout in milliseconds. */
  QUANTDB_UPSTREAM_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(60_000).default(8000)),
  /** Port of the replay upstream in replay mode (0 = any free port). */
  QUANTDB_REPLAY_PORT: optional(z.coerce.number().int().min(0).max(65535).default(0)),
  // --- upstream politeness (per upstream host; see docs/deploy.md) ---
  /** Upstream calls in flight at once per host; more wait in a queue. */
  QUANTDB_UPSTREAM_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64).default(2)),
  /**
   * Upstream calls started per second per host, evenly spaced (shared by all replicas on PostgreSQL); 0 = unlimited.
   */
  QUANTDB_UPSTREAM_RATE_PER_SECOND: optional(z.coerce.number().min(0).max(1000).default(3)),
  /** Retries of a call that failed retryably (reset, refused, timeout, 5xx), with exponential backoff and jitter. */
  QUANTDB_UPSTREAM_RETRIES: optional(z.coerce.number().int().min(0).max(10).default(2)),
  /**
   * Longest time one request may spend on upstream work, ms: waiting for another request's fetch of the same series,
   * the queue, rate budget, calls and retries; then 503 with Retry-After.
   */
  QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(600_000).default(10_000)),
  /**
   * Consecutive failed upstream calls that open a host's circuit breaker (a ban signal opens it at once); 0 = no
   * breaker.
   */
  QUANTDB_BREAKER_THRESHOLD: optional(z.coerce.number().int().min(0).max(1000).default(5)),
  /** How long an open circuit refuses calls to its host before one probe, ms. */
  QUANTDB_BREAKER_COOLDOWN_MS: optional(z.coerce.number().int().min(100).max(86_400_000).default(60_000)),
  // --- operations (see README "Command line") ---
  /**
   * On SIGTERM/SIGINT: how long requests in flight may take to finish before their connections are closed, ms (then the
   * database closes).
   */
  QUANTDB_SHUTDOWN_GRACE_MS: optional(z.coerce.number().int().min(0).max(600_000).default(10_000)),
  /**
   * `on`: the server runs the daily ingest after each session's close (pg-boss with DATABASE_URL, else in-process);
   * `off`: it does not.
   */
  QUANTDB_DAILY_INGEST: optional(z.enum(["on", "off"]).default("on")),
  /** Cron pattern (UTC) of the daily-ingest ticks; each tick runs only the sessions that are due and not yet run. */
  QUANTDB_DAILY_INGEST_CRON: optional(z.string().default("*/5 * * * *")),
  /**
   * MiB of serialised history answers kept in memory for reuse (bounded, least recently used out); 0 builds every
   * answer.
   */
  QUANTDB_BODY_CACHE_MB: optional(z.coerce.number().min(0).max(65_536).default(64)),
  /** Freeze the clock at this ISO 8601 instant (tests and replays of a past day); unset: the system clock. */
  QUANTDB_NOW: optional(z.iso.datetime({ offset: true }).optional()),
  // --- security and observability (see README "Security") ---
  /** Who needs an API key: `off` nobody, `admin` admin operations only, `all` every endpoint but /health and /ready. */
  QUANTDB_AUTH: optional(z.enum(["off", "admin", "all"]).default("admin")),
  /**
   * Failed authentications (unknown, revoked or malformed key) per client IP per minute before 429 with Retry-After (no
   * key lookup meanwhile); 0 = no limit.
   */
  QUANTDB_AUTH_FAILURES_PER_MINUTE: optional(z.coerce.number().int().min(0).max(1_000_000).default(20)),
  /** `off` disables the per-key / per-IP budget of upstream calls. */
  QUANTDB_RATE_LIMIT: optional(z.enum(["on", "off"]).default("on")),
  /**
   * Upstream calls per minute per key (or per client IP without a key): a request costs the upstream calls it makes
   * (retries included; a batch those of the symbols it fetches), an answer from the cache nothing; over budget a call
   * is refused with 429 RATE_LIMITED and Retry-After.
   */
  QUANTDB_RATE_LIMIT_PER_MINUTE: optional(z.coerce.number().int().min(1).max(1_000_000).default(600)),
  /** Dashboard port; its origin `http://localhost:${WEB_PORT}` is the default CORS allow-list. */
  WEB_PORT: optional(z.coerce.number().int().min(0).max(65535).default(3000)),
  /** Comma-separated CORS allow-list of origins (`*` = any origin); default the dashboard's origin. */
  QUANTDB_CORS_ORIGINS: optional(z.string().optional()),
  /** Largest request body accepted, bytes (413 beyond). */
  QUANTDB_MAX_BODY_BYTES: optional(z.coerce.number().int().min(1024).max(50_000_000).default(65_536)),
  /** Longest request target (path + query) accepted, characters (414 beyond). */
  QUANTDB_MAX_URL_LENGTH: optional(z.coerce.number().int().min(256).max(65_536).default(4096)),
  /** pino log level of the JSON request log. */
  QUANTDB_LOG_LEVEL: optional(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
  /** Whether request log lines include the client IP (off: not logged). */
  QUANTDB_LOG_CLIENT_IP: optional(z.stringbool().default(false)),
  /**
   * Proxies in front of the API whose X-Forwarded-For is trusted: `false`/0 (ignore the header), `true` (= 1) or a hop
   * count.
   */
  QUANTDB_TRUST_PROXY: optional(
    z
      .string()
      .default("false")
      .transform((v, ctx) => {
        const text = v.trim().toLowerCase();
        if (["false", "no", "off", "0"].includes(text)) return 0;
        if (["true", "yes", "on"].includes(text)) return 1;
        if (/^\d{1,2}$/.test(text)) return Number(text);
        ctx.addIssue({ code: "custom", message: "expected true, false or a hop count" });
        return z.NEVER;
      }),
  ),
  /** `off` removes GET /metrics. */
  QUANTDB_METRICS: optional(z.enum(["on", "off"]).default("on")),
  /** Whether /metrics stays open under QUANTDB_AUTH=all (otherwise a read key is needed, as for every endpoint). */
  QUANTDB_METRICS_PUBLIC: optional(z.stringbool().default(false)),
});

/** Validated configuration. */
export type Env = z.infer<typeof envSchema>;

/** The ccxt host overrides an environment names (`QUANTDB_CCXT_<EXCHANGE>_URL`), by exchange. */
export function ccxtUrlsFromEnv(env: Env): Partial<Record<CryptoExchangeId, string>> {
  const urls: Partial<Record<CryptoExchangeId, string>> = {};
  const named: Record<CryptoExchangeId, string | undefined> = {
    binance: env.QUANTDB_CCXT_BINANCE_URL,
    okx: env.QUANTDB_CCXT_OKX_URL,
    bybit: env.QUANTDB_CCXT_BYBIT_URL,
    coinbase: env.QUANTDB_CCXT_COINBASE_URL,
    kraken: env.QUANTDB_CCXT_KRAKEN_URL,
  };
  for (const id of CRYPTO_EXCHANGES) if (named[id] !== undefined) urls[id] = named[id];
  return urls;
}

/**
 * Read and validate the configuration.
 * @throws {Error} naming every invalid variable.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
