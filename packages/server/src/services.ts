/**
 * The composition root: database, upstream clients and clock wired into the core services.
 */
import { CalendarExtensions, CalendarHorizon, type SinaTradeDateOptions } from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import { EastmoneyQuoteClient, type DailyBarSource, type QuoteSource } from "@quantdb/core/eastmoney";
import { CacheAdmin, HistoryService, type SeriesLock } from "@quantdb/core/history";
import { UpstreamPolicies } from "@quantdb/core/upstream";
import { createApiKeyStore, createCacheAdminStore, createCalendarExtensionStore, createHistoryStore, createJobRunStore, checkReadiness, type DatabaseHandle } from "@quantdb/db";
import { QuoteService } from "@quantdb/core/realtime";
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
    /** The upstream policies the clients' `fetch` carries (for /health and metrics); default: a pass-through registry. */
    upstreams?: UpstreamPolicies;
    /** Cross-process series lock (PostgreSQL replicas). */
    seriesLock?: SeriesLock;
  } & ListUpstreams &
    FinancialUpstreams,
): Services {
  const { db } = options.database;
  const calendarExtensionStore = createCalendarExtensionStore(db);
  // Learns sessions after the horizon from the benchmark index through the same kline client.
  const calendarHorizon = new CalendarHorizon({ store: calendarExtensionStore, upstream: options.upstream, clock: options.clock });
  return {
    clock: options.clock,
    database: options.database.driver,
    history: new HistoryService({
      store: createHistoryStore(db),
      upstream: options.upstream,
      clock: options.clock,
      calendarHorizon,
      ...(options.seriesLock ? { seriesLock: options.seriesLock } : {}),
      // The policy's total bound is also the whole request's (lock waits included): README "Errors".
      ...(options.upstreams ? { requestTimeoutMs: options.upstreams.config.totalTimeoutMs } : {}),
    }),
    upstreamHealth: options.upstreams ?? new UpstreamPolicies({ config: { concurrency: 64, ratePerSecond: 0, retries: 0, breakerThreshold: 0 } }),
    readiness: () => checkReadiness(db, undefined, options.database.storageHealth?.bind(options.database)),
    cacheAdmin: new CacheAdmin(createCacheAdminStore(db)),
    realtime: new QuoteService({ upstream: options.quoteUpstream ?? new EastmoneyQuoteClient(), clock: options.clock, ...(options.realtimeTtlSeconds !== undefined ? { ttlSeconds: options.realtimeTtlSeconds } : {}) }),
    calendarExtensions: new CalendarExtensions({ store: calendarExtensionStore, ...(options.sina ? { sina: options.sina } : {}) }),
    calendarHorizon,
    lists: createListServices(db, options.clock, options),
    financial: createFinancialService(db, options.clock, options),
    jobRuns: createJobRunStore(db),
    apiKeys: createApiKeyStore(db),
  };
}
