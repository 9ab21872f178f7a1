/**
 * @quantdb/sdk: the QuantDB client. `createClient({ baseUrl })` talks to a QuantDB server over
 * `fetch` (Node 20+, Bun, Deno, browsers), for A-shares, Hong Kong stocks and crypto spot pairs; the
 * response types are generated from the server's OpenAPI document. The embedded mode (no server) is
 * the package `@quantdb/embedded`.
 *
 * @example
 * import { createClient, QuantDbApiError } from "@quantdb/sdk";
 * const client = createClient({ baseUrl: "http://localhost:8000" });
 * const { data } = await client.getHistory("600519", { days: 30, adjust: "qfq" });
 * const btc = await client.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01", end: "2025-12-31" });
 */
export { createClient } from "./client.ts";
export { isCryptoSymbol, type CryptoPairRef, type CryptoSymbol } from "./crypto.ts";
export {
  CRYPTO_MARKET,
  MARKETS,
  type CryptoExchange,
  type CryptoMarketInfo,
  type MarketInfo,
} from "./markets.generated.ts";
export type {
  AssetListOptions,
  AssetSearchOptions,
  JobRunsOptions,
  CalendarOptions,
  ClientOptions,
  CryptoHistoryOptions,
  CryptoMarketsOptions,
  DatesRange,
  FetchLike,
  GetManyOptions,
  HistoryOptions,
  HistoryRange,
  IndexHistoryOptions,
  IndicatorOptions,
  IndexHistoryRange,
  KindOptions,
  ManyHistory,
  QuantDbClient,
  RefreshOptions,
  RequestOptions,
  SessionsRange,
  StockListOptions,
  StreamQuotesOptions,
} from "./client.ts";
export { reconnectDelay } from "./stream.ts";
export { QuantDbApiError } from "./errors.ts";
export type { ApiErrorCode, ClientErrorCode, QuantDbApiErrorInit, QuantDbErrorCode } from "./errors.ts";
/** The response and parameter types, derived from the generated OpenAPI types. */
export type * from "./types.ts";
/** The generated OpenAPI types, for anyone who wants the raw `paths` / `operations` / `components`. */
export type { components, operations, paths } from "./openapi.d.ts";
