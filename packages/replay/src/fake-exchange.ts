/**
 * SYNTHETIC DATA. Small fake crypto exchanges (binance, okx, bybit, coinbase, kraken) for tests of the
 * ccxt-based crypto adapter (issue 17, ADR 0008). There is no multi-day recording of these exchanges, so
 * each fake answers the public spot REST endpoints that ccxt 4.5.84 calls (markets, OHLCV, tickers,
 * server time) in the exchange's documented response shapes, serving made-up bars: every price, volume
 * and ticker here is generated or supplied by a test, never recorded from a real exchange. See
 * `fixtures/README.md` ("Fake crypto exchanges").
 *
 * A test points a ccxt instance at a fake by rewriting the scheme and host of every string in
 * `exchange.urls.api` to `fake.url` (keeping paths), with `enableRateLimit: false` and, for binance, okx
 * and bybit, `options.fetchMarkets = { types: ["spot"] }`.
 *
 * What each fake enforces on OHLCV requests, per exchange: spot endpoint, window parameters, page size and
 * order (from the exchange's public docs; where the docs are silent, the choice is marked "fake's choice"):
 *
 * - binance: `GET /api/v3/klines`.
 *   - Window: `startTime`, `endTime` inclusive (ms, on the open time).
 *   - Page size: default 500, max 1000 (larger is clamped: fake's choice).
 *   - Order: ascending; with `startTime` the oldest `limit` bars of the window, else the newest.
 * - okx: `GET /api/v5/market/candles` (latest 1,440 bars of the series) and `/api/v5/market/history-candles`.
 *   - Window: `after` = bars older than (exclusive), `before` = bars newer than (exclusive), ms.
 *   - Page size: default 100, max 300 for both (older docs gave 100 for history-candles; larger is clamped:
 *     fake's choice).
 *   - Order: newest first; the newest `limit` bars of the window (`before` alone gives the latest bars, as
 *     documented).
 * - bybit: `GET /v5/market/kline?category=spot`.
 *   - Window: `start`, `end` inclusive (ms).
 *   - Page size: default 200, max 1000 (larger is clamped: fake's choice; ccxt does not cap it).
 *   - Order: newest first; with `start` the oldest `limit` bars of the window (a public report: `start` +
 *     `limit=1` gives the earliest bar), else the newest.
 * - coinbase: `GET /api/v3/brokerage/market/products/{id}/candles`.
 *   - Window: `start`, `end` both required (s), inclusive (fake's choice: the older Exchange API's `end` was
 *     inclusive).
 *   - Page size: a range over 300 intervals is refused (HTTP 400 `INVALID_ARGUMENT`, as the API answers); at
 *     most 300 candles, the oldest (fake's choice: only a range of exactly 300 intervals holds 301).
 *   - Order: newest first.
 * - kraken: `GET /0/public/OHLC`.
 *   - Window: `since` exclusive (s); nothing else.
 *   - Page size: only the 720 most recent bars of the series exist; the last bar is always returned.
 *   - Order: ascending; `last` = the last committed bar's time.
 *
 * Timeframes served: `1d` (binance `1d`, okx `1Dutc`, bybit `D`, coinbase `ONE_DAY`, kraken `1440`) and
 * `1h` (`1h`, `1H`, `60`, `ONE_HOUR`, `60`). The "latest" bars of okx's `/market/candles` and kraken's
 * 720-bar window are counted from the end of the served series, not from the wall clock, so the fakes
 * answer the same whatever the date.
 */

import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** The exchanges a fake can play. */
export type FakeExchangeId = "binance" | "okx" | "bybit" | "coinbase" | "kraken";

/** The bar lengths a fake serves: one UTC day, one hour. */
export type FakeTimeframe = "1d" | "1h";

/**
 * One made-up OHLCV bar. `time` is the open time, ms since the Unix epoch (UTC). Prices are in the quote
 * currency, `volume` in the base currency, `quoteVolume` in the quote currency (default:
 * `volume × (high + low + close) / 3`). The fake does not check bar contents (a test may serve a negative
 * or NaN price to test validation); it only needs strictly ascending integer times.
 */
export interface FakeBar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume?: number;
}

/** A bar of a {@link FakePair}, with the timeframe it belongs to. */
export interface FakePairBar extends FakeBar {
  timeframe: FakeTimeframe;
}

/**
 * A spot pair the fake lists, as a ccxt unified symbol (`"BTC/USDT"`). Without `bars`, the pair serves
 * the generated synthetic series (see {@link startFakeExchange}); with `bars`, exactly those (a timeframe
 * with no bars serves none).
 */
export interface FakePair {
  symbol: string;
  bars?: readonly FakePairBar[];
}

/** One request the fake received (logged on arrival, faulted ones included). */
export interface FakeExchangeRequest {
  /** Arrival time, ms since the Unix epoch. */
  at: number;
  /** HTTP method, e.g. `"GET"`. */
  method: string;
  /** URL path, e.g. `"/api/v3/klines"`. */
  path: string;
  /** Query parameters (the last value wins if a name repeats; see `search` for repeats). */
  query: Record<string, string>;
  /** The raw query string as sent, without `?` (coinbase repeats `product_ids`). */
  search: string;
}

/**
 * A failure the fake can inject:
 * - `"reset"`: destroy the socket without an HTTP answer;
 * - `"http500"`: HTTP 500 with a short text body;
 * - `"html"`: HTTP 200 `text/html` page (a synthetic "checking your browser" interstitial);
 * - `"truncated"`: HTTP 200 JSON cut in half;
 * - `"empty-200"`: HTTP 200 `application/json` with an empty body;
 * - `"slow"`: wait `delayMs` (default 60,000), then answer normally.
 */
export type FakeExchangeFaultKind = "reset" | "http500" | "html" | "truncated" | "empty-200" | "slow";

/** A fault for upcoming requests. The first active fault (in injection order) whose `path` matches applies. */
export interface FakeExchangeFault {
  kind: FakeExchangeFaultKind;
  /** Only requests whose path starts with this (e.g. `"/api/v3/klines"`); default: every request. */
  path?: string;
  /** How many matching requests it applies to; default: all until cleared. */
  times?: number;
  /** For `"slow"`: the delay in ms before answering normally; default 60,000. */
  delayMs?: number;
}

/** Options of {@link startFakeExchange}. */
export interface FakeExchangeOptions {
  /** Which exchange's endpoints and answer shapes to serve. */
  exchange: FakeExchangeId;
  /**
   * The spot pairs listed; default `BTC/USDT` and `ETH/USDT` for binance, okx and bybit, `BTC/USD` and
   * `ETH/USD` for coinbase and kraken.
   */
  pairs?: readonly FakePair[];
  /** Interface to listen on; default `127.0.0.1` (port: ephemeral). */
  host?: string;
}

