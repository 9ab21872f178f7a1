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
    /** No CHECK in SQL: a new kind (`crypto`, migration 0011) needs no migration of its own. */
    kind: text("kind", { enum: ["stock", "index", "crypto"] }).notNull(),
    /** QuantDB's instrument key, e.g. `stock:SH:600519`, `index:HK:HSI`, `crypto:binance:BTC/USDT`. */
    key: text("key").notNull(),
    /** Listing exchange or index compiler: SH, SZ, BJ, CSI or HK; a crypto pair's ccxt exchange id (`binance`). */
    market: text("market").notNull(),
    /** Canonical code: 6 digits (A-share), 5 digits (HK), or a crypto pair's `BASE/QUOTE` symbol. */
    code: text("code").notNull(),
    /** Trading currency (the market's: CNY, HKD; a crypto pair's quote currency). */
    currency: text("currency").notNull(),
    name: text("name"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("instruments_key_key").on(t.key)],
);
