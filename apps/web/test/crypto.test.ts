import { QuantDbApiError } from "@quantdb/sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { returnsCorrelation, rebasedRows } from "../src/lib/compare.ts";
import {
  barLabel,
  cryptoHref,
  cryptoPresetStart,
  cryptoSymbol,
  cryptoViewQuery,
  type ExchangeMarkets,
  isCryptoSymbol,
  looksLikePairOnly,
  matchPairs,
  normalizeSymbol,
  pairFromPath,
  parseCryptoSymbol,
  parseCryptoView,
  parsePairQuery,
  presetsOf,
  priceDigits,
  tickerDigits,
  withTimeframe,
} from "../src/lib/crypto.ts";
import { browserClient } from "../src/lib/browser-client.ts";
import { periodsPerYear } from "../src/lib/figures.ts";

describe("crypto symbols", () => {
  it("reads exchange:BASE/QUOTE in any case, with - for /", () => {
    expect(parseCryptoSymbol("binance:BTC/USDT")).toEqual({ exchange: "binance", base: "BTC", quote: "USDT" });
    expect(parseCryptoSymbol(" Binance:btc-usdt ")).toEqual({ exchange: "binance", base: "BTC", quote: "USDT" });
    expect(parseCryptoSymbol("okx:1INCH/USDT")).toEqual({ exchange: "okx", base: "1INCH", quote: "USDT" });
  });

  it("is not fooled by stock codes and other text", () => {
    for (const text of ["600519", "00700", "BTC/USDT", "binance:BTC", "binance:BTC/USDT/X", "中芯", ""])
      expect(isCryptoSymbol(text), text).toBe(false);
  });

  it("writes the SDK form, the canonical spelling and the page URL", () => {
    const pair = { exchange: "binance", base: "BTC", quote: "USDT" };
    expect(cryptoSymbol(pair)).toBe("binance:BTC/USDT");
    expect(normalizeSymbol("BINANCE:btc-usdt")).toBe("binance:BTC/USDT");
    expect(normalizeSymbol(" 600519 ")).toBe("600519");
    expect(cryptoHref(pair)).toBe("/crypto/binance/BTC-USDT");
    expect(cryptoHref(pair, "start=2026-01-01")).toBe("/crypto/binance/BTC-USDT?start=2026-01-01");
    expect(pairFromPath("binance", "BTC-USDT")).toEqual(pair);
    expect(pairFromPath("binance", "BTCUSDT")).toBeNull();
  });
});

describe("pair page view", () => {
  const now = new Date("2026-07-26T23:30:00Z"); // already the 27th in Shanghai: the crypto day is UTC

  it("defaults to a year of daily bars, or a week of hourly bars, ending today (UTC)", () => {
    expect(parseCryptoView({}, now)).toEqual({ start: "2025-07-26", end: "2026-07-26", timeframe: "1d" });
    expect(parseCryptoView({ timeframe: "1h" }, now)).toEqual({
      start: "2026-07-19",
      end: "2026-07-26",
      timeframe: "1h",
    });
    expect(parseCryptoView({ start: "2026-01-01", end: "2026-02-01", timeframe: "1h" }, now)).toEqual({
      start: "2026-01-01",
      end: "2026-02-01",
      timeframe: "1h",
    });
  });

  it("passes odd values through for the API to judge", () => {
    expect(parseCryptoView({ timeframe: "5m", end: "someday" }, now).timeframe).toBe("5m");
    expect(parseCryptoView({ timeframe: "5m", end: "someday" }, now).end).toBe("someday");
  });

  it("writes the view as the URL query", () => {
    expect(cryptoViewQuery({ start: "2026-01-01", end: "2026-02-01", timeframe: "1h" })).toBe(
      "start=2026-01-01&end=2026-02-01&timeframe=1h",
    );
  });

  it("offers short presets for hourly bars, the usual ones for daily bars", () => {
    expect(presetsOf("1d")).toEqual(["1M", "3M", "6M", "YTD", "1Y", "5Y"]);
    expect(presetsOf("1h")).toEqual(["1D", "1W", "1M", "3M"]);
    expect(cryptoPresetStart("1D", "2026-03-01")).toBe("2026-02-28");
    expect(cryptoPresetStart("1W", "2026-03-01")).toBe("2026-02-22");
    expect(cryptoPresetStart("1M", "2026-03-31")).toBe("2026-02-28");
    expect(cryptoPresetStart("YTD", "2026-03-31")).toBe("2026-01-01");
  });

  it("keeps the range when switching timeframe, except a long one going hourly becomes its last month", () => {
    const year = { start: "2025-07-26", end: "2026-07-26", timeframe: "1d" };
    expect(withTimeframe(year, "1h")).toEqual({ start: "2026-06-26", end: "2026-07-26", timeframe: "1h" });
    const month = { start: "2026-05-01", end: "2026-07-26", timeframe: "1d" };
    expect(withTimeframe(month, "1h")).toEqual({ ...month, timeframe: "1h" });
    expect(withTimeframe({ ...year, timeframe: "1h" }, "1d")).toEqual(year);
  });

  it("labels daily bars by UTC day and hourly bars by day and UTC open time", () => {
    const bar = { date: "2026-07-20", time: "2026-07-20T13:00:00Z" };
    expect(barLabel(bar, "1d")).toBe("2026-07-20");
    expect(barLabel(bar, "1h")).toBe("2026-07-20 13:00");
  });

  it("annualises daily crypto bars over 365 days and hourly over 8760 hours", () => {
    expect(periodsPerYear("1d")).toBe(365);
    expect(periodsPerYear("1h")).toBe(8760);
    expect(periodsPerYear("daily")).toBe(242);
  });

  it("shows prices with the decimals they were sent with (2 to 8)", () => {
    expect(priceDigits([64722.55, 65255.5, 66000])).toBe(2);
    expect(priceDigits([0.12345, 0.1])).toBe(5);
    expect(priceDigits([0.00001234])).toBe(8);
    expect(priceDigits([1.2e-7])).toBe(8);
    expect(tickerDigits(64688.9)).toBe(2);
    expect(tickerDigits(0.5)).toBe(4);
    expect(tickerDigits(0.0123)).toBe(5);
    expect(tickerDigits(0.00001234)).toBe(8);
    expect(tickerDigits(null)).toBe(2);
  });
});

