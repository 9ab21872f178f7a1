import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { systemSuite, type TestSystem } from "./harness.ts";

const HISTORY = "/api/v1/historical/stock";

/** What the replay upstream itself answers, parsed independently of the adapter: the expected bars. */
async function upstreamBars(system: TestSystem, secid: string, fqt: string, beg: string, end: string) {
  const response = await fetch(
    `${system.replay.url}/api/qt/stock/kline/get?secid=${secid}&klt=101&fqt=${fqt}&beg=${beg}&end=${end}`,
  );
  const body = (await response.json()) as { data: { klines: string[] } | null };
  const num = (s: string) => (s === "-" ? null : Number(s));
  return (body.data?.klines ?? []).map((line) => {
    const f = line.split(",");
    return {
      date: f[0],
      open: Number(f[1]),
      close: Number(f[2]),
      high: Number(f[3]),
      low: Number(f[4]),
      volume: Math.round(Number(f[5]) * 100),
      amount: num(f[6]!),
      amplitude: num(f[7]!),
      pct_change: num(f[8]!),
      change: num(f[9]!),
      turnover_rate: num(f[10]!),
    };
  });
}

describe.each(testDrivers())("GET /api/v1/historical/stock/{symbol} on %s", (driver) => {
  const system = systemSuite(driver);

  it("answers a cold request with exactly the upstream's bars, volume in shares, in one call", async () => {
    const api = await system.api();
    const { status, body } = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(status).toBe(200);
    expect(system.replay.requestCount({ secid: "1.600519" })).toBe(1);
    const expected = await upstreamBars(system, "1.600519", "1", "20240102", "20240329");
    expect(expected.length).toBeGreaterThan(50);
    expect(
      body.data.map(({ provisional, partial, ...bar }: { provisional: boolean; partial: boolean }) => bar),
    ).toEqual(expected);
    expect(body.data.every((bar: { provisional: boolean }) => bar.provisional === false)).toBe(true);
    expect(body).toMatchObject({
      symbol: "600519",
      market: "SH",
      name: "贵州茅台",
      adjust: "qfq",
      start_date: "2024-01-02",
      end_date: "2024-03-29",
    });
    expect(body.metadata).toMatchObject({
      count: expected.length,
      cache: {
        hit: false,
        rows_from_cache: 0,
        rows_from_upstream: expected.length,
        upstream_requests: 1,
        trading_days: expected.length,
      },
      units: {
        currency: "CNY",
        price: "CNY",
        volume: "shares",
        amount: "CNY",
        pct_change: "percent",
        turnover_rate: "percent",
      },
      calendar_known_through: "2026-12-31",
    });
  });

  it("answers an identical repeat and any sub-range from the database without calling upstream", async () => {
    const api = await system.api();
    const first = await api.get(`${HISTORY}/600519?start_date=2024-01-02&end_date=2024-03-29&adjust=qfq`);
    const again = await api.get(`${HISTORY}/600519?start_date=2024-01-02&end_date=2024-03-29&adjust=qfq`);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.body.metadata.cache).toEqual({
      hit: true,
      rows_from_cache: first.body.data.length,
      rows_from_upstream: 0,
      upstream_requests: 0,
      trading_days: first.body.data.length,
      series_replaced: null,
      unconfirmed_empty: [],
    });
    const sub = await api.get(`${HISTORY}/600519?start_date=20240201&end_date=20240229&adjust=qfq`);
    expect(sub.body.data).toEqual(
      first.body.data.filter((b: { date: string }) => b.date >= "2024-02-01" && b.date <= "2024-02-29"),
    );
    expect(sub.body.metadata.cache.hit).toBe(true);
    expect(system.replay.requestCount()).toBe(1);
  });

  it("fetches only the new part when a cached range is widened", async () => {
    const api = await system.api();
    await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    const wide = await api.get(`${HISTORY}/600519?start_date=20231201&end_date=20240430&adjust=qfq`);
    expect(wide.status).toBe(200);
    const calls = system.replay.requests.map((r) => [r.beg, r.end]);
    // the first call, then exactly the two new gaps, bounded by trading sessions, each with one
    // held session next to it as the anchor (2024-01-02, 2024-03-29) to detect a rebased series
    expect(calls).toEqual([
      ["20240102", "20240329"],
      ["20231201", "20240102"],
      ["20240329", "20240430"],
    ]);
    expect(wide.body.data).toEqual(
      (await upstreamBars(system, "1.600519", "1", "20231201", "20240430")).map((bar) => ({
        ...bar,
        provisional: false,
        partial: false,
      })),
    );
    expect(wide.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 2 });
    expect(wide.body.metadata.cache.rows_from_cache).toBe(
      wide.body.data.filter((b: { date: string }) => b.date >= "2024-01-02" && b.date <= "2024-03-29").length,
    );
  });

  it("makes no upstream call for a range without sessions (Spring Festival 2024)", async () => {
    const api = await system.api();
    const { status, body } = await api.get(`${HISTORY}/600519?start_date=20240210&end_date=20240218&adjust=qfq`);
    expect(status).toBe(200);
    expect(body.data).toEqual([]);
    expect(body.metadata.cache).toEqual({
      hit: true,
      rows_from_cache: 0,
      rows_from_upstream: 0,
      upstream_requests: 0,
      trading_days: 0,
      series_replaced: null,
      unconfirmed_empty: [],
    });
    expect(system.replay.requestCount()).toBe(0);
  });

  it("remembers a suspension inside a range and does not refetch it", async () => {
    system.replay.suspend("1.600519", "2024-03-04", "2024-03-15");
    const api = await system.api();
    const first = await api.get(`${HISTORY}/600519?start_date=20240226&end_date=20240322&adjust=qfq`);
    const dates = first.body.data.map((b: { date: string }) => b.date);
    expect(dates.some((d: string) => d >= "2024-03-04" && d <= "2024-03-15")).toBe(false);
    expect(dates).toContain("2024-03-01");
    expect(dates).toContain("2024-03-18");
    const inside = await api.get(`${HISTORY}/600519?start_date=20240305&end_date=20240314&adjust=qfq`);
    expect(inside.body.data).toEqual([]);
    expect(inside.body.metadata.cache).toMatchObject({ hit: true, trading_days: 8 });
    await api.get(`${HISTORY}/600519?start_date=20240226&end_date=20240322&adjust=qfq`);
    expect(system.replay.requestCount()).toBe(1);
  });

  it("makes one upstream call for 20 concurrent identical cold requests", async () => {
    system.replay.setLatency(100);
    const api = await system.api();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.get(`${HISTORY}/000001?start_date=20230101&end_date=20231231&adjust=qfq`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const first = JSON.stringify(responses[0]!.body.data);
    expect(first.length).toBeGreaterThan(1000);
    for (const response of responses) expect(JSON.stringify(response.body.data)).toBe(first);
    expect(system.replay.requestCount()).toBe(1);
    expect(responses.filter((r) => r.body.metadata.cache.upstream_requests === 1)).toHaveLength(1);
  });

  it("stores qfq and unadjusted bars apart", async () => {
    system.replay.useSnapshot("0.000001", "1", "2025-03-05");
    const api = await system.api();
    const raw = await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930`);
    const qfq = await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930&adjust=qfq`);
    expect(system.replay.requestCount()).toBe(2);
    expect(raw.body.adjust).toBe("");
    expect(raw.body.data.map((b: { date: string }) => b.date)).toEqual(
      qfq.body.data.map((b: { date: string }) => b.date),
    );
    expect(raw.body.data[0].close).not.toBe(qfq.body.data[0].close);
    expect(raw.body.data).toEqual(
      (await upstreamBars(system, "0.000001", "0", "20240902", "20240930")).map((b) => ({
        ...b,
        provisional: false,
        partial: false,
      })),
    );
    expect(qfq.body.data).toEqual(
      (await upstreamBars(system, "0.000001", "1", "20240902", "20240930")).map((b) => ({
        ...b,
        provisional: false,
        partial: false,
      })),
    );
    const calls = system.replay.requestCount();
    const rawAgain = await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930&adjust=`);
    const qfqAgain = await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930&adjust=qfq`);
    expect(rawAgain.body.data).toEqual(raw.body.data);
    expect(qfqAgain.body.data).toEqual(qfq.body.data);
    expect(system.replay.requestCount()).toBe(calls);
  });

  it.each([
    ["600519", ["600519", "sh600519", "SH600519", "600519.SH", "600519.SS", "600519.ss"], "1.600519"],
    ["000001", ["000001", "sz000001", "000001.SZ"], "0.000001"],
    ["830799", ["830799", "bj830799", "830799.BJ"], "0.830799"],
  ])("returns the same bars for every form of %s", async (code, forms, secid) => {
    const api = await system.api();
    const bodies = [];
    for (const form of forms) {
      const { status, body } = await api.get(
        `${HISTORY}/${encodeURIComponent(form)}?start_date=20240102&end_date=20240131&adjust=qfq`,
      );
      expect(status).toBe(200);
      expect(body.symbol).toBe(code);
      bodies.push(body.data);
    }
    expect(bodies[0].length).toBeGreaterThan(15);
    for (const data of bodies) expect(data).toEqual(bodies[0]);
    expect(system.replay.requestCount({ secid })).toBe(1);
  });

  it("reads every HK form as one instrument on the HK calendar", async () => {
    const api = await system.api();
    for (const form of ["00700", "0700.HK", "700.HK", "HK.00700", "hk00700"]) {
      const { status, body } = await api.get(`${HISTORY}/${form}?start_date=20220103&end_date=20220131`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        symbol: "00700",
        market: "HK",
        metadata: { units: { currency: "HKD", volume: "shares" } },
      });
    }
    expect(system.replay.requestCount({ secid: "116.00700" })).toBe(1);
  });

  it("clips a future end date instead of failing, and stays fine on repeat", async () => {
    const api = await system.api();
    const first = await api.get(`${HISTORY}/600519?start_date=20260801&end_date=20991231`);
    expect(first.status).toBe(200);
    expect(first.body.end_date).toBe("2099-12-31");
    expect(first.body.data.at(-1).date).toBe("2026-08-11");
    // the replay's series ends 2026-08-11: the empty sessions after it are asked once more to be
    // confirmed (a first empty answer may be a glitch), then remembered
    expect(first.body.metadata.cache.unconfirmed_empty).toEqual([{ start: "2026-08-12", end: "2026-11-20" }]);
    const again = await api.get(`${HISTORY}/600519?start_date=20260801&end_date=20991231`);
    expect(again.status).toBe(200);
    expect(again.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1, unconfirmed_empty: [] });
    const third = await api.get(`${HISTORY}/600519?start_date=20260801&end_date=20991231`);
    expect(third.body.metadata.cache.hit).toBe(true);
    expect(third.body.data).toEqual(first.body.data);
  });

  it("defaults to the year up to today on the exchange", async () => {
    const api = await system.api();
    const { body } = await api.get(`${HISTORY}/600519`);
    expect(body).toMatchObject({ start_date: "2025-11-20", end_date: "2026-11-20", adjust: "" });
    expect(system.replay.requests[0]).toMatchObject({ beg: "20251120", end: "20261120", fqt: "0" });
  });

  it.each([
    ["/ABC", "INVALID_SYMBOL"],
    ["/1234567", "INVALID_SYMBOL"],
    ["/600519?start_date=20240231", "INVALID_DATE"],
    ["/600519?end_date=2024%2F01%2F01", "INVALID_DATE"],
    ["/600519?start_date=20240430&end_date=20240401", "INVALID_RANGE"],
    ["/600519?adjust=xyz", "INVALID_ADJUST"],
  ])("answers %s with 400 %s in the error envelope", async (path, code) => {
    const api = await system.api();
    const { status, body } = await api.get(`${HISTORY}${path}`);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String), status: 400, details: expect.any(Object) } });
    expect(body.error.message).not.toMatch(/at .*\.ts|node_modules/);
    expect(system.replay.requestCount()).toBe(0);
  });

  it("answers unknown paths with 404 and wrong methods with 405, in the envelope", async () => {
    const api = await system.api();
    const missing = await api.get("/api/v1/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "NOT_FOUND", status: 404 });
    const wrong = await api.get(`${HISTORY}/600519`, { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error).toMatchObject({ code: "METHOD_NOT_ALLOWED", status: 405 });
    expect(wrong.headers.get("allow")).toContain("GET");
  });

  it.each([
    ["reset", 502, "UPSTREAM_UNAVAILABLE"],
    ["http500", 502, "UPSTREAM_UNAVAILABLE"],
    ["captcha", 502, "UPSTREAM_INVALID"],
    ["slow", 504, "UPSTREAM_TIMEOUT"],
  ] as const)("answers an upstream %s with %i fast and keeps serving cached data", async (kind, status, code) => {
    const api = await system.api();
    const cached = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    const before = await system.rows();
    system.replay.injectFault({ kind, delayMs: 5000 });
    const failed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240531&adjust=qfq`);
    // a slow answer comes after 5 s: 504 UPSTREAM_TIMEOUT means the 3 s per-call timeout ended the wait
    expect(failed.status).toBe(status);
    expect(failed.body.error).toMatchObject({ code, status });
    expect(await system.rows()).toEqual(before);
    const again = await api.get(`${HISTORY}/600519?start_date=20240201&end_date=20240329&adjust=qfq`);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(cached.body.data.filter((b: { date: string }) => b.date >= "2024-02-01"));
  });

  it.each(["malformed", "bad-row"] as const)("stores nothing from a %s upstream body", async (kind) => {
    const api = await system.api();
    system.replay.injectFault({ kind, times: 1 });
    const failed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("UPSTREAM_INVALID");
    expect(await system.rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
    const retry = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(retry.status).toBe(200);
    expect(retry.body.metadata.cache.upstream_requests).toBe(1);
  });

  it("serves today's bar as provisional during the session and stores it only after the close", async () => {
    // 2026-08-11 is a Tuesday session and the last bar the replay holds; 11:00 in Shanghai.
    const clock = new ManualClock("2026-08-11T03:00:00Z");
    const api = await system.api({ clock });
    const live = await api.get(`${HISTORY}/600519?start_date=20260803&end_date=20260811`);
    expect(live.body.data.at(-1)).toMatchObject({ date: "2026-08-11", provisional: true });
    expect(live.body.data.slice(0, -1).every((b: { provisional: boolean }) => !b.provisional)).toBe(true);
    expect(live.body.metadata.cache.trading_days).toBe(7);
    // stored: the six final sessions, not today
    expect(await system.rows()).toMatchObject({ bars: 6 });
    // 15:20: still not final (close 15:00 + 30 min); a repeat within a minute reuses the live bar
    clock.set("2026-08-11T07:20:00Z");
    const repeat = await api.get(`${HISTORY}/600519?start_date=20260803&end_date=20260811`);
    expect(repeat.body.data.at(-1).provisional).toBe(true);
    expect(system.replay.requestCount()).toBe(2);
    // 15:40: final; only today is fetched, then stored
    clock.set("2026-08-11T07:40:00Z");
    const final = await api.get(`${HISTORY}/600519?start_date=20260803&end_date=20260811`);
    expect(final.body.data.at(-1)).toMatchObject({ date: "2026-08-11", provisional: false, partial: false });
    // only today is new; the held 2026-08-10 rides along as the anchor
    expect(system.replay.requests.at(-1)).toMatchObject({ beg: "20260810", end: "20260811" });
    expect(await system.rows()).toMatchObject({ bars: 7 });
    await api.get(`${HISTORY}/600519?start_date=20260803&end_date=20260811`);
    expect(system.replay.requestCount()).toBe(3);
  });

  it("also answers on the alias /api/v1/stocks/stock/{symbol}", async () => {
    const api = await system.api();
    const a = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240131&adjust=qfq`);
    const b = await api.get(`/api/v1/stocks/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq`);
    expect(b.status).toBe(200);
    expect(b.body.data).toEqual(a.body.data);
    expect(system.replay.requestCount()).toBe(1);
  });
});
