/**
 * Queries behind the history service: the `HistoryStore` port of `@quantdb/core/history`.
 */
import type { IsoDate } from "@quantdb/core/dates";
import type { Adjust, DailyBar, FetchedSpan, HeldSpan, HistoryStore, Span } from "@quantdb/core/history";
import { and, asc, eq, gte, lte, ne, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { findInstrument, upsertInstrument, type Transaction } from "./instruments.ts";
import { coverageSpans, dailyBars, financialFetches, financialReports, instrumentProfiles, instruments, stockListSnapshots } from "../schema/index.ts";

type StoredAdjust = (typeof dailyBars.$inferInsert)["adjust"];

/** The API's `""` is stored as "none" (an empty string is easy to lose in SQL tooling). */
export function storedAdjust(adjust: Adjust): StoredAdjust {
  return adjust === "" ? "none" : adjust;
}

/** Bars per INSERT: 13 parameters each keeps a statement far below PostgreSQL's 65,535. */
const CHUNK = 1000;


/** Held spans of (instrument, adjust), optionally only those overlapping [start, end]. */
async function coverage(db: Database, instrumentId: number, adjust: Adjust, range?: { start: IsoDate; end: IsoDate }): Promise<HeldSpan[]> {
  return db
    .select({ start: coverageSpans.startDate, end: coverageSpans.endDate, fetchedAt: coverageSpans.fetchedAt })
    .from(coverageSpans)
    .where(
      and(
        eq(coverageSpans.instrumentId, instrumentId),
        eq(coverageSpans.adjust, storedAdjust(adjust)),
        range ? lte(coverageSpans.startDate, range.end) : undefined,
        range ? gte(coverageSpans.endDate, range.start) : undefined,
      ),
    )
    .orderBy(asc(coverageSpans.startDate));
}

async function bars(db: Database, instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<DailyBar[]> {
  return db
    .select({
      date: dailyBars.date,
      open: dailyBars.open,
      high: dailyBars.high,
      low: dailyBars.low,
      close: dailyBars.close,
      volume: dailyBars.volume,
      amount: dailyBars.amount,
      amplitude: dailyBars.amplitude,
      pct_change: dailyBars.pctChange,
      change: dailyBars.change,
      turnover_rate: dailyBars.turnoverRate,
    })
    .from(dailyBars)
    .where(
      and(
        eq(dailyBars.instrumentId, instrumentId),
        eq(dailyBars.adjust, storedAdjust(adjust)),
        gte(dailyBars.date, start),
        lte(dailyBars.date, end),
      ),
    )
    .orderBy(asc(dailyBars.date));
}



async function upsertBars(tx: Transaction, instrumentId: number, adjust: StoredAdjust, bars: readonly DailyBar[], fetchedAt: Date): Promise<void> {
  for (let i = 0; i < bars.length; i += CHUNK) {
    const rows = bars.slice(i, i + CHUNK).map((bar) => ({
      instrumentId,
      adjust,
      date: bar.date,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
      amount: bar.amount,
      amplitude: bar.amplitude,
      pctChange: bar.pct_change,
      change: bar.change,
      turnoverRate: bar.turnover_rate,
      fetchedAt,
    }));
    await tx
      .insert(dailyBars)
      .values(rows)
      .onConflictDoUpdate({
        target: [dailyBars.instrumentId, dailyBars.adjust, dailyBars.date],
        set: {
          open: sql`excluded.open`,
          high: sql`excluded.high`,
          low: sql`excluded.low`,
          close: sql`excluded.close`,
          volume: sql`excluded.volume`,
          amount: sql`excluded.amount`,
          amplitude: sql`excluded.amplitude`,
          pctChange: sql`excluded.pct_change`,
          change: sql`excluded.change`,
          turnoverRate: sql`excluded.turnover_rate`,
          fetchedAt: sql`excluded.fetched_at`,
        },
      });
  }
}

async function insertSpan(tx: Transaction, instrumentId: number, adjust: StoredAdjust, span: Span, barCount: number, fetchedAt: Date) {
  const [inserted] = await tx
    .insert(coverageSpans)
    .values({ instrumentId, adjust, startDate: span.start, endDate: span.end, barCount, fetchedAt })
    .returning({ id: coverageSpans.id });
  // Spans inside the new one say nothing it does not; dropping them keeps lookups short.
  await tx
    .delete(coverageSpans)
    .where(
      and(
        eq(coverageSpans.instrumentId, instrumentId),
        eq(coverageSpans.adjust, adjust),
        gte(coverageSpans.startDate, span.start),
        lte(coverageSpans.endDate, span.end),
        ne(coverageSpans.id, inserted!.id),
      ),
    );
}

async function saveFetched(db: Database, fetched: FetchedSpan): Promise<void> {
  const adjust = storedAdjust(fetched.adjust);
  await db.transaction(async (tx) => {
    const instrumentId = await upsertInstrument(tx, fetched.symbol, fetched.name);
    await upsertBars(tx, instrumentId, adjust, fetched.bars, fetched.fetchedAt);
    if (fetched.span) await insertSpan(tx, instrumentId, adjust, fetched.span, fetched.bars.length, fetched.fetchedAt);
  });
}

async function replaceSeries(db: Database, fetched: FetchedSpan & { span: Span }): Promise<void> {
  const adjust = storedAdjust(fetched.adjust);
  await db.transaction(async (tx) => {
    const instrumentId = await upsertInstrument(tx, fetched.symbol, fetched.name);
    await tx.delete(dailyBars).where(and(eq(dailyBars.instrumentId, instrumentId), eq(dailyBars.adjust, adjust)));
    await tx.delete(coverageSpans).where(and(eq(coverageSpans.instrumentId, instrumentId), eq(coverageSpans.adjust, adjust)));
    await upsertBars(tx, instrumentId, adjust, fetched.bars, fetched.fetchedAt);
    await insertSpan(tx, instrumentId, adjust, fetched.span, fetched.bars.length, fetched.fetchedAt);
  });
}

/** The history store over a database (PGlite or PostgreSQL). */
export function createHistoryStore(db: Database): HistoryStore {
  return {
    findInstrument: (symbol) => findInstrument(db, symbol),
    coverage: (id, adjust, start, end) => coverage(db, id, adjust, { start, end }),
    allCoverage: (id, adjust) => coverage(db, id, adjust),
    bars: (id, adjust, start, end) => bars(db, id, adjust, start, end),
    saveFetched: (fetched) => saveFetched(db, fetched),
    replaceSeries: (fetched) => replaceSeries(db, fetched),
  };
}

/**
 * Delete everything cached: instruments, bars, spans, profiles, financial reports and stock-list
 * snapshots (tests, and the admin cache-clear). Calendar extensions are configuration and stay.
 */
export async function clearAll(db: Database): Promise<void> {
  await db.execute(
    sql`truncate table ${dailyBars}, ${coverageSpans}, ${instrumentProfiles}, ${financialReports}, ${financialFetches}, ${stockListSnapshots}, ${instruments} restart identity`,
  );
}

/** Row counts, for tests and diagnostics. */
export async function countRows(db: Database): Promise<{ instruments: number; bars: number; spans: number }> {
  const [row] = await db
    .select({
      instruments: sql<number>`(select count(*)::int from ${instruments})`,
      bars: sql<number>`(select count(*)::int from ${dailyBars})`,
      spans: sql<number>`(select count(*)::int from ${coverageSpans})`,
    })
    .from(sql`(select 1) as one`);
  return row!;
}
