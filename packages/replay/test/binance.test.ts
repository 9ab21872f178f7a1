import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { binance as Binance } from "ccxt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startReplay } from "../src/index.ts";
import type { ReplayServer } from "../src/index.ts";
import { answeredAfter } from "./fake-delay.ts";

// Expected values come straight from the fixture files (never from the shared data folder).
const FIXTURES = "../fixtures/crypto/binance/";
const BTC_1D = "klines_1d/BTCUSDT_1d_2024-07-27_2026-07-26.csv.gz";
const ETH_1D = "klines_1d/ETHUSDT_1d_2024-07-27_2026-07-26.csv.gz";
const BTC_1H = "klines_1h/BTCUSDT_1h_2026-01-27_2026-07-26.csv.gz";
const INFO = "exchange_info/exchangeInfo_spot_2021-04-29.trimmed.json";

type Kline = [number, string, string, string, string, string, number, string, number, string, string, string];

/** The fixture's bars as Binance rows: CSV columns 0, 2–11 (column 1 is the readable datetime), then "0". */
function fixtureRows(file: string): Kline[] {
  const text = gunzipSync(readFileSync(new URL(FIXTURES + file, import.meta.url))).toString("utf8");
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line !== "")
    .map((line) => {
      const c = line.split(",");
      return [Number(c[0]), c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, Number(c[7]), c[8]!, Number(c[9]), c[10]!, c[11]!, "0"];
    });
}
const btc1d = fixtureRows(BTC_1D);
const eth1d = fixtureRows(ETH_1D);
const btc1h = fixtureRows(BTC_1H);
const info = JSON.parse(readFileSync(new URL(FIXTURES + INFO, import.meta.url), "utf8")) as {
  symbols: Array<Record<string, unknown>>;
} & Record<string, unknown>;

const DAY = 86_400_000;
const KLINES = "/api/v3/klines";
const TICKER = "/api/v3/ticker/24hr";
const EASTMONEY_KLINE = "/api/qt/stock/kline/get";
const EASTMONEY_PARAMS = "secid=1.600519&fqt=1&klt=101&beg=20240501&end=20240522";

let replay: ReplayServer;

async function get(path: string, params: Record<string, string | number> = {}): Promise<Response> {
  const query = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  return fetch(`${replay.url}${path}${query ? `?${query}` : ""}`);
}
async function json<T>(path: string, params: Record<string, string | number> = {}): Promise<T> {
  const res = await get(path, params);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return (await res.json()) as T;
}
async function klines(params: Record<string, string | number>): Promise<Kline[]> {
  return json<Kline[]>(KLINES, { symbol: "BTCUSDT", interval: "1d", ...params });
}
async function binanceError(path: string, params: Record<string, string | number>): Promise<unknown> {
  const res = await get(path, params);
  expect(res.status).toBe(400);
  return res.json();
}

beforeAll(async () => {
  replay = await startReplay();
});
afterAll(async () => {
  await replay.close();
});
beforeEach(() => {
  replay.reset();
});

