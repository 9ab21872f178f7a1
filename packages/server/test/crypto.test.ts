/**
 * Crypto through the HTTP API on PGlite and PostgreSQL (issue 17): the replay serves recorded
 * Binance spot data through the same ccxt adapter as production, and fake exchanges started by the
 * tests stand in for the faults and for the other exchanges. Upstream requests are counted where
 * they arrive (the replay's and the fakes' request logs).
 */
import { ManualClock } from "@quantdb/core/clock";
import { countCryptoRows } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { startFakeExchange, type FakeExchange } from "@quantdb/replay";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDailyIngest } from "../src/jobs/index.ts";
import { createSystem, replayUrls } from "../src/system.ts";
import { systemSuite, type TestSystem } from "./harness.ts";

const HISTORY = "/api/v1/historical/crypto";
const KLINES = "/api/v3/klines";

/** Klines requests the tests made themselves (to read the expected bars), not the API. */
let ownRequests = 0;

/** Binance's own klines for a window, read straight from the replay (independently of ccxt and the adapter). */
async function recorded(system: TestSystem, interval: "1d" | "1h", start: string, end: string) {
  const startTime = Date.parse(`${start}T00:00:00Z`);
  const endTime = Date.parse(`${end}T00:00:00Z`) + 86_400_000 - 1;
  const rows: unknown[][] = [];
  for (let since = startTime; since <= endTime; ) {
    const query = `symbol=BTCUSDT&interval=${interval}&startTime=${since}&endTime=${endTime}&limit=1000`;
    const url = `${system.replay.url}${KLINES}?${query}`;
    ownRequests++;
    const page = (await (await fetch(url)).json()) as unknown[][];
    if (page.length === 0) break;
    rows.push(...page);
    since = (page.at(-1)![0] as number) + 1;
  }
  return rows.map((r) => ({
    date: new Date(r[0] as number).toISOString().slice(0, 10),
    time: `${new Date(r[0] as number).toISOString().slice(0, 19)}Z`,
    open: Number(r[1]),
    high: Number(r[2]),
    low: Number(r[3]),
    close: Number(r[4]),
    volume: Number(r[5]),
    amount: Number(r[7]),
    provisional: false,
  }));
}

function cryptoRows(system: TestSystem): Promise<{ bars: number; spans: number; pending: number }> {
  return countCryptoRows(system.database.db);
}