/** A running fake exchange. */
export interface FakeExchange {
  /** Base URL, `"http://127.0.0.1:<port>"`: the scheme and host to rewrite ccxt's `urls.api` to. */
  readonly url: string;
  /** The exchange it plays. */
  readonly exchange: FakeExchangeId;
  /** Requests received, in arrival order (a copy). */
  readonly requests: readonly FakeExchangeRequest[];
  /** Number of requests received, optionally only those whose path starts with `filter.path`. */
  requestCount(filter?: { path?: string }): number;
  /** Add a fault. Throws on an unknown kind, a non-positive or non-integer `times`, or a negative `delayMs`. */
  injectFault(fault: FakeExchangeFault): void;
  /** Remove every fault. */
  clearFaults(): void;
  /**
   * Serve these bars (SYNTHETIC, the test's) for one listed pair and timeframe, replacing the earlier ones.
   * Throws for an unlisted symbol, an unknown timeframe, or times that are not strictly ascending integers.
   */
  setBars(symbol: string, timeframe: FakeTimeframe, bars: readonly FakeBar[]): void;
  /** The bars served for a listed pair and timeframe (a copy), e.g. to build a test's expectation. */
  bars(symbol: string, timeframe: FakeTimeframe): FakeBar[];
  /** Stop listening and destroy every open socket (including ones held by `"slow"`). */
  close(): Promise<void>;
}

/** Bar length per timeframe, ms. */
export const FAKE_TIMEFRAME_MS: Readonly<Record<FakeTimeframe, number>> = { "1d": 86_400_000, "1h": 3_600_000 };

const TIMEFRAMES: readonly FakeTimeframe[] = ["1d", "1h"];
const FAULT_KINDS: ReadonlySet<string> = new Set<FakeExchangeFaultKind>([
  "reset",
  "http500",
  "html",
  "truncated",
  "empty-200",
  "slow",
]);
const DEFAULT_SLOW_MS = 60_000;
const SYMBOL_RE = /^([A-Z0-9]+)\/([A-Z0-9]+)$/;
const JSON_TYPE = "application/json; charset=utf-8";