describe("fixtures", () => {
  it("hold the recorded ranges and Binance's bar grid", () => {
    expect(btc1d).toHaveLength(730);
    expect(eth1d).toHaveLength(730);
    expect(btc1h).toHaveLength(4320);
    expect(new Date(btc1d[0]![0]).toISOString()).toBe("2024-07-27T00:00:00.000Z");
    expect(new Date(btc1d.at(-1)![0]).toISOString()).toBe("2026-07-26T00:00:00.000Z");
    expect(new Date(btc1h[0]![0]).toISOString()).toBe("2026-01-27T18:00:00.000Z");
    expect(new Date(btc1h.at(-1)![0]).toISOString()).toBe("2026-07-26T17:00:00.000Z");
    for (const row of btc1d) expect(row[6]).toBe(row[0] + DAY - 1);
  });

  it("24 recorded hour bars of a complete day aggregate to its recorded day bar", () => {
    const day = Date.UTC(2026, 5, 1);
    const hours = btc1h.filter((r) => r[0] >= day && r[0] < day + DAY);
    const bar = btc1d.find((r) => r[0] === day)!;
    expect(hours).toHaveLength(24);
    expect(hours[0]![1]).toBe(bar[1]);
    expect(hours.at(-1)![4]).toBe(bar[4]);
    expect(Math.max(...hours.map((h) => Number(h[2])))).toBe(Number(bar[2]));
    expect(Math.min(...hours.map((h) => Number(h[3])))).toBe(Number(bar[3]));
    expect(hours.reduce((n, h) => n + h[8], 0)).toBe(bar[8]);
    // volumes have 8 decimals: sum them as integers of 1e-8
    const scaled = (s: string) => BigInt(s.replace(".", ""));
    expect(hours.reduce((n, h) => n + scaled(h[5]), 0n)).toBe(scaled(bar[5]));
  });
});

describe("GET /api/v3/klines", () => {
  it("re-emits the recorded strings as Binance's 12-element rows", async () => {
    const [first] = await klines({ startTime: btc1d[0]![0], limit: 1 });
    // the first row of BTCUSDT_1d, as recorded
    expect(first).toEqual([
      1722038400000,
      "67908.00000000",
      "69399.99000000",
      "66650.00000000",
      "67896.50000000",
      "31710.21921000",
      1722124799999,
      "2162335067.02341760",
      1690591,
      "15838.92820000",
      "1080427116.19164440",
      "0",
    ]);
    const text = await (await get(KLINES, { symbol: "ETHUSDT", interval: "1d", limit: 3 })).text();
    expect(text).toBe(JSON.stringify(eth1d.slice(-3)));
  });

  it("without startTime/endTime: the last 500 bars (limit's default)", async () => {
    expect(await klines({})).toEqual(btc1d.slice(-500));
    expect(await klines({ limit: 3 })).toEqual(btc1d.slice(-3));
  });

  it("with startTime: the first `limit` bars opening at or after it", async () => {
    const start = btc1d[100]![0];
    expect(await klines({ startTime: start, limit: 5 })).toEqual(btc1d.slice(100, 105));
    // a start between two open times begins with the next bar
    expect(await klines({ startTime: start + 1, limit: 2 })).toEqual(btc1d.slice(101, 103));
    expect(await klines({ startTime: start })).toEqual(btc1d.slice(100, 600));
    expect(await klines({ startTime: btc1d.at(-1)![0] + 1 })).toEqual([]);
  });

  it("with endTime only: the last `limit` bars opening at or before it (inclusive)", async () => {
    const end = btc1d[300]![0];
    expect(await klines({ endTime: end, limit: 4 })).toEqual(btc1d.slice(297, 301));
    expect(await klines({ endTime: end - 1, limit: 4 })).toEqual(btc1d.slice(296, 300));
    expect(await klines({ endTime: end })).toEqual(btc1d.slice(0, 301).slice(-500));
    expect(await klines({ endTime: btc1d[0]![0] - 1 })).toEqual([]);
  });

  it("with startTime and endTime: inclusive on open time, the first `limit` bars of the range", async () => {
    const [start, end] = [btc1d[10]![0], btc1d[20]![0]];
    expect(await klines({ startTime: start, endTime: end })).toEqual(btc1d.slice(10, 21));
    expect(await klines({ startTime: start, endTime: end, limit: 3 })).toEqual(btc1d.slice(10, 13));
    expect(await klines({ startTime: end, endTime: start })).toEqual([]);
  });

  it("caps limit at 1000 and serves hour bars", async () => {
    const rows = await klines({ interval: "1h", startTime: btc1h[0]![0], limit: 5000 });
    expect(rows).toHaveLength(1000);
    expect(rows).toEqual(btc1h.slice(0, 1000));
    const next = await klines({ interval: "1h", startTime: rows.at(-1)![0] + 1, limit: 1000 });
    expect(next).toEqual(btc1h.slice(1000, 2000));
    expect(await klines({ interval: "1h", limit: 1000 })).toEqual(btc1h.slice(-1000));
  });

  it("answers Binance's error JSON with HTTP 400 for bad requests", async () => {
    const invalidSymbol = { code: -1121, msg: "Invalid symbol." };
    expect(await binanceError(KLINES, { symbol: "NOPEUSDT", interval: "1d" })).toEqual(invalidSymbol);
    // listed in exchangeInfo, but no bars recorded
    expect(await binanceError(KLINES, { symbol: "BNBUSDT", interval: "1d" })).toEqual(invalidSymbol);
    expect(await binanceError(KLINES, { symbol: "BTCUSDT", interval: "4h" })).toEqual({
      code: -1120,
      msg: "Invalid interval.",
    });
    expect(await binanceError(KLINES, { symbol: "ETHUSDT", interval: "1h" })).toMatchObject({ code: -1120 });
    expect(await binanceError(KLINES, { interval: "1d" })).toEqual({
      code: -1102,
      msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
    });
    expect(await binanceError(KLINES, { symbol: "BTCUSDT" })).toMatchObject({ code: -1102 });
    expect(await binanceError(KLINES, { symbol: "BTCUSDT", interval: "1d", limit: 0 })).toMatchObject({
      code: -1130,
    });
    expect(await binanceError(KLINES, { symbol: "BTCUSDT", interval: "1d", startTime: "yesterday" })).toMatchObject({
      code: -1100,
    });
  });
});

