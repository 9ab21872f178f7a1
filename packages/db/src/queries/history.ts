/**
 * Queries behind the history service: the `HistoryStore` port of `@quantdb/core/history`.
 */
import type { IsoDate } from "@quantdb/core/dates";
import { instrumentKey } from "@quantdb/core/markets";
import type { Instrument } from "@quantdb/core/symbols";
import {
  DAILY_BAR_FIELDS,
  type Adjust,
  type DailyBar,
  type FetchedSpan,
  type HeldSpan,
  type HistoryStore,
  type PendingEmptySpan,
  type SeriesSnapshot,
  type Span,
} from "@quantdb/core/history";
import { and, asc, desc, eq, gte, lte, ne, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Database } from "../client.ts";
import { dataVersionCacheOf, dataVersionsWritten } from "../data-versions.ts";
import { findInstrument, upsertInstrument, type Transaction } from "./instruments.ts";
import {
  coverageSpans,
  cryptoBars,
  cryptoCoverage,
  cryptoPendingEmpty,
  dailyBars,
  financialFetches,
  financialReports,
  instrumentProfiles,
  instruments,
  pendingEmptySpans,
  seriesChecks,
  stockListSnapshots,
} from "../schema/index.ts";

type StoredAdjust = (typeof dailyBars.$inferInsert)["adjust"];

/** The API's `""` is stored as "none" (an empty string is easy to lose in SQL tooling). */
export function storedAdjust(adjust: Adjust): StoredAdjust {
  return adjust === "" ? "none" : adjust;
}

/** Bars per bulk upsert statement (about 1.5 MB of parameters). */
const CHUNK = 5000;

