/**
 * The remote client: `createClient` returns a {@link QuantDbClient} with one typed method per API
 * operation, plus the conveniences `getHistory({ days })` and `getMany`. Runs anywhere `fetch`
 * does (Node 20+, Bun, Deno, browsers); nothing else is used at run time besides p-retry, p-limit and
 * eventsource-parser.
 */
import pLimit from "p-limit";
import { cryptoPathParams, cryptoSymbolText, isCryptoSymbol, type CryptoSymbol } from "./crypto.ts";
import { QuantDbApiError } from "./errors.ts";
import type { CryptoExchange } from "./markets.generated.ts";
import { createTransport, type Call, type FetchLike } from "./http.ts";
import { streamQuoteEvents } from "./stream.ts";
import {
  addDays,
  CALENDARS_START,
  indexCalendar,
  localDateTime,
  lookbackDays,
  startedSessions,
  stockCalendar,
} from "./sessions.ts";
import type {
  Adjust,
  ApiKey,
  ApiKeyList,
  AssetList,
  AssetSearch,
  BatchAssets,
  BatchHistory,
  CacheCleared,
  CacheCoverage,
  CacheRefresh,
  CacheStats,
  CalendarDate,
  CalendarExtension,
  CalendarMarket,
  CompanyInfo,
  CreatedApiKey,
  CryptoCacheCoverage,
  Indicators,
  ScreenAnswer,
  ScreenRequest,
  CryptoHistory,
  CryptoHistoryColumns,
  CryptoMarketList,
  CryptoQuoteAnswer,
  CryptoQuoteBatch,
  CryptoTimeframe,
  FinancialSummary,
  Health,
  JobRunList,
  HkHolidayList,
  IndexHistory,
  InstrumentKind,
  ListMarket,
  Period,
  QuoteAnswer,
  QuoteStreamEvent,
  QuoteBatch,
  StockHistory,
  StockList,
  TradingCalendar,
  Version,
} from "./types.ts";

export type { FetchLike } from "./http.ts";

/** Options of {@link createClient}. */
/** Options of {@link QuantDbClient.getIndicators}. */
export interface IndicatorOptions extends RequestOptions {
  /**
   * Comma list of `name:param:…`: `ma:N`, `ema:N`, `macd:[12]:[26]:[9]`, `kdj:[9]:[3]:[3]`, `rsi:[6]`,
   * `boll:[20]:[2]`, `atr:[14]`, `obv`.
   */
  indicators: string;
  /** A bare code names a stock (default) or an index. */
  kind?: "stock" | "index";
  /** First day, `YYYY-MM-DD` (exchange-local; UTC for crypto). */
  start?: string;
  /** Last day, `YYYY-MM-DD`. */
  end?: string;
  /** Stocks: `"qfq"` (default here), `""` or `"hfq"`. */
  adjust?: string;
  /** Stocks and indices: `daily` (default), `weekly`, `monthly`. */
  period?: string;
  /** Crypto: `1d` (default) or `1h`. */
  timeframe?: string;
}

export interface ClientOptions {
  /**
   * Base URL of a QuantDB server, with or without a trailing slash; may include a path prefix
   * (`https://example.com/quantdb`). Any absolute URL works with a custom `fetch`
   * (`http://embedded.invalid` for the embedded mode).
   * @example "http://localhost:8000"
   */
  baseUrl: string;
  /**
   * API key, sent as `Authorization: Bearer <apiKey>` on every request. Omit it for a server
   * without keys; an empty (or blank) string is rejected.
   * @default undefined (no Authorization header)
   */
  apiKey?: string | undefined;
  /**
   * The `fetch` to use: called with a single `Request` per attempt, so the global `fetch`, a
   * wrapped or instrumented one, or an in-process handler (`(request) => app.fetch(request)`) fit.
   * @default globalThis.fetch, looked up at each call
   */
  fetch?: FetchLike | undefined;
  /**
   * Time limit of each attempt in milliseconds, headers and body included. A timed-out attempt
   * fails with `TIMEOUT` and is retried, so one call can take up to about
   * `(retries + 1) × timeoutMs` plus backoff. A cold stock-list scan takes tens of seconds.
   * @default 60000
   */
  timeoutMs?: number | undefined;
  /**
   * How many times a failed attempt is retried when it may pass: network errors, timeouts and 5xx
   * answers, with exponential backoff (300 ms × 2^n, each × a random 1-2, at most 10 s). 4xx
   * answers, non-JSON bodies and aborts are never retried. 0 disables retries.
   * @default 2
   */
  retries?: number | undefined;
}

/** Options every method takes. */
export interface RequestOptions {
  /**
   * Abort the call (the attempt in flight and any pending retry); the call then rejects with a
   * {@link QuantDbApiError} of code `ABORTED`.
   */
  signal?: AbortSignal | undefined;
}

/** Adjustment and period of a stock-history request. */
export interface HistoryOptions extends RequestOptions {
  /**
   * Price adjustment: `""` unadjusted, `"qfq"` forward-adjusted (前复权, rebased at every
   * ex-dividend date), `"hfq"` backward-adjusted (后复权). Volume and amount are never adjusted.
   * @default ""
   */
  adjust?: Adjust | undefined;
  /**
   * Bar period: `"daily"`, or `"weekly"` / `"monthly"` bars derived from the daily bars of
   * [start, min(end, today)] (dated on the last session included; a period cut short by the end
   * date or today, or begun at the start date, has `partial: true`).
   * @default "daily"
   */
  period?: Period | undefined;
}

/** Period of an index-history request (indices are never adjusted). */
export interface IndexHistoryOptions extends RequestOptions {
  /** @default "daily" */
  period?: Period | undefined;
}

/**
 * The last `days` trading sessions of the instrument's exchange up to now: every session before
 * today, and today's once it has opened (its bar is then `provisional: true` until the close + 30
 * minutes). "Now" is the server's clock.
 */
export type SessionsRange<O> = O & {
  /**
   * Number of trading sessions (not calendar days), a positive integer.
   * @default 30
   */
  days: number;
  start?: never;
  end?: never;
};

/** An explicit date range. Both ends are exchange-local dates, `YYYYMMDD` or `YYYY-MM-DD`, inclusive. */
export type DatesRange<O> = O & {
  /**
   * First date. @default one year before `end` (the server's default)
   * @example "2024-01-02"
   */
  start?: string | undefined;
  /**
   * Last date; a future date is fine. @default today on the instrument's exchange (the server's default)
   * @example "20240329"
   */
  end?: string | undefined;
  days?: never;
};

/**
 * What `getHistory` asks for: `{ days }` (the last N sessions) or `{ start?, end? }` (explicit
 * dates), with `adjust`, `period` and `signal`. With neither `days` nor `start`/`end`: `{ days: 30 }`.
 */
