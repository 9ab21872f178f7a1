/**
 * The fake exchanges (SYNTHETIC data) against real ccxt 4.5.84 instances redirected to them, one block per
 * exchange, plus checks of the fakes themselves. The expected request strings are what ccxt sent (recorded
 * 2026-12-02); the fault outcomes record how ccxt reacts, for the crypto adapter of issue 17 (ADR 0008).
 */
import {
  BadRequest,
  ExchangeNotAvailable,
  NetworkError,
  RequestTimeout,
  binance,
  bybit,
  coinbase,
  type Exchange,
  kraken,
  okx,
} from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeBar,
  type FakeExchange,
  type FakeExchangeFaultKind,
  type FakeExchangeId,
  startFakeExchange,
} from "../src/index.ts";

/**
 * Local copy of the URL rewrite core will own (`rewriteCcxtUrls`): the scheme and host of every string in
 * `exchange.urls.api` become `base`; paths stay, and a host made only of a `{hostname}` placeholder goes
 * with the host.
 */
function rewriteCcxtUrls(urlsApi: unknown, base: string): unknown {
  if (typeof urlsApi === "string") return urlsApi.replace(/^https?:\/\/[^/]+/, base);
  if (Array.isArray(urlsApi)) return urlsApi.map((v) => rewriteCcxtUrls(v, base));
  if (urlsApi && typeof urlsApi === "object") {
    return Object.fromEntries(Object.entries(urlsApi).map(([k, v]) => [k, rewriteCcxtUrls(v, base)]));
  }
  return urlsApi;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CLASSES = { binance, okx, bybit, coinbase, kraken } as const;
type Row = (number | undefined)[];

/** A ccxt instance of the fake's exchange, redirected to it, throttle off, spot markets only where ccxt allows. */
function connect(fake: FakeExchange): Exchange {
  const Class = CLASSES[fake.exchange] as unknown as new (config: object) => Exchange;
  // coinbase and kraken have no `fetchMarkets.types` option (kraken lists spot only anyway).
  const spotOnly = fake.exchange === "binance" || fake.exchange === "okx" || fake.exchange === "bybit";
  const exchange = new Class({
    enableRateLimit: false,
    timeout: 5_000,
    options: spotOnly ? { fetchMarkets: { types: ["spot"] } } : {},
  });
  const urls = exchange.urls as { api: unknown };
  urls.api = rewriteCcxtUrls(urls.api, fake.url);
  return exchange;
}

/** `path?query` of the requests since `from`, query decoded for reading. */
function sent(fake: FakeExchange, from = 0): string[] {
  return fake.requests.slice(from).map((r) => `${r.path}?${decodeURIComponent(r.search)}`);
}

const asRows = (bars: readonly FakeBar[]): Row[] => bars.map((b) => [b.time, b.open, b.high, b.low, b.close, b.volume]);

/** ccxt 4.5.84 (okx.js fetchOHLCV) picks `history-candles` when `since` is older than 1,439 bars before now. */
const okxCandles = (since: number, barMs: number): string =>
  since < Date.now() - 1439 * barMs ? "history-candles" : "candles";

/** Simple made-up hourly bars for the page-size checks. */
function hourlySeries(start: number, count: number): FakeBar[] {
  return Array.from({ length: count }, (_, i) => ({
    time: start + i * HOUR,
    open: 100 + i,
    high: 102 + i,
    low: 99 + i,
    close: 101 + i,
    volume: 10,
    quoteVolume: 1_000 + 10 * i,
  }));
}

// The windows every exchange is asked for: 1d 2024-03-01 → 2024-03-10, 1h 2024-06-03 00:00 → 12:00 (UTC).
const D_SINCE = Date.UTC(2024, 2, 1);
const D_UNTIL = Date.UTC(2024, 2, 10);
const H_SINCE = Date.UTC(2024, 5, 3);
const H_UNTIL = Date.UTC(2024, 5, 3, 12);
const LIMIT = 20;
const PAGE_START = Date.UTC(2024, 0, 1);
const PAGE_BARS = 1_500;

interface Spec {
  id: FakeExchangeId;
  base: string;
  quote: string;
  /** What `loadMarkets()` sent (any order). */
  markets: string[];
  /** What `fetchOHLCV(symbol, "1d" | "1h", since, 20, { until })` sent. */
  daily: string;
  hourly: string;
  /**
   * How `params.until` bounds the window: okx's `after` is exclusive; kraken gets it as an unknown query
   * parameter and ignores it, so only `since` + `limit` bound its window.
   */
  until: "inclusive" | "exclusive" | "ignored";
  /** What `fetchTicker(BASE/QUOTE)` and `fetchTickers([BASE/QUOTE, ETH/QUOTE])` sent. */
  ticker: string;
  tickers: string;
  /** Does the ticker carry the 24-hour open/high/low/volumes (coinbase's trade-based one does not)? */
  ticker24h: boolean;
  /** Path prefix of the OHLCV endpoint (for faults). */
  ohlcvPath: string;
  /**
   * `fetchOHLCV(ETH/QUOTE, "1h", PAGE_START, 5000, { until: PAGE_START + 1499 h })` over 1,500 hourly bars:
   * the `limit` ccxt sent (none for coinbase and kraken) and the bars returned (by index), or the error.
   */
  page: { limitSent: string | undefined; expect: [number, number] | typeof BadRequest };
  /** What an HTTP 200 HTML or truncated-JSON answer becomes when `since` is not given (binance: rows of undefined). */
  nonJsonNoSince: "null-rows" | "empty";
  /** The raw kline through ccxt's implicit API, and the quote volume read from it (coinbase: none). */
  rawQuoteVolume: (exchange: Exchange) => Promise<{ row: unknown; quoteVolume: number | undefined }>;
}

type Implicit = Record<string, (params: object) => Promise<unknown>>;
const implicit = (exchange: Exchange, method: string, params: object): Promise<unknown> =>
  (exchange as unknown as Implicit)[method]!(params);

const SPECS: Spec[] = [
  {
    id: "binance",
    base: "BTC",
    quote: "USDT",
    markets: ["/api/v3/exchangeInfo?"],
    daily: `/api/v3/klines?interval=1d&limit=20&symbol=BTCUSDT&startTime=${D_SINCE}&endTime=${D_UNTIL}`,
    hourly: `/api/v3/klines?interval=1h&limit=20&symbol=BTCUSDT&startTime=${H_SINCE}&endTime=${H_UNTIL}`,
    until: "inclusive",
    ticker: "/api/v3/ticker/24hr?symbol=BTCUSDT",
    tickers: '/api/v3/ticker/24hr?symbols=["BTCUSDT","ETHUSDT"]',
    ticker24h: true,
    ohlcvPath: "/api/v3/klines",
    page: { limitSent: "1000", expect: [0, 1000] },
    nonJsonNoSince: "null-rows",
    rawQuoteVolume: async (ex) => {
      const rows = (await implicit(ex, "publicGetKlines", {
        symbol: "BTCUSDT",
        interval: "1d",
        startTime: D_SINCE,
        limit: 1,
      })) as string[][];
      // [openTime, open, high, low, close, volume, closeTime, quoteAssetVolume, trades, takerBase, takerQuote, ignore]
      return { row: rows[0], quoteVolume: Number(rows[0]![7]) };
    },
  },
  {
    id: "okx",
    base: "BTC",
    quote: "USDT",
    markets: ["/api/v5/public/instruments?instType=SPOT"],
    daily:
      `/api/v5/market/${okxCandles(D_SINCE, DAY)}?instId=BTC-USDT&bar=1Dutc&limit=20` +
      `&before=${D_SINCE - 1}&after=${D_UNTIL}`,
    hourly:
      `/api/v5/market/${okxCandles(H_SINCE, HOUR)}?instId=BTC-USDT&bar=1H&limit=20` +
      `&before=${H_SINCE - 1}&after=${H_UNTIL}`,
    until: "exclusive",
    ticker: "/api/v5/market/ticker?instId=BTC-USDT",
    tickers: "/api/v5/market/tickers?instType=SPOT",
    ticker24h: true,
    ohlcvPath: "/api/v5/market/",
    // ccxt caps `limit` at 300 and sends `after` = until (exclusive): the newest 300 bars before it.
    page: { limitSent: "300", expect: [PAGE_BARS - 301, PAGE_BARS - 1] },
    nonJsonNoSince: "empty",
    rawQuoteVolume: async (ex) => {
      const answer = (await implicit(ex, "publicGetMarketHistoryCandles", {
        instId: "BTC-USDT",
        bar: "1Dutc",
        after: D_SINCE + DAY,
        limit: 1,
      })) as { data: string[][] };
      // [ts, o, h, l, c, vol (base), volCcy (quote, for spot), volCcyQuote (quote), confirm]
      return { row: answer.data[0], quoteVolume: Number(answer.data[0]![7]) };
    },
  },
  {
    id: "bybit",
    base: "BTC",
    quote: "USDT",
    markets: ["/v5/market/instruments-info?category=spot"],
    daily: `/v5/market/kline?symbol=BTCUSDT&start=${D_SINCE}&limit=20&end=${D_UNTIL}&interval=D&category=spot`,
    hourly: `/v5/market/kline?symbol=BTCUSDT&start=${H_SINCE}&limit=20&end=${H_UNTIL}&interval=60&category=spot`,
    until: "inclusive",
    ticker: "/v5/market/tickers?symbol=BTCUSDT&category=spot",
    tickers: "/v5/market/tickers?category=spot",
    ticker24h: true,
    ohlcvPath: "/v5/market/kline",
    // ccxt passes limit=5000 through; bybit's documented maximum is 1000.
    page: { limitSent: "5000", expect: [0, 1000] },
    nonJsonNoSince: "empty",
    rawQuoteVolume: async (ex) => {
      const answer = (await implicit(ex, "publicGetV5MarketKline", {
        category: "spot",
        symbol: "BTCUSDT",
        interval: "D",
        start: D_SINCE,
        limit: 1,
      })) as { result: { list: string[][] } };
      // [startTime, open, high, low, close, volume (base), turnover (quote)]
      return { row: answer.result.list[0], quoteVolume: Number(answer.result.list[0]![6]) };
    },
  },
  {
    id: "coinbase",
    base: "BTC",
    quote: "USD",
    // loadMarkets: fetchCurrencies (3 v2 calls), then spot products, then the two futures listings.
    markets: [
      "/v2/currencies?",
      "/v2/currencies/crypto?",
      "/v2/exchange-rates?",
      "/api/v3/brokerage/market/products?",
      "/api/v3/brokerage/market/products?product_type=FUTURE",
      "/api/v3/brokerage/market/products?product_type=FUTURE&contract_expiry_type=PERPETUAL",
    ],
    daily:
      "/api/v3/brokerage/market/products/BTC-USD/candles" +
      `?granularity=ONE_DAY&start=${D_SINCE / 1000}&end=${D_UNTIL / 1000}`,
    hourly:
      "/api/v3/brokerage/market/products/BTC-USD/candles" +
      `?granularity=ONE_HOUR&start=${H_SINCE / 1000}&end=${H_UNTIL / 1000}`,
    until: "inclusive",
    ticker: "/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1",
    tickers: "/api/v3/brokerage/market/products?product_ids=BTC-USD&product_ids=ETH-USD&product_type=SPOT",
    ticker24h: false,
    ohlcvPath: "/api/v3/brokerage/market/products/BTC-USD/candles",
    // 1,499 hourly intervals in one request: refused (HTTP 400 INVALID_ARGUMENT) -> ccxt BadRequest.
    page: { limitSent: undefined, expect: BadRequest },
    nonJsonNoSince: "empty",
    rawQuoteVolume: async (ex) => {
      const answer = (await implicit(ex, "v3PublicGetBrokerageMarketProductsProductIdCandles", {
        product_id: "BTC-USD",
        granularity: "ONE_DAY",
        start: D_SINCE / 1000,
        end: D_SINCE / 1000,
      })) as { candles: Record<string, string>[] };
      // {start, low, high, open, close, volume}: no quote volume.
      return { row: answer.candles[0], quoteVolume: undefined };
    },
  },
  {
    id: "kraken",
    base: "BTC",
    quote: "USD",
    markets: ["/0/public/Assets?", "/0/public/AssetPairs?"],
    // ccxt sends since - one interval, in seconds, and passes `until` through as an unknown parameter.
    daily: `/0/public/OHLC?pair=XXBTZUSD&interval=1440&since=${(D_SINCE - DAY) / 1000}&until=${D_UNTIL}`,
    hourly: `/0/public/OHLC?pair=XXBTZUSD&interval=60&since=${(H_SINCE - HOUR) / 1000}&until=${H_UNTIL}`,
    until: "ignored",
    ticker: "/0/public/Ticker?pair=XXBTZUSD",
    tickers: "/0/public/Ticker?pair=XXBTZUSD,XETHZUSD",
    ticker24h: true,
    ohlcvPath: "/0/public/OHLC",
    // Only the 720 most recent bars exist; ccxt keeps those from `since` on.
    page: { limitSent: undefined, expect: [PAGE_BARS - 720, PAGE_BARS] },
    nonJsonNoSince: "empty",
    rawQuoteVolume: async (ex) => {
      const answer = (await implicit(ex, "publicGetOHLC", {
        pair: "XXBTZUSD",
        interval: 1440,
        since: (D_SINCE - DAY) / 1000,
      })) as { result: Record<string, (string | number)[][]> };
      const row = answer.result.XXBTZUSD![0]!;
      // [time, open, high, low, close, vwap, volume, count]: quote volume = vwap × volume.
      return { row, quoteVolume: Number(row[5]) * Number(row[6]) };
    },
  },
];

describe.each(SPECS)("$id fake through ccxt 4.5.84", (spec) => {
  const symbol = `${spec.base}/${spec.quote}`;
  const other = `ETH/${spec.quote}`;
  let fake: FakeExchange;
  let ex: Exchange;

  beforeAll(async () => {
    fake = await startFakeExchange({ exchange: spec.id });
    ex = connect(fake);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it(`loadMarkets() lists the two spot pairs after ${spec.markets.length} request(s)`, async () => {
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual([symbol, other].sort());
    expect(markets[symbol]).toMatchObject({ spot: true, base: spec.base, quote: spec.quote, active: true });
    expect(sent(fake).sort()).toEqual([...spec.markets].sort());
  });

  it(`fetchOHLCV 1d and 1h return exactly the fake's bars of the window (until: ${spec.until})`, async () => {
    for (const [timeframe, since, until, request] of [
      ["1d", D_SINCE, D_UNTIL, spec.daily],
      ["1h", H_SINCE, H_UNTIL, spec.hourly],
    ] as const) {
      const bars = fake.bars(symbol, timeframe);
      const inWindow = bars.filter(
        (b) =>
          b.time >= since &&
          (spec.until === "ignored" || (spec.until === "inclusive" ? b.time <= until : b.time < until)),
      );
      const expected = inWindow.slice(0, LIMIT);
      const from = fake.requests.length;
      const rows = await ex.fetchOHLCV(symbol, timeframe, since, LIMIT, { until });
      expect(sent(fake, from)).toEqual([request]);
      expect(rows).toEqual(asRows(expected));
      expect(rows.length).toBe(
        spec.until === "ignored"
          ? LIMIT
          : (until - since) / (timeframe === "1d" ? DAY : HOUR) + (spec.until === "inclusive" ? 1 : 0),
      );
    }
  });

  it("a 5000-bar request over 1,500 hourly bars stops at the documented page size", async () => {
    const bars = hourlySeries(PAGE_START, PAGE_BARS);
    fake.setBars(other, "1h", bars);
    const from = fake.requests.length;
    const call = ex.fetchOHLCV(other, "1h", PAGE_START, 5_000, { until: PAGE_START + (PAGE_BARS - 1) * HOUR });
    if (Array.isArray(spec.page.expect)) {
      const [start, end] = spec.page.expect;
      expect(await call).toEqual(asRows(bars.slice(start, end)));
    } else {
      await expect(call).rejects.toBeInstanceOf(spec.page.expect);
    }
    expect(fake.requests.slice(from).map((r) => r.query.limit)).toEqual([spec.page.limitSent]);
  });

  it("the raw kline (ccxt's implicit API) carries the quote volume where the exchange has one", async () => {
    const bar = fake.bars(symbol, "1d").find((b) => b.time === D_SINCE)!;
    const { row, quoteVolume } = await spec.rawQuoteVolume(ex);
    expect(row).toBeDefined();
    if (spec.id === "coinbase") {
      expect(Object.keys(row as object).sort()).toEqual(["close", "high", "low", "open", "start", "volume"]);
      expect(quoteVolume).toBeUndefined();
    } else {
      expect(quoteVolume).toBeCloseTo(bar.quoteVolume!, 6);
    }
  });

  it("fetchTicker and fetchTickers parse the fake's 24-hour tickers", async () => {
    const last = fake.bars(symbol, "1d").at(-1)!;
    let from = fake.requests.length;
    const ticker = await ex.fetchTicker(symbol);
    expect(sent(fake, from)).toEqual([spec.ticker]);
    expect(ticker.symbol).toBe(symbol);
    expect(ticker.last).toBe(last.close);
    expect(ticker.bid).toBeLessThan(last.close);
    expect(ticker.ask).toBeGreaterThan(last.close);
    if (spec.ticker24h) {
      expect(ticker).toMatchObject({ open: last.open, high: last.high, low: last.low, baseVolume: last.volume });
      expect(ticker.quoteVolume).toBeCloseTo(last.quoteVolume!, 6);
    }
    from = fake.requests.length;
    const tickers = await ex.fetchTickers([symbol, other]);
    expect(sent(fake, from)).toEqual([spec.tickers]);
    expect(Object.keys(tickers).sort()).toEqual([symbol, other].sort());
    expect(tickers[other]!.last).toBe(fake.bars(other, "1d").at(-1)!.close);
  });

  it(
    "fault reset -> ccxt NetworkError; http500 -> ExchangeNotAvailable; " + "slow past the timeout -> RequestTimeout",
    async () => {
      fake.injectFault({ kind: "reset", path: spec.ohlcvPath, times: 1 });
      const reset = await ex.fetchOHLCV(symbol, "1d", D_SINCE, 5).catch((e: unknown) => e);
      expect(reset).toBeInstanceOf(NetworkError);
      expect((reset as Error).constructor.name).toBe("NetworkError");

      fake.injectFault({ kind: "http500", path: spec.ohlcvPath, times: 1 });
      await expect(ex.fetchOHLCV(symbol, "1d", D_SINCE, 5)).rejects.toBeInstanceOf(ExchangeNotAvailable);

      fake.injectFault({ kind: "slow", path: spec.ohlcvPath, times: 1, delayMs: 5_000 });
      ex.timeout = 300;
      try {
        const slow = await ex.fetchOHLCV(symbol, "1d", D_SINCE, 5).catch((e: unknown) => e);
        expect(slow).toBeInstanceOf(RequestTimeout);
        expect(slow).toBeInstanceOf(NetworkError);
      } finally {
        ex.timeout = 5_000;
      }
      // Each fault was used up: the next request is answered normally.
      expect(await ex.fetchOHLCV(symbol, "1d", D_SINCE, 5)).toHaveLength(5);
    },
  );

  it.each(["html", "truncated", "empty-200"] as const)(
    "fault %s (HTTP 200, not JSON) -> ccxt returns [] with since; without since: " +
      (spec.nonJsonNoSince === "null-rows" ? "rows of six undefined (html, truncated)" : "[]"),
    async (kind: FakeExchangeFaultKind) => {
      fake.injectFault({ kind, path: spec.ohlcvPath, times: 1 });
      expect(await ex.fetchOHLCV(symbol, "1d", D_SINCE, 5, { until: D_UNTIL })).toEqual([]);
      // The raw body is still at hand (exchange.last_http_response) for the adapter's own check.
      const body = String(ex.last_http_response);
      if (kind === "empty-200") expect(body).toBe("");
      else if (kind === "html") expect(body).toContain("<html");
      else expect(() => JSON.parse(body)).toThrow();

      fake.injectFault({ kind, path: spec.ohlcvPath, times: 1 });
      const rows = await ex.fetchOHLCV(symbol, "1d", undefined, 5);
      if (spec.nonJsonNoSince === "null-rows" && kind !== "empty-200") {
        expect(rows.length).toBeGreaterThan(0);
        // One row per character of the body, six `undefined`s each (`null` once serialised), cut at `limit`.
        for (const row of rows) expect(row).toStrictEqual(Array(6).fill(undefined));
      } else {
        expect(rows).toEqual([]);
      }
    },
  );
});

describe("ccxt request shapes outside the windows (recorded)", () => {
  it(
    "bybit fetchTickers() without symbols asks category=linear, " + "where the fake (spot only) lists nothing",
    async () => {
      const fake = await startFakeExchange({ exchange: "bybit" });
      try {
        const ex = connect(fake);
        await ex.loadMarkets();
        const from = fake.requests.length;
        expect(await ex.fetchTickers()).toEqual({});
        expect(sent(fake, from)).toEqual(["/v5/market/tickers?category=linear"]);
      } finally {
        await fake.close();
      }
    },
  );

  it("coinbase with has.fetchCurrencies = false skips the three v2 currency calls", async () => {
    const fake = await startFakeExchange({ exchange: "coinbase" });
    try {
      const ex = connect(fake);
      ex.has.fetchCurrencies = false;
      expect(Object.keys(await ex.loadMarkets()).sort()).toEqual(["BTC/USD", "ETH/USD"]);
      expect(sent(fake).every((r) => r.startsWith("/api/v3/brokerage/market/products?"))).toBe(true);
      expect(fake.requestCount()).toBe(3);
    } finally {
      await fake.close();
    }
  });

  it("coinbase since-only and a 300-bar until window both give 300 bars from since", async () => {
    const fake = await startFakeExchange({ exchange: "coinbase" });
    try {
      const ex = connect(fake);
      const bars = hourlySeries(PAGE_START, PAGE_BARS);
      fake.setBars("BTC/USD", "1h", bars);
      await ex.loadMarkets();
      // ccxt: end = start + 300 intervals (301 grid points, inclusive): the fake keeps the oldest 300.
      expect(await ex.fetchOHLCV("BTC/USD", "1h", PAGE_START)).toEqual(asRows(bars.slice(0, 300)));
      expect(await ex.fetchOHLCV("BTC/USD", "1h", PAGE_START, 300, { until: PAGE_START + 299 * HOUR })).toEqual(
        asRows(bars.slice(0, 300)),
      );
    } finally {
      await fake.close();
    }
  });
});

describe("fake exchange, on its own", () => {
  let fake: FakeExchange;
  afterAll(async () => {
    await fake?.close();
  });

  it(
    "defaults: BTC and ETH pairs, synthetic daily 2024 and hourly 2024-06-01..14 bars " + "with consistent OHLC",
    async () => {
      fake = await startFakeExchange({ exchange: "kraken" });
      expect(fake.exchange).toBe("kraken");
      expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const daily = fake.bars("BTC/USD", "1d");
      const hourly = fake.bars("ETH/USD", "1h");
      expect(daily).toHaveLength(366);
      expect(daily[0]!.time).toBe(Date.UTC(2024, 0, 1));
      expect(daily.at(-1)!.time).toBe(Date.UTC(2024, 11, 31));
      expect(hourly).toHaveLength(336);
      expect(hourly[0]!.time).toBe(Date.UTC(2024, 5, 1));
      expect(hourly.at(-1)!.time).toBe(Date.UTC(2024, 5, 14, 23));
      for (const series of [daily, hourly]) {
        series.forEach((b, i) => {
          expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
          expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
          if (i > 0) expect(b.open).toBe(series[i - 1]!.close);
        });
      }
      expect(daily[0]!.open).toBe(40_000);
      expect(hourly[0]!.open).toBe(2_000);
      expect(() => fake.bars("BTC/USDT", "1d")).toThrow(/not listed/);
    },
  );

  it("kraken OHLC: only the 720 most recent bars, `since` exclusive, the last bar always present", async () => {
    fake.setBars("BTC/USD", "1h", hourlySeries(PAGE_START, 1_000));
    const get = async (query: string): Promise<{ rows: number[][]; last: number }> => {
      const body = (await (await fetch(`${fake.url}/0/public/OHLC?${query}`)).json()) as {
        result: Record<string, number[][] | number>;
      };
      return { rows: body.result.XXBTZUSD as number[][], last: body.result.last as number };
    };
    const all = await get("pair=XXBTZUSD&interval=60");
    expect(all.rows).toHaveLength(720);
    expect(all.rows[0]![0]).toBe((PAGE_START + 280 * HOUR) / 1000);
    expect(all.last).toBe((PAGE_START + 998 * HOUR) / 1000);
    const after = await get(`pair=XBTUSD&interval=60&since=${(PAGE_START + 990 * HOUR) / 1000}`);
    expect(after.rows.map((r) => r[0])).toEqual(
      Array.from({ length: 9 }, (_, i) => (PAGE_START + (991 + i) * HOUR) / 1000),
    );
    const future = await get(`pair=XXBTZUSD&interval=60&since=${Date.UTC(2030, 0, 1) / 1000}`);
    expect(future.rows.map((r) => r[0])).toEqual([(PAGE_START + 999 * HOUR) / 1000]);
  });

  it("faults: path prefix, times, injection order; html/truncated/empty-200 bodies; bad faults refused", async () => {
    fake.clearFaults();
    const url = `${fake.url}/0/public/Ticker?pair=XXBTZUSD`;
    fake.injectFault({ kind: "http500", path: "/0/public/OHLC" });
    fake.injectFault({ kind: "html", path: "/0/public/Tick", times: 1 });
    fake.injectFault({ kind: "truncated", times: 1 });
    const html = await fetch(url);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await html.text()).toContain("synthetic HTML answer");
    const truncated = await fetch(url);
    expect(truncated.status).toBe(200);
    await expect(truncated.json()).rejects.toThrow();
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${fake.url}/0/public/OHLC?pair=XXBTZUSD&interval=60`)).status).toBe(500);
    fake.clearFaults();
    fake.injectFault({ kind: "empty-200" });
    const empty = await fetch(url);
    expect([empty.status, empty.headers.get("content-type"), await empty.text()]).toEqual([
      200,
      "application/json; charset=utf-8",
      "",
    ]);
    fake.clearFaults();
    fake.injectFault({ kind: "reset", times: 1 });
    await expect(fetch(url)).rejects.toThrow();
    expect(() => fake.injectFault({ kind: "nope" as FakeExchangeFaultKind })).toThrow(/unknown fault kind/);
    expect(() => fake.injectFault({ kind: "reset", times: 0 })).toThrow(/positive integer/);
    expect(() => fake.injectFault({ kind: "slow", delayMs: -1 })).toThrow(/non-negative/);
  });

  it("requests log every request; requestCount filters by path prefix", () => {
    const log = fake.requests;
    expect(log.length).toBe(fake.requestCount());
    expect(fake.requestCount({ path: "/0/public/" })).toBe(log.length);
    expect(fake.requestCount({ path: "/0/public/OHLC" })).toBe(log.filter((r) => r.path === "/0/public/OHLC").length);
    expect(log[0]).toMatchObject({
      method: "GET",
      path: "/0/public/OHLC",
      query: { pair: "XXBTZUSD", interval: "60" },
    });
  });

  it("setBars refuses an unlisted symbol, an unknown timeframe and times that are not strictly ascending", () => {
    const bar: FakeBar = { time: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    expect(() => fake.setBars("DOGE/USD", "1d", [bar])).toThrow(/not listed/);
    expect(() => fake.setBars("BTC/USD", "5m" as "1d", [bar])).toThrow(/timeframe/);
    expect(() => fake.setBars("BTC/USD", "1d", [bar, bar])).toThrow(/ascending/);
    expect(() => fake.setBars("BTC/USD", "1d", [{ ...bar, time: 1.5 }])).toThrow(/integer/);
  });

  it("close() resolves promptly with a slow request in flight", async () => {
    const slowFake = await startFakeExchange({ exchange: "binance", pairs: [{ symbol: "SOL/USDT" }] });
    slowFake.injectFault({ kind: "slow", delayMs: 60_000 });
    const pending = fetch(`${slowFake.url}/api/v3/time`).catch((e: unknown) => e);
    while (slowFake.requestCount() === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await slowFake.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it(
    "okx /market/candles reaches only the latest 1,440 bars; history-candles reaches all; " +
      "coinbase needs start and end",
    async () => {
      const okxFake = await startFakeExchange({ exchange: "okx", pairs: [{ symbol: "BTC/USDT" }] });
      const cbFake = await startFakeExchange({ exchange: "coinbase" });
      try {
        okxFake.setBars("BTC/USDT", "1h", hourlySeries(PAGE_START, 1_500));
        const oldest = async (path: string): Promise<string[] | undefined> => {
          const body = (await (
            await fetch(`${okxFake.url}/api/v5/market/${path}?instId=BTC-USDT&bar=1H&after=${PAGE_START + 50 * HOUR}`)
          ).json()) as { data: string[][] };
          return body.data.map((r) => r[0]!);
        };
        expect(await oldest("candles")).toEqual([]);
        expect((await oldest("history-candles"))?.at(-1)).toBe(String(PAGE_START));
        const answer = await fetch(
          `${cbFake.url}/api/v3/brokerage/market/products/BTC-USD/candles?granularity=ONE_DAY`,
        );
        expect(answer.status).toBe(400);
        expect(await answer.json()).toMatchObject({ error: "INVALID_ARGUMENT" });
      } finally {
        await okxFake.close();
        await cbFake.close();
      }
    },
  );

  it("refuses malformed pairs and bar timeframes at start", async () => {
    await expect(startFakeExchange({ exchange: "okx", pairs: [{ symbol: "BTCUSDT" }] })).rejects.toThrow(/symbol/);
    await expect(
      startFakeExchange({ exchange: "okx", pairs: [{ symbol: "BTC/USDT" }, { symbol: "BTC/USDT" }] }),
    ).rejects.toThrow(/twice/);
    await expect(
      startFakeExchange({
        exchange: "okx",
        pairs: [
          {
            symbol: "BTC/USDT",
            bars: [{ timeframe: "1w" as "1d", time: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 }],
          },
        ],
      }),
    ).rejects.toThrow(/timeframe/);
    await expect(startFakeExchange({ exchange: "ftx" as FakeExchangeId })).rejects.toThrow(/unknown exchange/);
  });
});
