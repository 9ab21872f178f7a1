/**
 * Friendly names for the API's response types. Every type here is derived from the generated
 * `openapi.d.ts` (openapi-typescript over the API's `/openapi.json`); none is written by hand, so a
 * change to the API shows up here after `pnpm --filter @quantdb/sdk generate`.
 *
 * Units used throughout: prices, `change` and `amount` in the trading currency (CNY for SH/SZ/BJ,
 * HKD for HK; index levels in points), `volume` in shares (A-share lots of 100 already converted),
 * `pct_change` / `amplitude` / `turnover_rate` in percent (1.5 = 1.5 %), dates as exchange-local
 * `YYYY-MM-DD` (Asia/Shanghai, Asia/Hong_Kong), instants as ISO 8601 UTC strings. Crypto pairs:
 * prices and `amount` in the pair's quote currency (USDT for BTC/USDT), `volume` in its base currency
 * (BTC, fractional), dates UTC days.
 */
import type { components, operations } from "./openapi.d.ts";

type Schemas = components["schemas"];
/** The JSON body of an operation's 200 answer. */
type OkJson<K extends keyof operations> = operations[K] extends {
  responses: { 200: { content: { "application/json": infer T } } };
}
  ? T
  : never;

/**
 * Bars of a stock or an index (`GET /api/v1/historical/stock/{symbol}`,
 * `GET /api/v1/index/historical/{symbol}`): `data` in ascending date order plus cache metadata.
 * @example const h: StockHistory = await client.getHistory("600519", { days: 30 }); h.data.at(-1)?.close; // CNY
 */
export type StockHistory = Schemas["StockHistory"];
/**
 * Technical indicators (`GET /api/v1/indicators/{symbol}`, Tongdaxin formulas): `indicators` names the
 * columns; each `data` row holds the bar (date, OHLC, volume) and one value per column (null where not
 * computable); `metadata.warmup_sessions` bars before `start_date` were used.
 */
export type Indicators = Schemas["Indicators"];
/** A screen (`POST /api/v1/screen`): universe, as_of, adjust, filters, rank_by, limit, top. */
export type ScreenRequest = Schemas["ScreenRequest"];
/** A screen's ranked results and metadata (universe size, matched, missing with reasons, upstream calls). */
export type ScreenAnswer = Schemas["ScreenAnswer"];
/** Bars of an index: the same shape as {@link StockHistory}; prices in points, `adjust` always `""`. */
export type IndexHistory = Schemas["StockHistory"];
/**
 * One bar: `date` exchange-local `YYYY-MM-DD`; `open`/`high`/`low`/`close`/`change` in CNY or HKD
 * (points for indices), adjusted per `adjust`; `volume` in shares; `amount` in the trading currency,
 * never adjusted; `amplitude`, `pct_change`, `turnover_rate` in percent; `null` where upstream
 * reported nothing; `provisional: true` for today's bar before the close + 30 minutes; `partial: true`
 * for a weekly/monthly bar holding only the sessions of its period inside the requested range.
 */
export type DailyBar = Schemas["DailyBar"];
/** Evidence that a request found the cached (qfq) series stale and replaced it (`metadata.cache.series_replaced`). */
export type SeriesReplacement = Schemas["SeriesReplacement"];
/** Price adjustment: `""` unadjusted, `"qfq"` forward-adjusted (前复权), `"hfq"` backward-adjusted (后复权). */
export type Adjust = StockHistory["adjust"];
/** Bar period: `"daily"`, or `"weekly"` / `"monthly"` derived from the daily bars. */
export type Period = StockHistory["period"];
/** Listing exchange of a history answer: SH, SZ, BJ, HK, or CSI for CSI indices. */
export type HistoryMarket = StockHistory["market"];

/**
 * Answer of `POST /api/v1/batch/stocks`: per-symbol {@link StockHistory} in `results`, per-symbol errors in `errors`.
 */
export type BatchHistory = Schemas["BatchHistory"];

/**
 * A realtime quote (`GET /api/v1/realtime/stock/{symbol}`): prices in `currency` (CNY or HKD),
 * `volume` in shares, `pct_change` / `turnover_rate` in percent, `fetched_at` / `quote_time` ISO 8601 UTC.
 */
export type Quote = Schemas["Quote"];
/**
 * The answer of `GET /api/v1/realtime/stock/{symbol}`: a {@link Quote} plus `cache` (`hit`: served
 * from the server's cache alone; `upstream_requests`: upstream calls the request waited for).
 */
export type QuoteAnswer = Schemas["QuoteAnswer"];
/** Answer of `POST /api/v1/realtime/batch`: one entry per requested symbol, each with a quote or an error. */
export type QuoteBatch = Schemas["QuoteBatch"];
/** Why one symbol of a quote batch has no quote. */
export type QuoteError = Schemas["QuoteError"];

/**
 * A market's stock-list snapshot (`GET /api/v1/stocks/list`): one snapshot per exchange-local day;
 * `stale: true` when today's scan failed and an older snapshot is served.
 */