/** The synthetic interstitial served by the "html" fault (made up, not copied from any provider). */
const HTML_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Just a moment...</title></head>
<body><h1>Checking your browser before accessing the API.</h1>
<!-- @quantdb/replay fake exchange: synthetic HTML answer (fault "html") -->
</body>
</html>
`;

// ---------------------------------------------------------------------------------------------------
// Synthetic default series
// ---------------------------------------------------------------------------------------------------

const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

/** Start price of the generated series of a base currency (arbitrary round numbers). */
function basePrice(base: string): number {
  if (base === "BTC") return 40_000;
  if (base === "ETH") return 2_000;
  return 100;
}

/**
 * SYNTHETIC: the generated series of one pair and timeframe. Daily bars cover 2024-01-01 → 2024-12-31
 * (366 bars), hourly bars 2024-06-01T00:00Z → 2024-06-14T23:00Z (336 bars). With P the base currency's
 * start price (BTC 40,000, ETH 2,000, anything else 100) and i the bar index:
 * close = P × (1 + a·sin(i / 7) + i / d) to 2 decimals (daily a = 0.1, d = 1,000; hourly a = 0.02,
 * d = 20,000), open = the previous close (P for the first bar), high = max(open, close) × 1.01,
 * low = min(open, close) × 0.99 (2 decimals), volume = V + (i mod 10) (V = 100 for BTC, 1,000 otherwise),
 * quoteVolume = volume × round((high + low + close) / 3, 2) to 2 decimals. The two timeframes are
 * independent series: hourly bars do not aggregate into the daily ones.
 */
function generatedBars(symbol: string, timeframe: FakeTimeframe): FakeBar[] {
  const base = SYMBOL_RE.exec(symbol)?.[1] ?? "";
  const p = basePrice(base);
  const daily = timeframe === "1d";
  const start = daily ? Date.UTC(2024, 0, 1) : Date.UTC(2024, 5, 1);
  const count = daily ? 366 : 14 * 24;
  const amplitude = daily ? 0.1 : 0.02;
  const drift = daily ? 1_000 : 20_000;
  const baseVolume = base === "BTC" ? 100 : 1_000;
  const bars: FakeBar[] = [];
  let previous = p;
  for (let i = 0; i < count; i++) {
    const open = round(previous, 2);
    const close = round(p * (1 + amplitude * Math.sin(i / 7) + i / drift), 2);
    const high = round(Math.max(open, close) * 1.01, 2);
    const low = round(Math.min(open, close) * 0.99, 2);
    const volume = baseVolume + (i % 10);
    const quoteVolume = round(volume * round((high + low + close) / 3, 2), 2);
    bars.push({ time: start + i * FAKE_TIMEFRAME_MS[timeframe], open, high, low, close, volume, quoteVolume });
    previous = close;
  }
  return bars;
}

// ---------------------------------------------------------------------------------------------------
// Pairs
// ---------------------------------------------------------------------------------------------------

interface PairState {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly bars: Map<FakeTimeframe, FakeBar[]>;
}

function parseSymbol(symbol: unknown): { base: string; quote: string } {
  const m = typeof symbol === "string" ? SYMBOL_RE.exec(symbol) : null;
  if (!m) throw new Error(`fake exchange: symbol must look like "BTC/USDT", got ${JSON.stringify(symbol)}`);
  return { base: m[1]!, quote: m[2]! };
}

function checkTimeframe(timeframe: unknown): FakeTimeframe {
  if (timeframe !== "1d" && timeframe !== "1h") {
    throw new Error(`fake exchange: timeframe must be "1d" or "1h", got ${JSON.stringify(timeframe)}`);
  }
  return timeframe;
}

/** A copy of `bars`, checked for strictly ascending integer times (the paging logic depends on it). */
function checkedBars(bars: readonly FakeBar[], where: string): FakeBar[] {
  const copy: FakeBar[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const bar of bars) {
    if (!Number.isSafeInteger(bar?.time)) throw new Error(`fake exchange: ${where}: bar time must be an integer (ms)`);
    if (bar.time <= last) throw new Error(`fake exchange: ${where}: bar times must be strictly ascending`);
    last = bar.time;
    copy.push({ ...bar });
  }
  return copy;
}

function buildPairs(exchange: FakeExchangeId, pairs: readonly FakePair[] | undefined): Map<string, PairState> {
  const usd = exchange === "coinbase" || exchange === "kraken";
  const list: readonly FakePair[] = pairs ?? [
    { symbol: usd ? "BTC/USD" : "BTC/USDT" },
    { symbol: usd ? "ETH/USD" : "ETH/USDT" },
  ];
  const result = new Map<string, PairState>();
  for (const pair of list) {
    const { base, quote } = parseSymbol(pair?.symbol);
    if (result.has(pair.symbol)) throw new Error(`fake exchange: pair ${pair.symbol} listed twice`);
    const bars = new Map<FakeTimeframe, FakeBar[]>();
    for (const timeframe of TIMEFRAMES) {
      if (pair.bars === undefined) {
        bars.set(timeframe, generatedBars(pair.symbol, timeframe));
        continue;
      }
      const own = pair.bars.filter((b) => checkTimeframe(b.timeframe) === timeframe);
      const sorted = [...own].sort((a, b) => a.time - b.time);
      bars.set(
        timeframe,
        checkedBars(
          sorted.map(({ timeframe: _, ...bar }) => bar),
          `${pair.symbol} ${timeframe}`,
        ),
      );
    }
    result.set(pair.symbol, { symbol: pair.symbol, base, quote, bars });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Shared answer helpers
// ---------------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** What a dialect sees of the fake's state. */
interface Ctx {
  readonly pairs: ReadonlyMap<string, PairState>;
  /** Bars of (pair, timeframe), ascending. */
  bars(pair: PairState, timeframe: FakeTimeframe): readonly FakeBar[];
}

type Dialect = (ctx: Ctx, path: string, query: URLSearchParams) => Reply | undefined;

const json = (value: unknown, status = 200): Reply => ({ status, contentType: JSON_TYPE, body: JSON.stringify(value) });

/** A number as exchanges print it: decimal text, float noise trimmed (NaN/Infinity as their names). */
function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(15))) : String(x);
}

const quoteVolumeOf = (bar: FakeBar): number => bar.quoteVolume ?? (bar.volume * (bar.high + bar.low + bar.close)) / 3;

/** A query parameter as an integer: undefined when absent or empty, NaN when not an integer. */
function intParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
}

/**
 * The bars of a window: `from`/`to` bounds (ms, inclusive or not), then at most `limit` of them, the
 * oldest or the newest. Ascending.
 */
function select(
  bars: readonly FakeBar[],
  w: {
    from?: number;
    fromInclusive: boolean;
    to?: number;
    toInclusive: boolean;
    limit: number;
    keep: "oldest" | "newest";
  },
): FakeBar[] {
  const inWindow = bars.filter(
    (b) =>
      (w.from === undefined || (w.fromInclusive ? b.time >= w.from : b.time > w.from)) &&
      (w.to === undefined || (w.toInclusive ? b.time <= w.to : b.time < w.to)),
  );
  if (inWindow.length <= w.limit) return inWindow;
  return w.keep === "oldest" ? inWindow.slice(0, w.limit) : inWindow.slice(inWindow.length - w.limit);
}

const clampLimit = (value: number | undefined, fallback: number, max: number): number =>
  value === undefined ? fallback : Math.min(Math.max(value, 1), max);

/** The bar a 24-hour ticker is made from: the last daily bar, else the last hourly bar. */
function tickerBar(ctx: Ctx, pair: PairState): { bar: FakeBar; timeframe: FakeTimeframe } | undefined {
  for (const timeframe of TIMEFRAMES) {
    const bar = ctx.bars(pair, timeframe).at(-1);
    if (bar) return { bar, timeframe };
  }
  return undefined;
}

/** Made-up best bid / ask around a close: ± 0.01 %. */
const bidOf = (close: number): number => round(close * 0.9999, 8);
const askOf = (close: number): number => round(close * 1.0001, 8);

function pairById(ctx: Ctx, id: string | null, idOf: (p: PairState) => string): PairState | undefined {
  if (id === null) return undefined;
  for (const pair of ctx.pairs.values()) if (idOf(pair) === id) return pair;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// binance (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints)
// ---------------------------------------------------------------------------------------------------

const binanceId = (p: PairState): string => p.base + p.quote;
const binanceError = (code: number, msg: string, status = 400): Reply => json({ code, msg }, status);

function binanceTicker(ctx: Ctx, pair: PairState): Record<string, unknown> {
  const t = tickerBar(ctx, pair);
  const bar = t?.bar ?? { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  const step = t ? FAKE_TIMEFRAME_MS[t.timeframe] : 0;
  return {
    symbol: binanceId(pair),
    priceChange: num(bar.close - bar.open),
    priceChangePercent: num(bar.open === 0 ? 0 : round(((bar.close - bar.open) / bar.open) * 100, 3)),
    weightedAvgPrice: num(bar.volume === 0 ? bar.close : quoteVolumeOf(bar) / bar.volume),
    prevClosePrice: num(bar.open),
    lastPrice: num(bar.close),
    lastQty: "0.001",
    bidPrice: num(bidOf(bar.close)),
    bidQty: "1",
    askPrice: num(askOf(bar.close)),
    askQty: "1",
    openPrice: num(bar.open),
    highPrice: num(bar.high),
    lowPrice: num(bar.low),
    volume: num(bar.volume),
    quoteVolume: num(quoteVolumeOf(bar)),
    openTime: bar.time,
    closeTime: bar.time + step - 1,
    firstId: 1,
    lastId: 1000,
    count: 1000,
  };
}

const binance: Dialect = (ctx, path, query) => {
  switch (path) {
    case "/api/v3/ping":
      return json({});
    case "/api/v3/time":
      return json({ serverTime: Date.now() });
    case "/api/v3/exchangeInfo":
      return json({
        timezone: "UTC",
        serverTime: Date.now(),
        rateLimits: [],
        exchangeFilters: [],
        symbols: [...ctx.pairs.values()].map((p) => ({
          symbol: binanceId(p),
          status: "TRADING",
          baseAsset: p.base,
          baseAssetPrecision: 8,
          quoteAsset: p.quote,
          quotePrecision: 8,
          quoteAssetPrecision: 8,
          orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
          icebergAllowed: true,
          ocoAllowed: true,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: false,
          filters: [
            { filterType: "PRICE_FILTER", minPrice: "0.01", maxPrice: "1000000.00", tickSize: "0.01" },
            { filterType: "LOT_SIZE", minQty: "0.00001", maxQty: "9000.00000", stepSize: "0.00001" },
          ],
          permissions: [],
          permissionSets: [["SPOT"]],
        })),
      });
    // Futures and options hosts: no contracts listed, so a spot-only test still loads if it omits
    // `fetchMarkets.types`.
    case "/fapi/v1/exchangeInfo":
    case "/dapi/v1/exchangeInfo":
      return json({ timezone: "UTC", serverTime: Date.now(), rateLimits: [], exchangeFilters: [], symbols: [] });
    case "/eapi/v1/exchangeInfo":
      return json({
        timezone: "UTC",
        serverTime: Date.now(),
        optionContracts: [],
        optionAssets: [],
        optionSymbols: [],
      });
    case "/api/v3/klines": {
      const id = query.get("symbol");
      if (!id) return binanceError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
      const pair = pairById(ctx, id, binanceId);
      if (!pair) return binanceError(-1121, "Invalid symbol.");
      const interval = query.get("interval");
      if (interval !== "1d" && interval !== "1h") return binanceError(-1120, "Invalid interval.");
      const startTime = intParam(query, "startTime");
      const endTime = intParam(query, "endTime");
      const limit = intParam(query, "limit");
      if ([startTime, endTime, limit].some((v) => Number.isNaN(v))) {
        return binanceError(-1100, "Illegal characters found in a parameter.");
      }
      const step = FAKE_TIMEFRAME_MS[interval];
      const rows = select(ctx.bars(pair, interval), {
        from: startTime,
        fromInclusive: true,
        to: endTime,
        toInclusive: true,
        limit: clampLimit(limit, 500, 1000),
        keep: startTime === undefined ? "newest" : "oldest",
      }).map((b) => {
        const qv = quoteVolumeOf(b);
        return [
          b.time,
          num(b.open),
          num(b.high),
          num(b.low),
          num(b.close),
          num(b.volume),
          b.time + step - 1,
          num(qv),
          100,
          num(b.volume / 2),
          num(qv / 2),
          "0",
        ];
      });
      return json(rows);
    }
    case "/api/v3/ticker/24hr": {
      const one = query.get("symbol");
      if (one !== null) {
        const pair = pairById(ctx, one, binanceId);
        return pair ? json(binanceTicker(ctx, pair)) : binanceError(-1121, "Invalid symbol.");
      }
      const many = query.get("symbols");
      if (many === null) return json([...ctx.pairs.values()].map((p) => binanceTicker(ctx, p)));
      let ids: unknown;
      try {
        ids = JSON.parse(many);
      } catch {
        return binanceError(
          -1100,
          "Illegal characters found in parameter 'symbols'; legal range is " +
            '\'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
        );
      }
      if (!Array.isArray(ids)) return binanceError(-1100, "Illegal characters found in parameter 'symbols'.");
      const tickers: Record<string, unknown>[] = [];
      for (const id of ids) {
        const pair = pairById(ctx, String(id), binanceId);
        if (!pair) return binanceError(-1121, "Invalid symbol.");
        tickers.push(binanceTicker(ctx, pair));
      }
      return json(tickers);
    }
    default:
      return undefined;
  }
};

// ---------------------------------------------------------------------------------------------------
// okx (https://www.okx.com/docs-v5/en/#order-book-trading-market-data)
// ---------------------------------------------------------------------------------------------------

const okxId = (p: PairState): string => `${p.base}-${p.quote}`;
const okxOk = (data: unknown[]): Reply => json({ code: "0", msg: "", data });
const okxError = (code: string, msg: string, status = 400): Reply => json({ code, msg, data: [] }, status);
/** okx `bar` values served: UTC-aligned daily bars (`1Dutc`; plain `1D` opens at 16:00 UTC) and `1H`. */
const OKX_BARS: Readonly<Record<string, FakeTimeframe>> = { "1Dutc": "1d", "1H": "1h" };
/** okx's `/market/candles` reaches only the latest 1,440 bars (docs); counted from the series end here. */
const OKX_RECENT_BARS = 1_440;

function okxInstrument(p: PairState): Record<string, unknown> {
  return {
    instType: "SPOT",
    instId: okxId(p),
    instFamily: "",
    uly: "",
    baseCcy: p.base,
    quoteCcy: p.quote,
    settleCcy: "",
    ctVal: "",
    ctMult: "",
    ctValCcy: "",
    ctType: "",
    optType: "",
    stk: "",
    alias: "",
    category: "1",
    listTime: "1704067200000",
    expTime: "",
    lever: "",
    tickSz: "0.01",
    lotSz: "0.00000001",
    minSz: "0.00001",
    maxLmtSz: "9999999999",
    maxMktSz: "1000000",
    state: "live",
  };
}

function okxTicker(ctx: Ctx, p: PairState): Record<string, unknown> {
  const bar = tickerBar(ctx, p)?.bar ?? { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  return {
    instType: "SPOT",
    instId: okxId(p),
    last: num(bar.close),
    lastSz: "0.001",
    askPx: num(askOf(bar.close)),
    askSz: "1",
    bidPx: num(bidOf(bar.close)),
    bidSz: "1",
    open24h: num(bar.open),
    high24h: num(bar.high),
    low24h: num(bar.low),
    // Spot: volCcy24h is in the quote currency, vol24h in the base currency.
    volCcy24h: num(quoteVolumeOf(bar)),
    vol24h: num(bar.volume),
    ts: String(bar.time),
    sodUtc0: num(bar.open),
    sodUtc8: num(bar.open),
  };
}

const okx: Dialect = (ctx, path, query) => {
  switch (path) {
    case "/api/v5/public/time":
      return okxOk([{ ts: String(Date.now()) }]);
    case "/api/v5/public/instruments": {
      const instType = query.get("instType");
      if (!instType) return okxError("50014", "Parameter instType can not be empty.");
      // Only spot instruments exist here; FUTURES, SWAP, OPTION and MARGIN list none.
      return okxOk(instType === "SPOT" ? [...ctx.pairs.values()].map(okxInstrument) : []);
    }
    case "/api/v5/market/candles":
    case "/api/v5/market/history-candles": {
      const pair = pairById(ctx, query.get("instId"), okxId);
      if (!pair) return okxError("51001", "Instrument ID does not exist.");
      const timeframe = OKX_BARS[query.get("bar") ?? "1m"];
      if (timeframe === undefined) return okxError("51000", "Parameter bar error (the fake serves 1Dutc and 1H)");
      const after = intParam(query, "after");
      const before = intParam(query, "before");
      const limit = intParam(query, "limit");
      if ([after, before, limit].some((v) => Number.isNaN(v))) return okxError("51000", "Parameter after error");
      let bars = ctx.bars(pair, timeframe);
      if (path === "/api/v5/market/candles") bars = bars.slice(Math.max(0, bars.length - OKX_RECENT_BARS));
      const rows = select(bars, {
        from: before,
        fromInclusive: false,
        to: after,
        toInclusive: false,
        limit: clampLimit(limit, 100, 300),
        keep: "newest",
      })
        .reverse()
        .map((b) => {
          const qv = num(quoteVolumeOf(b));
          // [ts, o, h, l, c, vol (base), volCcy (quote, for spot), volCcyQuote (quote), confirm]
          return [String(b.time), num(b.open), num(b.high), num(b.low), num(b.close), num(b.volume), qv, qv, "1"];
        });
      return okxOk(rows);
    }
    case "/api/v5/market/ticker": {
      const pair = pairById(ctx, query.get("instId"), okxId);
      return pair ? okxOk([okxTicker(ctx, pair)]) : okxError("51001", "Instrument ID does not exist.");
    }
    case "/api/v5/market/tickers": {
      const instType = query.get("instType");
      if (!instType) return okxError("50014", "Parameter instType can not be empty.");
      return okxOk(instType === "SPOT" ? [...ctx.pairs.values()].map((p) => okxTicker(ctx, p)) : []);
    }
    default:
      return undefined;
  }
};

// ---------------------------------------------------------------------------------------------------
// bybit (https://bybit-exchange.github.io/docs/v5/market/kline and neighbours)
// ---------------------------------------------------------------------------------------------------

const bybitId = (p: PairState): string => p.base + p.quote;
const bybitOk = (result: unknown): Reply =>
  json({ retCode: 0, retMsg: "OK", result, retExtInfo: {}, time: Date.now() });
const bybitError = (retCode: number, retMsg: string): Reply =>
  json({ retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() });
const BYBIT_INTERVALS: Readonly<Record<string, FakeTimeframe>> = { D: "1d", "60": "1h" };

function bybitTicker(ctx: Ctx, p: PairState): Record<string, unknown> {
  const bar = tickerBar(ctx, p)?.bar ?? { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  return {
    symbol: bybitId(p),
    bid1Price: num(bidOf(bar.close)),
    bid1Size: "1",
    ask1Price: num(askOf(bar.close)),
    ask1Size: "1",
    lastPrice: num(bar.close),
    prevPrice24h: num(bar.open),
    price24hPcnt: num(bar.open === 0 ? 0 : round((bar.close - bar.open) / bar.open, 4)),
    highPrice24h: num(bar.high),
    lowPrice24h: num(bar.low),
    turnover24h: num(quoteVolumeOf(bar)),
    volume24h: num(bar.volume),
    usdIndexPrice: num(bar.close),
  };
}

const bybit: Dialect = (ctx, path, query) => {
  // bybit: a missing category means linear, where nothing is listed here.
  const category = query.get("category") ?? "linear";
  switch (path) {
    case "/v5/market/time": {
      const now = Date.now();
      return bybitOk({ timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` });
    }
    case "/v5/market/instruments-info": {
      const list =
        category === "spot"
          ? [...ctx.pairs.values()].map((p) => ({
              symbol: bybitId(p),
              baseCoin: p.base,
              quoteCoin: p.quote,
              innovation: "0",
              status: "Trading",
              marginTrading: "none",
              lotSizeFilter: {
                basePrecision: "0.000001",
                quotePrecision: "0.00000001",
                minOrderQty: "0.000048",
                maxOrderQty: "71.73956243",
                minOrderAmt: "1",
                maxOrderAmt: "2000000",
              },
              priceFilter: { tickSize: "0.01" },
            }))
          : [];
      return bybitOk({ category, list, nextPageCursor: "" });
    }
    case "/v5/market/kline": {
      const pair = category === "spot" ? pairById(ctx, query.get("symbol"), bybitId) : undefined;
      if (!pair) return bybitError(10001, "Not supported symbols");
      const timeframe = BYBIT_INTERVALS[query.get("interval") ?? ""];
      if (timeframe === undefined) return bybitError(10001, "Invalid period!");
      const start = intParam(query, "start");
      const end = intParam(query, "end");
      const limit = intParam(query, "limit");
      if ([start, end, limit].some((v) => Number.isNaN(v))) return bybitError(10001, "params error");
      const list = select(ctx.bars(pair, timeframe), {
        from: start,
        fromInclusive: true,
        to: end,
        toInclusive: true,
        limit: clampLimit(limit, 200, 1000),
        keep: start === undefined ? "newest" : "oldest",
      })
        .reverse()
        .map((b) => [
          String(b.time),
          num(b.open),
          num(b.high),
          num(b.low),
          num(b.close),
          num(b.volume),
          num(quoteVolumeOf(b)),
        ]);
      return bybitOk({ symbol: bybitId(pair), category, list });
    }
    case "/v5/market/tickers": {
      if (category !== "spot") return bybitOk({ category, list: [] });
      const id = query.get("symbol");
      if (id === null) return bybitOk({ category, list: [...ctx.pairs.values()].map((p) => bybitTicker(ctx, p)) });
      const pair = pairById(ctx, id, bybitId);
      return pair ? bybitOk({ category, list: [bybitTicker(ctx, pair)] }) : bybitError(10001, "Not supported symbols");
    }
    default:
      return undefined;
  }
};