describe("GET /api/v3/exchangeInfo", () => {
  it("serves the trimmed 2021-04-29 recording, compact", async () => {
    const res = await get("/api/v3/exchangeInfo");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe(JSON.stringify(info));
    const body = JSON.parse(text) as typeof info;
    expect(Object.keys(body)).toEqual(["timezone", "serverTime", "rateLimits", "exchangeFilters", "symbols"]);
    const ids = body.symbols.map((s) => s.symbol);
    for (const id of ["BTCUSDT", "ETHUSDT", "BNBUSDT", "ETHBTC", "BTCBUSD"]) expect(ids).toContain(id);
    expect(new Set(body.symbols.map((s) => s.quoteAsset))).toEqual(new Set(["USDT", "BTC", "BUSD", "ETH"]));
    expect(body.symbols.find((s) => s.symbol === "BCCBTC")?.status).toBe("BREAK");
  });

  it("selects entries with symbol / symbols; an unlisted one is -1121", async () => {
    const one = await json<typeof info>("/api/v3/exchangeInfo", { symbol: "ETHBTC" });
    expect(one.symbols).toEqual([info.symbols.find((s) => s.symbol === "ETHBTC")]);
    const two = await json<typeof info>("/api/v3/exchangeInfo", { symbols: '["BTCBUSD","BTCUSDT"]' });
    expect(two.symbols.map((s) => s.symbol)).toEqual(["BTCBUSD", "BTCUSDT"]);
    expect(await binanceError("/api/v3/exchangeInfo", { symbol: "SHIBUSDT" })).toMatchObject({ code: -1121 });
  });
});

