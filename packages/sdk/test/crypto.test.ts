/**
 * The crypto methods of the remote client end to end: the real API (PGlite, injected clock) on
 * loopback, with binance served by the replay from recorded spot data (BTC/USDT and ETH/USDT 1d
 * 2024-07-27 → 2026-07-26, BTC/USDT 1h 2026-01-27 → 2026-07-26). Each answer is compared with what
 * the API serves for the same request, and upstream calls are counted where they arrive (the replay).
 */
import { ManualClock } from "@quantdb/core/clock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSystem, type Api, type TestSystem } from "../../../packages/server/test/harness.ts";
import {
  createClient,
  CRYPTO_MARKET,
  isCryptoSymbol,
  QuantDbApiError,
  type CryptoHistory,
  type FetchLike,
  type QuantDbClient,
} from "../src/index.ts";

const KLINES = "/api/v3/klines";

/** A fetch that records the requests it forwards. */
function recordingFetch(): FetchLike & { requests: Request[] } {
  const requests: Request[] = [];
  return Object.assign(
    (request: Request) => {
      requests.push(request);
      return fetch(request);
    },
    { requests },
  );
}

/** Await a rejection and return it as a QuantDbApiError (fails the test otherwise). */
async function apiError(promise: Promise<unknown>): Promise<QuantDbApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QuantDbApiError);
  return error as QuantDbApiError;
}