/** Held spans of (instrument, adjust), optionally only those overlapping [start, end]. */
async function coverage(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  range?: { start: IsoDate; end: IsoDate },
): Promise<HeldSpan[]> {
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

/** `"field":` of each {@link DAILY_BAR_FIELDS} entry, with the `{` or `,` before it. */
const FIELD_PREFIXES = DAILY_BAR_FIELDS.map((field, i) => `${i === 0 ? "{" : ","}${JSON.stringify(field)}:`);

/**
 * A value as `JSON.stringify` writes it, and as a PostgreSQL array element (the same text; null for
 * a missing or non-finite number, which JSON cannot hold). `String(n)` is the shortest text that
 * reads back as the same double, so the columns and `bar_json` hold equal values. Dates are ISO
 * `YYYY-MM-DD` (no character an array literal would need quoted).
 */
function token(value: number | string | null | undefined): { json: string; element: string } {
  if (typeof value === "string") return { json: JSON.stringify(value), element: value };
  if (value === null || value === undefined || !Number.isFinite(value)) return { json: "null", element: "NULL" };
  const text = String(value);
  return { json: text, element: text };
}

/**
 * A bar as stored in `bar_json`: `JSON.stringify` of its fields in {@link DAILY_BAR_FIELDS} order
 * (the same text whatever key order or extra keys the caller's object had; a missing field is null).
 */
export function barJson(bar: DailyBar): string {
  return encodeBar(bar);
}

/** {@link barJson} of `bar`; with `elements` (one list per field), also pushes each value's array element there. */
function encodeBar(bar: DailyBar, elements?: string[][]): string {
  let text = "";
  for (let f = 0; f < DAILY_BAR_FIELDS.length; f++) {
    const { json, element } = token(bar[DAILY_BAR_FIELDS[f]!]);
    text += FIELD_PREFIXES[f]! + json;
    elements?.[f]?.push(element);
  }
  return `${text}}`;
}

/**
 * The bulk insert's parameters for a chunk, each value formatted once: one PostgreSQL array literal
 * per field (`{1.5,NULL,…}`, keyed by field) and the bars' {@link barJson} texts joined by newlines
 * (`JSON.stringify` never writes a raw newline).
 */
function bulkParameters(chunk: readonly DailyBar[]): {
  columns: Record<(typeof DAILY_BAR_FIELDS)[number], string>;
  json: string;
} {
  const elements = DAILY_BAR_FIELDS.map(() => [] as string[]);
  const texts = chunk.map((bar) => encodeBar(bar, elements));
  const columns = Object.fromEntries(
    DAILY_BAR_FIELDS.map((field, f) => [field, `{${elements[f]!.join(",")}}`]),
  ) as Record<(typeof DAILY_BAR_FIELDS)[number], string>;
  return { columns, json: texts.join("\n") };
}

/**
 * Bars of one instrument's [start, end] as one JSON array text, ascending, and how many: the stored
 * `bar_json` texts concatenated by PostgreSQL (an index-only scan: the primary key INCLUDEs
 * bar_json), so no value is converted on the way. Parsed, it gives exactly the {@link DailyBar}s
 * written. The values are SQL: parameters, placeholders, or a column of an enclosing query.
 *
 * The order comes from a sorted subquery rather than `string_agg(… order by date)`: PostgreSQL
 * does not pull up a subquery with ORDER BY and aggregates its rows in that order, and before
 * version 16 the aggregate's own ORDER BY sorts again even though the index scan is in order.
 */
function barsJsonQuery(db: Database, where: { instrumentId: SQL | AnyColumn; adjust: SQL; start: SQL; end: SQL }) {
  const ordered = db
    .select({ barJson: dailyBars.barJson })
    .from(dailyBars)
    .where(
      and(
        eq(dailyBars.instrumentId, where.instrumentId),
        eq(dailyBars.adjust, sql`${where.adjust}::text`),
        gte(dailyBars.date, sql`${where.start}::text::date`),
        lte(dailyBars.date, sql`${where.end}::text::date`),
      ),
    )
    .orderBy(asc(dailyBars.date))
    .as("ordered");
  return db
    .select({
      json: sql<string>`'[' || coalesce(string_agg(${ordered.barJson}, ','), '') || ']'`.as("bars_json"),
      count: sql<number>`count(*)::int`.as("bar_count"),
    })
    .from(ordered);
}

/** Bars of [start, end] as one JSON array text and how many (see {@link barsJsonQuery}). */
async function barsJson(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  start: IsoDate,
  end: IsoDate,
): Promise<{ json: string; count: number }> {
  const [row] = await barsJsonQuery(db, {
    instrumentId: sql`${instrumentId}`,
    adjust: sql`${storedAdjust(adjust)}`,
    start: sql`${start}`,
    end: sql`${end}`,
  });
  return { json: row!.json, count: Number(row!.count) };
}

/**
 * The one-round-trip read behind {@link HistoryStore.snapshot}, prepared once per store (see
 * {@link createHistoryStore}).
 */
function snapshotQuery(db: Database) {
  const p = (name: string) => sql.placeholder(name);
  const joined = barsJsonQuery(db, {
    instrumentId: instruments.id,
    adjust: sql`${p("adjust")}`,
    start: sql`${p("start")}`,
    end: sql`${p("end")}`,
  }).as("joined");
  return db
    .select({
      id: instruments.id,
      name: instruments.name,
      spans: sql<string>`(select coalesce(json_agg(json_build_object(
            'start', to_char(c.start_date, 'YYYY-MM-DD'), 'end', to_char(c.end_date, 'YYYY-MM-DD'),
            'fetchedAtMs', (extract(epoch from c.fetched_at) * 1000)::float8) order by c.start_date), '[]')::text
        from ${coverageSpans} c
        where c.instrument_id = ${instruments.id} and c.adjust = ${p("adjust")}::text
          and c.start_date <= ${p("coverageEnd")}::text::date and c.end_date >= ${p("start")}::text::date)`,
      checkedOn: sql<string | null>`(select to_char(s.checked_on, 'YYYY-MM-DD') from ${seriesChecks} s
        where s.instrument_id = ${instruments.id} and s.adjust = ${p("adjust")}::text)`,
      bars: joined.json,
      count: joined.count,
    })
    .from(instruments)
    .leftJoinLateral(joined, sql`true`)
    .where(eq(instruments.key, sql`${p("key")}::text`))
    .prepare("quantdb_series_snapshot");
}

/**
 * The stored instrument, its held spans of `adjust` overlapping [start, coverageEnd] and the bars
 * of [start, end] as JSON (see {@link barsJson}), in one prepared statement: one round trip.
 */
async function snapshot(
  query: ReturnType<typeof snapshotQuery>,
  symbol: Instrument,
  adjust: Adjust,
  range: { start: IsoDate; end: IsoDate; coverageEnd: IsoDate },
): Promise<SeriesSnapshot> {
  const [row] = await query.execute({ key: instrumentKey(symbol), adjust: storedAdjust(adjust), ...range });
  if (!row) return { instrument: null, held: [], bars: { json: "[]", count: 0 }, checkedOn: null };
  const spans = JSON.parse(row.spans) as { start: IsoDate; end: IsoDate; fetchedAtMs: number }[];
  return {
    instrument: { id: row.id, name: row.name },
    held: spans.map((span) => ({ start: span.start, end: span.end, fetchedAt: new Date(span.fetchedAtMs) })),
    bars: { json: row.bars, count: Number(row.count) },
    checkedOn: row.checkedOn ?? null,
  };
}

/** Unconfirmed empty answers of (instrument, adjust) overlapping [start, end], in the order they were seen. */
async function pendingEmpty(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  start: IsoDate,
  end: IsoDate,
): Promise<PendingEmptySpan[]> {
  return db
    .select({ id: pendingEmptySpans.id, start: pendingEmptySpans.startDate, end: pendingEmptySpans.endDate })
    .from(pendingEmptySpans)
    .where(
      and(
        eq(pendingEmptySpans.instrumentId, instrumentId),
        eq(pendingEmptySpans.adjust, storedAdjust(adjust)),
        lte(pendingEmptySpans.startDate, end),
        gte(pendingEmptySpans.endDate, start),
      ),
    )
    .orderBy(asc(pendingEmptySpans.id));
}

/** The session day (instrument, adjust) was last checked against upstream, or null. */
async function checkedOn(db: Database, instrumentId: number, adjust: Adjust): Promise<IsoDate | null> {
  const [row] = await db
    .select({ checkedOn: seriesChecks.checkedOn })
    .from(seriesChecks)
    .where(and(eq(seriesChecks.instrumentId, instrumentId), eq(seriesChecks.adjust, storedAdjust(adjust))));
  return row?.checkedOn ?? null;
}

/** Record a check of (instrument, adjust) on `day`; an earlier day never overwrites a later one. */
async function markChecked(
  db: Database | Transaction,
  instrumentId: number,
  adjust: Adjust,
  day: IsoDate,
): Promise<void> {
  await db
    .insert(seriesChecks)
    .values({ instrumentId, adjust: storedAdjust(adjust), checkedOn: day })
    .onConflictDoUpdate({
      target: [seriesChecks.instrumentId, seriesChecks.adjust],
      set: { checkedOn: sql`greatest(${seriesChecks.checkedOn}, excluded.checked_on)` },
    });
}

/** The latest stored bar of (instrument, adjust) dated on or before `onOrBefore`, or null. */
async function lastBar(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  onOrBefore: IsoDate,
): Promise<DailyBar | null> {
  const [row] = await db
    .select({ json: dailyBars.barJson })
    .from(dailyBars)
    .where(
      and(
        eq(dailyBars.instrumentId, instrumentId),
        eq(dailyBars.adjust, storedAdjust(adjust)),
        lte(dailyBars.date, onOrBefore),
      ),
    )
    .orderBy(desc(dailyBars.date))
    .limit(1);
  return row ? (JSON.parse(row.json) as DailyBar) : null;
}

/** Bars of [start, end], ascending (see {@link barsJson}). */
async function bars(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  start: IsoDate,
  end: IsoDate,
): Promise<DailyBar[]> {
  return JSON.parse((await barsJson(db, instrumentId, adjust, start, end)).json) as DailyBar[];
}

/**
 * The same bars through drizzle's row mapping (one object per row per driver); kept for the benchmark's before/after.
 */
export async function barsViaDrizzleRows(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  start: IsoDate,
  end: IsoDate,
): Promise<DailyBar[]> {
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
  const read = async () => {
    const result = await db.execute(sql`
      select i.id, v.version::text as version from ${instruments} i left join data_versions v on v.instrument_id = i.id
      where i.kind = ${symbol.kind} and i.market = ${symbol.market} and i.code = ${symbol.code}`);
    const row = rowsOf<{ id: number; version: string | null }>(result)[0];
    return { id: row ? Number(row.id) : null, version: row?.version ?? "none" };
  };
  const cache = dataVersionCacheOf(db);
  return cache ? cache.get(`${symbol.kind}|${symbol.market}|${symbol.code}`, read) : (await read()).version;
}

/** Namespace (first key) of the transaction-level advisory locks that serialise writes of one instrument's bars. */
const BAR_WRITE_LOCK = 0x71646262; // "qdbb"

/**
 * Take the locks a write of one instrument's bars needs, in its transaction: the advisory lock that
 * serialises writers of the instrument's bars, and `FOR KEY SHARE` on the instrument row — what a
 * foreign key would take per inserted row (migration 0007 dropped it), taken once: a concurrent
 * delete of the instrument waits for this transaction, whose bars its trigger then deletes.
 * @throws {Error} when the instrument does not exist (deleted, or a wrong id).
 */
async function lockInstrumentForBars(tx: Transaction, instrumentId: number): Promise<void> {
  const [row] = rowsOf<{ present: boolean }>(
    await tx.execute(sql`select exists (select 1 from ${instruments} where id = ${instrumentId} for key share)
        as present
      from (select pg_advisory_xact_lock(${BAR_WRITE_LOCK}, ${instrumentId})) as locked`),
  );
  if (!row?.present) throw new Error(`Cannot write bars of instrument ${instrumentId}: no such instrument`);
}

/**
 * Upsert bars in chunks of {@link CHUNK}: each chunk is one statement with one text parameter per
 * column (an array literal, zipped by `unnest`) and the bars' `bar_json` texts (see {@link barJson}),
 * so a chunk costs one round trip and no per-row parameter building. The caller's transaction
 * makes the whole write atomic. Numbers are written as their shortest round-trip text, so doubles
 * come back exactly and the columns equal the JSON.
 *
 * Most writes add sessions not held yet (a gap, a backfill). Writers of one instrument's bars take
 * a transaction-level advisory lock first, so when no stored bar falls in the chunk's date range the
 * chunk is inserted plainly: `ON CONFLICT` costs a speculative insertion per row, about twice the
 * insert. Otherwise (overlaps, re-fetched anchors, revised bars) it upserts.
 */
async function upsertBars(
  tx: Transaction,
  instrumentId: number,
  adjust: StoredAdjust,
  bars: readonly DailyBar[],
  fetchedAt: Date,
): Promise<void> {
  if (bars.length === 0) return;
  const at = fetchedAt.toISOString();
  await lockInstrumentForBars(tx, instrumentId);
  for (let i = 0; i < bars.length; i += CHUNK) {
    const chunk = bars.slice(i, i + CHUNK);
    let first = chunk[0]!.date;
    let last = first;
    for (const bar of chunk) {
      if (bar.date < first) first = bar.date;
      if (bar.date > last) last = bar.date;
    }
    const held = rowsOf<{ held: boolean }>(
      await tx.execute(sql`select exists (select 1 from ${dailyBars}
        where instrument_id = ${instrumentId} and adjust = ${adjust}
        and date >= ${first}::text::date and date <= ${last}::text::date) as held`),
    )[0]!.held;
    // One text parameter per column (array literals) and the bars' JSON texts joined by newlines:
    // PostgreSQL's array input reads them far faster than it expands JSON.
    const { columns: c, json } = bulkParameters(chunk);
    const insert = sql`
      insert into ${dailyBars} (instrument_id, adjust, date, open, high, low, close, volume, amount, amplitude,
        pct_change, change, turnover_rate, fetched_at, bar_json)
      select ${instrumentId}, ${adjust}, r.date, r.open, r.high, r.low, r.close, r.volume, r.amount, r.amplitude,
        r.pct_change, r.change, r.turnover_rate, ${at}::text::timestamptz, r.bar_json
      from unnest(
        ${c.date}::text::date[], ${c.open}::text::float8[], ${c.high}::text::float8[], ${c.low}::text::float8[],
        ${c.close}::text::float8[], ${c.volume}::text::float8[], ${c.amount}::text::float8[],
        ${c.amplitude}::text::float8[], ${c.pct_change}::text::float8[],
        ${c.change}::text::float8[], ${c.turnover_rate}::text::float8[], string_to_array(${json}::text, E'\n')
      ) as r(date, open, high, low, close, volume, amount, amplitude, pct_change, change, turnover_rate, bar_json)`;
    await tx.execute(
      held
        ? sql`${insert}
      on conflict (instrument_id, adjust, date) do update set
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, amount = excluded.amount, amplitude = excluded.amplitude,
        pct_change = excluded.pct_change, change = excluded.change,
        turnover_rate = excluded.turnover_rate, fetched_at = excluded.fetched_at, bar_json = excluded.bar_json`
        : insert,
    );
  }
}

/**
 * The previous write path (drizzle's query builder, 1,000-row multi-VALUES inserts); kept for the benchmark's
 * before/after.
 */
export async function upsertBarsViaDrizzle(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  bars: readonly DailyBar[],
  fetchedAt: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockInstrumentForBars(tx, instrumentId);
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
        barJson: barJson(bar),
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
            barJson: sql`excluded.bar_json`,
          },
        });
    }
  });
}

