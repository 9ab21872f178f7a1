/**
 * Queries behind the history service: the `HistoryStore` port of `@quantdb/core/history`.
 */
import type { IsoDate } from "@quantdb/core/dates";
import type { Instrument } from "@quantdb/core/symbols";
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

/** Bars per bulk upsert statement (one JSON parameter of about 1 MB). */
const CHUNK = 5000;


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

/** Rows of a raw `execute` on either driver (postgres.js returns the rows, PGlite `{ rows }`). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Bars of [start, end], ascending, as one JSON text built by PostgreSQL and parsed natively: a single
 * value crosses the driver instead of 11 typed columns per row (an index-only scan on
 * daily_bars_range_covering). Keys and types are exactly those of {@link DailyBar}.
 */
async function bars(db: Database, instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<DailyBar[]> {
  const result = await db.execute(sql`
    select coalesce(json_agg(json_build_object(
      'date', to_char(date, 'YYYY-MM-DD'), 'open', open, 'high', high, 'low', low, 'close', close, 'volume', volume,
      'amount', amount, 'amplitude', amplitude, 'pct_change', pct_change, 'change', change, 'turnover_rate', turnover_rate
    ) order by date), '[]')::text as bars
    from ${dailyBars}
    where instrument_id = ${instrumentId} and adjust = ${storedAdjust(adjust)} and date >= ${start}::text::date and date <= ${end}::text::date`);
  return JSON.parse(rowsOf<{ bars: string }>(result)[0]!.bars) as DailyBar[];
}

/** The same bars through drizzle's row mapping (one object per row per driver); kept for the benchmark's before/after. */
export async function barsViaDrizzleRows(db: Database, instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<DailyBar[]> {
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

/**
 * The data version of an instrument: a number from one database-wide sequence, bumped by triggers
 * (migration 0004) in the same transaction as any write to the instrument's row, bars or coverage,
 * whichever process makes it. "none" when the instrument is not stored. Equal versions mean equal
 * stored data, so it keys caches of served responses across replicas and the CLI.
 */
export async function dataVersion(db: Database, symbol: Pick<Instrument, "kind" | "market" | "code">): Promise<string> {
  const result = await db.execute(sql`
    select v.version::text as version from ${instruments} i join data_versions v on v.instrument_id = i.id
    where i.kind = ${symbol.kind} and i.market = ${symbol.market} and i.code = ${symbol.code}`);
  return rowsOf<{ version: string }>(result)[0]?.version ?? "none";
}

/**
 * Upsert bars in chunks of {@link CHUNK}: each chunk is one JSON parameter expanded by PostgreSQL
 * (`json_to_recordset`), so a chunk costs one round trip and no per-row parameter building; the
 * caller's transaction makes the whole write atomic. JSON numbers round-trip doubles exactly.
 */
async function upsertBars(tx: Transaction, instrumentId: number, adjust: StoredAdjust, bars: readonly DailyBar[], fetchedAt: Date): Promise<void> {
  const at = fetchedAt.toISOString();
  for (let i = 0; i < bars.length; i += CHUNK) {
    const rows = JSON.stringify(bars.slice(i, i + CHUNK));
    await tx.execute(sql`
      insert into ${dailyBars} (instrument_id, adjust, date, open, high, low, close, volume, amount, amplitude, pct_change, change, turnover_rate, fetched_at)
      select ${instrumentId}, ${adjust}, r.date, r.open, r.high, r.low, r.close, r.volume, r.amount, r.amplitude, r.pct_change, r.change, r.turnover_rate, ${at}::text::timestamptz
      from json_to_recordset(${rows}::text::json) as r(date date, open float8, high float8, low float8, close float8, volume bigint,
        amount float8, amplitude float8, pct_change float8, change float8, turnover_rate float8)
      on conflict (instrument_id, adjust, date) do update set
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume,
        amount = excluded.amount, amplitude = excluded.amplitude, pct_change = excluded.pct_change, change = excluded.change,
        turnover_rate = excluded.turnover_rate, fetched_at = excluded.fetched_at`);
  }
}

/** The previous write path (drizzle's query builder, 1,000-row multi-VALUES inserts); kept for the benchmark's before/after. */
export async function upsertBarsViaDrizzle(db: Database, instrumentId: number, adjust: Adjust, bars: readonly DailyBar[], fetchedAt: Date): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < bars.length; i += 1000) {
      const rows = bars.slice(i, i + 1000).map((bar) => ({
        instrumentId,
        adjust: storedAdjust(adjust),
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
  });
}

/** Upsert bars of a stored instrument in one transaction through the bulk path (bulk loads, the benchmark). */
export async function bulkUpsertBars(db: Database, instrumentId: number, adjust: Adjust, bars: readonly DailyBar[], fetchedAt: Date): Promise<void> {
  await db.transaction((tx) => upsertBars(tx, instrumentId, storedAdjust(adjust), bars, fetchedAt));
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
    dataVersion: (symbol) => dataVersion(db, symbol),
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

/** Benchmark support: delete every bar of (instrument, adjust) (no coverage change). */
export async function deleteBars(db: Database, instrumentId: number, adjust: Adjust): Promise<void> {
  await db.delete(dailyBars).where(and(eq(dailyBars.instrumentId, instrumentId), eq(dailyBars.adjust, storedAdjust(adjust))));
}

/** `vacuum analyze daily_bars`: sets the visibility map, so range reads become index-only scans at once. */
export async function vacuumBars(db: Database): Promise<void> {
  await db.execute(sql`vacuum analyze ${dailyBars}`);
}

/**
 * Benchmark support: run `measure` with a store whose bar reads cannot use the covering index
 * (dropped inside a transaction that is then rolled back, so nothing changes for anyone else).
 */
export async function withoutCoveringIndex<T>(db: Database, measure: (store: HistoryStore) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const rollback = new Error("rollback");
  await db
    .transaction(async (tx) => {
      await tx.execute(sql`drop index daily_bars_range_covering`);
      result = await measure(createHistoryStore(tx as unknown as Database));
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return result as T;
}
