/**
 * Markets as data (`@quantdb/core/markets`): the {@link Market} definitions of CN (A-shares) and
 * HK, and lookups by id or exchange. See docs/adr/0007-markets-as-data.md.
 *
 * @example
 * market("HK").timeZone; // "Asia/Hong_Kong"
 * marketOfExchange("SZ").currency; // "CNY"
 * lotsToShares(market("CN"), 32156); // 3215600
 */
export type {
  Currency,
  IndexCompiler,
  Market,
  MarketCalendar,
  MarketId,
  RegularHours,
  StockExchange,
  SymbolForms,
} from "./types.ts";
export {
  CURRENCIES,
  INDEX_COMPILERS,
  exchangeInfo,
  isMarketId,
  lotsToShares,
  market,
  MARKET_IDS,
  marketOfExchange,
  MARKETS,
  priceDecimalsOf,
  sharesToLots,
  STOCK_EXCHANGES,
  TIME_ZONES,
} from "./registry.ts";
export { instrumentKey, type InstrumentKey } from "./instrument-key.ts";
