import { date, doublePrecision, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/** Stored adjustment: "none" (unadjusted, the API's ""), "qfq" or "hfq". */
export const ADJUST_VALUES = ["none", "qfq", "hfq"] as const;

/**
 * Final daily bars, one row per (instrument, adjust, exchange-local date).
 * Prices and amounts are double precision (see docs/adr/0002-price-representation.md): upstream
 * sends 2–3 decimals, which doubles round-trip exactly as JSON numbers. Volume is in shares, double
 * precision since migration 0010 so fractional volumes fit (whole share counts below 2^53 stay exact).
 */
export const dailyBars = pgTable(
  "daily_bars",
  {
    // Refers to instruments.id, kept by migration 0007 rather than a foreign key (whose per-row check
    // was half the cost of a bulk insert): writers lock the instrument row once per write
    // (`FOR KEY SHARE`, what the foreign key took per row) and deleting or truncating instruments
    // deletes their bars (triggers).
    instrumentId: integer("instrument_id").notNull(),
    adjust: text("adjust", { enum: ADJUST_VALUES }).notNull(),
    date: date("date", { mode: "string" }).notNull(),
    open: doublePrecision("open").notNull(),
    high: doublePrecision("high").notNull(),
    low: doublePrecision("low").notNull(),
    close: doublePrecision("close").notNull(),
    volume: doublePrecision("volume").notNull(),
    amount: doublePrecision("amount"),
    amplitude: doublePrecision("amplitude"),
    pctChange: doublePrecision("pct_change"),
    change: doublePrecision("change"),
    turnoverRate: doublePrecision("turnover_rate"),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
    /**
     * The bar as JSON object text, written from the same values as the columns
     * (`JSON.stringify` of the DailyBar, keys in DailyBar order). Range reads concatenate it
     * instead of converting every value (the primary key INCLUDEs it, migration 0006: index-only scans).
     */
    barJson: text("bar_json").notNull(),
  },
  (t) => [primaryKey({ name: "daily_bars_pkey", columns: [t.instrumentId, t.adjust, t.date] })],
);
