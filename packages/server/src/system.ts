/**
 * The whole QuantDB system over an open database, without a network listener: services wired to
 * the upstream sites (or a replay) and the HTTP app around them. Used by the server entry and by
 * the SDK's embedded mode, so both answer exactly alike.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { CalendarExtension } from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import { CcxtSource, CRYPTO_EXCHANGES, type CryptoExchangeId } from "@quantdb/core/crypto";
import { EastmoneyHistoryClient, EastmoneyQuoteClient } from "@quantdb/core/eastmoney";
import { EastmoneyInfoClient, EastmoneyListClient } from "@quantdb/core/lists";
import {
  PASS_THROUGH_UPSTREAM_POLICY,
  rateBudgetFrom,
  evenRateOptions,
  UpstreamPolicies,
  type UpstreamPolicyConfig,
} from "@quantdb/core/upstream";
import type { SeriesLock } from "@quantdb/core/history";
import {
  createAdvisoryLocks,
  createPostgresRateLimiter,
  openCoordinationPool,
  createPostgresQuoteRelay,
  watchCalendarExtensions,
  type CoordinationPool,
  type DatabaseHandle,
} from "@quantdb/db";
import { createApp } from "./app.ts";
import type { HttpOptions } from "./middleware/options.ts";
import type { AppEnv, Services } from "./context.ts";
import { ccxtUrlsFromEnv, type Env } from "./env.ts";
import { createServices } from "./services.ts";
import { startDailyIngest, type IngestScheduler } from "./jobs/index.ts";

/** Base URLs of every upstream QuantDB calls. */
export interface UpstreamUrls {
  /** Eastmoney push2his (daily klines). */
  eastmoneyHistory: string;
  /** Eastmoney push2 for realtime quotes (ulist) and company info (stock/get). */
  eastmoneyQuote: string;
  /** Eastmoney push2 for stock lists (clist). */
  eastmoneyList: string;
  /** Eastmoney datacenter (financial reports). */
  eastmoneyDatacenter: string;
  /** Sina's A-share trading-date list. */
  sinaCalendar: string;
  /**
   * Per crypto exchange, a base URL replacing every REST host ccxt would call (`QUANTDB_CCXT_<EXCHANGE>_URL`; the
   * replay for binance). Exchanges not named here are called on their real hosts.
   */
  ccxt?: Partial<Record<CryptoExchangeId, string>>;
}

/** The upstream URLs a validated environment names. */
export function upstreamUrlsFromEnv(env: Env): UpstreamUrls {
  return {
    eastmoneyHistory: env.QUANTDB_EASTMONEY_HISTORY_URL,
    eastmoneyQuote: env.QUANTDB_EASTMONEY_QUOTE_URL,
    eastmoneyList: env.QUANTDB_EASTMONEY_LIST_URL,
    eastmoneyDatacenter: env.QUANTDB_EASTMONEY_DATACENTER_URL,
    sinaCalendar: env.QUANTDB_SINA_CALENDAR_URL,
    ccxt: ccxtUrlsFromEnv(env),
  };
}

/** The upstream politeness policy a validated environment names (concurrency, rate, retries, breaker). */
export function upstreamPolicyFromEnv(env: Env): Partial<UpstreamPolicyConfig> {
  return {
    concurrency: env.QUANTDB_UPSTREAM_CONCURRENCY,
    ratePerSecond: env.QUANTDB_UPSTREAM_RATE_PER_SECOND,
    retries: env.QUANTDB_UPSTREAM_RETRIES,
    totalTimeoutMs: env.QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS,
    breakerThreshold: env.QUANTDB_BREAKER_THRESHOLD,
    breakerCooldownMs: env.QUANTDB_BREAKER_COOLDOWN_MS,
  };
}

/** Every upstream pointed at one replay server (`@quantdb/replay`). */
export function replayUrls(replay: { url: string; sinaTradeDatesUrl: string }): UpstreamUrls {
  return {
    eastmoneyHistory: replay.url,
    eastmoneyQuote: replay.url,
    eastmoneyList: replay.url,
    eastmoneyDatacenter: replay.url,
    sinaCalendar: replay.sinaTradeDatesUrl,
    // The replay answers binance's public spot REST API from recorded klines (packages/replay/src/binance.ts).
    ccxt: { binance: replay.url },
  };
}

