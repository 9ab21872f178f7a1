import type { CalendarExtensions, CalendarHorizon, CalendarRegistry } from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import type { CryptoService } from "@quantdb/core/crypto";
import type { QuoteService } from "@quantdb/core/realtime";
import type { CacheAdmin, HistoryService } from "@quantdb/core/history";
import type { DataVersionCache } from "@quantdb/db";
import type { BodyCache } from "./body-cache.ts";

/**
 * What route handlers may use; built once at start-up (see services.ts). Everything a running
 * system keeps in memory is here, owned by this one system: calendars, cached bodies, data
 * versions, upstream policies (and, inside the services, their stores and prepared statements).
 */
export interface Services {
  clock: Clock;
  history: HistoryService;
  /**
   * The calendars this system plans with: the bundled ones plus every extension applied (stored
   * ones at start-up, this process's, and other processes' as their NOTIFY arrives).
   */
  calendars: CalendarRegistry;
  /** Serialised history answers kept for reuse (see body-cache.ts). */
  bodyCache: BodyCache;
  /** The database's data versions kept in memory (`DatabaseHandle.dataVersions`); undefined when turned off. */
  dataVersions: DataVersionCache | undefined;
  calendarExtensions: CalendarExtensions;
  /** Sessions after the horizon learnt from the benchmark index (on demand), and HKEX's provisional schedule. */
  calendarHorizon: CalendarHorizon;
  /** Realtime quotes: in-process cache per market in front of Eastmoney's batch quote endpoint. */
  realtime: QuoteService;
  cacheAdmin: CacheAdmin;
  /** Technical indicators over cached bars (Tongdaxin formulas; issue 18). */
  indicators: import("@quantdb/core/indicators").IndicatorService;
  /** The screener: filters and ranks a universe at a date over cached bars (issue 18). */
  screen: import("@quantdb/core/screen").ScreenService;
  /** Live quotes: one poller per market fanned out to every stream subscriber (issue 19). */
  stream: import("@quantdb/core/stream").QuoteHub;
  /** A stream whose writes have not completed for this long is closed, ms. */
  streamStallMs: number;
  /** Open streams (SSE and WebSocket) per client, against `QUANTDB_STREAM_MAX_PER_CLIENT`. */
  streamSlots: import("@quantdb/core/stream").StreamSlots;
  /** Crypto bars, markets and tickers through ccxt, cached (issue 17). */
  crypto: CryptoService;
  /** Stock-list snapshots, company information and the held-asset listing (see list-services.ts). */
  lists: import("./list-services.ts").ListServices;
  /** Financial summaries of A-shares (Eastmoney datacenter reports), cached until the next report is due. */
  financial: import("@quantdb/core/fundamentals").FinancialService;
  /** API keys (hashes only): key management routes; the auth middleware reads the same table. */
  apiKeys: import("@quantdb/core/auth").ApiKeyStore;
  /** Recorded job runs (the daily ingest), for GET /api/v1/jobs. */
  jobRuns: import("@quantdb/core/ingest").JobRunStore;
  /**
   * The upstream policies per host every upstream client of this system runs through, timed by the
   * system's clock: `snapshot()` (circuit state, last error, call counts; `/health` details and
   * metrics) and `onEvent()`.
   */
  upstreamHealth: import("@quantdb/core/upstream").UpstreamPolicies;
  /** Database reachable and migrations applied, for `GET /ready`. */
  readiness: () => Promise<import("@quantdb/db").DatabaseReadiness>;
  /** "pglite" or "postgres", for /health. */
  database: "pglite" | "postgres";
}

/** Hono environment of the app. */
export interface AppEnv {
  Variables: { services: Services };
}