export type HistoryRange = SessionsRange<HistoryOptions> | DatesRange<HistoryOptions>;
/** What `getIndexHistory` asks for: as {@link HistoryRange}, without `adjust`. */
export type IndexHistoryRange = SessionsRange<IndexHistoryOptions> | DatesRange<IndexHistoryOptions>;

/** Options of `getMany`: a {@link HistoryRange} for every symbol, and how many requests may run at once. */
export type GetManyOptions = HistoryRange & {
  /**
   * Requests in flight at once (each symbol is one history request).
   * @default 4
   */
  concurrency?: number | undefined;
};

/**
 * What `getMany` returns: per symbol (as written in the request, duplicates collapsed) either its
 * history in `results` or its error in `errors`; every requested symbol is in exactly one of them.
 */
export interface ManyHistory {
  /** History of each symbol that succeeded. */
  results: Record<string, StockHistory>;
  /**
   * Error of each symbol that failed (after its retries), e.g. `INVALID_SYMBOL` (400) or `UPSTREAM_UNAVAILABLE` (502).
   */
  errors: Record<string, QuantDbApiError>;
}

/** Range, timeframe and format of a crypto-history request (`getCryptoHistory`). */
export interface CryptoHistoryOptions extends RequestOptions {
  /**
   * First UTC day, `YYYYMMDD` or `YYYY-MM-DD`, inclusive.
   * @default 365 days (`1d`) or 6 days (`1h`) before `end` (the server's default)
   * @example "2025-01-01"
   */
  start?: string | undefined;
  /**
   * Last UTC day, inclusive; the answer stops at now (today's bar, if reached, is `provisional`).
   * @default today in UTC by the server's clock
   * @example "2025-12-31"
   */
  end?: string | undefined;
  /**
   * Bar length: `"1d"` (bars open at 00:00 UTC) or `"1h"` (bars open on the hour, UTC).
   * @default "1d"
   */
  timeframe?: CryptoTimeframe | undefined;
  /**
   * Shape of the answer: `"json"` ({@link CryptoHistory}, bars as objects in `data`), `"columns"`
   * ({@link CryptoHistoryColumns}, one array per field) or `"csv"` (the text: a header line
   * `date,time,open,high,low,close,volume,amount,provisional`, then one line per bar; no metadata).
   * @default "json"
   */
  format?: "json" | "columns" | "csv" | undefined;
}

/** Options of `getCryptoMarkets`. */
export interface CryptoMarketsOptions extends RequestOptions {
  /** Only pairs quoted in this currency (`USDT`, `USD`, `BTC`…), case-insensitive. @default every pair */
  quote?: string | undefined;
}

/** Filters and paging of `getStockList`. */
export interface StockListOptions extends RequestOptions {
  /**
   * Only stocks whose code or name contains this text (case-insensitive, at most 50 characters, no control characters).
   */
  q?: string | undefined;
  /** At most this many stocks (1-10000). @default every matching stock */
  limit?: number | undefined;
  /** Skip this many matching stocks first, in code order. @default 0 */
  offset?: number | undefined;
}

/** Options of `streamQuotes`. */
export interface StreamQuotesOptions extends RequestOptions {
  /**
   * Delay in ms before reconnecting, given the number of consecutive failed connections (1, 2, …; a
   * connection that delivered an event resets it).
   * @default 500 ms doubling per attempt, capped at 30 s, half of it random (`reconnectDelay`)
   * @example { retryDelay: () => 0 } // tests: reconnect at once
   */
  retryDelay?: ((attempt: number) => number) | undefined;
  /**
   * Called before each reconnect wait with the failure that caused it (`NETWORK_ERROR` for a dropped or
   * ended connection, `TIMEOUT`, or a 5xx answer's error).
   */
  onReconnect?: ((info: { attempt: number; delayMs: number; error: QuantDbApiError }) => void) | undefined;
  /**
   * A connection that sends nothing for this long (the server sends a comment at least every 15 s) is
   * dropped and reopened, ms.
   * @default 45000
   */
  idleTimeoutMs?: number | undefined;
}

/** Options of `listJobRuns`. */
export interface JobRunsOptions extends RequestOptions {
  /** Most recent runs to return, 1..500. @default 50 */
  limit?: number;
  /** Only runs of this job (e.g. `"daily-ingest"`). */
  job?: string;
}

/** Options of `searchAssets`. */
export interface AssetSearchOptions extends RequestOptions {
  /** At most this many results, 1-50. @default 10 */
  limit?: number | undefined;
}

/** Filters and paging of `listAssets`. */
export interface AssetListOptions extends RequestOptions {
  /** Only this market. @default every market */
  market?: ListMarket | undefined;
  /** Only this kind. @default both */
  kind?: InstrumentKind | undefined;
  /**
   * Only instruments whose code or name contains this text (case-insensitive, at most 50 characters, no control
   * characters).
   */
  q?: string | undefined;
  /** Page size, 1-500. @default 50 */
  limit?: number | undefined;
  /** Instruments skipped first. @default 0 */
  offset?: number | undefined;
}

/** Which instrument a symbol names, for the cache endpoints. */
export interface KindOptions extends RequestOptions {
  /** `"index"` for an index (a bare `000001` is both Ping An Bank and the SSE Composite). @default "stock" */
  kind?: InstrumentKind | undefined;
}

/** Options of `refreshCache`. */
export interface RefreshOptions extends RequestOptions {
  /** Only this adjustment. @default every adjustment held */
  adjust?: Adjust | undefined;
}

/** Date range of `getCalendar`. Exchange-local dates, `YYYYMMDD` or `YYYY-MM-DD`, inclusive. */
export interface CalendarOptions extends RequestOptions {
  /** First date. @default 1 January of `end`'s year */
  start?: string | undefined;
  /** Last date; clipped at the calendar's `known_through`. @default 31 December of the current year on the exchange */
  end?: string | undefined;
}

/**
 * A QuantDB client: one method per API operation. Every method returns the API's JSON answer typed
 * from its OpenAPI document, and rejects with a {@link QuantDbApiError} (after retrying network
 * errors, timeouts and 5xx answers; never 4xx). Every method takes `{ signal }` last.
 *
 * Units: prices, change and amount in the trading currency (CNY for SH/SZ/BJ, HKD for HK; index
 * levels in points); volume in shares; pct_change, amplitude, turnover_rate in percent; dates
 * exchange-local `YYYY-MM-DD`; instants ISO 8601 UTC. Crypto pairs (`getCrypto*`): prices and amount
 * in the pair's quote currency (USDT for `binance:BTC/USDT`), volume in its base currency (BTC),
 * dates UTC days, times ISO 8601 UTC.
 */
