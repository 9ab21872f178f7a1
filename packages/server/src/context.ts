import type { CalendarExtensions, CalendarHorizon } from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import type { QuoteService } from "@quantdb/core/realtime";
import type { CacheAdmin, HistoryService } from "@quantdb/core/history";

/** What route handlers may use; built once at start-up (see services.ts). */
export interface Services {
  clock: Clock;
  history: HistoryService;
  calendarExtensions: CalendarExtensions;
  /** Sessions after the horizon learnt from the benchmark index (on demand), and HKEX's provisional schedule. */
  calendarHorizon: CalendarHorizon;
  /** Realtime quotes: in-process cache per market in front of Eastmoney's batch quote endpoint. */ realtime: QuoteService;
  cacheAdmin: CacheAdmin;
  /** Stock-list snapshots, company information and the held-asset listing (see list-services.ts). */ lists: import("./list-services.ts").ListServices;
  /** Financial summaries of A-shares (Eastmoney datacenter reports), cached until the next report is due. */ financial: import("@quantdb/core/fundamentals").FinancialService;
  /** API keys (hashes only): key management routes; the auth middleware reads the same table. */
  apiKeys: import("@quantdb/core/auth").ApiKeyStore;
  /** Recorded job runs (the daily ingest), for GET /api/v1/jobs. */
  jobRuns: import("@quantdb/core/ingest").JobRunStore;
  /** The upstream policies per host: `snapshot()` (circuit state, last error, call counts; `/health` details and metrics) and `onEvent()`. */
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
