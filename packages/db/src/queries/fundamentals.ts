/**
 * Queries behind the financial summary: the `FinancialStore` port of `@quantdb/core/fundamentals`,
 * over the `financial_reports` and `financial_fetches` tables.
 */
import {
  FINANCIAL_FIELDS,
  type FinancialFetch,
  type FinancialReport,
  type FinancialStore,
  type ReportType,
} from "@quantdb/core/fundamentals";
import { desc, eq, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { dataVersionsWritten } from "../data-versions.ts";
import { findInstrument, upsertInstrument } from "./instruments.ts";
import { financialFetches, financialReports } from "../schema/index.ts";

/** A stored `data` object back as a report: every known field present, missing ones null. */
function toReport(row: {
  reportDate: string;
  reportType: string;
  data: Record<string, number | string | null>;
}): FinancialReport {
  const fields: Record<string, number | null> = {};
  for (const spec of FINANCIAL_FIELDS) {
    const value = row.data[spec.field];
    fields[spec.field] = typeof value === "number" ? value : null;
  }
  const notice = row.data.notice_date;
  return {
    report_date: row.reportDate,
    report_type: row.reportType as ReportType,
    notice_date: typeof notice === "string" ? notice : null,
    ...fields,
  } as FinancialReport;
}

async function saveFetch(db: Database, fetch: FinancialFetch): Promise<void> {
  await db.transaction(async (tx) => {
    const instrumentId = await upsertInstrument(tx, fetch.symbol, fetch.name);
    if (fetch.reports.length > 0) {
      const rows = fetch.reports.map(({ report, raw }) => ({
        instrumentId,
        reportDate: report.report_date,
        reportType: report.report_type,
        data: report as Record<string, number | string | null>,
        raw: raw as Record<string, unknown>,
        fetchedAt: fetch.fetchedAt,
      }));
      await tx
        .insert(financialReports)
        .values(rows)
        .onConflictDoUpdate({
          target: [financialReports.instrumentId, financialReports.reportDate],
          set: {
            reportType: sql`excluded.report_type`,
            data: sql`excluded.data`,
            raw: sql`excluded.raw`,
            fetchedAt: sql`excluded.fetched_at`,
          },
        });
    }
    await tx
      .insert(financialFetches)
      .values({ instrumentId, fetchedAt: fetch.fetchedAt, nextDue: fetch.nextDue })
      .onConflictDoUpdate({
        target: financialFetches.instrumentId,
        set: { fetchedAt: sql`excluded.fetched_at`, nextDue: sql`excluded.next_due` },
      });
  });
  dataVersionsWritten(db); // the instrument row may have been created or renamed
}

/** The financial-report store over a database (PGlite or PostgreSQL). */
export function createFinancialStore(db: Database): FinancialStore {
  return {
    findInstrument: (symbol) => findInstrument(db, symbol),
    async lastFetch(instrumentId) {
      const rows = await db
        .select({ fetchedAt: financialFetches.fetchedAt, nextDue: financialFetches.nextDue })
        .from(financialFetches)
        .where(eq(financialFetches.instrumentId, instrumentId))
        .limit(1);
      return rows[0] ?? null;
    },
    async reports(instrumentId, limit) {
      const rows = await db
        .select({
          reportDate: financialReports.reportDate,
          reportType: financialReports.reportType,
          data: financialReports.data,
        })
        .from(financialReports)
        .where(eq(financialReports.instrumentId, instrumentId))
        .orderBy(desc(financialReports.reportDate))
        .limit(limit);
      return rows.map(toReport);
    },
    saveFetch: (fetch) => saveFetch(db, fetch),
  };
}

/** Row counts of the financial tables, for tests and diagnostics. */
export async function countFinancialRows(db: Database): Promise<{ reports: number; fetches: number }> {
  const [row] = await db
    .select({
      reports: sql<number>`(select count(*)::int from ${financialReports})`,
      fetches: sql<number>`(select count(*)::int from ${financialFetches})`,
    })
    .from(sql`(select 1) as one`);
  return row!;
}
