/** Scheduled jobs: the daily ingest over the services, and its scheduler. */
import { DailyIngest } from "@quantdb/core/ingest";
import type { Services } from "../context.ts";
import { startIngestScheduler, type IngestScheduler } from "./scheduler.ts";

export { startIngestScheduler, type IngestScheduler } from "./scheduler.ts";

/** The daily ingest over the system's history service and job-run store. */
export function createDailyIngest(
  services: Pick<Services, "history" | "jobRuns" | "clock" | "calendars"> &
    Partial<Pick<Services, "calendarHorizon" | "crypto">>,
): DailyIngest {
  return new DailyIngest({
    store: services.jobRuns,
    history: services.history,
    clock: services.clock,
    calendars: services.calendars,
    ...(services.calendarHorizon ? { calendarHorizon: services.calendarHorizon } : {}),
    ...(services.crypto ? { crypto: services.crypto } : {}),
  });
}

/** Start the daily-ingest schedule for a system (pg-boss with a database URL, else in-process). */
export function startDailyIngest(
  services: Services,
  options: { databaseUrl?: string | undefined; cron?: string | undefined },
): Promise<IngestScheduler> {
  return startIngestScheduler({
    ingest: createDailyIngest(services),
    databaseUrl: options.databaseUrl,
    ...(options.cron ? { cron: options.cron } : {}),
  });
}