export type StockList = Schemas["StockList"];
/** One stock of a list snapshot: prices and caps in the trading currency, volume in shares, P/E and P/B ratios. */
export type StockListEntry = Schemas["StockListEntry"];
/** Market of a stock list or asset filter: `"SH"`, `"SZ"`, `"BJ"` or `"HK"`. */
export type ListMarket = StockList["market"];

/** Company information (`GET /api/v1/assets/symbol/{symbol}`): share counts in shares, caps in `currency`. */
export type CompanyInfo = Schemas["CompanyInfo"];
/** Answer of `POST /api/v1/batch/assets`: per-symbol {@link CompanyInfo} in `assets`, errors in `errors`. */
export type BatchAssets = Schemas["BatchAssets"];
/** A page of held instruments (`GET /api/v1/assets`). */
export type AssetList = Schemas["AssetList"];
/** One held instrument. */
export type Asset = Schemas["Asset"];
/** Answer of `GET /api/v1/assets/search`: ranked matches and which markets' stock lists were searched. */
export type AssetSearch = Schemas["AssetSearch"];
/** One search match: `kind` says whether to ask the stock or the index endpoints; `name` as upstream gives it. */
export type AssetSearchHit = Schemas["AssetSearchHit"];
/** Instrument kind: `"stock"` or `"index"` (a bare `000001` is both). */
export type InstrumentKind = Asset["kind"];

/**
 * The newest (at most 8) periodic reports of an A-share (`GET /api/v1/financial/{symbol}/summary`):
 * amounts in CNY, per-share values in CNY/share, ratios in percent; `metadata.units` names each unit.
 */
export type FinancialSummary = Schemas["FinancialSummary"];
/** One periodic report of a {@link FinancialSummary}, cumulative from 1 January. */
export type FinancialReport = Schemas["FinancialReport"];

/** Sessions of an exchange in a range (`GET /api/v1/calendar/{market}`), exchange-local dates and HH:MM hours. */
export type TradingCalendar = Schemas["TradingCalendar"];
/** One session with its exchange-local hours. */
export type CalendarSession = Schemas["CalendarSession"];
/**
 * One date on a calendar (`GET /api/v1/calendar/{market}/sessions/{date}`): whether it is a session, its neighbours.
 */
export type CalendarDate = Schemas["CalendarDate"];
/** Calendar: `"CN"` (A-shares: SSE, SZSE, BSE), `"HK"` (HKEX) or `"CRYPTO"` (every UTC day, 00:00-24:00). */
export type CalendarMarket = TradingCalendar["market"];
/** Outcome of a calendar extension (admin). */
export type CalendarExtension = Schemas["CalendarExtension"];
/** HKEX's holiday list for the year after the HK calendar's horizon; `half_days` may be left out (default `[]`). */
export type HkHolidayList = Omit<Schemas["HkHolidayList"], "half_days"> &
  Partial<Pick<Schemas["HkHolidayList"], "half_days">>;

/** What the cache holds and its hit ratio since the server started (`GET /api/v1/cache/stats`). */
export type CacheStats = Schemas["CacheStats"];
/** Held spans of a symbol per adjustment (`GET /api/v1/cache/coverage/{symbol}`). */
export type CacheCoverage = Schemas["CacheCoverage"];
/** Answer of the cache-clearing endpoints: what was cleared. */
export type CacheCleared = Schemas["CacheCleared"];
/** Answer of `POST /api/v1/cache/refresh/{symbol}`: what was re-fetched and whether it changed. */
export type CacheRefresh = Schemas["CacheRefresh"];

/** QuantDB and API version (`GET /api/v1/version/`). */
export type Version = Schemas["Version"];
/** Liveness (`GET /health`): `time` is the server's clock, ISO 8601 UTC. */
export type Health = Schemas["Health"];
/** Recent job runs (`GET /api/v1/jobs`). */
export type JobRunList = Schemas["JobRunList"];
/**
 * One job run: job, scope (CN/HK), session date, status, attempts, times, instruments updated, upstream calls, errors.
 */
export type JobRun = Schemas["JobRun"];

/** An API key as listed (never the key itself): id, name, public prefix, scope, created/last used/revoked times. */
export type ApiKey = Schemas["ApiKey"];
/** A key just created: {@link ApiKey} plus `key`, shown in this answer only. */
export type CreatedApiKey = Schemas["CreatedApiKey"];
/** Every API key, newest first (`GET /api/v1/keys`). */
export type ApiKeyList = Schemas["ApiKeyList"];

/**
 * Bars of a crypto spot pair (`GET /api/v1/historical/crypto/{exchange}/{pair}`): `symbol` is the
 * unified `BASE/QUOTE`, `data` in ascending time order, `metadata.units` names the base and quote
 * currencies (`time_zone` is always `"UTC"`).
 * @example const h: CryptoHistory = await client.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01" });
 */
