import {
  bigint,
  date,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { instruments } from "./instruments.ts";

/**
 * Daily stock-list snapshots, one row per (exchange-local snapshot date, market, code), upserted.
 * Prices in the trading currency, volume in shares, percentages in percent; null where upstream
 * sent "-" (suspended or not yet traded).
 */
export const stockListSnapshots = pgTable(
  "stock_list_snapshots",
  {
    snapshotDate: date("snapshot_date", { mode: "string" }).notNull(),
    /** SH, SZ, BJ or HK. */
    market: text("market").notNull(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    price: doublePrecision("price"),
    pctChange: doublePrecision("pct_change"),
    change: doublePrecision("change"),
    volume: bigint("volume", { mode: "number" }),
    amount: doublePrecision("amount"),
    turnoverRate: doublePrecision("turnover_rate"),
    /** Ratio, dynamic P/E [Eastmoney clist f9]. */
    peRatio: doublePrecision("pe_ratio"),
    /** Ratio, trailing-twelve-months P/E [f115]; null in rows stored before migration 0012. */
    peTtm: doublePrecision("pe_ttm"),
    pbRatio: doublePrecision("pb_ratio"),
    marketCap: doublePrecision("market_cap"),
    floatMarketCap: doublePrecision("float_market_cap"),
    open: doublePrecision("open"),
    high: doublePrecision("high"),
    low: doublePrecision("low"),
    prevClose: doublePrecision("prev_close"),
    /** Percent [Eastmoney clist f7]. */
    amplitude: doublePrecision("amplitude"),
    /** Ratio [f10]. */
    volumeRatio: doublePrecision("volume_ratio"),
    /** Percent per minute [f22]. */
    changeSpeed: doublePrecision("change_speed"),
    /** Percent [f11]. */
    change5min: doublePrecision("change_5min"),
    /** Percent [f24]. */
    change60d: doublePrecision("change_60d"),
    /** Percent [f25]. */
    changeYtd: doublePrecision("change_ytd"),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: "stock_list_snapshots_pkey", columns: [t.snapshotDate, t.market, t.code] })],
);

/** Company information per instrument (Eastmoney stock/get), refreshed after a day. */
export const instrumentProfiles = pgTable("instrument_profiles", {
  instrumentId: integer("instrument_id")
    .primaryKey()
    .references(() => instruments.id, { onDelete: "cascade" }),
  industry: text("industry"),
  /** Exchange-local listing date. */
  listingDate: date("listing_date", { mode: "string" }),
  /** Total shares outstanding (shares). */
  totalShares: doublePrecision("total_shares"),
  /** Free-float shares (shares). */
  floatShares: doublePrecision("float_shares"),
  /** Trading currency. */
  totalMarketCap: doublePrecision("total_market_cap"),
  floatMarketCap: doublePrecision("float_market_cap"),
  /** Upstream's fields as received, keyed by name. */
  raw: jsonb("raw").$type<Record<string, unknown>>().notNull(),
  fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
});

/** Financial reports per instrument and report date (mapped by name from upstream; raw kept). */
export const financialReports = pgTable(
  "financial_reports",
  {
    instrumentId: integer("instrument_id")
      .notNull()
      .references(() => instruments.id, { onDelete: "cascade" }),
    /** Period end, e.g. 2024-09-30. */
    reportDate: date("report_date", { mode: "string" }).notNull(),
    /** Q1, H1 (interim), Q3 or FY (annual). */
    reportType: text("report_type").notNull(),
    /** Mapped fields (see the financial summary endpoint's schema for names and units). */
    data: jsonb("data").$type<Record<string, number | string | null>>().notNull(),
    raw: jsonb("raw").$type<Record<string, unknown>>().notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: "financial_reports_pkey", columns: [t.instrumentId, t.reportDate] })],
);

/** When an instrument's financial reports were last fetched, and when the next one is due. */
export const financialFetches = pgTable("financial_fetches", {
  instrumentId: integer("instrument_id")
    .primaryKey()
    .references(() => instruments.id, { onDelete: "cascade" }),
  fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  /** Exchange-local date after which a newer report may exist (the next statutory deadline). */
  nextDue: date("next_due", { mode: "string" }).notNull(),
});
