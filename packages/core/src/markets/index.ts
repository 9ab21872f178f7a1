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
  AnyMarket,
  CryptoMarket,
  Currency,
  IndexCompiler,
  Market,
  MarketCalendar,
  MarketId,
  RegularHours,
  StockExchange,
  StockMarketId,
  SymbolForms,
} from "./types.ts";
export {
  anyMarket,
  CRYPTO_MARKET,
  CURRENCIES,
  INDEX_COMPILERS,
  exchangeInfo,
  isMarketId,
  isStockMarketId,
  lotsToShares,
  market,
  MARKET_IDS,
  marketOfExchange,
  MARKETS,
  priceDecimalsOf,
  sharesToLots,
  STOCK_EXCHANGES,
  STOCK_MARKET_IDS,
  TIME_ZONES,
} from "./registry.ts";
export { instrumentKey, type InstrumentKey } from "./instrument-key.ts";