describe.each(testDrivers())("crypto through the replay on %s", (driver) => {
  const system = systemSuite(driver);
  const klines = () => system.replay.requestCount({ path: KLINES }) - ownRequests;
  beforeEach(() => {
    ownRequests = 0;
  });

  it("answers a cold year of BTC/USDT 1d bar for bar as recorded; a repeat and a sub-range make no call", async () => {
    const api = await system.api();
    const cold = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-12-31`);
    expect(cold.status).toBe(200);
    expect(cold.body).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO", timeframe: "1d" });
    expect(cold.body.data).toEqual(await recorded(system, "1d", "2025-01-01", "2025-12-31"));
    expect(cold.body.data).toHaveLength(365);
    expect(cold.body.metadata.units).toEqual({
      base: "BTC",
      quote: "USDT",
      price: "USDT",
      volume: "BTC",
      amount: "USDT",
      time_zone: "UTC",
    });
    expect(cold.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1, rows_from_upstream: 365 });
    expect(klines()).toBe(1);

    const before = system.replay.requestCount() - ownRequests;
    const repeat = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-12-31`);
    const sub = await api.get(`${HISTORY}/binance/btc-usdt?start_date=2025-03-01&end_date=2025-03-31&format=csv`);
    expect(repeat.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0, rows_from_cache: 365 });
    expect(repeat.body.data).toEqual(cold.body.data);
    expect(sub.status).toBe(200);
    expect((sub.body as string).trim().split("\n")).toHaveLength(32);
    expect(system.replay.requestCount() - ownRequests).toBe(before);
    expect(await cryptoRows(system)).toMatchObject({ bars: 365 });
  });

  it("fetches only the new part of an extension", async () => {
    const api = await system.api();
    await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-06-30`);
    const extended = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-07-31`);
    expect(extended.body.data).toHaveLength(212);
    expect(extended.body.metadata.cache).toMatchObject({
      upstream_requests: 1,
      rows_from_upstream: 31,
      rows_from_cache: 181,
    });
    const asked = system.replay.requests.filter((r) => r.path === KLINES).map((r) => Number(r.query.startTime));
    expect(asked).toEqual([Date.parse("2025-01-01T00:00:00Z"), Date.parse("2025-07-01T00:00:00Z")]);
  });

  it("makes one fetch for 20 concurrent cold requests", async () => {
    const api = await system.api();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-12-31`),
      ),
    );
    expect(answers.every((a) => a.status === 200 && a.body.data.length === 365)).toBe(true);
    expect(klines()).toBe(1);
  });

  it("serves a week of 1h bars the same way: as recorded, a repeat without a call, one more day", async () => {
    const api = await system.api();
    const week = await api.get(`${HISTORY}/binance/BTC-USDT?timeframe=1h&start_date=2026-03-01&end_date=2026-03-07`);
    expect(week.status).toBe(200);
    expect(week.body.timeframe).toBe("1h");
    expect(week.body.data).toEqual(await recorded(system, "1h", "2026-03-01", "2026-03-07"));
    expect(week.body.data).toHaveLength(168);
    const repeat = await api.get(`${HISTORY}/binance/BTC-USDT?timeframe=1h&start_date=2026-03-02&end_date=2026-03-06`);
    expect(repeat.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    const more = await api.get(`${HISTORY}/binance/BTC-USDT?timeframe=1h&start_date=2026-03-01&end_date=2026-03-08`);
    expect(more.body.data).toHaveLength(192);
    expect(more.body.metadata.cache).toMatchObject({ upstream_requests: 1, rows_from_upstream: 24 });
    expect(klines()).toBe(2);
  });

  it("remembers the days before listing only once a later request finds them empty again", async () => {
    const api = await system.api();
    const path = `${HISTORY}/binance/BTC-USDT?start_date=2024-07-20&end_date=2024-08-05`;
    const first = await api.get(path); // the recording starts on 2024-07-27
    expect(first.body.data).toHaveLength(10);
    expect(first.body.metadata.cache.unconfirmed_empty).toEqual([
      { start: "2024-07-20T00:00:00Z", end: "2024-07-26T00:00:00Z" },
    ]);
    const second = await api.get(path);
    expect(second.body.metadata.cache).toMatchObject({ upstream_requests: 1, unconfirmed_empty: [] });
    const third = await api.get(path);
    expect(third.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    expect(klines()).toBe(2);
    expect(await cryptoRows(system)).toMatchObject({ bars: 10, pending: 0 });
  });

  it("serves the recorded in-progress day provisional and stores nothing of it", async () => {
    const api = await system.api({ clock: new ManualClock("2026-07-26T18:05:00Z") });
    const answer = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2026-07-20&end_date=2026-07-26`);
    expect(answer.body.data.map((b: { provisional: boolean }) => b.provisional)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(await cryptoRows(system)).toMatchObject({ bars: 6 });
  });

  it.each([
    ["http500", 502],
    ["captcha", 502],
    ["malformed", 502],
    ["reset", 502],
  ] as const)("answers a replay fault (%s) with %i and stores nothing", async (kind, status) => {
    const api = await system.api();
    system.replay.injectFault({ kind, path: KLINES });
    const answer = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-01-31`);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toMatch(/^UPSTREAM_/);
    expect(await cryptoRows(system)).toEqual({ bars: 0, spans: 0, pending: 0 });
  });

  it("names the accepted exchanges, or the closest pairs, for an unknown one", async () => {
    const api = await system.api();
    const exchange = await api.get(`${HISTORY}/bitfinex/BTC-USDT`);
    expect(exchange.status).toBe(400);
    expect(exchange.body.error).toMatchObject({ code: "INVALID_SYMBOL" });
    expect(exchange.body.error.message).toMatch(/binance, okx, bybit, coinbase, kraken/);
    const pair = await api.get(`${HISTORY}/binance/BTC-USDX`);
    expect(pair.status).toBe(400);
    expect(pair.body.error.details.closest).toContain("BTC/USDT");
    const timeframe = await api.get(`${HISTORY}/binance/BTC-USDT?timeframe=4h`);
    expect(timeframe.body.error.code).toBe("INVALID_PERIOD");
  });

  it("counts crypto in the cache statistics and lists a pair's held spans per timeframe", async () => {
    const api = await system.api();
    await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-01-31`);
    await api.get(`${HISTORY}/binance/BTC-USDT?timeframe=1h&start_date=2026-03-01&end_date=2026-03-01`);
    await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2025-01-01&end_date=2025-01-31`);
    const stats = await api.get("/api/v1/cache/stats");
    expect(stats.body.crypto).toEqual({
      pairs: 1,
      bars: 31 + 24,
      spans: 2,
      first_bar_time: "2025-01-01T00:00:00Z",
      last_bar_time: "2026-03-01T23:00:00Z",
      requests: { total: 3, hits: 1, upstream_calls: 2 },
    });
    const coverage = await api.get("/api/v1/cache/coverage/crypto/binance/BTC-USDT");
    expect(coverage.status).toBe(200);
    expect(coverage.body).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO" });
    expect(coverage.body.spans.map((s: object) => ({ ...s, fetched_at: "-" }))).toEqual([
      { timeframe: "1d", start: "2025-01-01T00:00:00Z", end: "2025-01-31T00:00:00Z", bars: 31, fetched_at: "-" },
      { timeframe: "1h", start: "2026-03-01T00:00:00Z", end: "2026-03-01T23:00:00Z", bars: 24, fetched_at: "-" },
    ]);
    expect((await api.get("/api/v1/cache/coverage/crypto/binance/ETH-USDT")).status).toBe(404);
  });

  it("brings held crypto series up to the UTC day that ended, once, after 00:00 UTC", async () => {
    const api = await system.api({ clock: new ManualClock("2026-03-10T12:00:00Z") });
    await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2026-03-01&end_date=2026-03-09`);
    await api.get(`${HISTORY}/binance/BTC-USDT?timeframe=1h&start_date=2026-03-09&end_date=2026-03-09`);
    const clock = new ManualClock("2026-03-12T00:00:30Z"); // inside the grace minute: nothing due yet
    const { services } = await createSystem({
      database: system.database,
      clock,
      urls: replayUrls(system.replay),
      timeoutMs: 3000,
    });
    const ingest = createDailyIngest(services);
    const cryptoOutcome = async () => (await ingest.tick()).find((o) => (o.ran ? o.run.scope : o.scope) === "CRYPTO")!;
    expect(await cryptoOutcome()).toMatchObject({ ran: false, reason: "not_due" });
    const before = klines();
    clock.set("2026-03-12T00:05:00Z");
    const outcome = await cryptoOutcome();
    expect(outcome).toMatchObject({
      ran: true,
      run: { scope: "CRYPTO", sessionDate: "2026-03-11", status: "succeeded", instrumentsUpdated: 1, upstreamCalls: 2 },
    });
    const asked = system.replay.requests.filter((r) => r.path === KLINES).slice(-2);
    expect(asked.map((r) => [r.query.interval, Number(r.query.startTime)]).sort()).toEqual([
      ["1d", Date.parse("2026-03-10T00:00:00Z")],
      ["1h", Date.parse("2026-03-10T00:00:00Z")],
    ]);
    expect(klines() - before).toBe(2);
    expect(await cryptoOutcome()).toMatchObject({ ran: false, reason: "already_claimed" });
    const later = await system.api({ clock });
    const held = await later.get(`${HISTORY}/binance/BTC-USDT?start_date=2026-03-01&end_date=2026-03-11`);
    expect(held.body.metadata.cache).toMatchObject({ hit: true, rows_from_cache: 11 });
  });

  it("answers the CRYPTO calendar: every UTC day a session, 00:00-24:00", async () => {
    const api = await system.api();
    const answer = await api.get("/api/v1/calendar/CRYPTO?start_date=2024-02-27&end_date=2024-03-02");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ market: "CRYPTO", timezone: "UTC" });
    expect(answer.body.sessions.map((s: { date: string }) => s.date)).toEqual([
      "2024-02-27",
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
      "2024-03-02",
    ]);
    expect(answer.body.sessions[0]).toMatchObject({ open: "00:00", close: "24:00" });
  });

  it("lists binance's spot pairs ranked by 24 h quote volume, and serves tickers from one shared request", async () => {
    const api = await system.api();
    const markets = await api.get("/api/v1/crypto/markets?exchange=binance&quote=USDT");
    expect(markets.status).toBe(200);
    expect(markets.body.markets.every((m: { quote: string }) => m.quote === "USDT")).toBe(true);
    expect(markets.body.markets.slice(0, 2).map((m: { symbol: string }) => m.symbol)).toEqual(["BTC/USDT", "ETH/USDT"]);
    const btc = (await recorded(system, "1d", "2026-07-26", "2026-07-26"))[0]!;
    expect(markets.body.markets[0].quote_volume_24h).toBe(btc.amount);

    const tickersBefore = system.replay.requestCount({ path: "/api/v3/ticker/24hr" });
    const one = await api.get("/api/v1/realtime/crypto/binance/BTC-USDT");
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO", price: btc.close });
    const batch = await api.get("/api/v1/realtime/crypto/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ symbols: ["binance:BTC/USDT", "binance:ETH/USDT", "binance:NOPE/USDT", "bad"] }),
    });
    expect(batch.status).toBe(200);
    expect(batch.body.metadata).toMatchObject({ count: 4, ok: 2, failed: 2 });
    expect(batch.body.data[2].error.code).toBe("INVALID_SYMBOL");
    expect(system.replay.requestCount({ path: "/api/v3/ticker/24hr" }) - tickersBefore).toBeLessThanOrEqual(1);
  });
});