describe("moving tickers: recorded day bars replayed in a loop", () => {
  it("steps each pair's 24 h ticker and price through its last 60 day bars, oldest first, and wraps", async () => {
    replay.setMovingQuotes(true);
    const btc = btc1d.slice(-61);
    const eth = eth1d.slice(-61);
    for (let n = 0; n < 62; n++) {
      const i = (n % 60) + 1;
      const t = await json<Record<string, unknown>>(TICKER, { symbol: "BTCUSDT" });
      expect([n, t.lastPrice, t.prevClosePrice, t.openPrice, t.closeTime]).toEqual([
        n,
        btc[i]![4],
        btc[i - 1]![4],
        btc[i]![1],
        btc[i]![6],
      ]);
    }
    // a cursor per symbol, shared by ticker/24hr and ticker/price
    expect(await json("/api/v3/ticker/price", { symbol: "ETHUSDT" })).toEqual({ symbol: "ETHUSDT", price: eth[1]![4] });
    expect(await json<Array<{ lastPrice: string }>>(TICKER)).toMatchObject([
      { symbol: "BTCUSDT", lastPrice: btc[3]![4] },
      { symbol: "ETHUSDT", lastPrice: eth[2]![4] },
    ]);
    replay.reset();
    const last = btc1d.at(-1)![4];
    expect((await json<Record<string, unknown>>(TICKER, { symbol: "BTCUSDT" })).lastPrice).toBe(last);
    expect((await json<Record<string, unknown>>(TICKER, { symbol: "BTCUSDT" })).lastPrice).toBe(last);
  });
});

describe("tickers (derived from the last served day bar)", () => {
  const TICKER_KEYS = [
    "symbol",
    "priceChange",
    "priceChangePercent",
    "weightedAvgPrice",
    "prevClosePrice",
    "lastPrice",
    "lastQty",
    "bidPrice",
    "bidQty",
    "askPrice",
    "askQty",
    "openPrice",
    "highPrice",
    "lowPrice",
    "volume",
    "quoteVolume",
    "openTime",
    "closeTime",
    "firstId",
    "lastId",
    "count",
  ];
  function expected(symbol: string, rows: Kline[]): Record<string, unknown> {
    const [previous, last] = [rows.at(-2)!, rows.at(-1)!];
    const change = Number(last[4]) - Number(last[1]);
    return {
      symbol,
      priceChange: change.toFixed(8),
      priceChangePercent: ((change / Number(last[1])) * 100).toFixed(3),
      weightedAvgPrice: (Number(last[7]) / Number(last[5])).toFixed(8),
      prevClosePrice: previous[4],
      lastPrice: last[4],
      lastQty: "0.00000000",
      bidPrice: last[4],
      bidQty: "0.00000000",
      askPrice: last[4],
      askQty: "0.00000000",
      openPrice: last[1],
      highPrice: last[2],
      lowPrice: last[3],
      volume: last[5],
      quoteVolume: last[7],
      openTime: last[0],
      closeTime: last[6],
      firstId: -1,
      lastId: -1,
      count: last[8],
    };
  }

  it("ticker/24hr?symbol=: Binance's object, from the recorded 2026-07-26 bar", async () => {
    const t = await json<Record<string, unknown>>(TICKER, { symbol: "BTCUSDT" });
    expect(Object.keys(t)).toEqual(TICKER_KEYS);
    expect(t).toEqual(expected("BTCUSDT", btc1d));
    expect(t.lastPrice).toBe("64688.90000000");
    expect(t.priceChange).toBe("313.89000000");
  });

  it("ticker/24hr with symbols=[…] or nothing: an array; unknown symbols are -1121", async () => {
    const both = [expected("BTCUSDT", btc1d), expected("ETHUSDT", eth1d)];
    expect(await json(TICKER, { symbols: JSON.stringify(["BTCUSDT", "ETHUSDT"]) })).toEqual(both);
    expect(await json(TICKER, { symbols: '["ETHUSDT"]' })).toEqual([both[1]]);
    expect(await json(TICKER)).toEqual(both);
    expect(await binanceError(TICKER, { symbols: '["BTCUSDT","BNBUSDT"]' })).toMatchObject({ code: -1121 });
    expect(await binanceError(TICKER, { symbol: "BNBUSDT" })).toMatchObject({ code: -1121 });
    expect(await binanceError(TICKER, { symbols: "BTCUSDT" })).toMatchObject({ code: -1100 });
  });

  it("type=MINI keeps Binance's mini fields", async () => {
    const t = await json<Record<string, unknown>>(TICKER, { symbol: "ETHUSDT", type: "MINI" });
    expect(Object.keys(t)).toEqual([
      "symbol",
      "openPrice",
      "highPrice",
      "lowPrice",
      "lastPrice",
      "volume",
      "quoteVolume",
      "openTime",
      "closeTime",
      "firstId",
      "lastId",
      "count",
    ]);
    expect(t.lastPrice).toBe(eth1d.at(-1)![4]);
  });

  it("ticker/price and time", async () => {
    expect(await json("/api/v3/ticker/price", { symbol: "ETHUSDT" })).toEqual({
      symbol: "ETHUSDT",
      price: eth1d.at(-1)![4],
    });
    expect(await json("/api/v3/ticker/price")).toEqual([
      { symbol: "BTCUSDT", price: btc1d.at(-1)![4] },
      { symbol: "ETHUSDT", price: eth1d.at(-1)![4] },
    ]);
    const before = Date.now();
    const { serverTime } = await json<{ serverTime: number }>("/api/v3/time");
    expect(serverTime).toBeGreaterThanOrEqual(before);
    expect(serverTime).toBeLessThanOrEqual(Date.now());
  });
});