// ---------------------------------------------------------------------------------------------------
// coinbase (Advanced Trade public endpoints, https://docs.cdp.coinbase.com/api-reference/advanced-trade-api)
// ---------------------------------------------------------------------------------------------------

const coinbaseId = (p: PairState): string => `${p.base}-${p.quote}`;
const coinbaseError = (status: number, error: string, details: string): Reply =>
  json({ error, error_details: details, message: details }, status);
const COINBASE_GRANULARITY: Readonly<Record<string, FakeTimeframe>> = { ONE_DAY: "1d", ONE_HOUR: "1h" };
/** Coinbase refuses a candle range over 300 intervals (the docs' and the API's answer). */
const COINBASE_MAX_CANDLES = 300;
const COINBASE_FIAT: Readonly<Record<string, string>> = { USD: "US Dollar", EUR: "Euro", GBP: "British Pound" };
const CURRENCY_NAMES: Readonly<Record<string, string>> = {
  BTC: "Bitcoin",
  ETH: "Ethereum",
  USDT: "Tether",
  USDC: "USDC",
  ...COINBASE_FIAT,
};
const COINBASE_PRODUCTS_PREFIX = "/api/v3/brokerage/market/products/";

function coinbaseProduct(ctx: Ctx, p: PairState): Record<string, unknown> {
  const bar = tickerBar(ctx, p)?.bar;
  return {
    product_id: coinbaseId(p),
    price: bar ? num(bar.close) : "",
    price_percentage_change_24h: bar && bar.open !== 0 ? num(round(((bar.close - bar.open) / bar.open) * 100, 6)) : "0",
    volume_24h: bar ? num(bar.volume) : "0",
    volume_percentage_change_24h: "0",
    base_increment: "0.00000001",
    quote_increment: "0.01",
    quote_min_size: "1",
    quote_max_size: "150000000",
    base_min_size: "0.00000001",
    base_max_size: "3400",
    base_name: CURRENCY_NAMES[p.base] ?? p.base,
    quote_name: CURRENCY_NAMES[p.quote] ?? p.quote,
    watched: false,
    is_disabled: false,
    new: false,
    status: "online",
    cancel_only: false,
    limit_only: false,
    post_only: false,
    trading_disabled: false,
    auction_mode: false,
    product_type: "SPOT",
    quote_currency_id: p.quote,
    base_currency_id: p.base,
    fcm_trading_session_details: null,
    mid_market_price: "",
    alias: "",
    alias_to: [],
    base_display_symbol: p.base,
    quote_display_symbol: p.quote,
    view_only: false,
    price_increment: "0.01",
    display_name: coinbaseId(p),
    product_venue: "CBE",
    approximate_quote_24h_volume: bar ? num(quoteVolumeOf(bar)) : "0",
  };
}

