/**
 * The composition root: database, upstream client and clock wired into the core services.
 */
import type { Clock } from "@quantdb/core/clock";
import type { DailyBarSource } from "@quantdb/core/eastmoney";
import { HistoryService } from "@quantdb/core/history";
import { createHistoryStore, type DatabaseHandle } from "@quantdb/db";
import type { Services } from "./context.ts";

/** Build the services the routes use. */
export function createServices(options: { database: DatabaseHandle; upstream: DailyBarSource; clock: Clock }): Services {
  return {
    clock: options.clock,
    database: options.database.driver,
    history: new HistoryService({ store: createHistoryStore(options.database.db), upstream: options.upstream, clock: options.clock }),
  };
}