/** Options of {@link createSystem}. */
export interface SystemOptions {
  database: DatabaseHandle;
  clock: Clock;
  urls: UpstreamUrls;
  /** Per-call upstream timeout, ms. */
  timeoutMs: number;
  /** Seconds a realtime quote is reused while its exchange trades. @default 15 */
  realtimeTtlSeconds?: number;
  /**
   * Live quotes: poll interval (ms, every market; default 3000 CN/HK, 2000 crypto), stall limit (ms, 30000), open
   * streams per client (SSE and WebSocket together; default: no limit, as in the embedded mode; the server passes
   * QUANTDB_STREAM_MAX_PER_CLIENT), and where failures of the replicas' shared polling are reported (with a
   * coordination URL).
   */
  stream?: {
    intervalMs?: number | undefined;
    stallMs?: number | undefined;
    maxPerClient?: number | undefined;
    onRelayError?: ((message: string) => void) | undefined;
  };
  /**
   * Crypto exchanges served (`QUANTDB_CRYPTO_EXCHANGES`). @default binance, okx, bybit, coinbase and kraken
   */
  cryptoExchanges?: readonly CryptoExchangeId[];
  /** Pause between stock-list pages, ms (upstream politeness). @default 500 */
  listPageDelayMs?: number;
  /** Told about stored calendar extensions the bundled data now contradicts (skipped). */
  onSkippedExtension?: (message: string) => void;
  /**
   * The HTTP layer's guards and reporting (auth, rate limit, CORS, limits, log, metrics). Omitted:
   * open (auth off, no rate limit, silent log), as for tests and the SDK's embedded mode. The API-key
   * store defaults to this database's `api_keys` table.
   */
  http?: HttpOptions;
  /**
   * Schedule the daily ingest (see jobs/): on pg-boss when `databaseUrl` is set (PostgreSQL), else
   * in-process. Off when omitted (tests turn it on explicitly).
   */
  dailyIngest?: { databaseUrl?: string | undefined; cron?: string | undefined };
  /** Bytes of serialised history answers kept for reuse (see body-cache.ts); 0 turns reuse off. @default 64 MiB */
  bodyCacheBytes?: number;
  /**
   * Upstream politeness per host (concurrency, rate, retries, total time, breaker); the server
   * passes its environment's. Omitted: pass-through (no retries, breaker or rate budget), so a test
   * that injects one fault sees exactly it.
   */
  upstreamPolicy?: Partial<UpstreamPolicyConfig>;
  /**
   * The clock the upstream policy times its breakers' cool-downs, `Retry-After` and in-memory rate
   * budget with. Default: `clock`, so a test moves a circuit to half-open (or frees a token) by
   * moving its clock. The server, the CLI and the embedded mode pass the system clock: a frozen
   * `clock` (QUANTDB_NOW) must not keep a circuit open or the budget empty forever.
   */
  upstreamClock?: Clock;
  /**
   * PostgreSQL URL of the database, for coordination between replicas: the upstream rate budget
   * and the per-series locks then live in PostgreSQL (advisory locks, a rate-limiter table), so N
   * processes on one database make one upstream call per missing span and share one budget.
   * Omitted: both are in-process.
   */
  coordinationUrl?: string | undefined;
}

/**
 * Build services and app, re-apply stored calendar extensions, and keep the calendars in step
 * with the other processes on the database (a stored extension's NOTIFY makes this system reload).
 * `close` stops that and the coordination pool; the caller closes the database afterwards.
 */