function coinbaseCurrencies(ctx: Ctx): { fiat: string[]; crypto: string[] } {
  const codes = new Set<string>(Object.keys(COINBASE_FIAT));
  for (const p of ctx.pairs.values()) codes.add(p.base).add(p.quote);
  const fiat = [...codes].filter((c) => c in COINBASE_FIAT);
  const crypto = [...codes].filter((c) => !(c in COINBASE_FIAT));
  return { fiat, crypto };
}

function coinbaseCandles(ctx: Ctx, pair: PairState, query: URLSearchParams): Reply {
  const timeframe = COINBASE_GRANULARITY[query.get("granularity") ?? ""];
  if (timeframe === undefined) return coinbaseError(400, "INVALID_ARGUMENT", "granularity is invalid");
  const start = intParam(query, "start");
  const end = intParam(query, "end");
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end)) {
    return coinbaseError(400, "INVALID_ARGUMENT", "start and end are required UNIX timestamps (seconds)");
  }
  const stepSeconds = FAKE_TIMEFRAME_MS[timeframe] / 1000;
  if (end < start) return coinbaseError(400, "INVALID_ARGUMENT", "start must be before end");
  if ((end - start) / stepSeconds > COINBASE_MAX_CANDLES) {
    return coinbaseError(
      400,
      "INVALID_ARGUMENT",
      `start and end argument is invalid - number of candles requested should be less than ${COINBASE_MAX_CANDLES}`,
    );
  }
  const candles = select(ctx.bars(pair, timeframe), {
    from: start * 1000,
    fromInclusive: true,
    to: end * 1000,
    toInclusive: true,
    // Only a range of exactly 300 intervals with both ends on the grid holds 301 bars; keeping the oldest
    // 300 gives ccxt's since-only request (end = start + 300 intervals) the `limit` bars from `since`.
    limit: COINBASE_MAX_CANDLES,
    keep: "oldest",
  })
    .reverse()
    .map((b) => ({
      start: String(Math.floor(b.time / 1000)),
      low: num(b.low),
      high: num(b.high),
      open: num(b.open),
      close: num(b.close),
      volume: num(b.volume),
    }));
  return json({ candles });
}