export interface QuantDbClient {
  /**
   * Bars of an A-share or HK stock (`GET /api/v1/historical/stock/{symbol}`), cached by the server.
   * `{ days: N }` asks the server for its clock and the exchange calendar (`GET /health`,
   * `GET /api/v1/calendar/{CN|HK}`) and then for the bars from the Nth-last session to today:
   * three requests, at most N bars (fewer if the stock was suspended or not listed yet; with
   * `period: "weekly"`/`"monthly"`, the periods those sessions fall in). The calendar is HK for
   * 5-digit and `.HK`/`HK.`/`hk` symbols, CN otherwise.
   * @param symbol - any accepted form: `600519`, `sh600519`, `600519.SH`, `000001.SZ`, `830799.BJ`, `00700`, `0700.HK`,
   * `hk00700`.
   * @param range - `{ days }` or `{ start?, end? }`, with `adjust`, `period`, `signal`. @default { days: 30 }
   * @returns prices in CNY/HKD adjusted per `adjust`, volume in shares, percentages in percent.
   * @throws {QuantDbApiError} `INVALID_SYMBOL`, `INVALID_DATE`, `INVALID_RANGE`, `INVALID_ADJUST`, `INVALID_PERIOD`
   * (400); `UPSTREAM_UNAVAILABLE`/`UPSTREAM_INVALID` (502), `UPSTREAM_TIMEOUT` (504) after retries; client-side codes.
   * A crypto pair (`binance:BTC/USDT`) is refused with `INVALID_SYMBOL` (status 0, nothing sent) naming
   * `getCryptoHistory`, which serves pairs.
   * @throws {RangeError} when `days` is not a positive integer.
   * @example const { data } = await client.getHistory("600519", { days: 30, adjust: "qfq" });
   * @example await client.getHistory("0700.HK", { start: "2024-01-02", end: "2024-03-28", period: "weekly" });
   */
  getHistory(symbol: string, range?: HistoryRange): Promise<StockHistory>;
  /**
   * Bars of a CN or HK index (`GET /api/v1/index/historical/{symbol}`); `000001` is the SSE Composite here.
   * `{ days }` works as in `getHistory`; the calendar is CN for numeric codes (`000300`, `sh000300`,
   * `399001.SZ`, `csi931151`) and HK for the rest (`HSI`, `HSCEI`, `HSTECH`, `^HSI`, …).
   * @param symbol - index symbol.
   * @param range - `{ days }` or `{ start?, end? }`, with `period`, `signal`. @default { days: 30 }
   * @returns levels in points, volume in shares, amount in CNY/HKD; `adjust` is always `""`.
   * @throws {QuantDbApiError} as `getHistory`.
   * @example await client.getIndexHistory("000300", { start: "20240102", end: "20240329", period: "weekly" });
   */
  getIndexHistory(symbol: string, range?: IndexHistoryRange): Promise<IndexHistory>;
  /**
   * History of many stocks over the same range, one `getHistory` per symbol, at most
   * `concurrency` at a time, each with its own retries; `{ days }` resolves the session window
   * once per calendar (CN, HK) for the whole call. Never rejects for one symbol's failure; rejects
   * only when `signal` aborts (`ABORTED`). No limit on the number of symbols (the server's batch
   * endpoint takes 100: see `batchHistory` for one round trip).
   * @param symbols - stock symbols in any accepted form; duplicates are asked for once.
   * @param options - a {@link HistoryRange} plus `concurrency`. @default { days: 30, concurrency: 4 }
   * @example const { results, errors } = await client.getMany(["600519", "00700"], { days: 20 });
   */
  getMany(symbols: readonly string[], options?: GetManyOptions): Promise<ManyHistory>;
  /**
   * Bars of up to 100 stocks in one request (`POST /api/v1/batch/stocks`); per-symbol failures come
   * back inside the 200 in `errors` (they are not retried by the client).
   * @param symbols - 1 to 100 stock symbols.
   * @param range - `{ start?, end? }` (server defaults: one year up to today), `adjust`, `period`, `signal`.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for an empty list or more than 100 symbols.
   * @example const batch = await client.batchHistory(["600519", "00700"], { start: "20240102", end: "20240131" });
   */
  batchHistory(symbols: readonly string[], range?: DatesRange<HistoryOptions>): Promise<BatchHistory>;
  /**
   * Realtime quote of a stock (`GET /api/v1/realtime/stock/{symbol}`): reused by the server for 15 s
   * while its exchange trades, served without upstream calls while it is closed.
   * @param symbol - stock symbol.
   * @returns prices in `currency` (CNY/HKD), volume in shares, percentages in percent; HK may be ~15 min delayed.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400), `NOT_FOUND` (404), 502/504 upstream failures.
   * @example const { price, currency } = await client.getQuote("600519");
   */
  getQuote(symbol: string, options?: RequestOptions): Promise<QuoteAnswer>;
  /**
   * Quotes of 1 to 100 stocks (`POST /api/v1/realtime/batch`): one entry per symbol in request
   * order, each with a `quote` or an `error`.
   * @param symbols - 1 to 100 stock symbols; A-shares and HK may be mixed.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for an empty list or more than 100 symbols.
   * @example const { data } = await client.getQuotes(["600519", "0700.HK"]);
   */
  getQuotes(symbols: readonly string[], options?: RequestOptions): Promise<QuoteBatch>;
  /**
   * Live quotes (`GET /api/v1/stream/quotes`, server-sent events over `fetch` streaming): on each
   * connection a `status` event per subscribed market and the latest held `quote` of every symbol, then a
   * `quote` whenever a symbol's price, volume or amount changes, `status` when a market opens, breaks,
   * closes or degrades, and an `error` event (`UNKNOWN_SYMBOL`) per symbol upstream does not know. The
   * iteration goes on until `signal` aborts or the loop breaks (it then returns, closing the connection).
   * A dropped or ended connection, a network error or a 5xx answer is retried after a back-off
   * (`retryDelay`) with `Last-Event-ID`; the server sends the snapshot again. The API key, if any, goes in
   * the `Authorization` header. `timeoutMs` limits each connection's wait for its answer's headers.
   * @param symbols - 1 to 200 stock symbols (any accepted form) and crypto pairs (`"binance:BTC/USDT"` or
   * `{ exchange, pair }`), mixed as you like.
   * @param options - `signal` to stop; `retryDelay`, `onReconnect`, `idleTimeoutMs`.
   * @returns the events: {@link QuoteEvent} (prices in CNY/HKD or the pair's quote currency, `pct_change` in
   * percent, `volume` in shares or the pair's base currency, `time` ISO 8601 with offset), {@link StatusEvent},
   * {@link UnknownSymbolEvent}.
   * @throws {QuantDbApiError} from the iteration: `INVALID_SYMBOL` or `VALIDATION_ERROR` (400: a malformed
   * symbol, none, or more than 200), `UNAUTHORIZED` (401), `RATE_LIMITED` (429) or any other 4xx answer;
   * `INVALID_RESPONSE` for an answer that is not an event stream. Never for network errors (retried).
   * @example
   * const { signal } = new AbortController();
   * for await (const e of client.streamQuotes(["600519", "00700", "binance:BTC/USDT"], { signal })) {
   *   if (e.event === "quote") console.log(e.data.symbol, e.data.price, e.data.pct_change, e.data.time);
   *   else if (e.event === "status") console.log(e.data.market, e.data.state, e.data.next_open);
   * }
   */
  streamQuotes(symbols: readonly CryptoSymbol[], options?: StreamQuotesOptions): AsyncIterable<QuoteStreamEvent>;
  /**
   * Every stock of a market (`GET /api/v1/stocks/list`) from the day's snapshot (one upstream scan
   * per market and exchange-local day; a cold scan takes tens of seconds). `stale: true` when
   * today's scan failed and an older snapshot is served.
   * @param market - `"SH"`, `"SZ"`, `"BJ"` or `"HK"`.
   * @param options - `q`, `limit`, `offset`, `signal`.
   * @returns prices, caps and amount in CNY/HKD, volume in shares, P/E and P/B as ratios.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400); 502/504 when upstream fails with nothing stored.
   * @example const { stocks } = await client.getStockList("SH", { q: "茅台", limit: 10 });
   */
  getStockList(market: ListMarket, options?: StockListOptions): Promise<StockList>;
  /**
   * Daily or hourly bars of a crypto spot pair (`GET /api/v1/historical/crypto/{exchange}/{pair}`),
   * fetched from the exchange through ccxt and cached by the server: only bars it does not hold are
   * fetched, a repeat or a sub-range makes no upstream call. Every UTC day is a session.
   * @param symbol - `"binance:BTC/USDT"` (also `binance:btc-usdt`), or `{ exchange: "binance", pair: "BTC/USDT" }`.
   * @param options - `start`, `end` (UTC days), `timeframe` (`"1d"`, default, or `"1h"`), `format`, `signal`.
   * @returns times in UTC (`date` the UTC day, `time` the bar's open, ISO 8601); prices and `amount`
   * in the quote currency (USDT for BTC/USDT), `volume` in the base currency (BTC); `metadata.units`
   * names both. With `format: "columns"` one array per field; with `format: "csv"` the CSV text.
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400: unknown exchange or pair, naming the closest listed pairs; status
   * 0 when the symbol is not written `exchange:BASE/QUOTE` and nothing was sent), `INVALID_DATE`, `INVALID_RANGE`,
   * `INVALID_PERIOD` (timeframe) (400); `UPSTREAM_UNAVAILABLE`/`UPSTREAM_INVALID` (502), `UPSTREAM_TIMEOUT` (504).
   * @example const { data, metadata } = await client.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01",
   * end: "2025-12-31" }); // 365 daily bars, metadata.units.price === "USDT"
   * @example await client.getCryptoHistory({ exchange: "binance", pair: "ETH/USDT" }, { timeframe: "1h",
   * start: "2026-07-20", end: "2026-07-26" });
   */
  getCryptoHistory(
    symbol: CryptoSymbol,
    options?: CryptoHistoryOptions & { format?: "json" | undefined },
  ): Promise<CryptoHistory>;
  getCryptoHistory(
    symbol: CryptoSymbol,
    options: CryptoHistoryOptions & { format: "columns" },
  ): Promise<CryptoHistoryColumns>;
  getCryptoHistory(symbol: CryptoSymbol, options: CryptoHistoryOptions & { format: "csv" }): Promise<string>;
  getCryptoHistory(
    symbol: CryptoSymbol,
    options?: CryptoHistoryOptions,
  ): Promise<CryptoHistory | CryptoHistoryColumns | string>;
  /**
   * The spot pairs an exchange lists (`GET /api/v1/crypto/markets`), highest 24 h traded value
   * first (pairs without one last); loaded from the exchange once a day and shared by every caller.
   * @param exchange - `"binance"`, `"okx"`, `"bybit"`, `"coinbase"` or `"kraken"` (those the server serves).
   * @param options - `quote` (only pairs quoted in it, e.g. `"USDT"`), `signal`.
   * @returns `quote_volume_24h` in each pair's quote currency; `as_of` (ISO 8601 UTC) is when the list was loaded.
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400) for an exchange the server does not serve; 502/504.
   * @example const { markets } = await client.getCryptoMarkets("binance", { quote: "USDT" }); markets[0]?.symbol;
   */
  getCryptoMarkets(exchange: CryptoExchange | (string & {}), options?: CryptoMarketsOptions): Promise<CryptoMarketList>;
  /**
   * 24 h ticker of a crypto spot pair (`GET /api/v1/realtime/crypto/{exchange}/{pair}`): each
   * exchange's tickers are fetched in one request and shared by every caller for 5 seconds.
   * @param symbol - `"binance:BTC/USDT"` or `{ exchange, pair }`.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @returns `price` (last trade), `open`/`high`/`low` of the rolling 24 h window, `change`, `bid`, `ask` in the quote
   * currency; `pct_change` in percent; `volume` in the base currency, `amount` in the quote currency; `quote_time`
   * ISO 8601 UTC.
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400: unknown exchange or pair); 502/504 when the exchange failed.
   * @example const { price, bid, ask } = await client.getCryptoQuote("binance:BTC/USDT"); // USDT
   */
  getCryptoQuote(symbol: CryptoSymbol, options?: RequestOptions): Promise<CryptoQuoteAnswer>;
  /**
   * 24 h tickers of 1 to 100 crypto pairs (`POST /api/v1/realtime/crypto/batch`), one shared request
   * per exchange: one entry per symbol in request order, each with a `quote` or its own `error`.
   * @param symbols - 1 to 100 pairs, `"binance:BTC/USDT"` or `{ exchange, pair }` (sent as `exchange:BASE/QUOTE`);
   * exchanges may be mixed.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for an empty list or more than 100 symbols.
   * @example const { data } = await client.getCryptoQuotes(["binance:BTC/USDT", "binance:ETH/USDT"]);
   */
  getCryptoQuotes(symbols: readonly CryptoSymbol[], options?: RequestOptions): Promise<CryptoQuoteBatch>;
  /**
   * Company information (`GET /api/v1/assets/symbol/{symbol}`), cached by the server for a day.
   * @param symbol - stock symbol.
   * @returns share counts in shares, market caps in `currency` (CNY/HKD), `listing_date` exchange-local.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400), `NOT_FOUND` (404), 502/504.
   * @example const { industry, total_market_cap } = await client.getCompanyInfo("600519");
   */
  getCompanyInfo(symbol: string, options?: RequestOptions): Promise<CompanyInfo>;
  /**
   * Instruments the server holds (`GET /api/v1/assets`), with their company profiles; never calls upstream.
   * @param options - `market`, `kind`, `q`, `limit` (1-500, default 50), `offset`, `signal`.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400).
   * @example const { assets, total } = await client.listAssets({ market: "SH", limit: 100 });
   */
  listAssets(options?: AssetListOptions): Promise<AssetList>;
  /**
   * Search stocks and held instruments by code or name, for autocompletion
   * (`GET /api/v1/assets/search`): the newest stored stock list of each market (SH, SZ, BJ, HK) plus
   * the instruments the server holds (indices among them), best match first (code equal, code
   * prefix, name prefix, contains). Never calls upstream; `lists` says which markets' lists were
   * searched (`snapshot_date: null`: never fetched; `getStockList(market)` fetches one).
   * @param q - part of a code or name (`6005`, `茅台`, `腾讯`), or a full symbol (`0700.HK`); 1-50 characters.
   * @param options - `limit` (1-50, default 10), `signal`.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for a blank or too long `q` or a bad `limit`.
   * @example const { results } = await client.searchAssets("茅台", { limit: 5 }); results[0]?.symbol; // "600519"
   */
  searchAssets(q: string, options?: AssetSearchOptions): Promise<AssetSearch>;
  /**
   * Company information of up to 100 stocks in one request (`POST /api/v1/batch/assets`);
   * per-symbol failures in `errors` inside the 200.
   * @param symbols - 1 to 100 stock symbols.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400).
   * @example const { assets, errors } = await client.batchCompanyInfo(["600519", "000001"]);
   */
  batchCompanyInfo(symbols: readonly string[], options?: RequestOptions): Promise<BatchAssets>;
  /**
   * The newest (at most 8) periodic reports of an A-share (`GET /api/v1/financial/{symbol}/summary`),
   * cached by the server until the next report is due.
   * @param symbol - A-share symbol (HK symbols are 404).
   * @returns amounts in CNY, per-share values in CNY/share, ratios in percent, cumulative from 1 January.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400), `NOT_FOUND` (404), 502/504.
   * @example const { reports } = await client.getFinancialSummary("600519");
   */
  getFinancialSummary(symbol: string, options?: RequestOptions): Promise<FinancialSummary>;
  /**
   * Trading sessions of an exchange in a date range (`GET /api/v1/calendar/{market}`), with
   * exchange-local hours and half days; no upstream call. `"CRYPTO"`: every UTC day, 00:00-24:00.
   * @param market - `"CN"` (SSE, SZSE, BSE), `"HK"` (HKEX) or `"CRYPTO"` (UTC days).
   * @param options - `start`, `end` (exchange-local dates), `signal`.
   * @throws {QuantDbApiError} `INVALID_DATE`, `INVALID_RANGE`, `VALIDATION_ERROR` (400).
   * @example const { sessions } = await client.getCalendar("HK", { start: "2025-12-01", end: "2025-12-31" });
   */
  getCalendar(market: CalendarMarket, options?: CalendarOptions): Promise<TradingCalendar>;
  /**
   * Whether one exchange-local date is a session, its hours, and the sessions before and after it
   * (`GET /api/v1/calendar/{market}/sessions/{date}`). `is_session` is `null` beyond the calendar's horizon.
   * @param market - `"CN"`, `"HK"` or `"CRYPTO"`.
   * @param date - exchange-local date (a UTC day for `"CRYPTO"`), `YYYYMMDD` or `YYYY-MM-DD`.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `INVALID_DATE` (400).
   * @example const { is_session, next } = await client.getCalendarDate("CN", "2024-02-09"); // false, "2024-02-19"
   */
  getCalendarDate(market: CalendarMarket, date: string, options?: RequestOptions): Promise<CalendarDate>;
  /**
   * Admin: add the next year to the A-share calendar from Sina's trading-date list (`POST /api/v1/calendar/CN/extend`).
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `CALENDAR_CONFLICT` (409) when the list disagrees with the known past; 502/504.
   * @example const { known_through, added_sessions } = await client.extendCnCalendar();
   */
  extendCnCalendar(options?: RequestOptions): Promise<CalendarExtension>;
  /**
   * Admin: add the year after the HK calendar's horizon from HKEX's holiday list (`POST /api/v1/calendar/HK/holidays`).
   * @param list - `year`, `holidays` (weekday closures, `YYYY-MM-DD`), optional `half_days`.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for another year or a bad date.
   * @example await client.extendHkCalendar({ year: 2027, holidays: ["2027-01-01"], half_days: ["2027-12-24"] });
   */
  extendHkCalendar(list: HkHolidayList, options?: RequestOptions): Promise<CalendarExtension>;
  /**
   * What the cache holds (instruments, bars, spans) and its hit ratio since the server started (`GET
   * /api/v1/cache/stats`).
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @example const { requests } = await client.getCacheStats(); requests.hit_ratio; // a fraction 0-1
   */
  getCacheStats(options?: RequestOptions): Promise<CacheStats>;
  /**
   * Held spans of a symbol per adjustment (`GET /api/v1/cache/coverage/{symbol}`).
   * @param symbol - stock (or, with `kind: "index"`, index) symbol.
   * @param options - `kind` (default `"stock"`), `signal`.
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400).
   * @example const { spans } = await client.getCacheCoverage("600519");
   */
  getCacheCoverage(symbol: string, options?: KindOptions): Promise<CacheCoverage>;
  /**
   * Held spans of a crypto pair per timeframe (`GET /api/v1/cache/coverage/crypto/{exchange}/{pair}`): what
   * `getCryptoHistory` serves without asking the exchange. Never calls upstream.
   * @param symbol - `"binance:BTC/USDT"` or `{ exchange, pair }`.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @returns each span's timeframe, first and last bar open time (ISO 8601 UTC), bar count and when it was fetched.
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400; status 0 when not written `exchange:BASE/QUOTE`).
   * @example const { spans } = await client.getCryptoCacheCoverage("binance:BTC/USDT"); spans[0]?.timeframe; // "1d"
   */
  getCryptoCacheCoverage(symbol: CryptoSymbol, options?: RequestOptions): Promise<CryptoCacheCoverage>;
  /**
   * Technical indicators over cached bars (`GET /api/v1/indicators/{symbol}`), by the Tongdaxin formulas
   * (MA, EMA, MACD, KDJ, RSI, BOLL with the sample standard deviation, ATR, OBV from 0 on the first row),
   * computed after `max(250, 15 × the longest period)` warm-up sessions. Prices in the trading currency
   * (qfq by default for stocks), volume and OBV in shares; crypto pairs (`binance:BTC-USDT`) in the quote
   * and base currency.
   * @param symbol - a stock or index symbol (with `kind: "index"`), or a crypto pair `exchange:BASE-QUOTE`.
   * @param options - `indicators` (comma list `name:param:…`), `start`, `end`, `adjust`, `period`, `timeframe`, `kind`.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for the indicator list; as history otherwise.
   * @example const { data } = await client.getIndicators("600519", { indicators: "ma:5,macd", start: "2024-03-01" });
   */
  getIndicators(symbol: string, options: IndicatorOptions): Promise<Indicators>;
  /**
   * Screen a universe (`POST /api/v1/screen`): evaluate fields at `as_of` (default the last final session) for a
   * CN index's constituents (`"000300"`, `"000016"`, `"000905"`), a market (`"SH"`, `"SZ"`, `"BJ"`, `"HK"`), an
   * explicit `{ symbols }` list or a crypto exchange's pairs by quote (`"crypto:binance:USDT"`), keep those passing
   * `filters`, and rank them by the weighted mean of each `rank_by` field's percentile rank (in [0, 1]). Fields:
   * `close`, `pct_change_N` and `volatility_N` (percent), `amount_avg_N`, `turnover_avg_N`, indicator columns
   * (`ma20`, `macd`, `rsi6`, …) and `market_cap`, `float_market_cap`, `pe_ttm`, `pb`.
   * @param request - `{ universe, as_of?, adjust?, filters?, rank_by?, limit?, top? }`.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @returns `results` (symbol, name, score, date, values) and `metadata.missing` with each unscreened symbol's reason.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) naming the bad field, operator or universe; 5xx when the
   *   universe cannot be listed or every symbol failed upstream.
   * @example const { results } = await client.screen({ universe: "000300", rank_by: [{ field: "pct_change_20" }] });
   */
  screen(request: ScreenRequest, options?: RequestOptions): Promise<ScreenAnswer>;
  /**
   * Admin: delete everything cached (`DELETE /api/v1/cache/clear`); calendar extensions stay.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @example await client.clearCache(); // { cleared: "all" }
   */
  clearCache(options?: RequestOptions): Promise<CacheCleared>;
  /**
   * Admin: delete one symbol's cache (`DELETE /api/v1/cache/clear/{symbol}`).
   * @param symbol - stock (or, with `kind: "index"`, index) symbol.
   * @param options - `kind` (default `"stock"`), `signal`.
   * @throws {QuantDbApiError} `INVALID_SYMBOL` (400).
   * @example await client.clearSymbolCache("600519"); // { cleared: "stock 600519" }
   */
  clearSymbolCache(symbol: string, options?: KindOptions): Promise<CacheCleared>;
  /**
   * Admin: re-fetch a stock's held history and replace it (`POST /api/v1/cache/refresh/{symbol}`);
   * run it after ex-dividend dates (qfq history is rewritten upstream).
   * @param symbol - stock symbol.
   * @param options - `adjust` (default: every adjustment held), `signal`.
   * @throws {QuantDbApiError} `INVALID_SYMBOL`, `INVALID_ADJUST` (400); 502/504.
   * @example const { refreshed } = await client.refreshCache("000001", { adjust: "qfq" });
   */
  refreshCache(symbol: string, options?: RefreshOptions): Promise<CacheRefresh>;
  /**
   * QuantDB and API version and the database kind (`GET /api/v1/version/`).
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @example const { version, api_version } = await client.getVersion(); // "0.1.0", "v1"
   */
  getVersion(options?: RequestOptions): Promise<Version>;
  /**
   * Liveness (`GET /health`); `time` is the server's clock (ISO 8601 UTC).
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @example const { status } = await client.getHealth(); // "ok"
   */
  getHealth(options?: RequestOptions): Promise<Health>;
  /**
   * Recent job runs, newest first (`GET /api/v1/jobs`): the scheduled daily ingest, one run per
   * exchange calendar (CN, HK) and trading session, with instruments updated, upstream calls and errors.
   * @param options - `limit` (1..500, default 50), `job` (e.g. `"daily-ingest"`), `signal`.
   * @example const { data } = await client.listJobRuns({ limit: 5 }); data[0]?.status; // "succeeded"
   */
  listJobRuns(options?: JobRunsOptions): Promise<JobRunList>;
  /**
   * Admin: create an API key (`POST /api/v1/keys`); the key itself is in this answer only.
   * @param name - who or what the key is for.
   * @param options - `scope` (`"read"`, default, or `"admin"`), `signal`.
   * @throws {QuantDbApiError} `VALIDATION_ERROR` (400) for an empty name or unknown scope; 401/403 without an admin
   * key.
   * @example const { key } = await admin.createApiKey("dashboard", { scope: "read" }); // "qdb_…"
   */
  createApiKey(name: string, options?: RequestOptions & { scope?: "read" | "admin" }): Promise<CreatedApiKey>;
  /**
   * Admin: every API key, newest first, revoked ones included (`GET /api/v1/keys`); never the keys themselves.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @example const { data } = await admin.listApiKeys(); data[0]?.prefix; // "qdb_3fA9xK2b"
   */
  listApiKeys(options?: RequestOptions): Promise<ApiKeyList>;
  /**
   * Admin: revoke an API key by prefix, id or name (`DELETE /api/v1/keys/{key}`); refused from the next request on.
   * @param key - the key's prefix (`qdb_XXXXXXXX`), numeric id or name.
   * @param options - `signal` to abort the call (code `ABORTED`).
   * @throws {QuantDbApiError} `NOT_FOUND` (404) when no active key matches.
   * @example await admin.revokeApiKey("qdb_3fA9xK2b");
   */
  revokeApiKey(key: string, options?: RequestOptions): Promise<ApiKey>;
}

