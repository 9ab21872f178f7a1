import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { systemSuite, type Api, type TestSystem } from "./harness.ts";

const QUOTE = "/api/v1/realtime/stock";
const BATCH = "/api/v1/realtime/batch";
const ULIST = "/api/qt/ulist.np/get";

// Instants in UTC; both exchanges are UTC+8. Friday 2026-11-20 and Monday 2026-11-23 are sessions of
// both; Wednesday 2025-12-24 is an HK half day (09:30-12:00) and a regular A-share session.
const CN_MORNING = "2026-11-20T02:00:00Z"; // 10:00 in Shanghai

/**
 * What the replay upstream itself answers for a secid, read independently of the adapter: the expected quote fields.
 */
async function upstreamQuote(system: TestSystem, secid: string) {
  const response = await fetch(
    `${system.replay.url}${ULIST}?fltt=2&invt=2&secids=${secid}` +
      "&fields=f2,f3,f4,f5,f6,f8,f12,f13,f14,f15,f16,f17,f18,f124",
  );
  const body = (await response.json()) as { data: { diff: Array<Record<string, number | string>> } };
  const row = body.data.diff[0]!;
  const num = (v: number | string | undefined) => (v === "-" || v === undefined ? null : Number(v));
  return {
    name: row.f14,
    price: num(row.f2),
    open: num(row.f17),
    high: num(row.f15),
    low: num(row.f16),
    prev_close: num(row.f18),
    change: num(row.f4),
    pct_change: num(row.f3),
    volume: secid.startsWith("116.") ? num(row.f5) : Number(row.f5) * 100,
    amount: num(row.f6),
    turnover_rate: num(row.f8),
    quote_time: new Date(Number(row.f124) * 1000).toISOString(),
  };
}

/** The cache accounting of an answer served from the cache alone. */
const HIT = { hit: true, upstream_requests: 0 };
/** A single-quote answer without its cache accounting: the quote as a batch entry carries it. */
const quoteOf = ({ cache: _cache, ...quote }: Record<string, unknown>) => quote;