describe("request log", () => {
  it("logs Binance requests with path, query and symbol", async () => {
    await klines({ limit: 2 });
    await klines({ symbol: "ETHUSDT", limit: 2 });
    await json(TICKER, { symbols: '["BTCUSDT"]' });
    await json("/api/v3/exchangeInfo");
    expect(replay.requestCount()).toBe(4);
    expect(replay.requestCount({ path: KLINES })).toBe(2);
    expect(replay.requestCount({ path: KLINES, symbol: "ETHUSDT" })).toBe(1);
    const [first, , ticker] = replay.requests;
    expect(first).toMatchObject({
      path: KLINES,
      symbol: "BTCUSDT",
      query: { symbol: "BTCUSDT", interval: "1d", limit: "2" },
      inFlight: 0,
    });
    expect(ticker).toMatchObject({ path: TICKER, query: { symbols: '["BTCUSDT"]' } });
    const res = await fetch(`${replay.url}/__replay/requests?path=${encodeURIComponent(KLINES)}&symbol=BTCUSDT`);
    expect(((await res.json()) as { count: number }).count).toBe(1);
  });
});

describe("faults on Binance paths", () => {
  it("a fault with path applies to that path only, `times` requests", async () => {
    replay.injectFault({ kind: "http500", path: KLINES, times: 1 });
    expect((await get(TICKER, { symbol: "BTCUSDT" })).status).toBe(200);
    const eastmoney = await fetch(`${replay.url}${EASTMONEY_KLINE}?${EASTMONEY_PARAMS}`);
    expect(eastmoney.status).toBe(200);
    await eastmoney.text();
    const failed = await get(KLINES, { symbol: "BTCUSDT", interval: "1d" });
    expect(failed.status).toBe(500);
    await failed.text();
    expect(await klines({ limit: 1 })).toEqual(btc1d.slice(-1));
  });

  it("a fault without path keeps to the Eastmoney endpoints", async () => {
    replay.injectFault({ kind: "http500" });
    expect(await klines({ limit: 1 })).toEqual(btc1d.slice(-1));
    const eastmoney = await fetch(`${replay.url}${EASTMONEY_KLINE}?${EASTMONEY_PARAMS}`);
    expect(eastmoney.status).toBe(500);
    await eastmoney.text();
  });

  it("a path fault can target an Eastmoney path, and secid matches the Binance symbol", async () => {
    replay.injectFault({ kind: "http500", path: EASTMONEY_KLINE, times: 1 });
    replay.injectFault({ kind: "http500", path: KLINES, secid: "ETHUSDT", times: 1 });
    expect(await klines({ limit: 1 })).toEqual(btc1d.slice(-1));
    const eth = await get(KLINES, { symbol: "ETHUSDT", interval: "1d" });
    expect(eth.status).toBe(500);
    await eth.text();
    const eastmoney = await fetch(`${replay.url}${EASTMONEY_KLINE}?${EASTMONEY_PARAMS}`);
    expect(eastmoney.status).toBe(500);
    await eastmoney.text();
  });

  it("reset destroys the socket", async () => {
    replay.injectFault({ kind: "reset", path: KLINES, times: 1 });
    await expect(get(KLINES, { symbol: "BTCUSDT", interval: "1d" })).rejects.toThrow();
    expect(replay.requestCount({ path: KLINES })).toBe(1);
  });

  it("captcha is an HTML page with HTTP 200; malformed is truncated JSON with HTTP 200", async () => {
    replay.injectFault({ kind: "captcha", path: TICKER, times: 1 });
    replay.injectFault({ kind: "malformed", path: KLINES, times: 1 });
    const page = await get(TICKER, { symbol: "BTCUSDT" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<html/);
    const cut = await get(KLINES, { symbol: "BTCUSDT", interval: "1d", limit: 10 });
    expect(cut.status).toBe(200);
    const text = await cut.text();
    expect(JSON.stringify(btc1d.slice(-10)).startsWith(text)).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("bad-row truncates the last kline row; data-null answers []", async () => {
    replay.injectFault({ kind: "bad-row", path: KLINES, times: 1 });
    const rows = await klines({ limit: 3 });
    expect(rows.slice(0, 2)).toEqual(btc1d.slice(-3, -1));
    expect(rows[2]).toEqual(btc1d.at(-1)!.slice(0, 4));
    replay.injectFault({ kind: "data-null", path: KLINES, times: 1 });
    expect(await klines({ limit: 3 })).toEqual([]);
  });

  it("slow delays the answer by delayMs", async () => {
    replay.injectFault({ kind: "slow", path: KLINES, delayMs: 300, times: 1 });
    const before = replay.requestCount();
    const rows = await answeredAfter(
      300,
      () => replay.requestCount() > before,
      async () => (await get(KLINES, { symbol: "BTCUSDT", interval: "1d", limit: 1 })).json(),
    );
    expect(rows).toEqual(btc1d.slice(-1));
  });

  it("rejects a path that is not a path", () => {
    expect(() => replay.injectFault({ kind: "http500", path: "api/v3/klines" })).toThrow(/path/);
  });
});

describe("setCryptoDataEnd: hide recorded bars after a time, then reveal them", () => {
  it("serves bars up to T, then everything again", async () => {
    const t = btc1d[600]![0];
    replay.setCryptoDataEnd("BTCUSDT", "1d", t);
    expect(await klines({ limit: 1000 })).toEqual(btc1d.slice(0, 601));
    expect(await klines({ startTime: t + 1 })).toEqual([]);
    // tickers follow the last bar served
    const ticker = await json<Record<string, unknown>>(TICKER, { symbol: "BTCUSDT" });
    expect(ticker).toMatchObject({ lastPrice: btc1d[600]![4], prevClosePrice: btc1d[599]![4], openTime: t });
    // other series are untouched
    expect(await klines({ symbol: "ETHUSDT", limit: 1 })).toEqual(eth1d.slice(-1));
    expect(await klines({ interval: "1h", limit: 1 })).toEqual(btc1h.slice(-1));
    expect(replay.cryptoDatasets().find((d) => d.symbol === "BTCUSDT" && d.interval === "1d")).toMatchObject({
      recordedBars: 730,
      servedBars: 601,
      servedUntil: t,
    });

    replay.setCryptoDataEnd("BTCUSDT", "1d", t + 5 * DAY);
    expect(await klines({ startTime: t + 1 })).toEqual(btc1d.slice(601, 606));
    replay.setCryptoDataEnd("BTCUSDT", "1d", null);
    expect(await klines({ startTime: t + 1 })).toEqual(btc1d.slice(601));
  });

  it("is undone by reset() and settable over HTTP", async () => {
    const t = btc1h[100]![0];
    const res = await fetch(`${replay.url}/__replay/crypto-data-end`, {
      method: "POST",
      body: JSON.stringify({ symbol: "BTCUSDT", interval: "1h", lastOpenTime: t }),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(await klines({ interval: "1h", limit: 1 })).toEqual([btc1h[100]]);
    replay.reset();
    expect(await klines({ interval: "1h", limit: 1 })).toEqual(btc1h.slice(-1));
  });

  it("hiding every bar of a pair drops it from all tickers and makes it unknown by name", async () => {
    replay.setCryptoDataEnd("ETHUSDT", "1d", eth1d[0]![0] - 1);
    expect(await klines({ symbol: "ETHUSDT" })).toEqual([]);
    expect((await json<Array<{ symbol: string }>>(TICKER)).map((t) => t.symbol)).toEqual(["BTCUSDT"]);
    expect(await binanceError(TICKER, { symbol: "ETHUSDT" })).toMatchObject({ code: -1121 });
  });

  it("throws for a series that is not recorded", () => {
    expect(() => replay.setCryptoDataEnd("ETHUSDT", "1h", 0)).toThrow(/no recorded 1h bars of ETHUSDT/);
    expect(() => replay.setCryptoDataEnd("BTCUSDT", "1d", Number.NaN)).toThrow();
  });
});

describe("ccxt 4.5.84 reads the replay", () => {
  /** Replace the scheme and host of every URL string in ccxt's `urls.api`, keeping paths. */
  function rewrite(value: unknown, base: string): unknown {
    if (typeof value === "string") return value.replace(/^https?:\/\/[^/]+/, base);
    if (Array.isArray(value)) return value.map((v) => rewrite(v, base));
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, base)]));
    return value;
  }

  it("loadMarkets, fetchOHLCV (since, limit, until) and fetchTicker equal the fixtures", async () => {
    const exchange = new Binance({ enableRateLimit: false, options: { fetchMarkets: { types: ["spot"] } } });
    exchange.urls.api = rewrite(exchange.urls.api, replay.url) as typeof exchange.urls.api;

    await exchange.loadMarkets();
    expect(replay.requestCount()).toBe(1);
    expect(replay.requestCount({ path: "/api/v3/exchangeInfo" })).toBe(1);
    expect(Object.keys(exchange.markets ?? {})).toHaveLength(info.symbols.length);
    expect(exchange.market("BTC/USDT")).toMatchObject({ id: "BTCUSDT", base: "BTC", quote: "USDT", spot: true });
    expect(exchange.market("ETH/BTC").active).toBe(true);
    expect(exchange.market("BCC/BTC").active).toBe(false);

    const since = Date.UTC(2025, 0, 1);
    const until = Date.UTC(2025, 11, 31);
    const candles = await exchange.fetchOHLCV("BTC/USDT", "1d", since, 1000, { until });
    const expected = btc1d.filter((r) => r[0] >= since && r[0] <= until);
    expect(expected).toHaveLength(365);
    expect(candles).toEqual(
      expected.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3]), Number(r[4]), Number(r[5])]),
    );
    expect(replay.requests.at(-1)).toMatchObject({
      path: KLINES,
      query: { symbol: "BTCUSDT", interval: "1d", startTime: String(since), endTime: String(until), limit: "1000" },
    });

    const ticker = await exchange.fetchTicker("BTC/USDT");
    const last = btc1d.at(-1)!;
    expect(ticker).toMatchObject({
      symbol: "BTC/USDT",
      timestamp: last[6],
      open: Number(last[1]),
      high: Number(last[2]),
      low: Number(last[3]),
      last: Number(last[4]),
      close: Number(last[4]),
      previousClose: Number(btc1d.at(-2)![4]),
      baseVolume: Number(last[5]),
      quoteVolume: Number(last[7]),
    });
    expect(replay.requests.at(-1)).toMatchObject({ path: TICKER, symbol: "BTCUSDT" });
  });
});