describe.each(testDrivers())("crypto against fake exchanges on %s", (driver) => {
  const system = systemSuite(driver);
  let fake: FakeExchange | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it("reaches the exchange QUANTDB_CCXT_BINANCE_URL names (not the replay); stores nothing of a fault", async () => {
    fake = await startFakeExchange({ exchange: "binance" });
    const api = await system.api({ urls: { ccxt: { binance: fake.url } } });
    const ok = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2024-03-01&end_date=2024-03-31`);
    expect(ok.status).toBe(200);
    expect(ok.body.data.map((b: { time: string }) => b.time)).toEqual(
      fake
        .bars("BTC/USDT", "1d")
        .filter((b) => b.time >= Date.parse("2024-03-01") && b.time < Date.parse("2024-04-01"))
        .map((b) => `${new Date(b.time).toISOString().slice(0, 19)}Z`),
    );
    expect(fake.requestCount({ path: KLINES })).toBe(1);
    expect(system.replay.requestCount()).toBe(0);
    for (const kind of ["reset", "http500", "html", "truncated", "empty-200"] as const) {
      fake.injectFault({ kind, path: KLINES, times: 1 });
      const failed = await api.get(`${HISTORY}/binance/BTC-USDT?start_date=2024-05-01&end_date=2024-05-31`);
      expect(failed.status, kind).toBeGreaterThanOrEqual(502);
      expect(failed.body.error.code, kind).toMatch(/^UPSTREAM_/);
    }
    expect(await cryptoRows(system)).toMatchObject({ bars: 31 });
  });

  it.each(["okx", "bybit", "coinbase", "kraken"] as const)(
    "serves %s bars through ccxt from a fake of its REST API",
    async (exchange) => {
      fake = await startFakeExchange({ exchange });
      const api = await system.api({ urls: { ccxt: { [exchange]: fake.url } } });
      const quote = exchange === "coinbase" || exchange === "kraken" ? "USD" : "USDT";
      const answer = await api.get(
        `${HISTORY}/${exchange}/BTC-${quote}?start_date=2024-06-01&end_date=2024-06-07&timeframe=1h`,
      );
      expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
      const expected = fake
        .bars(`BTC/${quote}`, "1h")
        .filter((b) => b.time >= Date.parse("2024-06-01") && b.time < Date.parse("2024-06-08"));
      expect(answer.body.data.map((b: { time: string; close: number }) => [b.time, b.close])).toEqual(
        expected.map((b) => [`${new Date(b.time).toISOString().slice(0, 19)}Z`, b.close]),
      );
      const repeat = await api.get(
        `${HISTORY}/${exchange}/BTC-${quote}?start_date=2024-06-01&end_date=2024-06-07&timeframe=1h`,
      );
      expect(repeat.body.metadata.cache.hit).toBe(true);
    },
  );
});