const MAX_TIMEOUT_MS = 2_147_483_647;

function checkOptions(options: ClientOptions): {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: FetchLike | undefined;
  timeoutMs: number;
  retries: number;
} {
  if (!options || typeof options !== "object") throw new TypeError("createClient: options { baseUrl } are required");
  const { baseUrl, apiKey, fetch, timeoutMs = 60_000, retries = 2 } = options;
  if (typeof baseUrl !== "string" || !isHttpUrl(baseUrl)) {
    throw new TypeError(
      `createClient: baseUrl must be an absolute http(s) URL such as "http://localhost:8000", got ` +
        `${JSON.stringify(baseUrl)}`,
    );
  }
  if (apiKey !== undefined && (typeof apiKey !== "string" || apiKey.trim() === "")) {
    throw new TypeError(
      "createClient: apiKey must be a non-empty string; leave it out to send no Authorization header",
    );
  }
  if (fetch !== undefined && typeof fetch !== "function")
    throw new TypeError("createClient: fetch must be a function (request: Request) => Promise<Response>");
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new TypeError(
      `createClient: timeoutMs must be a positive number of milliseconds (at most ${MAX_TIMEOUT_MS}), got ` +
        `${String(timeoutMs)}`,
    );
  }
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
    throw new TypeError(`createClient: retries must be a non-negative integer, got ${String(retries)}`);
  }
  return { baseUrl, apiKey, fetch, timeoutMs, retries };
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** The session count of a range: its `days`, 30 when it names no dates either, undefined for a date range. */
function sessionsOf(range: {
  days?: number | undefined;
  start?: string | undefined;
  end?: string | undefined;
}): number | undefined {
  if (range.days === undefined && (range.start !== undefined || range.end !== undefined)) return undefined;
  const days = range.days ?? 30;
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1)
    throw new RangeError(`days must be a positive integer number of trading sessions, got ${String(days)}`);
  return days;
}

