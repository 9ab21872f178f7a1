import type { CalendarExtensions } from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import type { HistoryService } from "@quantdb/core/history";

/** What route handlers may use; built once at start-up (see services.ts). */
export interface Services {
  clock: Clock;
  history: HistoryService;
  calendarExtensions: CalendarExtensions;
  /** "pglite" or "postgres", for /health. */
  database: "pglite" | "postgres";
}

/** Hono environment of the app. */
export interface AppEnv {
  Variables: { services: Services };
}
