/**
 * Batch history and cache management, through HTTP against the replay upstream.
 */
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { systemSuite } from "./harness.ts";

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe.each(testDrivers())("batch and cache management on %s", (driver) => {
  const system = systemSuite(driver);

  describe("POST /api/v1/batch/stocks", () => {
    const ten = [
      "600519",
      "000001",
      "300750",
      "430047",
      "830799",
      "688981",
      "sh600519",
      "000001.SZ",
      "300750.SZ",
      "688981.SH",
    ];

    it("fetches each missing span once, and a batch of 10 cached symbols makes zero upstream calls", async () => {
      const api = await system.api();
      const cold = await api.get(
        "/api/v1/batch/stocks",
        json({ symbols: ten, start_date: "20240102", end_date: "20240131", adjust: "qfq" }),
      );
      expect(cold.status).toBe(200);
      expect(Object.keys(cold.body.results).sort()).toEqual([...ten].sort());
      expect(cold.body.errors).toEqual({});
      expect(system.replay.requestCount()).toBe(6); // six distinct instruments
      expect(cold.body.metadata).toEqual({ requested: 10, succeeded: 10, failed: 0, upstream_requests: 6 });
      expect(cold.body.results["sh600519"].data).toEqual(cold.body.results["600519"].data);
      expect(cold.body.results["600519"].data).toHaveLength(22);

      const warm = await api.get(
        "/api/v1/batch/stocks",
        json({ symbols: ten, start_date: "2024-01-02", end_date: "2024-01-31", adjust: "qfq" }),
      );
      expect(warm.body.metadata.upstream_requests).toBe(0);
      expect(system.replay.requestCount()).toBe(6);
      const single = await api.get("/api/v1/historical/stock/300750?start_date=20240102&end_date=20240131&adjust=qfq");
      expect(single.body.data).toEqual(warm.body.results["300750"].data);
    });

    it("reports bad symbols and upstream failures per symbol inside a 200", async () => {
      const api = await system.api();
      system.replay.injectFault({ kind: "reset", secid: "0.000001" });
      const { status, body } = await api.get(
        "/api/v1/batch/stocks",
        json({ symbols: ["600519", "BAD", "000001"], start_date: "20240102", end_date: "20240131", adjust: "qfq" }),
      );
      expect(status).toBe(200);
      expect(Object.keys(body.results)).toEqual(["600519"]);
      expect(body.errors.BAD).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
      expect(body.errors["000001"]).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 502 });
      expect(body.metadata).toMatchObject({ requested: 3, succeeded: 1, failed: 2 });
    });

    it.each([
      ["an empty list", { symbols: [] }],
      ["101 symbols", { symbols: Array.from({ length: 101 }, (_, i) => String(600000 + i)) }],
      ["a missing list", { start_date: "20240102" }],
      ["a bad period", { symbols: ["600519"], period: "hourly" }],
    ])("rejects %s with 400", async (_, body) => {
      const api = await system.api();
      const response = await api.get("/api/v1/batch/stocks", json(body));
      if ("period" in body) {
        expect(response.status).toBe(200);
        expect(response.body.errors["600519"].code).toBe("INVALID_PERIOD");
      } else {
        expect(response.status).toBe(400);
        expect(response.body.error.status).toBe(400);
      }
      expect(system.replay.requestCount()).toBe(0);
    });

    it("rejects a body that is not JSON with 400 in the envelope", async () => {
      const api = await system.api();
      const { status, body } = await api.get("/api/v1/batch/stocks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ status: 400 });
    });
  });

  describe("POST /api/v1/batch/assets", () => {
    it("answers company information per symbol, one upstream call per missing profile, none when fresh", async () => {
      const api = await system.api();
      const cold = await api.get("/api/v1/batch/assets", json({ symbols: ["600519", "000001.SZ", "BAD", "600519"] }));
      expect(cold.status).toBe(200);
      expect(Object.keys(cold.body.assets).sort()).toEqual(["000001.SZ", "600519"]);
      expect(cold.body.assets["600519"]).toMatchObject({
        symbol: "600519",
        market: "SH",
        name: "贵州茅台",
        currency: "CNY",
      });
      expect(cold.body.errors.BAD).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
      expect(cold.body.metadata).toEqual({ requested: 3, succeeded: 2, failed: 1, upstream_requests: 2 });
      const warm = await api.get("/api/v1/batch/assets", json({ symbols: ["600519", "000001.SZ"] }));
      expect(warm.body.metadata.upstream_requests).toBe(0);
      expect(system.replay.requestCount({ path: "/api/qt/stock/get" })).toBe(2);
      expect((await api.get("/api/v1/batch/assets", json({ symbols: [] }))).status).toBe(400);
    });
  });

  describe("cache stats, coverage and clearing", () => {
    it("reports what is held, spans per adjustment, and the hit ratio since start", async () => {
      const api = await system.api();
      await api.get("/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq");
      await api.get("/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq");
      // after the data ends: empty
      await api.get("/api/v1/historical/stock/600519?start_date=20240601&end_date=20240628&adjust=qfq");
      // empty again: remembered
      await api.get("/api/v1/historical/stock/600519?start_date=20240601&end_date=20240628&adjust=qfq");
      await api.get("/api/v1/index/historical/000300?start_date=20240102&end_date=20240105");

      const stats = await api.get("/api/v1/cache/stats");
      expect(stats.body).toMatchObject({
        instruments: { stocks: 1, indices: 1 },
        bars: 22 + 4,
        spans: { total: 3, empty: 1 },
        first_bar: "2024-01-02",
        last_bar: "2024-01-31",
        requests: { total: 5, hits: 1, hit_ratio: 0.2, upstream_calls: 4 },
      });

      const coverage = await api.get("/api/v1/cache/coverage/600519.SH");
      expect(coverage.body).toMatchObject({ symbol: "600519", market: "SH", kind: "stock" });
      expect(
        coverage.body.spans.map((s: { adjust: string; start_date: string; end_date: string; bars: number }) => [
          s.adjust,
          s.start_date,
          s.end_date,
          s.bars,
        ]),
      ).toEqual([
        ["qfq", "2024-01-02", "2024-01-31", 22],
        ["qfq", "2024-06-03", "2024-06-28", 0],
      ]);
      const index = await api.get("/api/v1/cache/coverage/000300?kind=index");
      expect(index.body.spans).toHaveLength(1);
      expect((await api.get("/api/v1/cache/coverage/000858")).status).toBe(404);
      expect((await api.get("/api/v1/cache/coverage/XYZ")).status).toBe(400);
    });

    it("reports per-minute requests, hits, upstream calls and latency over the last hour (server clock)", async () => {
      const api = await system.api();
      const url = "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq";
      await api.get(url); // miss: one upstream call
      await api.get(url); // hit
      api.clock.advance(2 * 60_000);
      await api.get(url); // hit, two minutes later
      const { status, body } = await api.get("/api/v1/cache/stats");
      expect(status).toBe(200);
      expect(body.activity.bucket_seconds).toBe(60);
      const minutes = body.activity.minutes as {
        start: string;
        requests: number;
        hits: number;
        hit_ratio: number | null;
        upstream_calls: number;
        latency_ms: Record<string, number | null>;
      }[];
      expect(minutes).toHaveLength(60);
      const now = Math.floor(api.clock.now().getTime() / 60_000) * 60_000;
      expect(minutes.at(-1)!.start).toBe(new Date(now).toISOString());
      expect(minutes[0]!.start).toBe(new Date(now - 59 * 60_000).toISOString());
      const first = minutes.at(-3)!;
      expect(first).toMatchObject({ requests: 2, hits: 1, hit_ratio: 0.5, upstream_calls: 1 });
      expect(first.latency_ms.p50).toBeGreaterThan(0);
      expect(first.latency_ms.p95!).toBeGreaterThanOrEqual(first.latency_ms.p50!);
      expect(first.latency_ms.max).toBe(first.latency_ms.p95); // two samples: p95 is the slower one
      expect(minutes.at(-2)).toMatchObject({
        requests: 0,
        hits: 0,
        hit_ratio: null,
        upstream_calls: 0,
        latency_ms: { p50: null, p95: null, max: null },
      });
      expect(minutes.at(-1)).toMatchObject({ requests: 1, hits: 1, hit_ratio: 1, upstream_calls: 0 });
      expect(minutes.reduce((n, m) => n + m.requests, 0)).toBe(body.requests.total);
      expect(minutes.reduce((n, m) => n + m.upstream_calls, 0)).toBe(body.requests.upstream_calls);
    });

    it("clears one symbol (then refetches it) and everything", async () => {
      const api = await system.api();
      await api.get("/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq");
      await api.get("/api/v1/historical/stock/300750?start_date=20240102&end_date=20240131&adjust=qfq");
      expect((await api.get("/api/v1/cache/clear/600519", { method: "DELETE" })).body).toEqual({
        cleared: "stock 600519",
      });
      expect((await api.get("/api/v1/cache/clear/600519", { method: "DELETE" })).status).toBe(404);
      expect(await system.rows()).toMatchObject({ instruments: 1 });
      const again = await api.get("/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq");
      expect(again.body.metadata.cache.upstream_requests).toBe(1);
      expect((await api.get("/api/v1/cache/clear", { method: "DELETE" })).body).toEqual({ cleared: "all" });
      expect(await system.rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
    });
  });

  it("serves one version at /api/v1/version/ and /api/v1/version", async () => {
    const api = await system.api();
    for (const path of ["/api/v1/version/", "/api/v1/version"]) {
      const { status, body } = await api.get(path);
      expect(status).toBe(200);
      expect(body).toEqual({ version: "0.1.0", api_version: "v1", database: driver });
    }
  });
});
