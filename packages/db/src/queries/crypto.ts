/**
 * Queries behind the crypto market (issue 17): the `CryptoBarStore` port of `@quantdb/core/crypto`.
 * Times are epoch milliseconds UTC (bar open times, inclusive span bounds); prices and amounts in the
 * pair's quote currency, volumes in its base currency.
 */
import type {
  CryptoBar,
  CryptoBarStore,
  CryptoCoverageSpan,
  CryptoExchangeId,
  CryptoFetched,
  CryptoPair,
  CryptoSeriesRead,
  CryptoTotals,
  HeldCryptoSeries,
  Timeframe,
  TimeSpan,
} from "@quantdb/core/crypto";
import { eq, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { dataVersionCacheOf, dataVersionsWritten } from "../data-versions.ts";
import { cryptoBars, cryptoCoverage, cryptoPendingEmpty, instruments } from "../schema/index.ts";
import type { Transaction } from "./instruments.ts";

/** Bars per bulk upsert statement: 7 array parameters of 5,000 values each (a few hundred KB). */
const CHUNK = 5000;

/**
 * QuantDB's instrument key of a pair: `crypto:<exchange>:<BASE/QUOTE>` (`crypto:binance:BTC/USDT`).
 * Stored as kind `crypto`, market = the exchange id, code = the symbol, currency = the quote currency.
 */
export function cryptoInstrumentKey(pair: Pick<CryptoPair, "exchange" | "symbol">): string {
  return `crypto:${pair.exchange}:${pair.symbol}`;
}

/** Rows of a raw `execute` on either driver (postgres.js returns the rows, PGlite `{ rows }`). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * A number as an element of a PostgreSQL array literal: `String(n)` is the shortest text that reads
 * back as the same double; a missing or non-finite number is NULL (refused by the NOT NULL columns,
 * which fails the whole write).
 */
function element(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "NULL" : String(value);
}

/** The bar fields stored, in column order. */
const BAR_FIELDS = ["time", "open", "high", "low", "close", "volume", "amount"] as const;

/** One array literal per field of a chunk of bars (`{1.5,NULL,…}`), each value formatted once. */
function barColumns(chunk: readonly CryptoBar[]): Record<(typeof BAR_FIELDS)[number], string> {
  const columns = Object.fromEntries(
    BAR_FIELDS.map((field) => [field, `{${chunk.map((bar) => element(bar[field])).join(",")}}`]),
  );
  return columns as Record<(typeof BAR_FIELDS)[number], string>;
}

/**
 * The one-round-trip read behind {@link CryptoBarStore.read}, prepared once per store: the
 * instrument's id, and as JSON texts its held spans and pending-empty spans overlapping [start, end]
 * and its bars with start <= time <= end. No row when the pair was never stored.
 *
 * PostgreSQL writes each double of the JSON in its shortest exact form (float8 output whenever
 * `extra_float_digits` is above 0, as by default), so parsed numbers equal the stored ones; bigint
 * times come out as JSON integers (below 2^53). The bars' aggregate sorts with its own ORDER BY, which
 * guarantees the order (the sorted subquery history.ts uses to skip a sort before PostgreSQL 16 only
 * usually keeps it); a year of hourly bars is a cheap sort.
 */
function readQuery(db: Database) {
  const p = (name: string) => sql.placeholder(name);
  const start = sql`${p("start")}::text::bigint`;
  const end = sql`${p("end")}::text::bigint`;
  const timeframe = sql`${p("timeframe")}::text`;
  // Qualified by hand: drizzle writes a column of a one-table select unqualified ("id"), which inside
  // these subqueries would name their own table's id.
  const id = sql`${instruments}.id`;
  return db
    .select({
      id: instruments.id,
      held: sql<string>`(select coalesce(json_agg(json_build_object(
            'start', c.start_time, 'end', c.end_time,
            'fetchedAtMs', (extract(epoch from c.fetched_at) * 1000)::float8) order by c.start_time, c.id), '[]')::text
        from ${cryptoCoverage} c
        where c.instrument_id = ${id} and c.timeframe = ${timeframe}
          and c.start_time <= ${end} and c.end_time >= ${start})`,
      pending: sql<string>`(select coalesce(json_agg(json_build_object(
            'start', e.start_time, 'end', e.end_time) order by e.start_time, e.id), '[]')::text
        from ${cryptoPendingEmpty} e
        where e.instrument_id = ${id} and e.timeframe = ${timeframe}
          and e.start_time <= ${end} and e.end_time >= ${start})`,
      bars: sql<string>`(select coalesce(json_agg(json_build_object(
            'time', b.open_time, 'open', b.open, 'high', b.high, 'low', b.low, 'close', b.close,
            'volume', b.volume, 'amount', b.amount) order by b.open_time), '[]')::text
        from ${cryptoBars} b
        where b.instrument_id = ${id} and b.timeframe = ${timeframe}
          and b.open_time >= ${start} and b.open_time <= ${end})`,
    })
    .from(instruments)
    .where(eq(instruments.key, sql`${p("key")}::text`))
    .prepare("quantdb_crypto_series_read");
}

/** {@link CryptoBarStore.read} through the prepared {@link readQuery}. */
async function read(
  query: ReturnType<typeof readQuery>,
  pair: CryptoPair,
  timeframe: Timeframe,
  start: number,
  end: number,
): Promise<CryptoSeriesRead> {
  const [row] = await query.execute({ key: cryptoInstrumentKey(pair), timeframe, start, end });
  if (!row) return { instrumentId: null, held: [], pendingEmpty: [], bars: [] };
  const held = JSON.parse(row.held) as { start: number; end: number; fetchedAtMs: number }[];
  return {
    instrumentId: Number(row.id),
    held: held.map((span) => ({ start: span.start, end: span.end, fetchedAt: new Date(span.fetchedAtMs) })),
    pendingEmpty: JSON.parse(row.pending) as TimeSpan[],
    bars: JSON.parse(row.bars) as CryptoBar[],
  };
}

/**
 * Create the pair's instrument if needed and return its id, in the caller's transaction. The
 * conflict path updates the row (a no-op value change) rather than doing nothing, so the row stays
 * locked — more strongly than the `FOR KEY SHARE` a foreign key or the stock writers take — until
 * the transaction ends: a concurrent delete of the instrument waits, and then its trigger deletes the
 * bars written here, so no bar outlives its instrument. The update also bumps the instrument's data
 * version (trigger), so every save changes it even when it writes nothing else.
 */
async function upsertCryptoInstrument(tx: Transaction, pair: CryptoPair): Promise<number> {
  const [row] = await tx
    .insert(instruments)
    .values({
      key: cryptoInstrumentKey(pair),
      kind: "crypto",
      market: pair.exchange,
      code: pair.symbol,
      currency: pair.quote,
      name: null,
    })
    .onConflictDoUpdate({ target: instruments.key, set: { currency: sql`excluded.currency` } })
    .returning({ id: instruments.id });
  return row!.id;
}

/**
 * Upsert bars of (instrument, timeframe) in chunks of {@link CHUNK}: each chunk is one statement with
 * one text parameter per column (a PostgreSQL array literal, zipped by `unnest`), so its size never
 * approaches the 65,535-parameter limit and costs one round trip. A stored bar at the same open time
 * is overwritten (every value and `fetched_at`).
 */
async function upsertBars(
  tx: Transaction,
  instrumentId: number,
  timeframe: Timeframe,
  bars: readonly CryptoBar[],
  fetchedAt: Date,
): Promise<void> {
  const at = fetchedAt.toISOString();
  for (let i = 0; i < bars.length; i += CHUNK) {
    const c = barColumns(bars.slice(i, i + CHUNK));
    await tx.execute(sql`
      insert into ${cryptoBars}
        (instrument_id, timeframe, open_time, open, high, low, close, volume, amount, fetched_at)
      select ${instrumentId}, ${timeframe}, r.open_time, r.open, r.high, r.low, r.close, r.volume, r.amount,
        ${at}::text::timestamptz
      from unnest(
        ${c.time}::text::bigint[], ${c.open}::text::float8[], ${c.high}::text::float8[], ${c.low}::text::float8[],
        ${c.close}::text::float8[], ${c.volume}::text::float8[], ${c.amount}::text::float8[]
      ) as r(open_time, open, high, low, close, volume, amount)
      on conflict (instrument_id, timeframe, open_time) do update set
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, amount = excluded.amount, fetched_at = excluded.fetched_at`);
  }
}

/** `{a,b,…}` of integers (span bounds, counts). */
function integers(values: readonly number[]): string {
  return `{${values.map(element).join(",")}}`;
}

/**
 * Record held spans of (instrument, timeframe), `bar_count` being the fetched bars inside each, in
 * one statement; spans already stored inside a new one are dropped (they say nothing it does not, and
 * dropping them keeps lookups short). The delete runs on the statement's snapshot, which does not
 * contain the rows being inserted, so it never drops a new span.
 */
async function insertHeld(
  tx: Transaction,
  instrumentId: number,
  timeframe: Timeframe,
  held: readonly TimeSpan[],
  bars: readonly CryptoBar[],
  fetchedAt: Date,
): Promise<void> {
  if (held.length === 0) return;
  const at = fetchedAt.toISOString();
  const counts = held.map((span) => {
    let n = 0;
    for (const bar of bars) if (bar.time >= span.start && bar.time <= span.end) n++;
    return n;
  });
  await tx.execute(sql`
    with added as (
      insert into ${cryptoCoverage} (instrument_id, timeframe, start_time, end_time, bar_count, fetched_at)
      select ${instrumentId}, ${timeframe}, s.start_time, s.end_time, s.bar_count, ${at}::text::timestamptz
      from unnest(
        ${integers(held.map((s) => s.start))}::text::bigint[], ${integers(held.map((s) => s.end))}::text::bigint[],
        ${integers(counts)}::text::int[]
      ) as s(start_time, end_time, bar_count)
      returning start_time, end_time
    )
    delete from ${cryptoCoverage} c using added a
    where c.instrument_id = ${instrumentId} and c.timeframe = ${timeframe}
      and c.start_time >= a.start_time and c.end_time <= a.end_time`);
}

/**
 * Forget the pending-empty spans of (instrument, timeframe) overlapping `asked` (upstream was just
 * asked about them again) and remember the new ones, in one statement (the delete's snapshot does not
 * contain the rows being inserted).
 */
async function replacePending(
  tx: Transaction,
  instrumentId: number,
  timeframe: Timeframe,
  asked: TimeSpan,
  pending: readonly TimeSpan[],
  observedAt: Date,
): Promise<void> {
  await tx.execute(sql`
    with forgotten as (
      delete from ${cryptoPendingEmpty}
      where instrument_id = ${instrumentId} and timeframe = ${timeframe}
        and start_time <= ${String(asked.end)}::text::bigint and end_time >= ${String(asked.start)}::text::bigint
    )
    insert into ${cryptoPendingEmpty} (instrument_id, timeframe, start_time, end_time, observed_at)
    select ${instrumentId}, ${timeframe}, s.start_time, s.end_time, ${observedAt.toISOString()}::text::timestamptz
    from unnest(
      ${integers(pending.map((s) => s.start))}::text::bigint[], ${integers(pending.map((s) => s.end))}::text::bigint[]
    ) as s(start_time, end_time)`);
}

/** {@link CryptoBarStore.saveFetched}: everything in one transaction, then this process's version cache dropped. */
async function saveFetched(db: Database, fetched: CryptoFetched): Promise<void> {
  const { timeframe, fetchedAt } = fetched;
  await db.transaction(async (tx) => {
    const instrumentId = await upsertCryptoInstrument(tx, fetched.pair);
    await upsertBars(tx, instrumentId, timeframe, fetched.bars, fetchedAt);
    await insertHeld(tx, instrumentId, timeframe, fetched.held, fetched.bars, fetchedAt);
    await replacePending(tx, instrumentId, timeframe, fetched.asked, fetched.pendingEmpty, fetchedAt);
  });
  dataVersionsWritten(db);
}

/**
 * The pair's data version: a number from the database-wide sequence, bumped by triggers (migrations
 * 0004, 0005, 0011) in the same transaction as any write to its instrument row, bars or spans, by any
 * process; "none" when the pair is not stored. Kept in the database's version cache under the
 * instrument key (see data-versions.ts), like the stock versions.
 */
async function dataVersion(db: Database, pair: CryptoPair): Promise<string> {
  const key = cryptoInstrumentKey(pair);
  const readVersion = async () => {
    const result = await db.execute(sql`
      select i.id, v.version::text as version from ${instruments} i left join data_versions v on v.instrument_id = i.id
      where i.key = ${key}`);
    const row = rowsOf<{ id: number; version: string | null }>(result)[0];
    return { id: row ? Number(row.id) : null, version: row?.version ?? "none" };
  };
  const cache = dataVersionCacheOf(db);
  return cache ? cache.get(key, readVersion) : (await readVersion()).version;
}

/**
 * Every series (pair, timeframe) with at least one held span: `heldThrough` is the largest span end
 * (an open time, epoch ms UTC), `bars` the bars stored (counted, so overlapping spans do not count a
 * bar twice). Ordered by instrument key, then timeframe.
 */
async function heldSeries(db: Database): Promise<HeldCryptoSeries[]> {
  const result = await db.execute(sql`
    select i.market, i.code, i.currency, c.timeframe, c.held_through::float8 as held_through,
      coalesce(b.bars, 0)::float8 as bars
    from (select instrument_id, timeframe, max(end_time) as held_through from ${cryptoCoverage}
          group by instrument_id, timeframe) c
    join ${instruments} i on i.id = c.instrument_id
    left join (select instrument_id, timeframe, count(*) as bars from ${cryptoBars}
          group by instrument_id, timeframe) b on b.instrument_id = c.instrument_id and b.timeframe = c.timeframe
    where i.kind = 'crypto'
    order by i.key, c.timeframe`);
  return rowsOf<{
    market: string;
    code: string;
    currency: string;
    timeframe: Timeframe;
    held_through: number;
    bars: number;
  }>(result).map((row) => {
    const slash = row.code.indexOf("/");
    return {
      pair: {
        exchange: row.market as CryptoExchangeId,
        base: row.code.slice(0, slash),
        quote: row.code.slice(slash + 1),
        symbol: row.code,
      },
      timeframe: row.timeframe,
      heldThrough: Number(row.held_through),
      bars: Number(row.bars),
    };
  });
}

/** Held spans of a pair by timeframe then start (epoch ms UTC), or null when the pair is not stored. */
async function coverage(db: Database, pair: CryptoPair): Promise<CryptoCoverageSpan[] | null> {
  const result = await db.execute(sql`
    select i.id, c.timeframe, c.start_time::float8 as start_time, c.end_time::float8 as end_time, c.bar_count,
      c.fetched_at
    from ${instruments} i left join ${cryptoCoverage} c on c.instrument_id = i.id
    where i.key = ${cryptoInstrumentKey(pair)}
    order by c.timeframe, c.start_time`);
  const rows = rowsOf<{
    id: number;
    timeframe: Timeframe | null;
    start_time: number | null;
    end_time: number | null;
    bar_count: number | null;
    fetched_at: string | Date | null;
  }>(result);
  if (rows.length === 0) return null;
  return rows
    .filter((row) => row.timeframe !== null)
    .map((row) => ({
      timeframe: row.timeframe as Timeframe,
      start: Number(row.start_time),
      end: Number(row.end_time),
      bars: Number(row.bar_count),
      fetchedAt: new Date(row.fetched_at as string | Date),
    }));
}

/** Totals over the crypto tables: pairs stored, bars, held spans, and the first and last bar's open time. */
async function totals(db: Database): Promise<CryptoTotals> {
  const result = await db.execute(sql`
    select (select count(*) from ${instruments} where kind = 'crypto')::int as pairs,
      (select count(*) from ${cryptoBars})::int as bars,
      (select count(*) from ${cryptoCoverage})::int as spans,
      (select min(open_time) from ${cryptoBars})::float8 as first_bar,
      (select max(open_time) from ${cryptoBars})::float8 as last_bar`);
  const row = rowsOf<{ pairs: number; bars: number; spans: number; first_bar: number | null; last_bar: number | null }>(
    result,
  )[0]!;
  return {
    pairs: Number(row.pairs),
    bars: Number(row.bars),
    spans: Number(row.spans),
    firstBar: row.first_bar === null ? null : Number(row.first_bar),
    lastBar: row.last_bar === null ? null : Number(row.last_bar),
  };
}

/** Tests and diagnostics: rows in the crypto tables (bars, held spans, unconfirmed empty spans). */
export async function countCryptoRows(db: Database): Promise<{ bars: number; spans: number; pending: number }> {
  const result = await db.execute(sql`
    select (select count(*) from ${cryptoBars})::int as bars, (select count(*) from ${cryptoCoverage})::int as spans,
      (select count(*) from ${cryptoPendingEmpty})::int as pending`);
  const row = rowsOf<{ bars: number; spans: number; pending: number }>(result)[0]!;
  return { bars: Number(row.bars), spans: Number(row.spans), pending: Number(row.pending) };
}

/**
 * The crypto bar store over a database (PGlite or PostgreSQL), implementing `CryptoBarStore` of
 * `@quantdb/core/crypto`. The store owns its prepared read (built on first use), so one store per
 * system keeps it for the system's life.
 * @example const store = createCryptoBarStore(handle.db); await store.read(pair, "1h", start, end);
 */
export function createCryptoBarStore(db: Database): CryptoBarStore {
  let readStatement: ReturnType<typeof readQuery> | undefined;
  return {
    read: (pair, timeframe, start, end) => {
      readStatement ??= readQuery(db);
      return read(readStatement, pair, timeframe, start, end);
    },
    saveFetched: (fetched) => saveFetched(db, fetched),
    dataVersion: (pair) => dataVersion(db, pair),
    heldSeries: () => heldSeries(db),
    coverage: (pair) => coverage(db, pair),
    totals: () => totals(db),
  };
}