/**
 * Refuse a crypto pair where a stock symbol is expected, naming the method to use instead (the stock
 * endpoints would only answer INVALID_SYMBOL).
 * @throws {QuantDbApiError} `INVALID_SYMBOL` with status 0 (nothing was sent).
 */
function notCrypto(symbol: string): void {
  if (!isCryptoSymbol(symbol)) return;
  throw new QuantDbApiError({
    code: "INVALID_SYMBOL",
    status: 0,
    message:
      `${JSON.stringify(symbol)} is a crypto pair: use getCryptoHistory ` +
      "(getHistory and getMany serve A-shares and HK stocks)",
    details: { symbol },
  });
}

const str = (value: number | undefined): string | undefined => (value === undefined ? undefined : String(value));

/** A session window: history from `start` to `end` (today, exchange-local) covers the last `days` sessions. */
interface SessionWindow {
  start: string;
  end: string;
  days: number;
}

/**
 * At most the last `days` daily bars: more can only come back past the calendar's horizon, where dates pass through
 * unknown.
 */
function lastBars<T extends StockHistory>(history: T, days: number): T {
  if (history.period !== "daily" || history.data.length <= days) return history;
  const data = history.data.slice(-days);
  return {
    ...history,
    start_date: data[0]?.date ?? history.start_date,
    data,
    metadata: { ...history.metadata, count: data.length },
  };
}

