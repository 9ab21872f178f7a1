/**
 * The composition root: database, upstream clients and clock wired into the core services.
 */
import { CalendarExtensions, type SinaTradeDateOptions } from "@quantdb/core/calendar";
import type { Clock } from "@quantdb/core/clock";
import type { DailyBarSource } from "@quantdb/core/eastmoney";
import { HistoryService } from "@quantdb/core/history";
import { createCalendarExtensionStore, createHistoryStore, type DatabaseHandle } from "@quantdb/db";
import type { Services } from "./context.ts";

/** Build the services the routes use. */
export function createServices(options: { database: DatabaseHandle; upstream: DailyBarSource; clock: Clock; sina?: SinaTradeDateOptions }): Services {
  const { db } = options.database;
  return {
    clock: options.clock,
    database: options.database.driver,
    history: new HistoryService({ store: createHistoryStore(db), upstream: options.upstream, clock: options.clock }),
    calendarExtensions: new CalendarExtensions({ store: createCalendarExtensionStore(db), ...(options.sina ? { sina: options.sina } : {}) }),
  };
}
