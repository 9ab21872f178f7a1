import { ManualClock } from "@quantdb/core/clock";
import { stockListSnapshotDates } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { AFTER_CLOSE, systemSuite, type TestSystem } from "./harness.ts";

const LIST = "/api/v1/stocks/list";
const INFO = "/api/v1/assets/symbol";
const ASSETS = "/api/v1/assets";
const CLIST_PATH = "/api/qt/clist/get";
const STOCK_GET_PATH = "/api/qt/stock/get";
const DAY_MS = 86_400_000;

const FS = {
  SH: "m:1 t:2,m:1 t:23",
  SZ: "m:0 t:6,m:0 t:80",
  BJ: "m:0 t:81 s:2048",
  HK: "m:128 t:3,m:128 t:4,m:128 t:1,m:128 t:2",
} as const;

type Row = Record<string, number | string>;

function calls(system: TestSystem, path: string): number {
  return system.replay.requests.filter((r) => r.path === path).length;
}

/** Every row the replay serves for a market, read straight from it (page by page), in code order. */
async function upstreamRows(system: TestSystem, market: keyof typeof FS): Promise<Row[]> {
  const rows: Row[] = [];
  for (let page = 1; ; page++) {
    const params = new URLSearchParams({
      pn: String(page),
      pz: "100",
      po: "0",
      np: "1",
      fltt: "2",
      fid: "f12",
      fs: FS[market],
      fields: "f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f14,f15,f16,f17,f18,f20,f21,f22,f23,f24,f25,f115",
    });
    const body = (await (await fetch(`${system.replay.url}${CLIST_PATH}?${params}`)).json()) as {
      data: { diff: Row[] } | null;
    };
    if (!body.data) return rows;
    rows.push(...body.data.diff);
  }
}

/** The expected API entry for an upstream row: by key name, "-" → null, A-share lots → shares. */
function expectedEntry(row: Row, hk: boolean) {
  const n = (key: string) => (row[key] === "-" ? null : (row[key] as number));
  const lots = n("f5");
  return {
    symbol: row.f12,
    name: row.f14 === "-" ? null : row.f14,
    price: n("f2"),
    pct_change: n("f3"),
    change: n("f4"),
    volume: lots === null ? null : hk ? lots : Math.round(lots * 100),
    amount: n("f6"),
    turnover_rate: n("f8"),
    pe_ratio: n("f9"),
    pe_ttm: n("f115"),
    pb_ratio: n("f23"),
    market_cap: n("f20"),
    float_market_cap: n("f21"),
    open: n("f17"),
    high: n("f15"),
    low: n("f16"),
    prev_close: n("f18"),
    amplitude: n("f7"),
    volume_ratio: n("f10"),
    change_speed: n("f22"),
    change_5min: n("f11"),
    change_60d: n("f24"),
    change_ytd: n("f25"),
  };
}

/** Resolve once `predicate` holds (polling), or fail after a second. */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("condition not reached");
}