export async function createSystem(options: SystemOptions): Promise<{
  app: OpenAPIHono<AppEnv>;
  services: Services;
  restoredExtensions: number;
  scheduler: IngestScheduler | null;
  close: () => Promise<void>;
}> {
  const { database, clock, urls, timeoutMs } = options;
  const { upstreams, seriesLock, coordination } = await upstreamCoordination(options);
  // On PostgreSQL, one replica per market polls live quotes for all (an advisory lock) and NOTIFYs them.
  const relay = coordination ? createPostgresQuoteRelay(database, coordination) : undefined;
  const onRelayError = options.stream?.onRelayError;
  // Every upstream client runs its requests through the system's policies (the host's policy applies).
  const services = createServices({
    database,
    clock,
    upstreams,
    ...(seriesLock ? { seriesLock } : {}),
    ...(options.bodyCacheBytes !== undefined ? { bodyCacheBytes: options.bodyCacheBytes } : {}),
    upstream: new EastmoneyHistoryClient({ baseUrl: urls.eastmoneyHistory, timeoutMs, policies: upstreams }),
    sina: { url: urls.sinaCalendar, timeoutMs, policies: upstreams },
    quoteUpstream: new EastmoneyQuoteClient({ baseUrl: urls.eastmoneyQuote, timeoutMs, policies: upstreams }),
    ...(options.realtimeTtlSeconds !== undefined ? { realtimeTtlSeconds: options.realtimeTtlSeconds } : {}),
    stream: {
      intervalMs: options.stream?.intervalMs,
      stallMs: options.stream?.stallMs,
      maxPerClient: options.stream?.maxPerClient,
      relay,
      onRelayError: (error: unknown) =>
        onRelayError?.(
          `live quotes: sharing polls between replicas failed: ${error instanceof Error ? error.message : error}`,
        ),
    },
    listUpstream: new EastmoneyListClient({
      baseUrl: urls.eastmoneyList,
      timeoutMs,
      pageDelayMs: options.listPageDelayMs ?? 500,
      policies: upstreams,
    }),
    infoUpstream: new EastmoneyInfoClient({ baseUrl: urls.eastmoneyQuote, timeoutMs, policies: upstreams }),
    datacenter: { baseUrl: urls.eastmoneyDatacenter, timeoutMs, policies: upstreams },
    cryptoSource: new CcxtSource({
      exchanges: options.cryptoExchanges ?? CRYPTO_EXCHANGES,
      urls: urls.ccxt ?? {},
      timeoutMs,
      policies: upstreams,
    }),
  });
  const onSkip = (extension: CalendarExtension, error: Error) => {
    const what = `stored ${extension.id} calendar extension through ${extension.knownThrough}`;
    options.onSkippedExtension?.(`${what} skipped: ${error.message}`);
  };
  let unwatchCalendars: (() => Promise<void>) | undefined;
  let unlistenRelay: (() => Promise<void>) | undefined;
  try {
    unlistenRelay = await relay?.listen((message) => services.stream.receive(message));
    // Listen first, then load: an extension another process stores in between is not missed.
    unwatchCalendars = await watchCalendarExtensions(database, (calendar) => {
      services.calendarExtensions.refresh(calendar, onSkip).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        options.onSkippedExtension?.(`reloading calendar extensions failed: ${message}`);
      });
    });
    const restoredExtensions = await services.calendarExtensions.restore(onSkip);
    const scheduler = options.dailyIngest ? await startDailyIngest(services, options.dailyIngest) : null;
    return {
      app: createApp(services, { apiKeys: services.apiKeys, ...options.http }),
      services,
      restoredExtensions,
      scheduler,
      close: async () => {
        await services.stream.close();
        await unlistenRelay?.().catch(() => {});
        await relay?.close().catch(() => {});
        await unwatchCalendars?.().catch(() => {});
        await coordination?.close();
      },
    };
  } catch (error) {
    await services.stream.close();
    await unlistenRelay?.().catch(() => {});
    await relay?.close().catch(() => {});
    await unwatchCalendars?.().catch(() => {});
    await coordination?.close().catch(() => {});
    throw error;
  }
}

/** Upstream policies, with their rate budget and the series locks in PostgreSQL when a coordination URL is given. */
async function upstreamCoordination(options: SystemOptions): Promise<{
  upstreams: UpstreamPolicies;
  seriesLock: SeriesLock | undefined;
  coordination: CoordinationPool | undefined;
}> {
  const config: UpstreamPolicyConfig = { ...PASS_THROUGH_UPSTREAM_POLICY, ...options.upstreamPolicy };
  const clock = options.upstreamClock ?? options.clock;
  if (!options.coordinationUrl || options.database.driver !== "postgres") {
    return { upstreams: new UpstreamPolicies({ config, clock }), seriesLock: undefined, coordination: undefined };
  }
  const coordination = openCoordinationPool(options.coordinationUrl);
  try {
    const budget =
      config.ratePerSecond > 0
        ? rateBudgetFrom(await createPostgresRateLimiter(coordination, evenRateOptions(config.ratePerSecond)))
        : undefined;
    const upstreams = new UpstreamPolicies({ config, clock, ...(budget ? { budget } : {}) });
    return { upstreams, seriesLock: createAdvisoryLocks(coordination), coordination };
  } catch (error) {
    await coordination.close();
    throw error;
  }
}