const coinbase: Dialect = (ctx, path, query) => {
  switch (path) {
    case "/v2/time": {
      const now = Date.now();
      return json({
        data: { iso: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"), epoch: Math.floor(now / 1000) },
      });
    }
    case "/api/v3/brokerage/time": {
      const now = Date.now();
      return json({
        iso: new Date(now).toISOString(),
        epochSeconds: String(Math.floor(now / 1000)),
        epochMillis: String(now),
      });
    }
    case "/v2/currencies":
      return json({
        data: coinbaseCurrencies(ctx).fiat.map((id) => ({ id, name: COINBASE_FIAT[id] ?? id, min_size: "0.01" })),
      });
    case "/v2/currencies/crypto":
      return json({
        data: coinbaseCurrencies(ctx).crypto.map((code, i) => ({
          // Synthetic asset ids (the shape of a UUID, made up).
          asset_id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
          code,
          name: CURRENCY_NAMES[code] ?? code,
          color: "#888888",
          sort_index: 100 + i,
          exponent: 8,
          type: "crypto",
          address_regex: "^.+$",
        })),
      });
    case "/v2/exchange-rates": {
      const rates: Record<string, string> = { USD: "1" };
      for (const p of ctx.pairs.values()) {
        const close = tickerBar(ctx, p)?.bar.close;
        if (p.quote === "USD" && close) rates[p.base] = num(round(1 / close, 12));
      }
      for (const code of coinbaseCurrencies(ctx).crypto) rates[code] ??= "1";
      return json({ data: { currency: "USD", rates } });
    }
    case "/api/v3/brokerage/market/products": {
      // Only spot products exist here: a FUTURE listing (ccxt asks for expiring and perpetual ones) is empty.
      const type = query.get("product_type");
      const wanted = query.getAll("product_ids");
      const products =
        type === null || type === "SPOT"
          ? [...ctx.pairs.values()]
              .filter((p) => wanted.length === 0 || wanted.includes(coinbaseId(p)))
              .map((p) => coinbaseProduct(ctx, p))
          : [];
      return json({ products, num_products: products.length });
    }
    default: {
      if (!path.startsWith(COINBASE_PRODUCTS_PREFIX)) return undefined;
      const [id, leaf, ...rest] = path.slice(COINBASE_PRODUCTS_PREFIX.length).split("/");
      if (rest.length > 0) return undefined;
      const pair = pairById(ctx, id ?? null, coinbaseId);
      if (!pair) return coinbaseError(404, "NOT_FOUND", "ProductID not found");
      if (leaf === undefined) return json(coinbaseProduct(ctx, pair));
      if (leaf === "candles") return coinbaseCandles(ctx, pair, query);
      if (leaf === "ticker") {
        const bar = tickerBar(ctx, pair)?.bar;
        return json({
          trades: bar
            ? [
                {
                  trade_id: "1",
                  product_id: coinbaseId(pair),
                  price: num(bar.close),
                  size: "0.001",
                  time: new Date(bar.time).toISOString(),
                  side: "BUY",
                  bid: "",
                  ask: "",
                },
              ]
            : [],
          best_bid: bar ? num(bidOf(bar.close)) : "",
          best_ask: bar ? num(askOf(bar.close)) : "",
        });
      }
      return undefined;
    }
  }
};

// ---------------------------------------------------------------------------------------------------
// kraken (https://docs.kraken.com/api-reference/market-data)
// ---------------------------------------------------------------------------------------------------

interface KrakenAsset {
  id: string;
  altname: string;
  decimals: number;
  display: number;
}

/** Kraken's asset ids: the legacy X/Z-prefixed ones for BTC (XBT), ETH, USD and EUR; the code otherwise. */
const KRAKEN_ASSETS: Readonly<Record<string, KrakenAsset>> = {
  BTC: { id: "XXBT", altname: "XBT", decimals: 10, display: 5 },
  ETH: { id: "XETH", altname: "ETH", decimals: 10, display: 5 },
  USD: { id: "ZUSD", altname: "USD", decimals: 4, display: 2 },
  EUR: { id: "ZEUR", altname: "EUR", decimals: 4, display: 2 },
  USDT: { id: "USDT", altname: "USDT", decimals: 8, display: 4 },
};
const krakenAsset = (code: string): KrakenAsset =>
  KRAKEN_ASSETS[code] ?? { id: code, altname: code, decimals: 8, display: 5 };
const isLegacyAsset = (a: KrakenAsset): boolean => a.id !== a.altname && /^[XZ]/.test(a.id);

/** A pair's id: legacy ids joined (`XXBTZUSD`) when both assets have one, else the altnames (`XBTUSDT`). */
function krakenId(p: PairState): string {
  const base = krakenAsset(p.base);
  const quote = krakenAsset(p.quote);
  return isLegacyAsset(base) && isLegacyAsset(quote) ? base.id + quote.id : base.altname + quote.altname;
}
const krakenAltname = (p: PairState): string => krakenAsset(p.base).altname + krakenAsset(p.quote).altname;
const krakenOk = (result: unknown): Reply => json({ error: [], result });
const krakenError = (message: string): Reply => json({ error: [message] });
const KRAKEN_INTERVALS: Readonly<Record<string, FakeTimeframe>> = { "1440": "1d", "60": "1h" };
/** Kraken's OHLC endpoint reaches only the 720 most recent bars (docs). */
const KRAKEN_MAX_BARS = 720;

function krakenPair(ctx: Ctx, name: string): PairState | undefined {
  return pairById(ctx, name, krakenId) ?? pairById(ctx, name, krakenAltname);
}

function krakenTicker(ctx: Ctx, p: PairState): Record<string, unknown> {
  const bar = tickerBar(ctx, p)?.bar ?? { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  const vwap = num(bar.volume === 0 ? bar.close : quoteVolumeOf(bar) / bar.volume);
  return {
    a: [num(askOf(bar.close)), "1", "1.000"],
    b: [num(bidOf(bar.close)), "1", "1.000"],
    c: [num(bar.close), "0.00100000"],
    v: [num(bar.volume), num(bar.volume)],
    p: [vwap, vwap],
    t: [1000, 1000],
    l: [num(bar.low), num(bar.low)],
    h: [num(bar.high), num(bar.high)],
    o: num(bar.open),
  };
}

const kraken: Dialect = (ctx, path, query) => {
  switch (path) {
    case "/0/public/Time": {
      const now = Date.now();
      return krakenOk({ unixtime: Math.floor(now / 1000), rfc1123: new Date(now).toUTCString() });
    }
    case "/0/public/SystemStatus":
      return krakenOk({ status: "online", timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
    case "/0/public/Assets": {
      const result: Record<string, unknown> = {};
      for (const p of ctx.pairs.values()) {
        for (const code of [p.base, p.quote]) {
          const a = krakenAsset(code);
          result[a.id] = {
            aclass: "currency",
            altname: a.altname,
            decimals: a.decimals,
            display_decimals: a.display,
            status: "enabled",
          };
        }
      }
      return krakenOk(result);
    }
    case "/0/public/AssetPairs": {
      const result: Record<string, unknown> = {};
      for (const p of ctx.pairs.values()) {
        const base = krakenAsset(p.base);
        const quote = krakenAsset(p.quote);
        result[krakenId(p)] = {
          altname: krakenAltname(p),
          wsname: `${base.altname}/${quote.altname}`,
          aclass_base: "currency",
          base: base.id,
          aclass_quote: "currency",
          quote: quote.id,
          lot: "unit",
          cost_decimals: 5,
          pair_decimals: 2,
          lot_decimals: 8,
          lot_multiplier: 1,
          leverage_buy: [],
          leverage_sell: [],
          fees: [[0, 0.4]],
          fees_maker: [[0, 0.25]],
          fee_volume_currency: "ZUSD",
          margin_call: 80,
          margin_stop: 40,
          ordermin: "0.0001",
          costmin: "0.5",
          tick_size: "0.01",
          status: "online",
        };
      }
      return krakenOk(result);
    }
    case "/0/public/OHLC": {
      const pair = krakenPair(ctx, query.get("pair") ?? "");
      if (!pair) return krakenError("EQuery:Unknown asset pair");
      const timeframe = KRAKEN_INTERVALS[query.get("interval") ?? "1"];
      if (timeframe === undefined) return krakenError("EGeneral:Invalid arguments");
      const since = intParam(query, "since");
      if (Number.isNaN(since)) return krakenError("EGeneral:Invalid arguments");
      const all = ctx.bars(pair, timeframe);
      const recent = all.slice(Math.max(0, all.length - KRAKEN_MAX_BARS));
      // `since` is exclusive; the last bar (the "current, not-yet-committed" frame) is always returned.
      const rows = recent
        .filter((b, i) => since === undefined || b.time / 1000 > since || i === recent.length - 1)
        .map((b) => [
          Math.floor(b.time / 1000),
          num(b.open),
          num(b.high),
          num(b.low),
          num(b.close),
          num(b.volume === 0 ? b.close : quoteVolumeOf(b) / b.volume),
          num(b.volume),
          100,
        ]);
      const committed = recent.at(-2) ?? recent.at(-1);
      return krakenOk({ [krakenId(pair)]: rows, last: committed ? Math.floor(committed.time / 1000) : 0 });
    }
    case "/0/public/Ticker": {
      const names = query.get("pair");
      const pairs: PairState[] = [];
      if (names === null || names === "") pairs.push(...ctx.pairs.values());
      else {
        for (const name of names.split(",")) {
          const pair = krakenPair(ctx, name);
          if (!pair) return krakenError("EQuery:Unknown asset pair");
          pairs.push(pair);
        }
      }
      return krakenOk(Object.fromEntries(pairs.map((p) => [krakenId(p), krakenTicker(ctx, p)])));
    }
    default:
      return undefined;
  }
};

const DIALECTS: Readonly<Record<FakeExchangeId, Dialect>> = { binance, okx, bybit, coinbase, kraken };

/** The exchange's answer to an unknown path. */
function notFound(exchange: FakeExchangeId, path: string): Reply {
  switch (exchange) {
    case "binance":
      return {
        status: 404,
        contentType: "text/html; charset=utf-8",
        body: "<html><body><h1>404 Not Found</h1></body></html>\n",
      };
    case "okx":
      return json({ code: "404", msg: `no such endpoint ${path}`, data: [] }, 404);
    case "bybit":
      return { status: 404, contentType: "text/plain; charset=utf-8", body: "404 page not found\n" };
    case "coinbase":
      return json({ error: "NOT_FOUND", error_details: `no such endpoint ${path}`, message: "not found" }, 404);
    case "kraken":
      return krakenError("EGeneral:Unknown method");
  }
}

// ---------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------

interface ActiveFault {
  readonly kind: FakeExchangeFaultKind;
  readonly path: string | undefined;
  readonly delayMs: number;
  remaining: number;
}

function validateFault(fault: FakeExchangeFault): ActiveFault {
  if (!fault || typeof fault !== "object" || !FAULT_KINDS.has(fault.kind)) {
    throw new Error(`unknown fault kind ${JSON.stringify((fault as { kind?: unknown } | undefined)?.kind)}`);
  }
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) {
    throw new Error(`fault times must be a positive integer, got ${String(fault.times)}`);
  }
  const delayMs = fault.delayMs ?? DEFAULT_SLOW_MS;
  if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new Error(`fault delayMs must be a non-negative number, got ${String(fault.delayMs)}`);
  }
  if (fault.path !== undefined && typeof fault.path !== "string") throw new Error("fault path must be a string");
  return { kind: fault.kind, path: fault.path, delayMs, remaining: fault.times ?? Number.POSITIVE_INFINITY };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(reply.body, "utf8");
  res.writeHead(reply.status, { "Content-Type": reply.contentType, "Content-Length": body.length });
  res.end(body);
}

/**
 * Start a fake exchange on `options.host` (default `127.0.0.1`), ephemeral port. It serves SYNTHETIC
 * data: each listed pair's generated series unless the pair (or a later `setBars`) supplies bars. The
 * generated series: daily bars 2024-01-01 → 2024-12-31 and hourly bars 2024-06-01 → 2024-06-14 (UTC),
 * close = P × (1 + a·sin(i / 7) + i / d) with P = 40,000 for BTC, 2,000 for ETH, 100 otherwise (details
 * on the module). Tickers are the last daily bar (else the last hourly bar) presented as a 24-hour
 * ticker, with made-up bid/ask ± 0.01 % around the close.
 * @throws Error for a malformed symbol, a pair listed twice, a bar timeframe other than "1d"/"1h", or bar
 *   times that repeat or are not integers
 */
export async function startFakeExchange(options: FakeExchangeOptions): Promise<FakeExchange> {
  const exchange = options?.exchange;
  const dialect = DIALECTS[exchange];
  if (!dialect) throw new Error(`fake exchange: unknown exchange ${JSON.stringify(exchange)}`);
  const pairs = buildPairs(exchange, options.pairs);
  const host = options.host ?? "127.0.0.1";
  const ctx: Ctx = { pairs, bars: (pair, timeframe) => pair.bars.get(timeframe) ?? [] };

  const log: FakeExchangeRequest[] = [];
  let faults: ActiveFault[] = [];
  const sockets = new Set<Socket>();
  const waits = new Set<() => void>();
  let closing = false;

  function takeFault(path: string): ActiveFault | undefined {
    const index = faults.findIndex((f) => f.path === undefined || path.startsWith(f.path));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Resolve true after `ms`, or false as soon as the response closes or the server shuts down. */
  function wait(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        waits.delete(abort);
        res.off("close", abort);
        resolve(ok && !closing && !res.destroyed);
      };
      const abort = (): void => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      waits.add(abort);
      res.once("close", abort);
    });
  }

  function pairOf(symbol: string): PairState {
    const pair = pairs.get(symbol);
    if (!pair) throw new Error(`fake exchange: ${symbol} is not listed (listed: ${[...pairs.keys()].join(", ")})`);
    return pair;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-exchange.invalid");
    log.push({
      at: Date.now(),
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      search: url.search.replace(/^\?/, ""),
    });
    const fault = takeFault(url.pathname);
    if (fault?.kind === "slow" && !(await wait(fault.delayMs, res))) return;
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "http500") {
      send(res, { status: 500, contentType: "text/plain; charset=utf-8", body: "500 Internal Server Error\n" });
      return;
    }
    if (fault?.kind === "html") {
      send(res, { status: 200, contentType: "text/html; charset=utf-8", body: HTML_PAGE });
      return;
    }
    if (fault?.kind === "empty-200") {
      send(res, { status: 200, contentType: JSON_TYPE, body: "" });
      return;
    }
    const reply =
      req.method === "GET" || req.method === "HEAD"
        ? (dialect(ctx, url.pathname, url.searchParams) ?? notFound(exchange, url.pathname))
        : { status: 405, contentType: "text/plain; charset=utf-8", body: "Method Not Allowed\n" };
    if (fault?.kind === "truncated") reply.body = reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2)));
    send(res, reply);
  }

  const httpServer = createServer((req, res) => {
    // One request per connection, as in the replay: no keep-alive race where a client reuses a socket
    // the fake is closing (it would look like a spurious reset).
    res.shouldKeepAlive = false;
    handle(req, res).catch((error: unknown) => {
      send(res, {
        status: 500,
        contentType: "text/plain; charset=utf-8",
        body: `fake exchange error: ${String(error)}\n`,
      });
    });
  });
  httpServer.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const address = httpServer.address();
  if (!address || typeof address === "string") throw new Error("fake exchange: unexpected server address");
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${address.port}`,
    exchange,
    get requests(): readonly FakeExchangeRequest[] {
      return log.map((r) => ({ ...r, query: { ...r.query } }));
    },
    requestCount(filter) {
      const prefix = filter?.path;
      return prefix === undefined ? log.length : log.filter((r) => r.path.startsWith(prefix)).length;
    },
    injectFault(fault) {
      faults.push(validateFault(fault));
    },
    clearFaults() {
      faults = [];
    },
    setBars(symbol, timeframe, bars) {
      const pair = pairOf(symbol);
      pair.bars.set(checkTimeframe(timeframe), checkedBars(bars, `${symbol} ${timeframe}`));
    },
    bars(symbol, timeframe) {
      return (pairOf(symbol).bars.get(checkTimeframe(timeframe)) ?? []).map((b) => ({ ...b }));
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const abort of [...waits]) abort();
        httpServer.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        httpServer.closeAllConnections();
      });
      return closed;
    },
  };
}
