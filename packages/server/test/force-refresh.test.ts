/**
 * `force_refresh=true` with an admin key on every cached endpoint that accepts it (realtime quote
 * and batch, company information and its batch, financial summary, stock list): the request goes
 * to upstream even when the cache holds a fresh answer, stores what upstream answered, and says so
 * (`hit: false`, the real `upstream_requests`, counted by the replay per path). Without it the
 * cached answer is served with no upstream call.
 */
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { bearer, createKey, guardedSuite, type GuardedApi } from "./security-harness.ts";

const ULIST = "/api/qt/ulist.np/get";
const STOCK_GET = "/api/qt/stock/get";
const CLIST = "/api/qt/clist/get";
const DATACENTER = ["/securities/api/data/get", "/securities/api/data/v1/get"];
const MINUTE = 60_000;

const post = (body: unknown, init: RequestInit = {}): RequestInit => ({
  ...init,
  method: "POST",
  headers: { ...(init.headers as Record<string, string> | undefined), "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe.each(testDrivers())("force_refresh on the cached endpoints on %s", (driver) => {
  const suite = guardedSuite(driver);
  const calls = (...paths: string[]) =>
    paths.reduce((sum, path) => sum + suite.system.replay.requestCount({ path }), 0);

  /** An API with auth on for admin operations and an admin key. */
  async function start(): Promise<{ api: GuardedApi; admin: (init?: RequestInit) => RequestInit }> {
    const api = await suite.start({ auth: "admin" });
    const { key } = await createKey(suite.system, "admin");
    return { api, admin: (init = {}) => bearer(key, init) };
  }

  it("realtime quote: forcing refetches the cached quote (one call, hit false); plain ones stay cached", async () => {
    const { api, admin } = await start();
    const first = await api.get("/api/v1/realtime/stock/600519");
    expect(first.status).toBe(200);
    expect(first.body.cache).toEqual({ hit: false, upstream_requests: 1 });
    api.clock.advance(MINUTE); // after the close: the quote stays final, a plain request makes no call
    const cached = await api.get("/api/v1/realtime/stock/600519");
    expect(cached.body.cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(cached.body.fetched_at).toBe(first.body.fetched_at);
    expect(calls(ULIST)).toBe(1);

    expect((await api.get("/api/v1/realtime/stock/600519?force_refresh=true")).status).toBe(401);
    const forced = await api.get("/api/v1/realtime/stock/600519?force_refresh=true", admin());
    expect(forced.status).toBe(200);
    expect(calls(ULIST)).toBe(2);
    expect(forced.body.cache).toEqual({ hit: false, upstream_requests: 1 });
    expect(forced.body.fetched_at).toBe(api.clock.now().toISOString());
    expect(forced.body.price).toBe(first.body.price);

    // the forced answer is what the cache now holds
    const after = await api.get("/api/v1/realtime/stock/600519");
    expect(after.body.cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(after.body.fetched_at).toBe(forced.body.fetched_at);
    expect(calls(ULIST)).toBe(2);
    expect((await api.get("/api/v1/realtime/stock/600519?force_refresh=false")).body.cache.hit).toBe(true);
    expect((await api.get("/api/v1/realtime/stock/600519?force_refresh=maybe", admin())).status).toBe(400);
    expect(calls(ULIST)).toBe(2);
  });

  it("realtime batch: body force_refresh refetches all symbols in one call, shown in metadata.cache", async () => {
    const { api, admin } = await start();
    const symbols = ["600519", "0700.HK", "000001.SZ"];
    const first = await api.get("/api/v1/realtime/batch", post({ symbols }));
    expect(first.status).toBe(200);
    expect(first.body.metadata).toEqual({ count: 3, ok: 3, failed: 0, cache: { hit: false, upstream_requests: 1 } });
    api.clock.advance(MINUTE);
    expect((await api.get("/api/v1/realtime/batch", post({ symbols }))).body.metadata.cache).toEqual({
      hit: true,
      upstream_requests: 0,
    });
    expect(calls(ULIST)).toBe(1);

    const forced = await api.get("/api/v1/realtime/batch", post({ symbols, force_refresh: true }, admin()));
    expect(forced.status).toBe(200);
    expect(calls(ULIST)).toBe(2);
    expect(forced.body.metadata.cache).toEqual({ hit: false, upstream_requests: 1 });
    for (const entry of forced.body.data) expect(entry.quote.fetched_at).toBe(api.clock.now().toISOString());
    expect((await api.get("/api/v1/realtime/batch", post({ symbols }))).body.metadata.cache).toEqual({
      hit: true,
      upstream_requests: 0,
    });
    expect(calls(ULIST)).toBe(2);
  });

  it("company info: a forced request refetches a fresh stored profile (one call), stores it, hit false", async () => {
    const { api, admin } = await start();
    const first = await api.get("/api/v1/assets/symbol/600519");
    expect(first.status).toBe(200);
    expect(first.body.cache).toEqual({ hit: false, upstream_requests: 1 });
    api.clock.advance(MINUTE);
    expect((await api.get("/api/v1/assets/symbol/600519")).body.cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(calls(STOCK_GET)).toBe(1);

    const forced = await api.get("/api/v1/assets/symbol/600519?force_refresh=true", admin());
    expect(forced.status).toBe(200);
    expect(calls(STOCK_GET)).toBe(2);
    expect(forced.body.cache).toEqual({ hit: false, upstream_requests: 1 });
    expect(forced.body.fetched_at).toBe(api.clock.now().toISOString());
    expect(forced.body).toMatchObject({ name: first.body.name, total_shares: first.body.total_shares, stale: false });

    const after = await api.get("/api/v1/assets/symbol/600519");
    expect(after.body.cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(after.body.fetched_at).toBe(forced.body.fetched_at); // stored
    expect(calls(STOCK_GET)).toBe(2);
  });

  it("batch company information: force_refresh in the body fetches every symbol (one call each)", async () => {
    const { api, admin } = await start();
    const symbols = ["600519", "000001.SZ"];
    const first = await api.get("/api/v1/batch/assets", post({ symbols }));
    expect(first.body.metadata).toEqual({ requested: 2, succeeded: 2, failed: 0, upstream_requests: 2 });
    api.clock.advance(MINUTE);
    expect((await api.get("/api/v1/batch/assets", post({ symbols }))).body.metadata.upstream_requests).toBe(0);
    expect(calls(STOCK_GET)).toBe(2);

    const forced = await api.get("/api/v1/batch/assets", post({ symbols, force_refresh: true }, admin()));
    expect(forced.status).toBe(200);
    expect(calls(STOCK_GET)).toBe(4);
    expect(forced.body.metadata).toEqual({ requested: 2, succeeded: 2, failed: 0, upstream_requests: 2 });
    for (const symbol of symbols) {
      expect(forced.body.assets[symbol].cache).toEqual({ hit: false, upstream_requests: 1 });
      expect(forced.body.assets[symbol].fetched_at).toBe(api.clock.now().toISOString());
    }
  });

  it("financial summary: forcing refetches the current reports (three calls), stores them, hit false", async () => {
    const { api, admin } = await start();
    const first = await api.get("/api/v1/financial/600519/summary");
    expect(first.status).toBe(200);
    expect(first.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 3 });
    api.clock.advance(MINUTE);
    expect((await api.get("/api/v1/financial/600519/summary")).body.metadata.cache).toMatchObject({
      hit: true,
      upstream_requests: 0,
    });
    expect(calls(...DATACENTER)).toBe(3);

    for (const path of ["/api/v1/financial/600519/summary", "/api/v1/financial/600519"]) {
      const before = calls(...DATACENTER);
      const forced = await api.get(`${path}?force_refresh=true`, admin());
      expect(forced.status).toBe(200);
      expect(calls(...DATACENTER)).toBe(before + 3);
      expect(forced.body.metadata.cache).toMatchObject({
        hit: false,
        upstream_requests: 3,
        fetched_at: api.clock.now().toISOString(),
      });
      expect(forced.body.reports).toEqual(first.body.reports);
      api.clock.advance(MINUTE);
    }
    const after = await api.get("/api/v1/financial/600519/summary");
    expect(after.body.metadata.cache).toMatchObject({
      hit: true,
      upstream_requests: 0,
      fetched_at: new Date(api.clock.now().getTime() - MINUTE).toISOString(),
    });
  });

  it("stock list: forcing rescans despite today's stored snapshot, replaces it, reports its page calls", async () => {
    const { api, admin } = await start();
    const first = await api.get("/api/v1/stocks/list?market=BJ");
    expect(first.status).toBe(200);
    const pages = calls(CLIST);
    expect(pages).toBe(Math.ceil(first.body.total / 100));
    expect(first.body.cache).toEqual({ hit: false, upstream_requests: pages });
    api.clock.advance(MINUTE);
    expect((await api.get("/api/v1/stocks/list?market=BJ")).body.cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(calls(CLIST)).toBe(pages);

    const forced = await api.get("/api/v1/stocks/list?market=BJ&force_refresh=true", admin());
    expect(forced.status).toBe(200);
    expect(calls(CLIST)).toBe(2 * pages);
    expect(forced.body.cache).toEqual({ hit: false, upstream_requests: pages });
    expect(forced.body).toMatchObject({
      snapshot_date: first.body.snapshot_date,
      stale: false,
      fetched_at: api.clock.now().toISOString(),
      total: first.body.total,
    });
    expect(forced.body.stocks).toEqual(first.body.stocks);

    const after = await api.get("/api/v1/stocks/list?market=BJ");
    expect(after.body.cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(after.body.fetched_at).toBe(forced.body.fetched_at);
    expect(calls(CLIST)).toBe(2 * pages);
  });

  it("a forced refresh that fails is the answer, not the cached data", async () => {
    const { api, admin } = await start();
    expect((await api.get("/api/v1/assets/symbol/600519")).status).toBe(200);
    expect((await api.get("/api/v1/stocks/list?market=BJ")).status).toBe(200);
    suite.system.replay.injectFault({ kind: "http500", times: 100 });
    const info = await api.get("/api/v1/assets/symbol/600519?force_refresh=true", admin());
    expect(info.status).toBe(502);
    const list = await api.get("/api/v1/stocks/list?market=BJ&force_refresh=true", admin());
    expect(list.status).toBe(502);
    suite.system.replay.clearFaults();
    // nothing was replaced: the stored answers still serve without a call
    const calls0 = suite.system.replay.requestCount();
    expect((await api.get("/api/v1/assets/symbol/600519")).body.cache.hit).toBe(true);
    expect((await api.get("/api/v1/stocks/list?market=BJ")).body).toMatchObject({ stale: false, cache: { hit: true } });
    expect(suite.system.replay.requestCount()).toBe(calls0);
  });
  it("history and history batch: forcing replaces the held series and reports its calls (hit false)", async () => {
    const { api, admin } = await start();
    const url = "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq";
    const first = await api.get(url);
    expect(first.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1 });
    const kline = () => suite.system.replay.requestCount({ path: "/api/qt/stock/kline/get" });
    const forced = await api.get(`${url}&force_refresh=true`, admin());
    expect(forced.status).toBe(200);
    expect(kline()).toBe(2);
    expect(forced.body.metadata.cache).toMatchObject({
      hit: false,
      upstream_requests: 1,
      rows_from_cache: 0,
      rows_from_upstream: 22,
    });
    expect(forced.body.data).toEqual(first.body.data);
    expect((await api.get(url)).body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });

    const body = { symbols: ["600519", "000001"], start_date: "20240102", end_date: "20240131", adjust: "qfq" };
    expect((await api.get("/api/v1/batch/stocks", post({ ...body, force_refresh: true }))).status).toBe(401);
    const plain = await api.get("/api/v1/batch/stocks", post(body));
    expect(plain.body.metadata.upstream_requests).toBe(1); // 000001 only; 600519 is held
    const batch = await api.get("/api/v1/batch/stocks", post({ ...body, force_refresh: true }, admin()));
    expect(batch.status).toBe(200);
    expect(batch.body.metadata.upstream_requests).toBe(2); // both held series re-fetched
    expect(batch.body.results["600519"].metadata.cache).toMatchObject({ hit: false, upstream_requests: 1 });
    expect(kline()).toBe(2 + 1 + 2);
  });
});