describe("pair search", () => {
  const market = (symbol: string, quote_volume_24h: number | null, active = true) => {
    const [base, quote] = symbol.split("/") as [string, string];
    return { symbol, base, quote, active, quote_volume_24h };
  };
  const lists: ExchangeMarkets[] = [
    {
      exchange: "binance",
      markets: [
        market("ETH/USDT", 1.6e8),
        market("BTC/USDT", 3.2e8),
        market("BTC/BUSD", null),
        market("BTC/USDC", 5e7),
        market("WBTC/BTC", 1e5),
        market("BTCST/USDT", 1e3),
        market("BCC/BTC", null, false),
        market("BTC/EUR", 1e6, false),
      ],
    },
    { exchange: "okx", markets: [market("BTC/USDT", 2e8), market("ETH/USDT", 1e8)] },
  ];
  const symbols = (text: string, limit?: number) =>
    matchPairs(lists, parsePairQuery(text)!, limit).map((h) => `${h.exchange}:${h.symbol}`);

  it("reads what a text may name: exchange, base, quote", () => {
    expect(parsePairQuery("btc")).toEqual({ exchange: null, base: "BTC", quote: null });
    expect(parsePairQuery("BTC/US")).toEqual({ exchange: null, base: "BTC", quote: "US" });
    expect(parsePairQuery("btc-")).toEqual({ exchange: null, base: "BTC", quote: "" });
    expect(parsePairQuery("binance:BTC/USDT")).toEqual({ exchange: "binance", base: "BTC", quote: "USDT" });
    expect(parsePairQuery("okx:eth")).toEqual({ exchange: "okx", base: "ETH", quote: null });
    for (const text of ["600519", "00700", "中芯", "", "a b", "x".repeat(51)])
      expect(parsePairQuery(text), text).toBeNull();
    expect(looksLikePairOnly("BTC/USDT")).toBe(true);
    expect(looksLikePairOnly("binance:btc")).toBe(true);
    expect(looksLikePairOnly("btc")).toBe(false); // might be a stock name too
  });

  it("ranks the typed base by 24 h quote volume, then longer bases, then bases containing it; inactive last", () => {
    expect(symbols("btc", 20)).toEqual([
      "binance:BTC/USDT",
      "okx:BTC/USDT",
      "binance:BTC/USDC",
      "binance:BTC/BUSD",
      "binance:BTC/EUR", // inactive
      "binance:BTCST/USDT",
      "binance:WBTC/BTC",
    ]);
  });

  it("puts the exact pair first, then the base with quotes starting as typed", () => {
    expect(symbols("BTC/USDT")).toEqual(["binance:BTC/USDT", "okx:BTC/USDT"]);
    expect(symbols("btc/usd")).toEqual(["binance:BTC/USDT", "okx:BTC/USDT", "binance:BTC/USDC"]);
    expect(symbols("BTCUSDT")).toEqual(["binance:BTC/USDT", "okx:BTC/USDT"]);
  });

  it("keeps to the exchange typed, and to the limit", () => {
    expect(symbols("okx:btc")).toEqual(["okx:BTC/USDT"]);
    expect(symbols("binance:BTC/USDT")).toEqual(["binance:BTC/USDT"]);
    expect(symbols("kraken:btc")).toEqual([]);
    expect(symbols("btc", 2)).toEqual(["binance:BTC/USDT", "okx:BTC/USDT"]);
  });
});

