/**
 * Realtime quotes (`@quantdb/core/realtime`) for A-shares (SH, SZ, BJ) and HK stocks, from
 * Eastmoney's batch quote endpoint (`push2 …/api/qt/ulist.np/get`, see `../eastmoney/quotes.ts`),
 * cached in process per market and refreshed only as the exchange calendar requires: at most once
 * per TTL while an exchange trades, once after it closes, never while it stays closed.
 *
 * @example
 * const calendars = new CalendarRegistry();
 * const quotes = new QuoteService({ upstream: new EastmoneyQuoteClient(), clock: systemClock, calendars });
 * await quotes.quote(parseStockSymbol("600519")); // { symbol: "600519", price: 1466.0, volume: 3215600, market_open:
 * false, ... } await quotes.batch(["600519", "0700.HK", "ABC"]); // per-symbol quote or error, in order
 */
export { MAX_BATCH_SYMBOLS, parseSymbolBatch, QuoteService } from "./service.ts";
export type {
  Quote,
  QuoteBatchEntry,
  QuoteCacheReport,
  QuoteError,
  QuoteLogger,
  QuoteRequestOptions,
  QuoteServiceOptions,
} from "./service.ts";
export { marketPhase } from "./phase.ts";
export type { MarketPhase } from "./phase.ts";
