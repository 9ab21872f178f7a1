/**
 * The public types, pinned: method return types come from the generated OpenAPI types, the error
 * class has its fields, and the options accept what they should and refuse what they should not.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  createClient,
  QuantDbApiError,
  type Adjust,
  type BatchHistory,
  type CacheStats,
  type CalendarDate,
  type CalendarMarket,
  type ClientOptions,
  type CompanyInfo,
  type CryptoBar,
  type CryptoExchange,
  type CryptoHistory,
  type CryptoHistoryColumns,
  type CryptoMarketList,
  type CryptoMarketListEntry,
  type CryptoPairRef,
  type CryptoQuote,
  type CryptoQuoteAnswer,
  type CryptoQuoteBatch,
  type CryptoSymbol,
  type CryptoTimeframe,
  type DailyBar,
  type FetchLike,
  type FinancialSummary,
  type HistoryRange,
  type ManyHistory,
  type Period,
  type QuantDbClient,
  type Quote,
  type QuoteAnswer,
  type QuoteBatch,
  type StockHistory,
  type StockList,
  type TradingCalendar,
  type MarketStatus,
  type QuoteEvent,
  type QuoteStreamEvent,
  type StatusEvent,
  type StreamQuote,
  type UnknownSymbolEvent,
  type components,
  type paths,
} from "../src/index.ts";

type Schemas = components["schemas"];
const client = createClient({ baseUrl: "http://localhost:8000" });

describe("createClient", () => {
  it("returns the QuantDbClient interface", () => {
    expectTypeOf(createClient).parameter(0).toEqualTypeOf<ClientOptions>();
    expectTypeOf(createClient).returns.toEqualTypeOf<QuantDbClient>();
  });

  it("takes baseUrl, apiKey, fetch, timeoutMs, retries", () => {
    expectTypeOf<ClientOptions["baseUrl"]>().toEqualTypeOf<string>();
    expectTypeOf<ClientOptions["apiKey"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ClientOptions["timeoutMs"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientOptions["retries"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientOptions["fetch"]>().toEqualTypeOf<FetchLike | undefined>();
    // @ts-expect-error baseUrl is required
    createClient({});
  });

  it("accepts the global fetch and (input, init) handlers as fetch", () => {
    expectTypeOf(fetch).toExtend<FetchLike>();
    expectTypeOf((request: Request) => new Response(request.url)).toExtend<FetchLike>();
    createClient({ baseUrl: "http://embedded.invalid", fetch: (input, init) => fetch(new Request(input, init)) });
  });
});

describe("method return types are the generated schemas", () => {
  it("history", () => {
    expectTypeOf(client.getHistory).returns.resolves.toEqualTypeOf<Schemas["StockHistory"]>();
    expectTypeOf(client.getIndexHistory).returns.resolves.toEqualTypeOf<Schemas["StockHistory"]>();
    expectTypeOf(client.batchHistory).returns.resolves.toEqualTypeOf<BatchHistory>();
    expectTypeOf<StockHistory["data"]>().toEqualTypeOf<DailyBar[]>();
    expectTypeOf<DailyBar["close"]>().toEqualTypeOf<number>();
    expectTypeOf<DailyBar["amount"]>().toEqualTypeOf<number | null>();
    expectTypeOf<StockHistory>().toEqualTypeOf<
      paths["/api/v1/historical/stock/{symbol}"]["get"]["responses"][200]["content"]["application/json"]
    >();
    expectTypeOf<Adjust>().toEqualTypeOf<"" | "qfq" | "hfq">();
    expectTypeOf<Period>().toEqualTypeOf<"daily" | "weekly" | "monthly">();
    expectTypeOf(client.getMany).returns.resolves.toEqualTypeOf<ManyHistory>();
    expectTypeOf<ManyHistory["results"]>().toEqualTypeOf<Record<string, StockHistory>>();
    expectTypeOf<ManyHistory["errors"]>().toEqualTypeOf<Record<string, QuantDbApiError>>();
  });

  it("quotes, lists, assets, financials, calendar, cache, system", () => {
    expectTypeOf(client.getQuote).returns.resolves.toEqualTypeOf<QuoteAnswer>();
    expectTypeOf<QuoteAnswer["cache"]>().toEqualTypeOf<{ hit: boolean; upstream_requests: number }>();
    expectTypeOf<QuoteAnswer>().toMatchTypeOf<Quote>();
    expectTypeOf(client.getQuotes).returns.resolves.toEqualTypeOf<QuoteBatch>();
    expectTypeOf(client.getStockList).returns.resolves.toEqualTypeOf<StockList>();
    expectTypeOf(client.getCompanyInfo).returns.resolves.toEqualTypeOf<CompanyInfo>();
    expectTypeOf(client.listAssets).returns.resolves.toEqualTypeOf<Schemas["AssetList"]>();
    expectTypeOf(client.batchCompanyInfo).returns.resolves.toEqualTypeOf<Schemas["BatchAssets"]>();
    expectTypeOf(client.getFinancialSummary).returns.resolves.toEqualTypeOf<FinancialSummary>();
    expectTypeOf(client.getCalendar).returns.resolves.toEqualTypeOf<TradingCalendar>();
    expectTypeOf(client.getCalendarDate).returns.resolves.toEqualTypeOf<CalendarDate>();
    expectTypeOf<CalendarDate["is_session"]>().toEqualTypeOf<boolean | null>();
    expectTypeOf(client.extendCnCalendar).returns.resolves.toEqualTypeOf<Schemas["CalendarExtension"]>();
    expectTypeOf(client.getCacheStats).returns.resolves.toEqualTypeOf<CacheStats>();
    expectTypeOf(client.getCacheCoverage).returns.resolves.toEqualTypeOf<Schemas["CacheCoverage"]>();
    expectTypeOf(client.clearCache).returns.resolves.toEqualTypeOf<Schemas["CacheCleared"]>();
    expectTypeOf(client.clearSymbolCache).returns.resolves.toEqualTypeOf<Schemas["CacheCleared"]>();
    expectTypeOf(client.refreshCache).returns.resolves.toEqualTypeOf<Schemas["CacheRefresh"]>();
    expectTypeOf(client.getVersion).returns.resolves.toEqualTypeOf<Schemas["Version"]>();
    expectTypeOf(client.getHealth).returns.resolves.toEqualTypeOf<Schemas["Health"]>();
    expectTypeOf<CalendarMarket>().toEqualTypeOf<"CN" | "HK" | "CRYPTO">();
  });

  it("crypto", () => {
    expectTypeOf(client.getCryptoHistory("binance:BTC/USDT")).resolves.toEqualTypeOf<CryptoHistory>();
    expectTypeOf(
      client.getCryptoHistory({ exchange: "binance", pair: "BTC/USDT" }, { format: "json", timeframe: "1h" }),
    ).resolves.toEqualTypeOf<CryptoHistory>();
    expectTypeOf(
      client.getCryptoHistory("binance:BTC/USDT", { format: "columns" }),
    ).resolves.toEqualTypeOf<CryptoHistoryColumns>();
    expectTypeOf(client.getCryptoHistory("binance:BTC/USDT", { format: "csv" })).resolves.toEqualTypeOf<string>();
    expectTypeOf<CryptoHistory>().toEqualTypeOf<
      paths["/api/v1/historical/crypto/{exchange}/{pair}"]["get"]["responses"][200]["content"]["application/json"]
    >();
    expectTypeOf<CryptoHistory["data"]>().toEqualTypeOf<CryptoBar[]>();
    expectTypeOf<CryptoBar["amount"]>().toEqualTypeOf<number | null>();
    expectTypeOf<CryptoHistoryColumns["columns"]["close"]>().toEqualTypeOf<number[]>();
    expectTypeOf<CryptoHistory["metadata"]["units"]["time_zone"]>().toEqualTypeOf<"UTC">();
    expectTypeOf<CryptoTimeframe>().toEqualTypeOf<"1d" | "1h">();
    expectTypeOf(client.getCryptoMarkets).returns.resolves.toEqualTypeOf<CryptoMarketList>();
    expectTypeOf<CryptoMarketList["markets"]>().toEqualTypeOf<CryptoMarketListEntry[]>();
    expectTypeOf(client.getCryptoQuote).returns.resolves.toEqualTypeOf<CryptoQuoteAnswer>();
    expectTypeOf<CryptoQuoteAnswer>().toExtend<CryptoQuote>();
    expectTypeOf<CryptoQuoteAnswer["cache"]["fetched_at"]>().toEqualTypeOf<string>();
    expectTypeOf(client.getCryptoQuotes).returns.resolves.toEqualTypeOf<CryptoQuoteBatch>();
    expectTypeOf(client.getCryptoCacheCoverage).returns.resolves.toEqualTypeOf<Schemas["CryptoCacheCoverage"]>();
    expectTypeOf<CryptoQuoteBatch["data"][number]["quote"]>().toEqualTypeOf<CryptoQuote | null>();
    expectTypeOf<CryptoExchange>().toEqualTypeOf<"binance" | "okx" | "bybit" | "coinbase" | "kraken">();
    expectTypeOf<CryptoSymbol>().toEqualTypeOf<string | CryptoPairRef>();
  });
});

describe("streamQuotes", () => {
  it("yields quote, status and unknown-symbol events told apart by `event`", () => {
    const events = client.streamQuotes(["600519", { exchange: "binance", pair: "BTC/USDT" }], {
      signal: new AbortController().signal,
      retryDelay: (attempt) => attempt * 100,
    });
    expectTypeOf(events).toEqualTypeOf<AsyncIterable<QuoteStreamEvent>>();
    expectTypeOf<QuoteStreamEvent>().toEqualTypeOf<QuoteEvent | StatusEvent | UnknownSymbolEvent>();
    expectTypeOf<QuoteEvent>().toEqualTypeOf<{ event: "quote"; id: string; data: StreamQuote }>();
    expectTypeOf<StatusEvent["data"]>().toEqualTypeOf<MarketStatus>();
    expectTypeOf<MarketStatus["state"]>().toEqualTypeOf<"open" | "break" | "closed" | "degraded">();
    expectTypeOf<StreamQuote["price"]>().toEqualTypeOf<number | null>();
    expectTypeOf<StreamQuote["time"]>().toEqualTypeOf<string | null>();
    expectTypeOf<UnknownSymbolEvent["data"]["code"]>().toEqualTypeOf<"UNKNOWN_SYMBOL">();
    // @ts-expect-error symbols are a list
    void client.streamQuotes("600519");
  });
});

describe("method options", () => {
  it("every method takes { signal }", () => {
    const signal = new AbortController().signal;
    void client.getHealth({ signal });
    void client.getQuote("600519", { signal });
    void client.getStockList("SH", { signal, limit: 10 });
    void client.getCalendar("CN", { signal, start: "20240101" });
    void client.getMany(["600519"], { signal, days: 5, concurrency: 2 });
    expectTypeOf<HistoryRange["signal"]>().toEqualTypeOf<AbortSignal | undefined>();
  });

  it("history takes { days } or { start, end }, never both", () => {
    void client.getHistory("600519", { days: 30, adjust: "qfq", period: "weekly" });
    void client.getHistory("600519", { start: "20240102", end: "2024-03-29", adjust: "" });
    void client.getHistory("600519");
    // @ts-expect-error days and dates exclude each other
    void client.getHistory("600519", { days: 5, start: "20240102" });
    // @ts-expect-error adjust is "", "qfq" or "hfq"
    void client.getHistory("600519", { days: 5, adjust: "none" });
    // @ts-expect-error indices are not adjusted
    void client.getIndexHistory("000300", { days: 5, adjust: "qfq" });
    // @ts-expect-error markets are typed
    void client.getCalendar("US");
    // @ts-expect-error the stock list needs SH, SZ, BJ or HK
    void client.getStockList("NYSE");
  });

  it("crypto history takes dates, a timeframe and a format", () => {
    void client.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01", end: "20251231", timeframe: "1d" });
    void client.getCryptoQuotes(["binance:BTC/USDT", { exchange: "okx", pair: "ETH-USDT" }]);
    void client.getCryptoMarkets("binance", { quote: "USDT" });
    void client.getCalendar("CRYPTO", { start: "2025-01-01" });
    // @ts-expect-error timeframes are 1d and 1h
    void client.getCryptoHistory("binance:BTC/USDT", { timeframe: "5m" });
    // @ts-expect-error formats are json, columns and csv
    void client.getCryptoHistory("binance:BTC/USDT", { format: "parquet" });
    // @ts-expect-error a pair object needs its exchange
    void client.getCryptoQuote({ pair: "BTC/USDT" });
    // @ts-expect-error crypto bars are never adjusted
    void client.getCryptoHistory("binance:BTC/USDT", { adjust: "qfq" });
  });
});

describe("QuantDbApiError", () => {
  it("has code, status, message, details", () => {
    const error = new QuantDbApiError({ code: "TIMEOUT", status: 0, message: "timed out" });
    expectTypeOf(error).toExtend<Error>();
    expectTypeOf(error.name).toEqualTypeOf<"QuantDbApiError">();
    expectTypeOf(error.code).toExtend<string>();
    expectTypeOf<"NETWORK_ERROR">().toExtend<typeof error.code>();
    expectTypeOf(error.status).toEqualTypeOf<number>();
    expectTypeOf(error.message).toEqualTypeOf<string>();
    expectTypeOf(error.details).toEqualTypeOf<{ [key: string]: unknown } | undefined>();
    expectTypeOf(error.retryable).toEqualTypeOf<boolean>();
  });
});