/**
 * Create a client of a QuantDB server. Uses only `fetch` (plus p-retry, p-limit, eventsource-parser), so it runs in
 * Node 20+, Bun, Deno and browsers (a browser needs the server to allow its origin).
 * @param options - `baseUrl` (required), `apiKey`, `fetch`, `timeoutMs` (per attempt, default 60000 ms), `retries`
 * (default 2).
 * @returns the client; it holds no connections or timers between calls.
 * @throws {TypeError} synchronously, for a missing or relative `baseUrl`, an empty `apiKey`, a non-function `fetch`, or
 * a bad `timeoutMs` / `retries`.
 * @example
 * import { createClient } from "@quantdb/sdk";
 * const client = createClient({ baseUrl: "http://localhost:8000" });
 * const { data } = await client.getHistory("600519", { days: 30, adjust: "qfq" }); // last 30 sessions, CNY
 */
export function createClient(options: ClientOptions): QuantDbClient {
  const settings = checkOptions(options);
  const call: Call = createTransport(settings);

  /** Where the last `days` sessions of a calendar start, by the server's clock and calendar. */
  async function sessionWindow(
    market: CalendarMarket,
    days: number,
    signal: AbortSignal | undefined,
  ): Promise<SessionWindow> {
    const health = await call("get", "/health", { signal });
    const instant = new Date(health.time);
    if (Number.isNaN(instant.getTime())) {
      throw new QuantDbApiError({
        code: "INVALID_RESPONSE",
        status: 200,
        message: `GET /health answered an unreadable time ${JSON.stringify(health.time)}`,
      });
    }
    // Exchange-local today is at most one day after the UTC date (both calendars are UTC+8).
    const end = addDays(instant.toISOString().slice(0, 10), 1);
    for (let span = lookbackDays(days); ; span *= 2) {
      const earliest = addDays(end, -span);
      const start = earliest < CALENDARS_START ? CALENDARS_START : earliest;
      const calendar = await call("get", "/api/v1/calendar/{market}", {
        params: { market },
        query: { start_date: start, end_date: end },
        signal,
      });
      const now = localDateTime(instant, calendar.timezone);
      const sessions = startedSessions(calendar.sessions, now);
      if (sessions.length >= days || start === CALENDARS_START) {
        // End at the latest started session, so a bar upstream may already show before the open is
        // not counted; past the calendar's horizon, at today (unknown dates pass through, see lastBars).
        const latest = sessions.at(-1)?.date ?? now.date;
        return {
          start: sessions.at(-days)?.date ?? sessions[0]?.date ?? start,
          end: now.date > calendar.known_through ? now.date : latest,
          days,
        };
      }
    }
  }

  function stockHistory(
    symbol: string,
    start: string | undefined,
    end: string | undefined,
    range: HistoryOptions,
  ): Promise<StockHistory> {
    return call("get", "/api/v1/historical/stock/{symbol}", {
      params: { symbol },
      query: { start_date: start, end_date: end, adjust: range.adjust, period: range.period },
      signal: range.signal,
    });
  }

  async function cryptoHistory(
    symbol: CryptoSymbol,
    options: CryptoHistoryOptions = {},
  ): Promise<CryptoHistory | CryptoHistoryColumns | string> {
    const path = "/api/v1/historical/crypto/{exchange}/{pair}";
    const init = {
      params: cryptoPathParams(symbol),
      query: { start_date: options.start, end_date: options.end, timeframe: options.timeframe, format: options.format },
      signal: options.signal,
    };
    // `format=csv` answers text, not JSON; `columns` answers JSON of another shape (CryptoHistoryColumns).
    if (options.format === "csv") return call.text("get", path, init);
    return call("get", path, init);
  }

  const client: QuantDbClient = {
    async getHistory(symbol, range = {}) {
      notCrypto(symbol);
      const days = sessionsOf(range);
      if (days === undefined) return stockHistory(symbol, range.start, range.end, range);
      const window = await sessionWindow(stockCalendar(symbol), days, range.signal);
      return lastBars(await stockHistory(symbol, window.start, window.end, range), days);
    },

    async getIndexHistory(symbol, range = {}) {
      const get = (start: string | undefined, end: string | undefined): Promise<IndexHistory> =>
        call("get", "/api/v1/index/historical/{symbol}", {
          params: { symbol },
          query: { start_date: start, end_date: end, period: range.period },
          signal: range.signal,
        });
      const days = sessionsOf(range);
      if (days === undefined) return get(range.start, range.end);
      const window = await sessionWindow(indexCalendar(symbol), days, range.signal);
      return lastBars(await get(window.start, window.end), days);
    },

    async getMany(symbols, options = {}) {
      const { concurrency = 4, ...range } = options;
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new RangeError(`concurrency must be a positive integer, got ${String(concurrency)}`);
      const days = sessionsOf(range);
      const limit = pLimit(concurrency);
      const windows = new Map<CalendarMarket, Promise<SessionWindow>>();
      const results: Record<string, StockHistory> = {};
      const errors: Record<string, QuantDbApiError> = {};
      await Promise.all(
        [...new Set(symbols)].map((symbol) =>
          limit(async () => {
            try {
              notCrypto(symbol);
              if (days === undefined) {
                results[symbol] = await stockHistory(symbol, range.start, range.end, range);
                return;
              }
              const market = stockCalendar(symbol);
              let window = windows.get(market);
              if (!window) {
                window = sessionWindow(market, days, range.signal);
                windows.set(market, window);
              }
              const { start, end } = await window;
              results[symbol] = lastBars(await stockHistory(symbol, start, end, range), days);
            } catch (error) {
              if (!(error instanceof QuantDbApiError) || error.code === "ABORTED") throw error;
              errors[symbol] = error;
            }
          }),
        ),
      );
      return { results, errors };
    },

    batchHistory(symbols, range = {}) {
      return call("post", "/api/v1/batch/stocks", {
        body: {
          symbols: [...symbols],
          start_date: range.start,
          end_date: range.end,
          adjust: range.adjust,
          period: range.period,
        },
        signal: range.signal,
      });
    },

    getCryptoHistory: cryptoHistory as QuantDbClient["getCryptoHistory"],

    async getCryptoMarkets(exchange, options = {}) {
      return call("get", "/api/v1/crypto/markets", {
        query: { exchange, quote: options.quote },
        signal: options.signal,
      });
    },

    async getCryptoQuote(symbol, options = {}) {
      return call("get", "/api/v1/realtime/crypto/{exchange}/{pair}", {
        params: cryptoPathParams(symbol),
        signal: options.signal,
      });
    },

    async getCryptoQuotes(symbols, options = {}) {
      return call("post", "/api/v1/realtime/crypto/batch", {
        body: { symbols: symbols.map(cryptoSymbolText) },
        signal: options.signal,
      });
    },

    getQuote(symbol, options = {}) {
      return call("get", "/api/v1/realtime/stock/{symbol}", { params: { symbol }, signal: options.signal });
    },

    getQuotes(symbols, options = {}) {
      return call("post", "/api/v1/realtime/batch", { body: { symbols: [...symbols] }, signal: options.signal });
    },

    streamQuotes(symbols, options = {}) {
      return streamQuoteEvents(settings, symbols, options);
    },

    getStockList(market, options = {}) {
      return call("get", "/api/v1/stocks/list", {
        query: { market, q: options.q, limit: str(options.limit), offset: str(options.offset) },
        signal: options.signal,
      });
    },

    getCompanyInfo(symbol, options = {}) {
      return call("get", "/api/v1/assets/symbol/{symbol}", { params: { symbol }, signal: options.signal });
    },

    searchAssets(q, options = {}) {
      return call("get", "/api/v1/assets/search", { query: { q, limit: str(options.limit) }, signal: options.signal });
    },

    listAssets(options = {}) {
      return call("get", "/api/v1/assets", {
        query: {
          market: options.market,
          kind: options.kind,
          q: options.q,
          limit: str(options.limit),
          offset: str(options.offset),
        },
        signal: options.signal,
      });
    },

    batchCompanyInfo(symbols, options = {}) {
      return call("post", "/api/v1/batch/assets", { body: { symbols: [...symbols] }, signal: options.signal });
    },

    getFinancialSummary(symbol, options = {}) {
      return call("get", "/api/v1/financial/{symbol}/summary", { params: { symbol }, signal: options.signal });
    },

    getCalendar(market, options = {}) {
      return call("get", "/api/v1/calendar/{market}", {
        params: { market },
        query: { start_date: options.start, end_date: options.end },
        signal: options.signal,
      });
    },

    getCalendarDate(market, date, options = {}) {
      return call("get", "/api/v1/calendar/{market}/sessions/{date}", {
        params: { market, date },
        signal: options.signal,
      });
    },

    extendCnCalendar(options = {}) {
      return call("post", "/api/v1/calendar/CN/extend", { signal: options.signal });
    },

    extendHkCalendar(list, options = {}) {
      return call("post", "/api/v1/calendar/HK/holidays", {
        body: { ...list, half_days: list.half_days ?? [] },
        signal: options.signal,
      });
    },

    getCacheStats(options = {}) {
      return call("get", "/api/v1/cache/stats", { signal: options.signal });
    },

    getCacheCoverage(symbol, options = {}) {
      return call("get", "/api/v1/cache/coverage/{symbol}", {
        params: { symbol },
        query: { kind: options.kind },
        signal: options.signal,
      });
    },

    getIndicators(symbol, options) {
      return call("get", "/api/v1/indicators/{symbol}", {
        params: { symbol },
        query: {
          indicators: options.indicators,
          kind: options.kind,
          start_date: options.start,
          end_date: options.end,
          adjust: options.adjust,
          period: options.period,
          timeframe: options.timeframe,
        },
        signal: options.signal,
      });
    },

    screen(request, options = {}) {
      return call("post", "/api/v1/screen", { body: request, signal: options.signal });
    },

    async getCryptoCacheCoverage(symbol, options = {}) {
      return call("get", "/api/v1/cache/coverage/crypto/{exchange}/{pair}", {
        params: cryptoPathParams(symbol),
        signal: options.signal,
      });
    },

    clearCache(options = {}) {
      return call("delete", "/api/v1/cache/clear", { signal: options.signal });
    },

    clearSymbolCache(symbol, options = {}) {
      return call("delete", "/api/v1/cache/clear/{symbol}", {
        params: { symbol },
        query: { kind: options.kind },
        signal: options.signal,
      });
    },

    refreshCache(symbol, options = {}) {
      return call("post", "/api/v1/cache/refresh/{symbol}", {
        params: { symbol },
        query: { adjust: options.adjust },
        signal: options.signal,
      });
    },

    getVersion(options = {}) {
      return call("get", "/api/v1/version/", { signal: options.signal });
    },

    getHealth(options = {}) {
      return call("get", "/health", { signal: options.signal });
    },

    listJobRuns(options = {}) {
      return call("get", "/api/v1/jobs", { query: { limit: options.limit, job: options.job }, signal: options.signal });
    },

    createApiKey(name, options = {}) {
      return call("post", "/api/v1/keys", { body: { name, scope: options.scope ?? "read" }, signal: options.signal });
    },

    listApiKeys(options = {}) {
      return call("get", "/api/v1/keys", { signal: options.signal });
    },

    revokeApiKey(key, options = {}) {
      return call("delete", "/api/v1/keys/{key}", { params: { key }, signal: options.signal });
    },
  };
  return client;
}