describe("compare closes", () => {
  const series = (closes: Record<string, number>) => ({
    bars: Object.entries(closes).map(([date, close]) => ({ date, close })),
  });

  it("correlates returns between the dates both series have, so a daily pair meets a stock's sessions", () => {
    // Fri 2026-07-24, Sat, Sun, Mon 2026-07-27: the pair's Monday return runs from Friday, like the stock's
    const pair = series({
      "2026-07-24": 100,
      "2026-07-25": 50,
      "2026-07-26": 200,
      "2026-07-27": 110,
      "2026-07-28": 121,
    });
    const stock = series({ "2026-07-24": 10, "2026-07-27": 11, "2026-07-28": 12.1 });
    expect(returnsCorrelation(pair, stock)).toBeNull(); // both +10 % twice: constant returns
    const stock2 = series({ "2026-07-24": 10, "2026-07-27": 11, "2026-07-28": 11, "2026-07-29": 12 });
    const pair2 = series({ "2026-07-24": 100, "2026-07-26": 1, "2026-07-27": 110, "2026-07-28": 110 });
    // common dates 24, 27, 28: returns (+10 %, 0) and (+10 %, 0): perfectly correlated; the 26th is skipped
    expect(returnsCorrelation(pair2, stock2)).toBeCloseTo(1, 12);
    expect(returnsCorrelation(stock2, stock2)).toBeCloseTo(1, 12);
  });

  it("rebases each series to 100 on its first bar, one row per date of any series", () => {
    const rows = rebasedRows([
      { key: "binance:BTC/USDT", ...series({ "2026-07-25": 50, "2026-07-27": 75 }) },
      { key: "600519", ...series({ "2026-07-27": 10, "2026-07-28": 12 }) },
    ]);
    expect(rows).toEqual([
      { date: "2026-07-25", "binance:BTC/USDT": 100 },
      { date: "2026-07-27", "binance:BTC/USDT": 150, "600519": 100 },
      { date: "2026-07-28", "600519": 120 },
    ]);
  });
});

describe("crypto API calls of the browser client", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /** browserClient() on http://web.test with a key in this tab, answering every request with `answer`. */
  function recorder(answer: { status: number; body: unknown }) {
    const requests: Request[] = [];
    vi.stubGlobal("location", { origin: "http://web.test" });
    vi.stubGlobal("sessionStorage", { getItem: (key: string) => (key === "quantdb.apiKey" ? "qdb_key" : null) });
    vi.stubGlobal("fetch", async (request: Request) => {
      requests.push(request);
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { "content-type": "application/json" },
      });
    });
    return { client: browserClient(), requests };
  }

  it("asks for history, markets and tickers through the /qdb proxy, with the tab's key", async () => {
    const { client, requests } = recorder({ status: 200, body: { ok: true } });
    await client.getCryptoHistory(
      { exchange: "binance", pair: "BTC-USDT" },
      { start: "2026-07-01", end: "2026-07-26", timeframe: "1h" },
    );
    await client.getCryptoMarkets("binance");
    await client.getCryptoQuotes(["binance:BTC/USDT", "binance:ETH/USDT"]);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET http://web.test/qdb/api/v1/historical/crypto/binance/BTC-USDT" +
        "?start_date=2026-07-01&end_date=2026-07-26&timeframe=1h",
      "GET http://web.test/qdb/api/v1/crypto/markets?exchange=binance",
      "POST http://web.test/qdb/api/v1/realtime/crypto/batch",
    ]);
    expect(requests.every((r) => r.headers.get("authorization") === "Bearer qdb_key")).toBe(true);
    expect(await requests[2]!.json()).toEqual({ symbols: ["binance:BTC/USDT", "binance:ETH/USDT"] });
  });

  it("fails with the API's envelope as a QuantDbApiError, details included, without retrying", async () => {
    const envelope = {
      error: {
        code: "INVALID_SYMBOL",
        message: "binance lists no spot pair BTC/USDX; closest: BTC/USDT, BTC/BUSD",
        status: 400,
        details: { exchange: "binance", pair: "BTC/USDX", closest: ["BTC/USDT", "BTC/BUSD"] },
      },
    };
    const { client, requests } = recorder({ status: 400, body: envelope });
    const error = await client.getCryptoHistory({ exchange: "binance", pair: "BTC-USDX" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuantDbApiError);
    expect(error).toMatchObject({ code: "INVALID_SYMBOL", status: 400, message: envelope.error.message });
    expect((error as QuantDbApiError).details).toEqual(envelope.error.details);
    const bad = recorder({ status: 502, body: "<html>bad gateway</html>" });
    await expect(bad.client.getCryptoMarkets("binance")).rejects.toMatchObject({ code: "HTTP_ERROR", status: 502 });
    expect(requests.length + bad.requests.length).toBe(2);
  });
});