describe("crypto through the remote client (pglite, binance from the replay)", () => {
  let system: TestSystem;
  let api: Api;
  let client: QuantDbClient;
  let requests: Request[];
  beforeAll(async () => {
    system = await startSystem("pglite");
  }, 120_000);
  afterAll(async () => system?.close());
  beforeEach(async () => {
    await system.reset();
    api = await system.api();
    const fetch = recordingFetch();
    requests = fetch.requests;
    client = createClient({ baseUrl: api.url, fetch, retries: 0 });
  });
  const klines = () => system.replay.requestCount({ path: KLINES });

  it("gets a year of daily bars exactly as the API serves them, then from the cache in any symbol form", async () => {
    const history = await client.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01", end: "2025-12-31" });
    expect(new URL(requests[0]!.url).pathname).toBe("/api/v1/historical/crypto/binance/BTC-USDT");
    expect(history).toMatchObject({
      symbol: "BTC/USDT",
      exchange: "binance",
      market: "CRYPTO",
      timeframe: "1d",
      start_date: "2025-01-01",
      end_date: "2025-12-31",
    });
    expect(history.data).toHaveLength(365);
    expect(history.data[0]).toMatchObject({ date: "2025-01-01", time: "2025-01-01T00:00:00Z", provisional: false });
    expect(history.data.at(-1)?.date).toBe("2025-12-31");
    for (const bar of history.data) {
      expect(bar.low).toBeLessThanOrEqual(Math.min(bar.open, bar.close));
      expect(bar.high).toBeGreaterThanOrEqual(Math.max(bar.open, bar.close));
      expect(bar.volume).toBeGreaterThan(0);
      expect(bar.amount).toBeGreaterThan(bar.volume); // USDT traded ≫ BTC traded
    }
    expect(history.metadata).toMatchObject({
      count: 365,
      cache: { hit: false, upstream_requests: 1, rows_from_upstream: 365, series_replaced: null },
      units: { base: "BTC", quote: "USDT", price: "USDT", volume: "BTC", amount: "USDT", time_zone: "UTC" },
    });
    expect(klines()).toBe(1);
    const raw = await api.get("/api/v1/historical/crypto/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-12-31");
    expect(raw.body.data).toEqual(history.data);

    // the object form, another case, a sub-range and compact dates: no upstream call
    const again = await client.getCryptoHistory(
      { exchange: "Binance", pair: "btc/usdt" },
      { start: "20250301", end: "20250331", timeframe: "1d" },
    );
    expect(again.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0, rows_from_cache: 31 });
    expect(again.data).toEqual(history.data.filter((b) => b.date >= "2025-03-01" && b.date <= "2025-03-31"));
    const dashed = await client.getCryptoHistory(" binance:btc-usdt ", { start: "2025-06-01", end: "2025-06-30" });
    expect(dashed.data).toHaveLength(30);
    expect(klines()).toBe(1);

    const coverage = await client.getCryptoCacheCoverage({ exchange: "binance", pair: "BTC/USDT" });
    expect(coverage).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO" });
    expect(coverage.spans).toEqual([
      expect.objectContaining({
        timeframe: "1d",
        start: "2025-01-01T00:00:00Z",
        end: "2025-12-31T00:00:00Z",
        bars: 365,
      }),
    ]);

    const eth = await client.getCryptoHistory("binance:ETH/USDT", { start: "2026-07-01", end: "2026-07-26" });
    expect(eth).toMatchObject({ symbol: "ETH/USDT", metadata: { count: 26, units: { base: "ETH", quote: "USDT" } } });
    expect(eth.data[0]!.close).toBeLessThan(history.data[0]!.close);
  });

  it("gets hourly bars on the UTC hour grid", async () => {
    const week = await client.getCryptoHistory("binance:BTC/USDT", {
      timeframe: "1h",
      start: "2026-03-01",
      end: "2026-03-07",
    });
    expect(week.timeframe).toBe("1h");
    expect(week.data).toHaveLength(7 * 24);
    expect(week.data.slice(0, 3).map((b) => b.time)).toEqual([
      "2026-03-01T00:00:00Z",
      "2026-03-01T01:00:00Z",
      "2026-03-01T02:00:00Z",
    ]);
    expect(week.data.at(-1)).toMatchObject({ date: "2026-03-07", time: "2026-03-07T23:00:00Z" });
    const raw = await api.get(
      "/api/v1/historical/crypto/binance/BTC-USDT?timeframe=1h&start_date=2026-03-01&end_date=2026-03-07",
    );
    expect(raw.body.data).toEqual(week.data);
  });

  it("marks today's bar provisional by the server's clock", async () => {
    const midday = await system.api({ clock: new ManualClock("2026-07-26T18:05:00Z") });
    const local = createClient({ baseUrl: midday.url });
    const answer = await local.getCryptoHistory("binance:BTC/USDT", { start: "2026-07-24", end: "2026-07-26" });
    expect(answer.data.map((b) => [b.date, b.provisional])).toEqual([
      ["2026-07-24", false],
      ["2026-07-25", false],
      ["2026-07-26", true],
    ]);
  });

  it("gets the columns and CSV formats with the same bars", async () => {
    const range = { start: "2025-02-01", end: "2025-02-28" } as const;
    const json: CryptoHistory = await client.getCryptoHistory("binance:BTC/USDT", { ...range, format: "json" });
    const columns = await client.getCryptoHistory("binance:BTC/USDT", { ...range, format: "columns" });
    expect(columns).not.toHaveProperty("data");
    expect(columns).toMatchObject({ symbol: "BTC/USDT", metadata: { count: 28, units: { quote: "USDT" } } });
    expect(Object.keys(columns.columns)).toEqual([
      "date",
      "time",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "amount",
      "provisional",
    ]);
    expect(columns.columns.close).toEqual(json.data.map((b) => b.close));
    expect(columns.columns.time).toEqual(json.data.map((b) => b.time));

    const csv = await client.getCryptoHistory("binance:BTC/USDT", { ...range, format: "csv" });
    expect(typeof csv).toBe("string");
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("date,time,open,high,low,close,volume,amount,provisional");
    expect(lines.slice(1)).toEqual(
      json.data.map((b) =>
        [b.date, b.time, b.open, b.high, b.low, b.close, b.volume, b.amount, b.provisional].join(","),
      ),
    );
    expect(new URL(requests.at(-1)!.url).searchParams.get("format")).toBe("csv");
    expect(klines()).toBe(1);
  });

  it("refuses a symbol not written exchange:BASE/QUOTE before any request, else as the server answers", async () => {
    for (const symbol of ["BTC/USDT", "binance:BTC", "600519"]) {
      const error = await apiError(client.getCryptoHistory(symbol));
      expect(error).toMatchObject({ code: "INVALID_SYMBOL", status: 0 });
      expect(error.message).toContain("expected exchange:BASE/QUOTE, e.g. binance:BTC/USDT");
    }
    expect(await apiError(client.getCryptoQuote({ exchange: " ", pair: "BTC/USDT" }))).toMatchObject({
      code: "INVALID_SYMBOL",
      status: 0,
    });
    // a stock method refuses a pair, naming the method that serves it
    const stock = await apiError(client.getHistory("binance:BTC/USDT", { days: 5 }));
    expect(stock).toMatchObject({ code: "INVALID_SYMBOL", status: 0 });
    expect(stock.message).toContain("use getCryptoHistory");
    const many = await client.getMany(["binance:ETH/USDT"], { start: "2025-01-02", end: "2025-01-31" });
    expect(many.errors["binance:ETH/USDT"]?.code).toBe("INVALID_SYMBOL");
    expect(requests).toHaveLength(0);

    const exchange = await apiError(client.getCryptoHistory("bitfinex:BTC/USDT"));
    expect(exchange).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
    expect(exchange.message).toMatch(/binance, okx, bybit, coinbase, kraken/);
    const pair = await apiError(client.getCryptoHistory("binance:BTC/USDX", { start: "2025-01-01" }));
    expect(pair).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
    expect(pair.details?.closest).toContain("BTC/USDT");
    const timeframe = await apiError(client.getCryptoHistory("binance:BTC/USDT", { timeframe: "4h" as "1h" }));
    expect(timeframe).toMatchObject({ code: "INVALID_PERIOD", status: 400 });
    const range = await apiError(
      client.getCryptoHistory("binance:BTC/USDT", { start: "2025-02-01", end: "2025-01-01" }),
    );
    expect(range).toMatchObject({ code: "INVALID_RANGE", status: 400 });
  });

  it("maps an upstream fault to UPSTREAM_* (502) and stores nothing of it", async () => {
    system.replay.injectFault({ kind: "http500", path: KLINES });
    const error = await apiError(
      client.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01", end: "2025-01-31" }),
    );
    expect(error.status).toBe(502);
    expect(error.code).toMatch(/^UPSTREAM_/);
    expect(error.retryable).toBe(true);
  });

  it("lists an exchange's pairs, ranked by 24 h quote volume, filtered by quote currency", async () => {
    const usdt = await client.getCryptoMarkets("binance", { quote: "usdt" });
    expect(usdt).toMatchObject({ exchange: "binance", quote: "USDT" });
    expect(usdt.count).toBe(usdt.markets.length);
    expect(usdt.markets.every((m) => m.quote === "USDT")).toBe(true);
    expect(usdt.markets.slice(0, 2).map((m) => m.symbol)).toEqual(["BTC/USDT", "ETH/USDT"]);
    expect(usdt.markets[0]).toMatchObject({ base: "BTC", exchange_symbol: "BTCUSDT", active: true });
    const volumes = usdt.markets.map((m) => m.quote_volume_24h).filter((v): v is number => v !== null);
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
    expect(Number.isNaN(Date.parse(usdt.as_of))).toBe(false);

    const all = await client.getCryptoMarkets("binance");
    expect(all.quote).toBeNull();
    expect(all.count).toBeGreaterThanOrEqual(usdt.count);
    const raw = await api.get("/api/v1/crypto/markets?exchange=binance&quote=USDT");
    expect(raw.body).toEqual(usdt);
    expect(await apiError(client.getCryptoMarkets("bitfinex"))).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
  });

  it("gets indicators of a stock and of a pair, as the API serves them", async () => {
    const stock = await client.getIndicators("600519", {
      indicators: "ma:5,rsi",
      start: "2024-03-01",
      end: "2024-03-29",
    });
    expect(stock).toMatchObject({ symbol: "600519", adjust: "qfq", indicators: ["ma5", "rsi6"] });
    expect(stock.metadata.warmup_sessions).toBe(250);
    const raw = await api.get(
      "/api/v1/indicators/600519?indicators=ma:5,rsi&start_date=2024-03-01&end_date=2024-03-29",
    );
    expect(raw.body.data).toEqual(stock.data); // metadata.cache differs: the second answer is a hit
    const pair = await client.getIndicators("binance:BTC-USDT", {
      indicators: "obv",
      start: "2026-01-01",
      end: "2026-01-10",
    });
    expect(pair.data).toHaveLength(10);
    expect(pair.data[0]?.obv).toBe(0);
    expect(await apiError(client.getIndicators("600519", { indicators: "nope" }))).toMatchObject({
      code: "VALIDATION_ERROR",
      status: 400,
    });
  });

  it("screens a universe as the API does, typed", async () => {
    const request = {
      universe: { symbols: ["600519", "300750", "688981"] },
      as_of: "2024-05-22",
      rank_by: [{ field: "pct_change_20", order: "desc" as const }],
    };
    const answer = await client.screen(request);
    expect(new URL(requests.at(-1)!.url).pathname).toBe("/api/v1/screen");
    expect(answer.metadata).toMatchObject({ universe_size: 3, evaluated: 3, matched: 3 });
    expect(answer.results.map((r) => r.score)).toEqual([1, 0.5, 0]);
    const raw = await api.get("/api/v1/screen", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    expect(raw.body.results).toEqual(answer.results);
    expect(await apiError(client.screen({ universe: "000300", rank_by: [{ field: "price" }] }))).toMatchObject({
      code: "VALIDATION_ERROR",
      status: 400,
    });
  });

  it("gets a ticker, and many in one request with per-symbol errors", async () => {
    const btc = await client.getCryptoQuote("binance:BTC/USDT");
    expect(new URL(requests[0]!.url).pathname).toBe("/api/v1/realtime/crypto/binance/BTC-USDT");
    expect(btc).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO" });
    expect(btc.price).toBeGreaterThan(0);
    expect(btc.cache).toMatchObject({ hit: false, upstream_requests: 1 });
    // the last recorded day's close is the replay's last price
    const lastDay = await client.getCryptoHistory("binance:BTC/USDT", { start: "2026-07-26", end: "2026-07-26" });
    expect(btc.price).toBe(lastDay.data[0]!.close);
    const eth = await client.getCryptoQuote({ exchange: "binance", pair: "ETH-USDT" });
    expect(eth).toMatchObject({ symbol: "ETH/USDT", cache: { hit: true, upstream_requests: 0 } });

    const batch = await client.getCryptoQuotes([
      "binance:BTC/USDT",
      { exchange: "binance", pair: "ETH/USDT" },
      "binance:NOPE/USDT",
      "bad",
    ]);
    expect(batch.data.map((d) => d.symbol)).toEqual([
      "binance:BTC/USDT",
      "binance:ETH/USDT",
      "binance:NOPE/USDT",
      "bad",
    ]);
    expect(batch.data[0]?.quote?.price).toBe(btc.price);
    expect(batch.data[1]?.quote?.symbol).toBe("ETH/USDT");
    expect(batch.data[2]).toMatchObject({ quote: null, error: { code: "INVALID_SYMBOL" } });
    expect(batch.data[3]).toMatchObject({ quote: null, error: { code: "INVALID_SYMBOL" } });
    expect(batch.metadata).toMatchObject({ count: 4, ok: 2, failed: 2 });
    expect(await apiError(client.getCryptoQuotes([]))).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
  });

  it("reads the CRYPTO calendar: every UTC day a session", async () => {
    const calendar = await client.getCalendar("CRYPTO", { start: "2024-02-27", end: "2024-03-02" });
    expect(calendar).toMatchObject({ market: "CRYPTO", timezone: "UTC" });
    expect(calendar.sessions.map((s) => s.date)).toEqual([
      "2024-02-27",
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
      "2024-03-02",
    ]);
    expect(calendar.sessions[0]).toMatchObject({ open: "00:00", close: "24:00" });
    expect(await client.getCalendarDate("CRYPTO", "2025-12-25")).toMatchObject({ is_session: true });
  });

  it("knows the crypto market and its symbol form without asking the server", () => {
    expect(CRYPTO_MARKET).toMatchObject({ id: "CRYPTO", timeZone: "UTC", timeframes: ["1d", "1h"] });
    expect(CRYPTO_MARKET.exchanges).toEqual(["binance", "okx", "bybit", "coinbase", "kraken"]);
    expect(isCryptoSymbol(CRYPTO_MARKET.symbolExamples.sdk)).toBe(true);
    expect(isCryptoSymbol("0700.HK")).toBe(false);
  });
});
