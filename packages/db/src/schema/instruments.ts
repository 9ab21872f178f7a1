import { pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Instruments QuantDB has fetched, unique on QuantDB's own key `<kind>:<exchange>:<code>`
 * (`instrumentKey` in @quantdb/core/markets; docs/adr/0007-markets-as-data.md). `kind` separates a
 * stock from an index with the same code (`000001` is Ping An Bank as a stock and the SSE Composite
 * as an index). Upstream ids (Eastmoney's secid) are the source adapters' mapping, not stored
 * (migration 0010 dropped the secid column).
 */
export const instruments = pgTable(
  "instruments",
  {
    id: serial("id").primaryKey(),
    kind: text("kind", { enum: ["stock", "index"] }).notNull(),
    /** QuantDB's instrument key, e.g. `stock:SH:600519`, `index:HK:HSI`. */
    key: text("key").notNull(),
    /** Listing exchange or index compiler: SH, SZ, BJ, CSI or HK. */
    market: text("market").notNull(),
    /** Canonical code: 6 digits (A-share) or 5 digits (HK). */
    code: text("code").notNull(),
    /** Trading currency (the market's: CNY, HKD). */
    currency: text("currency").notNull(),
    name: text("name"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("instruments_key_key").on(t.key)],
);
