/**
 * Running the daily ingest on a schedule. With PostgreSQL (DATABASE_URL) the job runs on a
 * pg-boss queue: pg-boss keeps one cron schedule for all replicas and hands each tick to one
 * worker; on top of that the unique job_runs (job, scope, session_date) row guarantees one run per
 * session even if two ticks race. With the embedded database, a croner timer runs in-process.
 * Each tick asks the clock whether a session's ingest is due (calendar-aware), so ticking often is
 * cheap and catches up after a restart.
 */
import { DAILY_INGEST_JOB, type DailyIngest, type IngestOutcome } from "@quantdb/core/ingest";
import { Cron } from "croner";
import PgBoss from "pg-boss";

/** A running schedule of the daily ingest. */
export interface IngestScheduler {
  /** `pg-boss` (PostgreSQL job queue) or `in-process` (croner timer). */
  readonly kind: "pg-boss" | "in-process";
  /** Run one tick now in this process (what a scheduled tick does): due scopes are ingested once. */
  tick(): Promise<IngestOutcome[]>;
  /**
   * Ask for a tick outside the schedule: on pg-boss a job is queued and run by whichever replica's
   * worker takes it (resolves when queued); in-process it is {@link tick}.
   */
  trigger(): Promise<void>;
  /** Stop scheduling; waits for a running tick. */
  stop(): Promise<void>;
}

/** Options of {@link startIngestScheduler}. */
export interface IngestSchedulerOptions {
  ingest: DailyIngest;
  /** PostgreSQL URL: use pg-boss on it; unset: in-process timer. */
  databaseUrl?: string | undefined;
  /** Cron pattern of the ticks (UTC). @default every 5 minutes */
  cron?: string;
  /** Where tick failures and runs are reported. @default console */
  logger?: { info(message: string): void; error(message: string): void };
}

function describe(outcomes: IngestOutcome[]): string[] {
  return outcomes.flatMap((o) =>
    o.ran
      ? [
          `daily ingest ${o.run.scope} ${o.run.sessionDate}: ${o.run.status}, ${o.run.instrumentsUpdated} ` +
            `instrument(s) updated, ${o.run.upstreamCalls} upstream call(s), ${o.run.errors.length} error(s)`,
        ]
      : [],
  );
}

/** Start the schedule (pg-boss when a database URL is given, else in-process). */
export async function startIngestScheduler(options: IngestSchedulerOptions): Promise<IngestScheduler> {
  const { ingest } = options;
  const pattern = options.cron ?? "*/5 * * * *";
  const logger = options.logger ?? {
    info: (m: string) => console.log(`[quantdb] ${m}`),
    error: (m: string) => console.error(`[quantdb] ${m}`),
  };
  const tick = async () => {
    const outcomes = await ingest.tick();
    for (const line of describe(outcomes)) logger.info(line);
    return outcomes;
  };

  if (!options.databaseUrl) {
    const cron = new Cron(pattern, { protect: true, timezone: "UTC" }, async () => {
      try {
        await tick();
      } catch (error) {
        logger.error(`daily ingest tick failed: ${(error as Error).message}`);
      }
    });
    return {
      kind: "in-process",
      tick,
      async trigger() {
        await tick();
      },
      async stop() {
        cron.stop();
      },
    };
  }

  const boss = new PgBoss({ connectionString: options.databaseUrl, schema: "pgboss", max: 2 });
  boss.on("error", (error) => logger.error(`pg-boss: ${error.message}`));
  await boss.start();
  await ensureQueue(boss, DAILY_INGEST_JOB, {
    name: DAILY_INGEST_JOB,
    policy: "singleton",
    retryLimit: 3,
    retryDelay: 60,
    retryBackoff: true,
  });
  await boss.schedule(DAILY_INGEST_JOB, pattern, {}, { tz: "UTC" });
  await boss.work(DAILY_INGEST_JOB, async () => {
    await tick();
  });
  return {
    kind: "pg-boss",
    tick,
    async trigger() {
      await boss.send(DAILY_INGEST_JOB, {});
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/**
 * Create a pg-boss queue unless it exists. pg-boss 10's `createQueue` takes no lock: replicas
 * starting together on a database that has no queue yet can deadlock in it (PostgreSQL aborts one
 * of them) or collide on its key. The one that fails waits a moment and looks again: by then the
 * other's queue is committed. Gives up after five attempts.
 */
async function ensureQueue(boss: PgBoss, name: string, options: Parameters<PgBoss["createQueue"]>[1]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(name)) return;
    try {
      await boss.createQueue(name, options);
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 100));
    }
  }
}