function post(api: Api, body: unknown) {
  return api.get(BATCH, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe.each(testDrivers())("realtime quotes on %s", (driver) => {
  const system = systemSuite(driver);
  const calls = () => system.replay.requestCount({ path: ULIST });

  it("cold A-share: upstream's quote from one batch call, volume in shares, CNY, fetch time, market open", async () => {
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    const { status, body } = await api.get(`${QUOTE}/600519.SS`);
    expect(status).toBe(200);
    expect(calls()).toBe(1);
    const [request] = system.replay.requests;
    expect(request).toMatchObject({
      path: ULIST,
      query: { secids: "1.600519", fltt: "2", invt: "2", fields: "f2,f3,f4,f5,f6,f8,f12,f13,f14,f15,f16,f17,f18,f124" },
    });
    expect(system.replay.requestCount({ path: "/api/qt/stock/kline/get" })).toBe(0);
    const expected = await upstreamQuote(system, "1.600519");
    expect(expected.price).toBeGreaterThan(0);
    expect(body).toEqual({
      symbol: "600519",
      market: "SH",
      ...expected,
      name: "贵州茅台",
      currency: "CNY",
      fetched_at: "2026-11-20T02:00:00.000Z",
      market_open: true,
      cache: { hit: false, upstream_requests: 1 },
    });
    expect(body.quote_time).toMatch(/T07:00:00\.000Z$/); // the last recorded bar's date, 15:00 in Shanghai
  });

  it("answers HK in HKD with volume in shares as upstream sent it", async () => {
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    const { status, body } = await api.get(`${QUOTE}/700.HK`);
    expect(status).toBe(200);
    expect(calls()).toBe(1);
    expect(body).toEqual({
      symbol: "00700",
      market: "HK",
      ...(await upstreamQuote(system, "116.00700")),
      currency: "HKD",
      fetched_at: "2026-11-20T02:00:00.000Z",
      market_open: true,
      cache: { hit: false, upstream_requests: 1 },
    });
    expect(body.name).toBe("腾讯控股");
    expect(body.quote_time).toMatch(/T08:00:00\.000Z$/); // 16:00 in Hong Kong
  });

  it("serves a warm quote without upstream within the TTL (15 s), refreshes it after that while trading", async () => {
    const clock = new ManualClock(CN_MORNING);
    const api = await system.api({ clock });
    const first = await api.get(`${QUOTE}/600519`);
    clock.advance(14_999);
    const warm = await api.get(`${QUOTE}/sh600519`);
    expect(warm.status).toBe(200);
    expect(warm.body).toEqual({ ...first.body, cache: HIT });
    expect(calls()).toBe(1);
    clock.advance(1);
    const refreshed = await api.get(`${QUOTE}/600519`);
    expect(calls()).toBe(2);
    expect(refreshed.body.fetched_at).toBe("2026-11-20T02:00:15.000Z");
    expect(refreshed.body.market_open).toBe(true);
  });

  it("while closed: refreshes once the close settled, then serves it without upstream till the next open", async () => {
    const clock = new ManualClock("2026-11-20T07:01:00Z"); // 15:01: closed, but the close is still settling (2 min)
    const api = await system.api({ clock });
    const settling = await api.get(`${QUOTE}/600519`);
    expect(settling.body.market_open).toBe(false);
    clock.advance(10_000);
    await api.get(`${QUOTE}/600519`);
    expect(calls()).toBe(1); // TTL still applies while settling
    clock.set("2026-11-20T07:02:30Z"); // 15:02:30: settled; the quote held was fetched before that
    const final = await api.get(`${QUOTE}/600519`);
    expect(calls()).toBe(2);
    expect(final.body).toMatchObject({ fetched_at: "2026-11-20T07:02:30.000Z", market_open: false });
    for (const at of ["2026-11-20T12:00:00Z", "2026-11-21T04:00:00Z", "2026-11-23T01:29:59Z"]) {
      clock.set(at); // Friday 20:00, Saturday noon, Monday 09:29:59
      const served = await api.get(`${QUOTE}/600519`);
      expect(served.body).toEqual({ ...final.body, cache: HIT });
    }
    expect(calls()).toBe(2);
    clock.set("2026-11-23T01:30:00Z"); // Monday 09:30: trading again
    const monday = await api.get(`${QUOTE}/600519`);
    expect(calls()).toBe(3);
    expect(monday.body).toMatchObject({ fetched_at: "2026-11-23T01:30:00.000Z", market_open: true });
  });

  it("counts the lunch break as closed: one refresh after 11:30 has settled, none until 13:00", async () => {
    const clock = new ManualClock("2026-11-20T03:20:00Z"); // 11:20
    const api = await system.api({ clock });
    expect((await api.get(`${QUOTE}/000001.SZ`)).body.market_open).toBe(true);
    clock.set("2026-11-20T03:33:00Z"); // 11:33
    const lunch = await api.get(`${QUOTE}/000001.SZ`);
    expect(calls()).toBe(2);
    expect(lunch.body.market_open).toBe(false);
    clock.set("2026-11-20T04:59:59Z"); // 12:59:59
    expect((await api.get(`${QUOTE}/000001.SZ`)).body).toEqual({ ...lunch.body, cache: HIT });
    expect(calls()).toBe(2);
    clock.set("2026-11-20T05:00:05Z"); // 13:00:05
    expect((await api.get(`${QUOTE}/000001.SZ`)).body).toMatchObject({
      market_open: true,
      fetched_at: "2026-11-20T05:00:05.000Z",
    });
    expect(calls()).toBe(3);
  });

  it("knows the HK half day (2025-12-24 closes at 12:00): closed in the afternoon while A-shares trade", async () => {
    const clock = new ManualClock("2025-12-24T03:50:00Z"); // 11:50 in Hong Kong
    const api = await system.api({ clock });
    expect((await api.get(`${QUOTE}/00700`)).body.market_open).toBe(true);
    clock.set("2025-12-24T04:30:00Z"); // 12:30: half-day close settled (25 min: closing auction, delayed feed)
    const closed = await api.get(`${QUOTE}/00700`);
    expect(closed.body).toMatchObject({ market_open: false, fetched_at: "2025-12-24T04:30:00.000Z" });
    expect(calls()).toBe(2);
    clock.set("2025-12-24T06:00:00Z"); // 14:00: a regular HK day would trade now
    const batch = await post(api, { symbols: ["00700", "600519"] });
    expect(batch.status).toBe(200);
    expect(batch.body.data[0].quote).toEqual(quoteOf(closed.body));
    expect(batch.body.data[1].quote).toMatchObject({ symbol: "600519", market_open: true });
    expect(system.replay.requests.filter((r) => r.path === ULIST).map((r) => r.query.secids)).toEqual([
      "116.00700",
      "116.00700",
      "1.600519",
    ]);
    // the same hour on a regular HK session day is trading
    clock.set("2026-11-20T06:00:00Z");
    expect((await api.get(`${QUOTE}/00700`)).body.market_open).toBe(true);
  });

  it("makes one upstream call for 50 concurrent requests for the same cold symbol", async () => {
    system.replay.setLatency(150);
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.get(`${QUOTE}/600519`)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    // The same quote for all. `cache` says how each request was served: those that joined the call in flight
    // report it, one that a loaded machine delays past the call's end is a hit on what it stored.
    const miss = { hit: false, upstream_requests: 1 };
    const { cache: _, ...quote } = responses[0]!.body;
    for (const { body } of responses) {
      const { cache, ...rest } = body;
      expect(rest).toEqual(quote);
      expect([miss, HIT]).toContainEqual(cache);
    }
    expect(responses.map((r) => r.body.cache)).toContainEqual(miss);
    expect(calls()).toBe(1);
  });

  it("fetches symbols asked for while a refresh runs together in the next call", async () => {
    system.replay.setLatency(300);
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    const first = api.get(`${QUOTE}/600519`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first refresh is now running
    const others = ["000001", "0700.HK", "300750", "600519", "000001"].map((s) => api.get(`${QUOTE}/${s}`));
    const responses = await Promise.all([first, ...others]);
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(system.replay.requests.map((r) => r.query.secids)).toEqual(["1.600519", "0.000001,116.00700,0.300750"]);
  });

  it("answers a batch with a quote or an error per symbol, in order, from one upstream call", async () => {
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    const { status, body } = await post(api, {
      symbols: ["600519", "0700.HK", "ABC", "688999", "sh600519", "000001.SZ"],
    });
    expect(status).toBe(200);
    expect(calls()).toBe(1);
    expect(system.replay.requests[0]!.query.secids).toBe("1.600519,116.00700,1.688999,0.000001");
    expect(body.metadata).toEqual({ count: 6, ok: 4, failed: 2, cache: { hit: false, upstream_requests: 1 } });
    expect(body.data.map((e: { symbol: string }) => e.symbol)).toEqual([
      "600519",
      "0700.HK",
      "ABC",
      "688999",
      "sh600519",
      "000001.SZ",
    ]);
    expect(body.data.map((e: { quote: { symbol: string } | null }) => e.quote?.symbol ?? null)).toEqual([
      "600519",
      "00700",
      null,
      null,
      "600519",
      "000001",
    ]);
    expect(body.data[2]).toMatchObject({ quote: null, error: { code: "INVALID_SYMBOL", status: 400 } });
    expect(body.data[2].error.message).toContain("600519.SS");
    expect(body.data[3]).toMatchObject({ quote: null, error: { code: "NOT_FOUND", status: 404 } });
    expect(body.data[0].error).toBeNull();
    expect(body.data[4].quote).toEqual(body.data[0].quote);
    // the single endpoint is served from the same cache, unknown symbol included
    expect((await api.get(`${QUOTE}/0700.HK`)).body).toEqual({ ...body.data[1].quote, cache: HIT });
    const unknown = await api.get(`${QUOTE}/688999`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(calls()).toBe(1);
  });

  it("takes 100 symbols in one call; 400 VALIDATION_ERROR for an empty list, 101 symbols, bad bodies", async () => {
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    const hundred = Array.from({ length: 100 }, (_, i) => `600${String(i).padStart(3, "0")}`);
    const ok = await post(api, { symbols: hundred });
    expect(ok.status).toBe(200);
    // the replay knows none of them
    expect(ok.body.metadata).toEqual({ count: 100, ok: 0, failed: 100, cache: { hit: false, upstream_requests: 1 } });
    expect(calls()).toBe(1);
    expect(system.replay.requests[0]!.query.secids!.split(",")).toHaveLength(100);
    for (const bad of [
      { symbols: [] },
      { symbols: [...hundred, "600519"] },
      { symbols: "600519" },
      { symbols: [600519] },
      {},
      "not json",
      "[]",
    ]) {
      const { status, body } = await post(api, bad);
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(body.error).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
    }
    expect(calls()).toBe(1);
  });

  it("rejects a bad symbol on the single endpoint: 400 INVALID_SYMBOL, no upstream call; GET batch 405", async () => {
    const api = await system.api({ clock: new ManualClock(CN_MORNING) });
    for (const symbol of ["ABC", "000001.SH", "510300"]) {
      const { status, body } = await api.get(`${QUOTE}/${symbol}`);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
    }
    expect((await api.get(BATCH)).status).toBe(405);
    expect(calls()).toBe(0);
  });

  it("maps upstream failures to the 502/504 envelope, caches none, reports them per symbol in a batch", async () => {
    const api = await system.api({ clock: new ManualClock(CN_MORNING), timeoutMs: 500 });
    const cases = [
      ["reset", 502, "UPSTREAM_UNAVAILABLE"],
      ["http500", 502, "UPSTREAM_UNAVAILABLE"],
      ["captcha", 502, "UPSTREAM_INVALID"],
      ["malformed", 502, "UPSTREAM_INVALID"],
      ["slow", 504, "UPSTREAM_TIMEOUT"],
    ] as const;
    for (const [kind, status, code] of cases) {
      system.replay.injectFault({ kind, times: 1, delayMs: 2000 });
      const response = await api.get(`${QUOTE}/600519`);
      expect(response.status, kind).toBe(status);
      expect(response.body.error).toMatchObject({ code, status });
    }
    expect(calls()).toBe(5);
    system.replay.injectFault({ kind: "http500", times: 1 });
    const batch = await post(api, { symbols: ["0700.HK", "BAD", "000001"] });
    expect(batch.status).toBe(200);
    expect(batch.body.data.map((e: { error: { code: string } | null }) => e.error?.code)).toEqual([
      "UPSTREAM_UNAVAILABLE",
      "INVALID_SYMBOL",
      "UPSTREAM_UNAVAILABLE",
    ]);
    expect(batch.body.metadata).toEqual({ count: 3, ok: 0, failed: 3, cache: { hit: false, upstream_requests: 1 } });
    const recovered = await api.get(`${QUOTE}/600519`);
    expect(recovered.status).toBe(200);
    expect(calls()).toBe(7);
  });

  it("documents both operations in the OpenAPI document", async () => {
    const api = await system.api();
    const { body } = await api.get("/openapi.json");
    expect(body.paths["/api/v1/realtime/stock/{symbol}"].get.operationId).toBe("getRealtimeQuote");
    expect(body.paths["/api/v1/realtime/batch"].post.operationId).toBe("getRealtimeQuotes");
    expect(body.components.schemas.Quote.properties.volume.description).toContain("shares");
  });
});