/** Upsert bars of a stored instrument in one transaction through the bulk path (bulk loads, the benchmark). */
export async function bulkUpsertBars(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  bars: readonly DailyBar[],
  fetchedAt: Date,
): Promise<void> {
  await db.transaction((tx) => upsertBars(tx, instrumentId, storedAdjust(adjust), bars, fetchedAt));
  dataVersionsWritten(db);
}

async function insertSpan(
  tx: Transaction,
  instrumentId: number,
  adjust: StoredAdjust,
  span: Span,
  barCount: number,
  fetchedAt: Date,
) {
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

/**
 * Forget unconfirmed empty answers inside a span now held, and remember the new ones (see
 * `HistoryStore.pendingEmpty`), in the caller's transaction.
 */
async function updatePendingEmpty(
  tx: Transaction,
  instrumentId: number,
  adjust: StoredAdjust,
  held: Span | null,
  pending: readonly Span[],
  observedAt: Date,
) {
  if (held) {
    await tx
      .delete(pendingEmptySpans)
      .where(
        and(
          eq(pendingEmptySpans.instrumentId, instrumentId),
          eq(pendingEmptySpans.adjust, adjust),
          gte(pendingEmptySpans.startDate, held.start),
          lte(pendingEmptySpans.endDate, held.end),
        ),
      );
  }
  if (pending.length > 0) {
    await tx
      .insert(pendingEmptySpans)
      .values(pending.map((span) => ({ instrumentId, adjust, startDate: span.start, endDate: span.end, observedAt })));
  }
}

async function saveFetched(db: Database, fetched: FetchedSpan): Promise<void> {
  const adjust = storedAdjust(fetched.adjust);
  await db.transaction(async (tx) => {
    const instrumentId = await upsertInstrument(tx, fetched.symbol, fetched.name);
    await upsertBars(tx, instrumentId, adjust, fetched.bars, fetched.fetchedAt);
    if (fetched.span) await insertSpan(tx, instrumentId, adjust, fetched.span, fetched.bars.length, fetched.fetchedAt);
    await updatePendingEmpty(tx, instrumentId, adjust, fetched.span, fetched.pendingEmpty ?? [], fetched.fetchedAt);
    if (fetched.checkedOn) await markChecked(tx, instrumentId, fetched.adjust, fetched.checkedOn);
  });
  dataVersionsWritten(db);
}

async function replaceSeries(db: Database, fetched: FetchedSpan & { span: Span }): Promise<void> {
  const adjust = storedAdjust(fetched.adjust);
  await db.transaction(async (tx) => {
    const instrumentId = await upsertInstrument(tx, fetched.symbol, fetched.name);
    await tx.delete(dailyBars).where(and(eq(dailyBars.instrumentId, instrumentId), eq(dailyBars.adjust, adjust)));
    await tx
      .delete(coverageSpans)
      .where(and(eq(coverageSpans.instrumentId, instrumentId), eq(coverageSpans.adjust, adjust)));
    await tx
      .delete(pendingEmptySpans)
      .where(and(eq(pendingEmptySpans.instrumentId, instrumentId), eq(pendingEmptySpans.adjust, adjust)));
    await upsertBars(tx, instrumentId, adjust, fetched.bars, fetched.fetchedAt);
    await insertSpan(tx, instrumentId, adjust, fetched.span, fetched.bars.length, fetched.fetchedAt);
    await updatePendingEmpty(tx, instrumentId, adjust, fetched.span, fetched.pendingEmpty ?? [], fetched.fetchedAt);
    if (fetched.checkedOn) await markChecked(tx, instrumentId, fetched.adjust, fetched.checkedOn);
  });
  dataVersionsWritten(db);
}

/**
 * The history store over a database (PGlite or PostgreSQL). The store owns its prepared
 * statements (built on first use), so one store per system keeps them for the system's life.
 */
export function createHistoryStore(db: Database): HistoryStore {
  let snapshotStatement: ReturnType<typeof snapshotQuery> | undefined;
  const prepared = () => {
    snapshotStatement ??= snapshotQuery(db);
    return snapshotStatement;
  };
  return {
    findInstrument: (symbol) => findInstrument(db, symbol),
    coverage: (id, adjust, start, end) => coverage(db, id, adjust, { start, end }),
    allCoverage: (id, adjust) => coverage(db, id, adjust),
    bars: (id, adjust, start, end) => bars(db, id, adjust, start, end),
    barsJson: (id, adjust, start, end) => barsJson(db, id, adjust, start, end),
    snapshot: (symbol, adjust, range) => snapshot(prepared(), symbol, adjust, range),
    saveFetched: (fetched) => saveFetched(db, fetched),
    replaceSeries: (fetched) => replaceSeries(db, fetched),
    dataVersion: (symbol) => dataVersion(db, symbol),
    pendingEmpty: (id, adjust, start, end) => pendingEmpty(db, id, adjust, start, end),
    checkedOn: (id, adjust) => checkedOn(db, id, adjust),
    markChecked: (id, adjust, day) => markChecked(db, id, adjust, day),
    lastBar: (id, adjust, onOrBefore) => lastBar(db, id, adjust, onOrBefore),
  };
}

/**
 * Delete everything cached: instruments, bars, spans, profiles, financial reports and stock-list
 * snapshots, crypto bars and spans included (tests, and the admin cache-clear). Calendar extensions
 * are configuration and stay.
 */
export async function clearAll(db: Database): Promise<void> {
  // Every table with a foreign key to instruments must be listed: TRUNCATE refuses otherwise.
  await db.execute(
    sql`truncate table ${dailyBars}, ${coverageSpans}, ${pendingEmptySpans}, ${seriesChecks}, ${instrumentProfiles},
      ${financialReports}, ${financialFetches}, ${stockListSnapshots}, ${cryptoBars}, ${cryptoCoverage},
      ${cryptoPendingEmpty}, ${instruments} restart identity`,
  );
  dataVersionsWritten(db);
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
  await db
    .delete(dailyBars)
    .where(and(eq(dailyBars.instrumentId, instrumentId), eq(dailyBars.adjust, storedAdjust(adjust))));
  dataVersionsWritten(db);
}

/** `vacuum analyze daily_bars`: sets the visibility map, so range reads become index-only scans at once. */
export async function vacuumBars(db: Database): Promise<void> {
  await db.execute(sql`vacuum analyze ${dailyBars}`);
}

/**
 * Benchmark support: run `measure` with a store whose bar reads cannot use index-only scans
 * (`enable_indexonlyscan` off inside a transaction that is then rolled back), so every bar is read
 * from the heap as it would be without the covering primary key.
 */
export async function withoutIndexOnlyScans<T>(db: Database, measure: (store: HistoryStore) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const rollback = new Error("rollback");
  await db
    .transaction(async (tx) => {
      await tx.execute(sql`set local enable_indexonlyscan = off`);
      result = await measure(createHistoryStore(tx as unknown as Database));
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return result as T;
}

/**
 * The read path before bar_json, kept for the benchmark's before/after: PostgreSQL builds each
 * bar's JSON from the columns per request (`json_build_object`), parsed in one piece.
 */
export async function barsViaBuiltJson(
  db: Database,
  instrumentId: number,
  adjust: Adjust,
  start: IsoDate,
  end: IsoDate,
): Promise<DailyBar[]> {
  const result = await db.execute(sql`
    select coalesce(json_agg(json_build_object(
      'date', to_char(date, 'YYYY-MM-DD'), 'open', open, 'high', high, 'low', low, 'close', close, 'volume', volume,
      'amount', amount, 'amplitude', amplitude, 'pct_change', pct_change, 'change', change,
      'turnover_rate', turnover_rate
    ) order by date), '[]')::text as bars
    from ${dailyBars}
    where instrument_id = ${instrumentId} and adjust = ${storedAdjust(adjust)}
      and date >= ${start}::text::date and date <= ${end}::text::date`);
  return JSON.parse(rowsOf<{ bars: string }>(result)[0]!.bars) as DailyBar[];
}