export type CryptoHistory = Schemas["CryptoHistoryResponse"];
/**
 * One crypto bar: `date` the UTC day, `time` the open time (ISO 8601 UTC; 1d bars open at 00:00, 1h
 * bars on the hour); `open`/`high`/`low`/`close` in the quote currency; `volume` in the base currency
 * (fractional); `amount` the traded value in the quote currency, `null` where the exchange reports
 * none (coinbase); `provisional: true` while the bar's period has not ended plus one minute.
 */
export type CryptoBar = Schemas["CryptoBar"];
/** Crypto bar timeframe: `"1d"` (UTC day) or `"1h"`. */
export type CryptoTimeframe = CryptoHistory["timeframe"];
/**
 * {@link CryptoHistory} with `format: "columns"`: the bars as one array per field in `columns`
 * (for data frames) instead of `data`.
 */
export type CryptoHistoryColumns = Omit<CryptoHistory, "data"> & {
  columns: { [K in keyof CryptoBar]: CryptoBar[K][] };
};
/**
 * An exchange's spot pairs (`GET /api/v1/crypto/markets`), highest 24 h quote volume first; loaded
 * from the exchange once a day (`as_of`, ISO 8601 UTC).
 */
export type CryptoMarketList = Schemas["CryptoMarketsResponse"];
/** One listed pair: unified and exchange symbol, whether it trades, 24 h traded value in its quote currency. */
export type CryptoMarketListEntry = Schemas["CryptoMarket"];
/**
 * A 24 h ticker of a pair: prices in the quote currency, `volume` in the base currency, `amount` in
 * the quote currency, `pct_change` in percent, `quote_time` ISO 8601 UTC (the exchange's).
 */
export type CryptoQuote = Schemas["CryptoQuote"];
/**
 * The answer of `GET /api/v1/realtime/crypto/{exchange}/{pair}`: a {@link CryptoQuote} plus `cache`
 * (`hit`: the exchange's ticker snapshot was reused; `fetched_at`: when that snapshot was fetched).
 */
export type CryptoQuoteAnswer = OkJson<"getCryptoQuote">;
/**
 * Answer of `POST /api/v1/realtime/crypto/batch`: one entry per requested symbol, in order, each with
 * a `quote` or an `error`.
 */
export type CryptoQuoteBatch = OkJson<"getCryptoQuotes">;
/**
 * Held spans of a crypto pair per timeframe (`GET /api/v1/cache/coverage/crypto/{exchange}/{pair}`):
 * first and last bar open times ISO 8601 UTC.
 */
export type CryptoCacheCoverage = Schemas["CryptoCacheCoverage"];

/** The API's error envelope: `{ error: { code, message, status, details? } }`. */
export type ErrorEnvelope = Schemas["Error"];
/** The body of an error envelope (also the per-symbol error inside batch answers). */
export type ApiErrorBody = Schemas["Error"]["error"];

/**
 * One event of `client.streamQuotes` (`GET /api/v1/stream/quotes`, server-sent events): a
 * {@link QuoteEvent}, a {@link StatusEvent} or an {@link UnknownSymbolEvent}, told apart by `event`.
 * `id` is the event's SSE id (sent back as `Last-Event-ID` when the client reconnects).
 */
export type QuoteStreamEvent = Schemas["StreamEvent"];
/**
 * A live quote, sent first for every subscribed symbol the server holds a quote of (on each connection),
 * then whenever its price, volume or amount changes. Units as the realtime endpoints: `price`, `open`,
 * `high`, `low`, `prev_close`, `change` and `amount` in the trading currency (CNY for SH/SZ/BJ, HKD for
 * HK; a crypto pair's quote currency, USDT for `binance:BTC/USDT`); `pct_change` in percent (`-0.27` =
 * -0.27 %); `volume` in shares (a pair's base currency, over 24 h); `time` upstream's quote time, ISO 8601
 * with the exchange's offset (`2026-11-20T10:00:03+08:00`; crypto `+00:00`), null when upstream sent none.
 * @example if (e.event === "quote") console.log(e.data.symbol, e.data.price, e.data.pct_change); // CNY, percent
 */
export type QuoteEvent = Extract<QuoteStreamEvent, { event: "quote" }>;
/** The data of a {@link QuoteEvent}. */
export type StreamQuote = Schemas["StreamQuote"];
/**
 * A market's state (`CN`, `HK`, `CRYPTO`), sent on each connection for every subscribed market and
 * whenever it changes: `open` (continuous trading), `break` (lunch break), `closed` (nothing is polled;
 * `next_open` ISO 8601 with offset, e.g. `2026-11-23T09:30:00+08:00`) or `degraded` (upstream polls fail,
 * `reason` says why; quotes resume with the next good poll).
 */
export type StatusEvent = Extract<QuoteStreamEvent, { event: "status" }>;
/** The data of a {@link StatusEvent}. */
export type MarketStatus = Schemas["StreamStatus"];
/** A well-formed symbol upstream does not know (`data.code` `"UNKNOWN_SYMBOL"`), sent once per connection. */
export type UnknownSymbolEvent = Extract<QuoteStreamEvent, { event: "error" }>;
