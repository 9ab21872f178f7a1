/**
 * Cache-management queries: the `CacheAdminStore` port of `@quantdb/core/history`.
 */
import type { CacheAdminStore, CoverageSpan, StoredTotals } from "@quantdb/core/history";
import type { Instrument } from "@quantdb/core/symbols";
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { dataVersionsWritten } from "../data-versions.ts";
import { coverageSpans, dailyBars, instruments } from "../schema/index.ts";
import { clearAll } from "./history.ts";
import { instrumentWhere } from "./instruments.ts";

const fromStored = (adjust: "none" | "qfq" | "hfq") => (adjust === "none" ? "" : adjust);

/** The cache-admin store over a database. */
export function createCacheAdminStore(db: Database): CacheAdminStore {
  return {
    async totals(): Promise<StoredTotals> {
      const [row] = await db
        .select({
          stocks: sql<number>`(select count(*)::int from ${instruments} where ${instruments.kind} = 'stock')`,
          indices: sql<number>`(select count(*)::int from ${instruments} where ${instruments.kind} = 'index')`,
          bars: sql<number>`(select count(*)::int from ${dailyBars})`,
          spans: sql<number>`(select count(*)::int from ${coverageSpans})`,
          empty: sql<number>`(select count(*)::int from ${coverageSpans} where ${coverageSpans.barCount} = 0)`,
          first: sql<string | null>`(select min(${dailyBars.date})::text from ${dailyBars})`,
          last: sql<string | null>`(select max(${dailyBars.date})::text from ${dailyBars})`,
        })
        .from(sql`(select 1) as one`);
      const r = row!;
      return {
        instruments: { stocks: r.stocks, indices: r.indices },
        bars: r.bars,
        spans: { total: r.spans, empty: r.empty },
        first_bar: r.first,
        last_bar: r.last,
      };
    },

    async coverage(instrument: Instrument): Promise<CoverageSpan[] | null> {
      const [held] = await db
        .select({ id: instruments.id })
        .from(instruments)
        .where(instrumentWhere(instrument))
        .limit(1);
      if (!held) return null;
      const rows = await db
        .select({
          adjust: coverageSpans.adjust,
          start: coverageSpans.startDate,
          end: coverageSpans.endDate,
          bars: coverageSpans.barCount,
          fetchedAt: coverageSpans.fetchedAt,
        })
        .from(coverageSpans)
        .where(eq(coverageSpans.instrumentId, held.id))
        .orderBy(asc(coverageSpans.adjust), asc(coverageSpans.startDate));
      return rows.map((row) => ({ ...row, adjust: fromStored(row.adjust) }));
    },

    clearAll: () => clearAll(db),

    async clearInstrument(instrument: Instrument): Promise<boolean> {
      const deleted = await db.delete(instruments).where(instrumentWhere(instrument)).returning({ id: instruments.id });
      dataVersionsWritten(db);
      return deleted.length > 0;
    },
  };
}
