/**
 * The crypto market (`@quantdb/core/crypto`): spot pairs on binance, okx, bybit, coinbase and
 * kraken through CCXT, cached on the UTC grid of their timeframe (docs/adr/0008-crypto-through-ccxt.md).
 */
export * from "./types.ts";
export { CcxtSource, PAGE_LIMIT, rewriteApiUrls, type CcxtSourceOptions } from "./ccxt-source.ts";
export {
  barsIn,
  currentOpen,
  dayStartMs,
  daysSpan,
  isoTime,
  lastFinalOpen,
  onGrid,
  uncovered,
  utcDate,
} from "./grid.ts";
export {
  closestPairs,
  CRYPTO_SYMBOL_FORM,
  formatCryptoSymbol,
  looksLikeCryptoSymbol,
  pairPath,
  parseCryptoSymbol,
  parseExchange,
  parsePair,
} from "./pairs.ts";
export { checkRows } from "./quality.ts";
export {
  CryptoService,
  parseTimeframe,
  type CryptoCacheReport,
  type CryptoHistoryInput,
  type CryptoHistoryQuery,
  type CryptoHistoryResult,
  type CryptoMarketEntry,
  type CryptoServiceOptions,
  type CryptoStats,
  type ServedCryptoBar,
} from "./service.ts";