describe.each(testDrivers())("GET /api/v1/stocks/list on %s", (driver) => {
  const system = systemSuite(driver);

  it("scans a cold market page by page (ceil(total/100) calls in turn), serving upstream's rows exactly", async () => {
    // No recorded list has a P/E TTM (f115 is "-" for every stock): this value is the test's own, set on the
    // replay, to check pe_ttm's source field end to end (parsed, stored, served).
    system.replay.setListFields("600519", { f115: 30.12 });
    const api = await system.api();
    const { status, body } = await api.get(`${LIST}?market=SH`);
    expect(status).toBe(200);
    const expected = await upstreamRows(system, "SH");
    expect(expected).toHaveLength(2268);
    const pages = Math.ceil(2268 / 100);
    expect(pages).toBe(23);
    const scan = system.replay.requests.filter((r) => r.path === CLIST_PATH).slice(0, pages);
    expect(scan.map((r) => r.query.pn)).toEqual(Array.from({ length: pages }, (_, i) => String(i + 1)));
    for (const r of scan) {
      expect(r.query).toMatchObject({ pz: "100", po: "1", np: "1", fltt: "2", invt: "2", fid: "f12", fs: FS.SH });
      expect(r.query.fields!.split(",")).toEqual(expect.arrayContaining(["f9", "f23", "f115"]));
    }
    expect(body).toMatchObject({
      market: "SH",
      snapshot_date: "2026-11-20",
      stale: false,
      fetched_at: new Date(AFTER_CLOSE).toISOString(),
      upstream_error: null,
      total: 2268,
      count: 2268,
      offset: 0,
      limit: null,
      q: null,
      cache: { hit: false, upstream_requests: pages },
      units: {
        currency: "CNY",
        price: "CNY",
        volume: "shares",
        amount: "CNY",
        pct_change: "percent",
        turnover_rate: "percent",
        market_cap: "CNY",
        pe_ratio: "ratio",
        pe_ttm: "ratio",
      },
    });
    expect(body.stocks).toEqual(expected.map((row) => expectedEntry(row, false)));
    // a symbol with replayed bars carries its last real bar (600519, 2024-05-22), volume in shares
    expect(body.stocks.find((s: { symbol: string }) => s.symbol === "600519")).toEqual({
      symbol: "600519",
      name: "贵州茅台",
      price: 1697.71,
      pct_change: -0.43,
      change: -7.29,
      volume: 2028600,
      amount: 3443977767,
      turnover_rate: 0.16,
      pe_ratio: null,
      pe_ttm: 30.12,
      pb_ratio: null,
      market_cap: 1870754887716,
      float_market_cap: 1870754887716,
      open: 1703,
      high: 1709.96,
      low: 1691,
      prev_close: 1705,
      amplitude: 1.11,
      volume_ratio: null,
      change_speed: null,
      change_5min: null,
      change_60d: null,
      change_ytd: null,
    });
    // a symbol without bars: "-" price fields are null, caps still there
    expect(body.stocks.find((s: { symbol: string }) => s.symbol === "600000")).toMatchObject({
      price: null,
      volume: null,
      prev_close: null,
      market_cap: expect.any(Number),
    });
    // 603381 is listed upstream with the name "-"
    expect(body.stocks.find((s: { symbol: string }) => s.symbol === "603381")).toMatchObject({ name: null });
    expect(await stockListSnapshotDates(system.database.db, "SH")).toEqual([{ date: "2026-11-20", count: 2268 }]);
  }, 60_000);

  it("serves HK volumes as shares and HKD units", async () => {
    const api = await system.api();
    const { status, body } = await api.get(`${LIST}?market=hk&q=00700`);
    expect(status).toBe(200);
    expect(calls(system, CLIST_PATH)).toBe(Math.ceil(2497 / 100));
    expect(body).toMatchObject({
      market: "HK",
      total: 1,
      count: 1,
      units: { currency: "HKD", price: "HKD", volume: "shares", market_cap: "HKD" },
    });
    const [row] = (await upstreamRows(system, "HK")).filter((r) => r.f12 === "00700");
    expect(body.stocks).toEqual([expectedEntry(row!, true)]);
    expect(body.stocks[0]).toMatchObject({ name: "腾讯控股", price: 290, volume: 11929044 });
  }, 60_000);

  it("answers the rest of the day from the database: no upstream call, with q / limit / offset", async () => {
    system.replay.setListFields("830799", { f115: 41.5 }); // the test's own P/E TTM, not recorded (see above)
    const api = await system.api();
    const cold = await api.get(`${LIST}?market=BJ`);
    expect(cold.body.cache).toEqual({ hit: false, upstream_requests: 3 });
    expect(calls(system, CLIST_PATH)).toBe(3);
    api.clock.advance(3 * 3_600_000); // 23:00 the same day in Beijing
    const warm = await api.get(`${LIST}?market=BJ`);
    expect(warm.status).toBe(200);
    expect(warm.body.stocks).toEqual(cold.body.stocks);
    expect(warm.body).toMatchObject({
      snapshot_date: "2026-11-20",
      stale: false,
      fetched_at: cold.body.fetched_at,
      cache: { hit: true, upstream_requests: 0 },
    });
    const page = await api.get(`${LIST}?market=BJ&limit=10&offset=5`);
    expect(page.body).toMatchObject({ total: 249, count: 10, limit: 10, offset: 5 });
    expect(page.body.stocks).toEqual(cold.body.stocks.slice(5, 15));
    const byName = await api.get(`${LIST}?market=BJ&q=${encodeURIComponent("艾融")}`);
    expect(byName.body.stocks.map((s: { symbol: string }) => s.symbol)).toEqual(["830799"]);
    expect(byName.body.stocks[0]).toMatchObject({
      pe_ratio: null,
      pe_ttm: 41.5,
      price: 9.57,
      volume: 1670400,
      prev_close: 9.41,
      market_cap: 2156285325,
    });
    const byCode = await api.get(`${LIST}?market=BJ&q=8307`);
    expect(byCode.body.stocks.every((s: { symbol: string }) => s.symbol.includes("8307"))).toBe(true);
    expect(byCode.body.total).toBe(byCode.body.count);
    expect(byCode.body.total).toBeGreaterThan(0);
    const none = await api.get(`${LIST}?market=BJ&q=%25`);
    expect(none.body).toMatchObject({ total: 0, count: 0, stocks: [] });
    // a new API process (empty memory) finds the stored snapshot too
    const restarted = await system.api({ clock: new ManualClock(api.clock.now()) });
    expect((await restarted.get(`${LIST}?market=BJ`)).body.cache.hit).toBe(true);
    expect(calls(system, CLIST_PATH)).toBe(3);
  }, 60_000);

  it("takes a new snapshot on the next exchange-local day and keeps the previous one", async () => {
    const clock = new ManualClock("2026-11-20T15:30:00Z"); // 23:30 in Beijing
    const api = await system.api({ clock });
    await api.get(`${LIST}?market=BJ`);
    clock.advance(45 * 60_000); // 00:15 on 2026-11-21 in Beijing
    const next = await api.get(`${LIST}?market=BJ`);
    expect(next.body).toMatchObject({
      snapshot_date: "2026-11-21",
      stale: false,
      cache: { hit: false, upstream_requests: 3 },
    });
    expect(calls(system, CLIST_PATH)).toBe(6);
    expect(await stockListSnapshotDates(system.database.db, "BJ")).toEqual([
      { date: "2026-11-21", count: 249 },
      { date: "2026-11-20", count: 249 },
    ]);
  }, 60_000);

  it("serves the previous snapshot flagged stale when upstream fails, backs off a minute, then recovers", async () => {
    const api = await system.api();
    const first = await api.get(`${LIST}?market=BJ`);
    api.clock.advance(DAY_MS);
    system.replay.injectFault({ kind: "reset" });
    const stale = await api.get(`${LIST}?market=BJ`);
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({
      market: "BJ",
      snapshot_date: "2026-11-20",
      stale: true,
      fetched_at: first.body.fetched_at,
      upstream_error: { code: "UPSTREAM_UNAVAILABLE" },
      cache: { hit: true, upstream_requests: 0 },
      total: 249,
    });
    expect(stale.body.stocks).toEqual(first.body.stocks);
    expect(calls(system, CLIST_PATH)).toBe(4); // 3 for the first scan, 1 failed page
    api.clock.advance(30_000);
    expect((await api.get(`${LIST}?market=BJ`)).body.stale).toBe(true);
    expect(calls(system, CLIST_PATH)).toBe(4); // within a minute of the failure: not asked again
    system.replay.clearFaults();
    api.clock.advance(31_000);
    const recovered = await api.get(`${LIST}?market=BJ`);
    expect(recovered.body).toMatchObject({ snapshot_date: "2026-11-21", stale: false, upstream_error: null });
    expect(calls(system, CLIST_PATH)).toBe(7);
  }, 60_000);

  it("answers 502/504 when upstream fails with nothing stored; keeps nothing of a scan failing later", async () => {
    const api = await system.api();
    system.replay.injectFault({ kind: "http500", times: 1 });
    const down = await api.get(`${LIST}?market=BJ`);
    expect(down.status).toBe(502);
    expect(down.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 502 });
    system.replay.injectFault({ kind: "captcha", times: 1 });
    const captcha = await api.get(`${LIST}?market=BJ`);
    expect(captcha.status).toBe(502);
    expect(captcha.body.error.code).toBe("UPSTREAM_INVALID");
    system.replay.injectFault({ kind: "slow", delayMs: 5_000, times: 1 });
    const slow = await api.get(`${LIST}?market=BJ`);
    expect(slow.status).toBe(504);
    expect(slow.body.error.code).toBe("UPSTREAM_TIMEOUT");
    expect(calls(system, CLIST_PATH)).toBe(3);

    // page 1 answers, page 2 fails: the snapshot is all or nothing
    system.replay.setLatency(150);
    const pending = api.get(`${LIST}?market=BJ`);
    await until(() => calls(system, CLIST_PATH) === 4);
    system.replay.injectFault({ kind: "http500", times: 1 });
    const partial = await pending;
    expect(partial.status).toBe(502);
    expect(calls(system, CLIST_PATH)).toBe(5);
    expect(await stockListSnapshotDates(system.database.db, "BJ")).toEqual([]);
  }, 60_000);

  it("makes one scan for concurrent cold requests of the same market", async () => {
    system.replay.setLatency(20);
    const api = await system.api();
    const responses = await Promise.all(Array.from({ length: 5 }, () => api.get(`${LIST}?market=BJ`)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(calls(system, CLIST_PATH)).toBe(3);
    for (const r of responses) expect(r.body.stocks).toEqual(responses[0]!.body.stocks);
  }, 60_000);

  it("validates market, limit, offset and q with 400 VALIDATION_ERROR and calls nothing", async () => {
    const api = await system.api();
    for (const query of [
      "",
      "?market=",
      "?market=XX",
      "?market=CN",
      "?market=SH&limit=0",
      "?market=SH&limit=abc",
      "?market=SH&limit=10001",
      "?market=SH&offset=-1",
      "?market=SH&offset=1.5",
      `?market=SH&q=${"x".repeat(51)}`,
    ]) {
      const { status, body } = await api.get(`${LIST}${query}`);
      expect(status, query).toBe(400);
      expect(body.error, query).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
    }
    expect((await api.get(`${LIST}?market=XX`)).body.error.details.accepted).toEqual(["SH", "SZ", "BJ", "HK"]);
    expect(system.replay.requests).toHaveLength(0);
  });
});

describe.each(testDrivers())("company info and held assets on %s", (driver) => {
  const system = systemSuite(driver);

  /** What the replay answers for a secid, read straight from it. */
  async function upstreamInfo(secid: string) {
    const response = await fetch(
      `${system.replay.url}${STOCK_GET_PATH}?fltt=2&invt=2&secid=${secid}` +
        "&fields=f43,f57,f58,f84,f85,f116,f117,f127,f189",
    );
    const { data } = (await response.json()) as { data: Row };
    const n = (key: string) => (data[key] === "-" ? null : data[key]);
    return {
      symbol: data.f57,
      name: data.f58,
      industry: n("f127"),
      total_shares: n("f84"),
      float_shares: n("f85"),
      total_market_cap: n("f116"),
      float_market_cap: n("f117"),
    };
  }

  it("fetches company info once, serves it for a day, then refetches", async () => {
    const expected = await upstreamInfo("1.600519");
    system.replay.reset(); // forget the request just made to read the expected values
    const api = await system.api();
    const cold = await api.get(`${INFO}/600519.SS`);
    expect(cold.status).toBe(200);
    expect(calls(system, STOCK_GET_PATH)).toBe(1);
    expect(system.replay.requests[0]!.query).toMatchObject({
      secid: "1.600519",
      fltt: "2",
      invt: "2",
      fields: "f43,f57,f58,f84,f85,f116,f117,f127,f189",
    });
    expect(cold.body).toEqual({
      ...expected,
      market: "SH",
      exchange: "SSE",
      listing_date: null,
      currency: "CNY",
      fetched_at: new Date(AFTER_CLOSE).toISOString(),
      stale: false,
      cache: { hit: false, upstream_requests: 1 },
    });
    expect(cold.body).toMatchObject({
      name: "贵州茅台",
      industry: "酿酒行业",
      total_shares: 1256197800,
      total_market_cap: 1870754887716,
    });

    api.clock.advance(DAY_MS - 60_000);
    const warm = await api.get(`${INFO}/sh600519`);
    expect(warm.body).toEqual({ ...cold.body, cache: { hit: true, upstream_requests: 0 } });
    expect(calls(system, STOCK_GET_PATH)).toBe(1);

    api.clock.advance(60_000);
    const expired = await api.get(`${INFO}/600519`);
    expect(expired.body).toMatchObject({
      stale: false,
      fetched_at: api.clock.now().toISOString(),
      cache: { hit: false, upstream_requests: 1 },
    });
    expect(calls(system, STOCK_GET_PATH)).toBe(2);
  });

  it("serves the recorded 688635 response and HK information in HKD", async () => {
    const api = await system.api();
    const ipo = await api.get(`${INFO}/688635`);
    expect(ipo.body).toMatchObject({
      symbol: "688635",
      market: "SH",
      exchange: "SSE",
      name: "N长进",
      industry: "通信设备",
      listing_date: null,
      total_shares: 93670000,
      float_shares: 17756517,
      total_market_cap: 61821263300,
      float_market_cap: 11719123654.83,
      currency: "CNY",
    });
    const tencent = await api.get(`${INFO}/0700.HK`);
    expect(tencent.body).toEqual({
      ...(await upstreamInfo("116.00700")),
      market: "HK",
      exchange: "HKEX",
      listing_date: null,
      currency: "HKD",
      fetched_at: new Date(AFTER_CLOSE).toISOString(),
      stale: false,
      cache: { hit: false, upstream_requests: 1 },
    });
    expect(tencent.body).toMatchObject({
      symbol: "00700",
      name: "腾讯控股",
      total_shares: 9477000000,
      float_market_cap: null,
    });
    const beijing = await api.get(`${INFO}/830799.BJ`);
    expect(beijing.body).toMatchObject({ market: "BJ", exchange: "BSE", name: "艾融软件", float_shares: 120930071 });
  });

  it("answers 404 for an instrument upstream does not know (remembered an hour) and 400 for a bad symbol", async () => {
    const api = await system.api();
    const missing = await api.get(`${INFO}/689999`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "NOT_FOUND", status: 404, details: { secid: "1.689999" } });
    expect((await api.get(`${INFO}/689999`)).status).toBe(404);
    expect(calls(system, STOCK_GET_PATH)).toBe(1);
    api.clock.advance(3_600_000);
    expect((await api.get(`${INFO}/689999`)).status).toBe(404);
    expect(calls(system, STOCK_GET_PATH)).toBe(2);
    for (const bad of ["ABC", "000001.SH", "123", "510300"]) {
      const { status, body } = await api.get(`${INFO}/${bad}`);
      expect(status, bad).toBe(400);
      expect(body.error.code, bad).toBe("INVALID_SYMBOL");
    }
    expect(calls(system, STOCK_GET_PATH)).toBe(2);
    expect((await system.rows()).instruments).toBe(0);
  });

  it("serves an expired profile flagged stale when upstream fails, and 502 when nothing is stored", async () => {
    const api = await system.api();
    system.replay.injectFault({ kind: "http500", secid: "1.600519", times: 1 });
    const down = await api.get(`${INFO}/600519`);
    expect(down.status).toBe(502);
    expect(down.body.error.code).toBe("UPSTREAM_UNAVAILABLE");
    const ok = await api.get(`${INFO}/600519`);
    expect(ok.body.stale).toBe(false);
    api.clock.advance(DAY_MS + 1);
    system.replay.injectFault({ kind: "reset", secid: "1.600519", times: 1 });
    const stale = await api.get(`${INFO}/600519`);
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual({ ...ok.body, stale: true, cache: { hit: false, upstream_requests: 1 } });
    system.replay.injectFault({ kind: "bad-row", secid: "1.600519", times: 1 });
    expect((await api.get(`${INFO}/600519`)).body.stale).toBe(true);
    expect(calls(system, STOCK_GET_PATH)).toBe(4);
  });

  it("never calls the list or info upstream for history, and history works after they failed", async () => {
    const api = await system.api();
    system.replay.injectFault({ kind: "http500", times: 1 });
    expect((await api.get(`${INFO}/600519`)).status).toBe(502);
    system.replay.injectFault({ kind: "reset", times: 1 });
    expect((await api.get(`${LIST}?market=SH`)).status).toBe(502);
    const history = await api.get(`/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq`);
    expect(history.status).toBe(200);
    expect(history.body.name).toBe("贵州茅台");
    expect(history.body.data.length).toBeGreaterThan(15);
    expect(calls(system, STOCK_GET_PATH)).toBe(1);
    expect(calls(system, CLIST_PATH)).toBe(1);
    expect(system.replay.requests.map((r) => r.path)).toEqual([STOCK_GET_PATH, CLIST_PATH, "/api/qt/stock/kline/get"]);
  });

  it("lists held instruments with their profiles, filtered and paged", async () => {
    const api = await system.api();
    expect((await api.get(ASSETS)).body).toEqual({ total: 0, count: 0, limit: 50, offset: 0, assets: [] });
    await api.get(`${INFO}/600519`);
    await api.get(`${INFO}/000001`);
    await api.get(`${INFO}/00700`);
    await api.get(`/api/v1/historical/stock/300750?start_date=20240102&end_date=20240105&adjust=qfq`);
    const all = await api.get(ASSETS);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 4, count: 4, limit: 50, offset: 0 });
    expect(all.body.assets.map((a: { market: string; symbol: string }) => `${a.market}:${a.symbol}`)).toEqual([
      "HK:00700",
      "SH:600519",
      "SZ:000001",
      "SZ:300750",
    ]);
    expect(all.body.assets[1]).toEqual({
      symbol: "600519",
      kind: "stock",
      market: "SH",
      name: "贵州茅台",
      currency: "CNY",
      exchange: "SSE",
      industry: "酿酒行业",
      listing_date: null,
      total_shares: 1256197800,
      float_shares: 1256197800,
      total_market_cap: 1870754887716,
      float_market_cap: 1870754887716,
      profile_fetched_at: new Date(AFTER_CLOSE).toISOString(),
    });
    expect(all.body.assets[3]).toMatchObject({
      symbol: "300750",
      name: "宁德时代",
      industry: null,
      total_shares: null,
      profile_fetched_at: null,
    });

    const sz = await api.get(`${ASSETS}?market=sz`);
    expect(sz.body.assets.map((a: { symbol: string }) => a.symbol)).toEqual(["000001", "300750"]);
    expect(
      (await api.get(`${ASSETS}?q=${encodeURIComponent("平安")}`)).body.assets.map((a: { symbol: string }) => a.symbol),
    ).toEqual(["000001"]);
    expect((await api.get(`${ASSETS}?q=0070`)).body.assets.map((a: { symbol: string }) => a.symbol)).toEqual(["00700"]);
    const page = await api.get(`${ASSETS}?limit=2&offset=1`);
    expect(page.body).toMatchObject({ total: 4, count: 2, limit: 2, offset: 1 });
    expect(page.body.assets.map((a: { symbol: string }) => a.symbol)).toEqual(["600519", "000001"]);
    expect((await api.get(`${ASSETS}?kind=index`)).body.total).toBe(0);
    expect((await api.get(`${ASSETS}?offset=10`)).body).toMatchObject({ total: 4, count: 0, assets: [] });

    for (const query of [
      "?limit=0",
      "?limit=501",
      "?limit=x",
      "?offset=-1",
      "?market=XX",
      "?kind=etf",
      `?q=${"y".repeat(51)}`,
    ]) {
      const { status, body } = await api.get(`${ASSETS}${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code, query).toBe("VALIDATION_ERROR");
    }
  });

  it("searches stored stock lists and held instruments by code or name, best match first, no upstream", async () => {
    const SEARCH = "/api/v1/assets/search";
    const api = await system.api();
    const symbols = (body: { results: { symbol: string }[] }) => body.results.map((r) => r.symbol);
    // nothing stored: no results, every list reported missing
    const empty = await api.get(`${SEARCH}?q=${encodeURIComponent("茅台")}`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      q: "茅台",
      count: 0,
      limit: 10,
      results: [],
      lists: ["SH", "SZ", "BJ", "HK"].map((market) => ({ market, snapshot_date: null })),
    });
    expect(system.replay.requests).toHaveLength(0);

    // held instruments are found before any list is fetched (an index among them)
    await api.get(`/api/v1/historical/stock/600519?start_date=20240102&end_date=20240105&adjust=qfq`);
    await api.get(`/api/v1/index/historical/000300?start_date=20240102&end_date=20240105`);
    const held = await api.get(`${SEARCH}?q=${encodeURIComponent("茅台")}`);
    expect(held.body.results).toEqual([
      {
        symbol: "600519",
        kind: "stock",
        market: "SH",
        name: "贵州茅台",
        exchange: "SSE",
        source: "held",
        match: "contains",
      },
    ]);
    const index = await api.get(`${SEARCH}?q=000300`);
    expect(index.body.results).toEqual([
      expect.objectContaining({ symbol: "000300", kind: "index", source: "held", match: "code", exchange: null }),
    ]);

    await api.get(`${LIST}?market=SH`);
    await api.get(`${LIST}?market=HK`);
    const upstreamCalls = system.replay.requests.length;

    const listed = await api.get(`${SEARCH}?q=${encodeURIComponent("茅台")}`);
    expect(listed.body.results[0]).toEqual({
      symbol: "600519",
      kind: "stock",
      market: "SH",
      name: "贵州茅台",
      exchange: "SSE",
      source: "list",
      match: "contains",
    });
    expect(listed.body.lists).toEqual([
      { market: "SH", snapshot_date: "2026-11-20" },
      { market: "SZ", snapshot_date: null },
      { market: "BJ", snapshot_date: null },
      { market: "HK", snapshot_date: "2026-11-20" },
    ]);
    const tencent = await api.get(`${SEARCH}?q=${encodeURIComponent("腾讯")}`);
    expect(tencent.body.results[0]).toMatchObject({
      symbol: "00700",
      market: "HK",
      name: "腾讯控股",
      exchange: "HKEX",
      source: "list",
      match: "name_prefix",
    });
    expect(symbols((await api.get(`${SEARCH}?q=0700.HK`)).body)).toEqual(["00700"]);

    // code prefix before contains; every result contains the text; limit applies
    const prefix = await api.get(`${SEARCH}?q=6005&limit=50`);
    expect(prefix.body).toMatchObject({ q: "6005", limit: 50, count: 50 });
    expect(symbols(prefix.body).every((s) => s.includes("6005"))).toBe(true);
    expect(prefix.body.results[0]).toMatchObject({ symbol: "600500", match: "code_prefix" });
    const ranks = prefix.body.results.map((r: { match: string }) =>
      ["code", "code_prefix", "name_prefix", "contains"].indexOf(r.match),
    );
    expect(ranks).toEqual([...ranks].sort((a: number, b: number) => a - b));
    expect((await api.get(`${SEARCH}?q=600519`)).body.results[0]).toMatchObject({ symbol: "600519", match: "code" });
    expect((await api.get(`${SEARCH}?q=6&limit=3`)).body.count).toBe(3);
    expect((await api.get(`${SEARCH}?q=%25`)).body.count).toBe(0);
    expect(system.replay.requests).toHaveLength(upstreamCalls);

    for (const query of [
      "",
      "?q=",
      "?q=%20",
      `?q=${"z".repeat(51)}`,
      "?q=1&limit=0",
      "?q=1&limit=51",
      "?q=1&limit=x",
    ]) {
      const { status, body } = await api.get(`${SEARCH}${query}`);
      expect(status, query).toBe(400);
      expect(body.error, query).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
    }
  });

  it("documents the new operations in the OpenAPI document", async () => {
    const api = await system.api();
    const { body } = await api.get("/openapi.json");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/stocks/list", "/api/v1/assets", "/api/v1/assets/symbol/{symbol}"]),
    );
    expect(body.paths["/api/v1/stocks/list"].get.description).toContain("exchange-local day");
    expect(body.components.schemas.StockListEntry.properties.volume.description).toContain("shares");
  });
});
