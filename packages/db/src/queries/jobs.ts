/**
 * Job-run queries: the `JobRunStore` port of `@quantdb/core/ingest`, over the `job_runs` table
 * (one row per job, scope and session date), plus the held-series listing the daily ingest walks.
 */
import type { CalendarId } from "@quantdb/core/calendar";
import { market } from "@quantdb/core/markets";
import type { HeldSeries, JobRun, JobRunStore } from "@quantdb/core/ingest";
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { coverageSpans, instruments, jobRuns } from "../schema/index.ts";
import { ofStockMarkets, stockMarketKind } from "./instruments.ts";

/** Instrument `market` values (listing exchanges and index compilers) on a calendar. */
function scopeMarkets(scope: CalendarId): string[] {
  if (scope === "CRYPTO") return []; // crypto series are held in their own tables (queries/crypto.ts)
  const { exchanges, indexCompilers } = market(scope);
  return [...new Set<string>([...exchanges, ...indexCompilers])];
}

const columns = {
  id: jobRuns.id,
  job: jobRuns.job,
  scope: jobRuns.scope,
  sessionDate: jobRuns.sessionDate,
  status: jobRuns.status,
  attempts: jobRuns.attempts,
  startedAt: jobRuns.startedAt,
  finishedAt: jobRuns.finishedAt,
  instrumentsUpdated: jobRuns.instrumentsUpdated,
  upstreamCalls: jobRuns.upstreamCalls,
  errors: jobRuns.errors,
};

/** The job-run store over a database (PGlite or PostgreSQL). */
export function createJobRunStore(db: Database): JobRunStore {
  return {
    async claim({ job, scope, sessionDate, startedAt, maxAttempts, staleBefore }): Promise<JobRun | null> {
      const [inserted] = await db
        .insert(jobRuns)
        .values({ job, scope, sessionDate, status: "running", attempts: 1, startedAt })
        .onConflictDoNothing({ target: [jobRuns.job, jobRuns.scope, jobRuns.sessionDate] })
        .returning(columns);
      if (inserted) return inserted;
      // a failed run (or one whose process died) may be taken over by exactly one claimant: the update is conditional
      const [retried] = await db
        .update(jobRuns)
        .set({ status: "running", attempts: sql`${jobRuns.attempts} + 1`, startedAt, finishedAt: null, errors: [] })
        .where(
          and(
            eq(jobRuns.job, job),
            eq(jobRuns.scope, scope),
            eq(jobRuns.sessionDate, sessionDate),
            lt(jobRuns.attempts, maxAttempts),
            or(eq(jobRuns.status, "failed"), and(eq(jobRuns.status, "running"), lt(jobRuns.startedAt, staleBefore))),
          ),
        )
        .returning(columns);
      return retried ?? null;
    },
    async finish(id, outcome): Promise<void> {
      await db.update(jobRuns).set(outcome).where(eq(jobRuns.id, id));
    },
    list: ({ limit, job }) =>
      db
        .select(columns)
        .from(jobRuns)
        .where(job ? eq(jobRuns.job, job) : undefined)
        .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
        .limit(limit),
    async heldSeries(scope): Promise<HeldSeries[]> {
      const rows = await db
        .select({
          kind: stockMarketKind,
          market: instruments.market,
          code: instruments.code,
          adjust: coverageSpans.adjust,
          heldThrough: sql<string>`max(${coverageSpans.endDate})::text`,
        })
        .from(coverageSpans)
        .innerJoin(instruments, eq(instruments.id, coverageSpans.instrumentId))
        .where(and(ofStockMarkets, inArray(instruments.market, scopeMarkets(scope))))
        .groupBy(instruments.kind, instruments.market, instruments.code, coverageSpans.adjust)
        .orderBy(instruments.market, instruments.code, coverageSpans.adjust);
      return rows.map((row) => ({ ...row, adjust: row.adjust === "none" ? "" : row.adjust }));
    },
  };
}

/** Held coverage per market and adjustment, for `quantdb status`. */
export interface CoverageSummaryRow {
  market: string;
  /** `""` unadjusted, `qfq`, `hfq`. */
  adjust: "" | "qfq" | "hfq";
  instruments: number;
  spans: number;
  /** Bars counted by the spans (bar_count). */
  bars: number;
  first: string | null;
  last: string | null;
}

/** Coverage summary: one row per (market, adjust) that holds anything. */
export async function coverageSummary(db: Database): Promise<CoverageSummaryRow[]> {
  const rows = await db
    .select({
      market: instruments.market,
      adjust: coverageSpans.adjust,
      instruments: sql<number>`count(distinct ${instruments.id})::int`,
      spans: sql<number>`count(*)::int`,
      bars: sql<number>`coalesce(sum(${coverageSpans.barCount}), 0)::int`,
      first: sql<string | null>`min(${coverageSpans.startDate})::text`,
      last: sql<string | null>`max(${coverageSpans.endDate})::text`,
    })
    .from(coverageSpans)
    .innerJoin(instruments, eq(instruments.id, coverageSpans.instrumentId))
    .groupBy(instruments.market, coverageSpans.adjust)
    .orderBy(instruments.market, coverageSpans.adjust);
  return rows.map((row) => ({ ...row, adjust: row.adjust === "none" ? "" : row.adjust }));
}
