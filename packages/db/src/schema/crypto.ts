import { TIMEFRAMES } from "@quantdb/core/crypto";
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { instruments } from "./instruments.ts";

/**
 * Crypto OHLCV bars (issue 17, docs/adr/0008-crypto-through-ccxt.md), one row per (instrument,
 * timeframe, open time). Times are epoch milliseconds UTC (bigint, read as JS numbers: every epoch ms
 * until the year 285,000 is below 2^53); prices in the pair's quote currency, `volume` in the base
 * currency (fractional), `amount` the traded value in the quote currency or null when the exchange
 * does not report it. Double precision throughout, as for stocks (docs/adr/0002-price-representation.md).
 */
export const cryptoBars = pgTable(
  "crypto_bars",
  {
    // Refers to instruments.id without a foreign key, like daily_bars (migration 0007): a year of
    // hourly bars is 8,760 rows per write, and the per-row key check was half of a bulk insert's cost.
    // Writers lock the instrument row FOR KEY SHARE once per write instead, and triggers delete the
    // bars of deleted or truncated instruments (migration 0011).
    instrumentId: integer("instrument_id").notNull(),
    /** `1d` or `1h` (TIMEFRAMES). */
    timeframe: text("timeframe", { enum: TIMEFRAMES }).notNull(),
    /** Bar open time, epoch ms UTC, on the timeframe's grid. */
    openTime: bigint("open_time", { mode: "number" }).notNull(),
    open: doublePrecision("open").notNull(),
    high: doublePrecision("high").notNull(),
    low: doublePrecision("low").notNull(),
    close: doublePrecision("close").notNull(),
    /** Base currency. */
    volume: doublePrecision("volume").notNull(),
    /** Quote currency; null when the exchange does not report it. */
    amount: doublePrecision("amount"),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: "crypto_bars_pkey", columns: [t.instrumentId, t.timeframe, t.openTime] }),
    check("crypto_bars_timeframe_check", sql`${t.timeframe} in ('1d', '1h')`),
  ],
);

/** The columns of a time span of one crypto series (instrument, timeframe), fresh builders for each table. */
function cryptoSpanColumns() {
  return {
    instrumentId: integer("instrument_id")
      .notNull()
      .references(() => instruments.id, { onDelete: "cascade" }),
    timeframe: text("timeframe", { enum: TIMEFRAMES }).notNull(),
    /** Open time of the span's first bar, epoch ms UTC (inclusive). */
    startTime: bigint("start_time", { mode: "number" }).notNull(),
    /** Open time of the span's last bar, epoch ms UTC (inclusive). */
    endTime: bigint("end_time", { mode: "number" }).notNull(),
  };
}

/**
 * Time spans of a crypto series already fetched: every bar open time inside a span is held, whether
 * or not the exchange had a bar for it (bar_count 0 is a remembered empty answer). Unlike the bars,
 * spans keep their foreign key: a write adds a handful of them, not thousands.
 */
export const cryptoCoverage = pgTable(
  "crypto_coverage",
  {
    id: serial("id").primaryKey(),
    ...cryptoSpanColumns(),
    /** Bars stored inside the span when it was written. */
    barCount: integer("bar_count").notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("crypto_coverage_lookup_idx").on(t.instrumentId, t.timeframe, t.startTime),
    check("crypto_coverage_span_check", sql`${t.startTime} <= ${t.endTime}`),
  ],
);

/**
 * Spans of a crypto series the exchange answered empty once, not yet confirmed by a second empty
 * answer: not held (asked again when needed), served empty meanwhile. A later fetch whose asked span
 * overlaps one deletes it (then held, or remembered again as pending).
 */
export const cryptoPendingEmpty = pgTable(
  "crypto_pending_empty",
  {
    id: serial("id").primaryKey(),
    ...cryptoSpanColumns(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("crypto_pending_empty_lookup_idx").on(t.instrumentId, t.timeframe, t.startTime),
    check("crypto_pending_empty_span_check", sql`${t.startTime} <= ${t.endTime}`),
  ],
);
