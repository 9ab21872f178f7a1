import { pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Instruments QuantDB has fetched. `kind` separates a stock from an index with the same code
 * (`000001` is Ping An Bank as a stock and the SSE Composite as an index).
 */
export const instruments = pgTable(
  "instruments",
  {
    id: serial("id").primaryKey(),
    kind: text("kind", { enum: ["stock", "index"] }).notNull(),
    /** SH, SZ, BJ or HK. */
    market: text("market").notNull(),
    /** Canonical code: 6 digits (A-share) or 5 digits (HK). */
    code: text("code").notNull(),
    /** Eastmoney secid, e.g. 1.600519. */
    secid: text("secid").notNull(),
    /** CNY or HKD. */
    currency: text("currency").notNull(),
    name: text("name"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("instruments_kind_market_code_key").on(t.kind, t.market, t.code)],
);
