/**
 * The composition root: database, upstream clients and clock wired into the core services. Every
 * piece of in-memory state is created here, once per system, and reachable from {@link Services}.
 */
import { ScreenService } from "@quantdb/core/screen";
import { type QuoteRelay, QuoteHub, StreamSlots } from "@quantdb/core/stream";
import {
  CalendarExtensions,
  CalendarHorizon,
  CalendarRegistry,
  type SinaTradeDateOptions,
} from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import { CcxtSource, CRYPTO_EXCHANGES, CryptoService, type CryptoSource } from "@quantdb/core/crypto";
import { EastmoneyQuoteClient, type DailyBarSource, type QuoteSource } from "@quantdb/core/eastmoney";
import { CacheAdmin, HistoryService, type SeriesLock } from "@quantdb/core/history";
import { UpstreamPolicies } from "@quantdb/core/upstream";
import {
  createApiKeyStore,
  createCacheAdminStore,
  createCalendarExtensionStore,
  createCryptoBarStore,
  createHistoryStore,
  createJobRunStore,
  checkReadiness,
  type DatabaseHandle,
} from "@quantdb/db";
import { IndicatorService } from "@quantdb/core/indicators";
import { EastmoneyListClient } from "@quantdb/core/lists";
import { QuoteService } from "@quantdb/core/realtime";
import { BodyCache } from "./body-cache.ts";
import type { Services } from "./context.ts";
import { createListServices, type ListUpstreams } from "./list-services.ts";
import { createFinancialService, type FinancialUpstreams } from "./financial-service.ts";

/** Build the services the routes use. */
export function createServices(
  options: {
    database: DatabaseHandle;
    upstream: DailyBarSource;
    clock: Clock;
    sina?: SinaTradeDateOptions;
    quoteUpstream?: QuoteSource;
    realtimeTtlSeconds?: number;
    stream?: {
      intervalMs?: number | undefined;
      stallMs?: number | undefined;
      maxPerClient?: number | undefined;
      relay?: QuoteRelay | undefined;
      onRelayError?: ((error: unknown) => void) | undefined;
    };
    /**
     * The upstream policies the clients were given (their `policies` option), for /health and
     * metrics; default: a pass-through registry on `clock`.
     */
    upstreams?: UpstreamPolicies;
    /** Cross-process series lock (PostgreSQL replicas). */
    seriesLock?: SeriesLock;
    /** Bytes of serialised history answers kept for reuse; 0 turns reuse off. @default 64 MiB */
    bodyCacheBytes?: number;
    /** The crypto exchanges' source (ccxt). @default every supported exchange on its real hosts */
    cryptoSource?: CryptoSource;
  } & ListUpstreams &
    FinancialUpstreams,
): Services {
  const { db } = options.database;
  const calendars = new CalendarRegistry();
  const calendarExtensionStore = createCalendarExtensionStore(db);
  // Learns sessions after the horizon from the benchmark index through the same kline client.
  const calendarHorizon = new CalendarHorizon({
    calendars,
    store: calendarExtensionStore,
    upstream: options.upstream,
    clock: options.clock,
  });
  const passThrough = { concurrency: 64, ratePerSecond: 0, retries: 0, breakerThreshold: 0 };
  const services: Omit<Services, "indicators" | "screen" | "stream" | "streamStallMs" | "streamSlots"> = {
    clock: options.clock,
    database: options.database.driver,
    calendars,
    bodyCache: new BodyCache(options.bodyCacheBytes),
    dataVersions: options.database.dataVersions,
    history: new HistoryService({
      store: createHistoryStore(db),
      upstream: options.upstream,
      clock: options.clock,
      calendars,
      calendarHorizon,
      ...(options.seriesLock ? { seriesLock: options.seriesLock } : {}),
      // The policy's total bound is also the whole request's (lock waits included): README "Errors".
      ...(options.upstreams ? { requestTimeoutMs: options.upstreams.config.totalTimeoutMs } : {}),
    }),
    upstreamHealth: options.upstreams ?? new UpstreamPolicies({ config: passThrough, clock: options.clock }),
    readiness: () => checkReadiness(db, undefined, options.database.storageHealth?.bind(options.database)),
    cacheAdmin: new CacheAdmin(createCacheAdminStore(db)),
    realtime: new QuoteService({
      upstream: options.quoteUpstream ?? new EastmoneyQuoteClient(),
      clock: options.clock,
      calendars,
      ...(options.realtimeTtlSeconds !== undefined ? { ttlSeconds: options.realtimeTtlSeconds } : {}),
    }),
    calendarExtensions: new CalendarExtensions({
      calendars,
      store: calendarExtensionStore,
      ...(options.sina ? { sina: options.sina } : {}),
    }),
    calendarHorizon,
    crypto: new CryptoService({
      store: createCryptoBarStore(db),
      source:
        options.cryptoSource ??
        new CcxtSource({
          exchanges: CRYPTO_EXCHANGES,
          timeoutMs: 8000,
          ...(options.upstreams ? { policies: options.upstreams } : {}),
        }),
      clock: options.clock,
      seriesLock: options.seriesLock,
      ...(options.upstreams ? { requestTimeoutMs: options.upstreams.config.totalTimeoutMs } : {}),
    }),
    lists: createListServices(db, options.clock, options),
    financial: createFinancialService(db, options.clock, options),
    jobRuns: createJobRunStore(db),
    apiKeys: createApiKeyStore(db),
  };
  return {
    ...services,
    indicators: new IndicatorService({
      history: services.history,
      crypto: services.crypto,
      calendars,
      clock: options.clock,
    }),
    stream: new QuoteHub({
      quotes: services.realtime,
      crypto: services.crypto,
      calendars,
      clock: options.clock,
      intervalMs: options.stream?.intervalMs,
      upstreamRatePerSecond: options.upstreams?.config.ratePerSecond,
      relay: options.stream?.relay,
      onRelayError: options.stream?.onRelayError,
    }),
    streamStallMs: options.stream?.stallMs ?? 30_000,
    streamSlots: new StreamSlots(options.stream?.maxPerClient || undefined),
    screen: new ScreenService({
      history: services.history,
      crypto: services.crypto,
      lists: services.lists.stockList,
      constituents: options.listUpstream ?? new EastmoneyListClient({ pageDelayMs: 500 }),
      calendars,
      clock: options.clock,
    }),
  };
}
