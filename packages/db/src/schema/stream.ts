import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Which live-quote symbols each replica's subscribers want, per market (issue 19): the replica that polls
 * a market polls the union of the rows not yet expired. A replica renews its row on every poll interval
 * and deletes it when its last subscriber of the market leaves; a replica that died stops counting once
 * `expires_at` passes.
 */
export const streamInterest = pgTable(
  "stream_interest",
  {
    /** The replica's id (random per process). */
    replica: text("replica").notNull(),
    /** `CN`, `HK` or `CRYPTO`. */
    market: text("market").notNull(),
    /** Symbol keys as streams name them: `600519`, `00700`, `binance:BTC/USDT`. */
    symbols: text("symbols").array().notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.replica, t.market] })],
);
