/**
 * The remote client end to end: the real API (PGlite + replay upstream, injected clock) on
 * loopback for the methods, error mapping and the session window; a tiny local HTTP server for
 * retries, timeouts, aborts and non-QuantDB answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock } from "@quantdb/core/clock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSystem, type Api, type TestSystem } from "../../../packages/server/test/harness.ts";
import {
  createClient,
  QuantDbApiError,
  type CalendarSession,
  type FetchLike,
  type QuantDbClient,
} from "../src/index.ts";

/** A fetch that counts and records the requests it forwards (optionally to another origin). */
function countingFetch(target?: string): FetchLike & { requests: Request[]; inFlight: number; maxInFlight: number } {
  const tracker = Object.assign(
    async (request: Request): Promise<Response> => {
      tracker.requests.push(request);
      tracker.inFlight += 1;
      tracker.maxInFlight = Math.max(tracker.maxInFlight, tracker.inFlight);
      try {
        if (!target) return await fetch(request);
        const url = new URL(request.url);
        return await fetch(new Request(target + url.pathname + url.search, request));
      } finally {
        tracker.inFlight -= 1;
      }
    },
    { requests: [] as Request[], inFlight: 0, maxInFlight: 0 },
  );
  return tracker;
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

const paths = (requests: Request[]) => requests.map((r) => new URL(r.url).pathname);

describe("remote client against the API on loopback (pglite)", () => {
  let system: TestSystem;
  let api: Api;
  let client: QuantDbClient;
  beforeAll(async () => {
    system = await startSystem("pglite");
  }, 120_000);
  afterAll(async () => system?.close());
  beforeEach(async () => {
    await system.reset();
    api = await system.api();
    client = createClient({ baseUrl: api.url });
  });

  it("reads health and version", async () => {
    // no upstream host has been called yet, so none is reported
    expect(await client.getHealth()).toEqual({
      status: "ok",
      database: "pglite",
      time: "2026-11-20T12:00:00.000Z",
      details: { upstreams: [] },
    });
    expect(await client.getVersion()).toEqual({ version: "0.1.0", api_version: "v1", database: "pglite" });
  });

  it("gets stock history over explicit dates exactly as the API serves it", async () => {
    const history = await client.getHistory("600519", { start: "20240102", end: "20240329", adjust: "qfq" });
    expect(history).toMatchObject({
      symbol: "600519",
      market: "SH",
      name: "贵州茅台",
      adjust: "qfq",
      period: "daily",
      start_date: "2024-01-02",
      end_date: "2024-03-29",
    });
    expect(history.metadata).toMatchObject({
      count: 58,
      cache: { hit: false, upstream_requests: 1 },
      units: { currency: "CNY", volume: "shares", pct_change: "percent" },
    });
    expect(history.data[0]).toMatchObject({
      date: "2024-01-02",
      open: 1715.0,
      close: 1685.01,
      volume: 3215600,
      provisional: false,
    });
    const raw = await api.get("/api/v1/historical/stock/600519?start_date=2024-01-02&end_date=2024-03-29&adjust=qfq");
    expect(raw.body.data).toEqual(history.data);

    const weekly = await client.getHistory("sh600519", {
      start: "2024-01-02",
      end: "2024-03-29",
      adjust: "qfq",
      period: "weekly",
    });
    expect(weekly.period).toBe("weekly");
    expect(weekly.metadata.cache.hit).toBe(true);
    expect(weekly.data.length).toBeLessThan(15);

    const index = await client.getIndexHistory("000300", { start: "20240102", end: "20240329", period: "weekly" });
    expect(index).toMatchObject({ symbol: "000300", adjust: "", period: "weekly" });
    expect(index.data.at(-1)?.date).toBe("2024-03-29");
  });

  it("gets many stocks in one batch request", async () => {
    const batch = await client.batchHistory(["600519", "0700.HK", "NOPE"], {
      start: "20240102",
      end: "20240131",
      adjust: "qfq",
    });
    expect(Object.keys(batch.results).sort()).toEqual(["0700.HK", "600519"]);
    expect(batch.results["0700.HK"]?.metadata.units.currency).toBe("HKD");
    expect(batch.errors["NOPE"]).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
    expect(batch.metadata).toMatchObject({ requested: 3, succeeded: 2, failed: 1 });
  });

  it("gets quotes, the stock list, company information, assets and the financial summary", async () => {
    const quote = await client.getQuote("600519.SS");
    expect(quote).toMatchObject({ symbol: "600519", market: "SH", currency: "CNY", name: "贵州茅台" });
    expect(quote.price).toBeGreaterThan(0);
    const quotes = await client.getQuotes(["600519", "700.HK", "NOPE"]);
    expect(quotes.data.map((d) => d.symbol)).toEqual(["600519", "700.HK", "NOPE"]);
    expect(quotes.data[1]?.quote?.currency).toBe("HKD");
    expect(quotes.data[2]).toMatchObject({ quote: null, error: { code: "INVALID_SYMBOL", status: 400 } });

    const list = await client.getStockList("SH", { limit: 5, offset: 1 });
    expect(list).toMatchObject({
      market: "SH",
      count: 5,
      offset: 1,
      limit: 5,
      stale: false,
      units: { currency: "CNY", volume: "shares" },
    });

    expect(await client.getCompanyInfo("600519")).toMatchObject({
      symbol: "600519",
      name: "贵州茅台",
      industry: "酿酒行业",
      exchange: "SSE",
      total_shares: 1256197800,
      currency: "CNY",
    });
    const infos = await client.batchCompanyInfo(["0700.HK", "NOPE"]);
    expect(infos.assets["0700.HK"]).toMatchObject({ symbol: "00700", currency: "HKD" });
    expect(infos.errors["NOPE"]?.code).toBe("INVALID_SYMBOL");
    const assets = await client.listAssets({ market: "SH", kind: "stock", limit: 10 });
    expect(assets.assets.map((a) => a.symbol)).toContain("600519");
    expect(assets.limit).toBe(10);
    // the SH list was fetched above: search finds 600519 by name, best match first, limit sent as a string
    const search = await client.searchAssets("茅台", { limit: 3 });
    expect(search).toMatchObject({ q: "茅台", limit: 3 });
    expect(search.results[0]).toMatchObject({
      symbol: "600519",
      kind: "stock",
      market: "SH",
      name: "贵州茅台",
      source: "list",
    });
    expect(search.lists.find((l) => l.market === "SH")?.snapshot_date).toBe("2026-11-20");
    await expect(client.searchAssets(" ")).rejects.toMatchObject({ code: "VALIDATION_ERROR", status: 400 });

    const financial = await client.getFinancialSummary("600519");
    expect(financial).toMatchObject({
      symbol: "600519",
      data_type: "financial_summary",
      count: 8,
      metadata: { units: { currency: "CNY", eps_basic: "CNY/share" } },
    });
  });

  it("reads the calendar: a range and one date", async () => {
    const december = await client.getCalendar("HK", { start: "20251201", end: "2025-12-31" });
    expect(december).toMatchObject({
      market: "HK",
      timezone: "Asia/Hong_Kong",
      start_date: "2025-12-01",
      end_date: "2025-12-31",
      known_through: "2026-12-31",
    });
    expect(december.sessions.find((s) => s.date === "2025-12-24")).toMatchObject({ half_day: true, close: "12:00" });
    expect(december.sessions.some((s) => s.date === "2025-12-25")).toBe(false);
    expect(await client.getCalendarDate("CN", "20240209")).toMatchObject({
      market: "CN",
      date: "2024-02-09",
      known: true,
      is_session: false,
      previous: "2024-02-08",
      next: "2024-02-19",
    });
  });

  it("manages the cache: stats, coverage, refresh, clear", async () => {
    await client.getHistory("600519", { start: "20240102", end: "20240329", adjust: "qfq" });
    const stats = await client.getCacheStats();
    expect(stats.bars).toBe(58);
    expect(stats.requests).toMatchObject({ total: 1, hits: 0, upstream_calls: 1 });
    const coverage = await client.getCacheCoverage("600519");
    expect(coverage).toMatchObject({
      symbol: "600519",
      kind: "stock",
      spans: [{ adjust: "qfq", start_date: "2024-01-02", end_date: "2024-03-29", bars: 58 }],
    });
    expect(await apiError(client.getCacheCoverage("000300", { kind: "index" }))).toMatchObject({
      code: "NOT_FOUND",
      status: 404,
    });
    const refreshed = await client.refreshCache("600519", { adjust: "qfq" });
    expect(refreshed).toMatchObject({
      symbol: "600519",
      upstream_requests: 1,
      refreshed: [{ adjust: "qfq", changed: false }],
    });
    expect(await client.clearSymbolCache("600519")).toEqual({ cleared: "stock 600519" });
    expect((await client.getCacheStats()).bars).toBe(0);
    expect(await client.clearCache()).toEqual({ cleared: "all" });
  });

  it("creates, lists and revokes API keys", async () => {
    const created = await client.createApiKey("desk", { scope: "admin" });
    expect(created).toMatchObject({ name: "desk", scope: "admin", prefix: created.key.slice(0, 12), revoked_at: null });
    const { data } = await client.listApiKeys();
    expect(data[0]).toMatchObject({ id: created.id, name: "desk" });
    expect(JSON.stringify(data)).not.toContain(created.key);
    expect((await client.revokeApiKey(created.prefix)).revoked_at).not.toBeNull();
    expect(await apiError(client.revokeApiKey(created.prefix))).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(await apiError(client.createApiKey(""))).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
  });

  it("maps a 400 envelope to QuantDbApiError with its code, after exactly one attempt", async () => {
    const counting = countingFetch();
    const counted = createClient({ baseUrl: api.url, fetch: counting });
    const bad = await apiError(counted.getHistory("ABC", { start: "20240102", end: "20240131" }));
    expect(bad).toMatchObject({ name: "QuantDbApiError", code: "INVALID_SYMBOL", status: 400 });
    expect(bad.message).toMatch(/ABC/);
    expect(bad.retryable).toBe(false);
    expect(counting.requests).toHaveLength(1);

    const date = await apiError(counted.getHistory("600519", { start: "2024-13-45", end: "20240131" }));
    expect(date).toMatchObject({ code: "INVALID_DATE", status: 400 });
    expect(date.details).toBeDefined();
    expect(await apiError(counted.extendHkCalendar({ year: 2031, holidays: [] }))).toMatchObject({
      code: "VALIDATION_ERROR",
      status: 400,
    });
    expect(await apiError(counted.getCalendarDate("CN", "not-a-date"))).toMatchObject({
      code: "INVALID_DATE",
      status: 400,
    });
    expect(counting.requests).toHaveLength(4);
  });

  it("maps an injected upstream fault to 502 UPSTREAM_UNAVAILABLE, retrying it `retries` times", async () => {
    system.replay.injectFault({ kind: "reset", secid: "1.600519" });
    const counting = countingFetch();
    const error = await apiError(
      createClient({ baseUrl: api.url, fetch: counting, retries: 2 }).getHistory("600519", {
        start: "20240102",
        end: "20240131",
      }),
    );
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 502 });
    expect(error.retryable).toBe(true);
    expect(counting.requests).toHaveLength(3);
    expect(system.replay.requestCount({ secid: "1.600519" })).toBe(3);

    // one failure, then the retry succeeds
    system.replay.clearFaults();
    system.replay.injectFault({ kind: "http500", secid: "1.600519", times: 1 });
    const history = await client.getHistory("600519", { start: "20240102", end: "20240131", adjust: "qfq" });
    expect(history.metadata.count).toBeGreaterThan(15);
  });

  it("works through any fetch-compatible function on a placeholder base URL (the embedded mode's path)", async () => {
    const forward = countingFetch(api.url);
    const embedded = createClient({ baseUrl: "http://embedded.invalid/", fetch: forward });
    expect(await embedded.getVersion()).toMatchObject({ version: "0.1.0" });
    expect(await embedded.getCalendarDate("HK", "2024-02-12")).toMatchObject({ is_session: false });
    expect(forward.requests.map((r) => r.url)).toEqual([
      "http://embedded.invalid/api/v1/version/",
      "http://embedded.invalid/api/v1/calendar/HK/sessions/2024-02-12",
    ]);
    expect(forward.requests[0]?.headers.get("accept")).toBe("application/json");
    // a handler with the (input, init) shape, as a wrapper around an in-process app would be written
    const handler: FetchLike = (input, init) => forward(new Request(input, init));
    expect((await createClient({ baseUrl: "http://embedded.invalid", fetch: handler }).getHealth()).status).toBe("ok");
  });

  describe("getHistory({ days }): the last N sessions by the server's clock and calendar", () => {
    async function lastSessions(market: "CN" | "HK", through: string, n: number): Promise<string[]> {
      const year = Number(through.slice(0, 4));
      const { body } = await api.get(`/api/v1/calendar/${market}?start_date=${year - 1}0101&end_date=${through}`);
      return (body.sessions as CalendarSession[]).map((s) => s.date).slice(-n);
    }

    it("returns exactly N A-share sessions ending at today's session after the close", async () => {
      api = await system.api({ clock: new ManualClock("2026-08-11T12:00:00Z") }); // Tuesday 20:00 in Shanghai
      const counting = countingFetch();
      const history = await createClient({ baseUrl: api.url, fetch: counting }).getHistory("600519", { days: 20 });
      expect(history.data).toHaveLength(20);
      expect(history.data.map((b) => b.date)).toEqual(await lastSessions("CN", "2026-08-11", 20));
      expect(history.data.at(-1)).toMatchObject({ date: "2026-08-11", provisional: false });
      expect(history).toMatchObject({
        adjust: "",
        start_date: history.data[0]?.date,
        end_date: "2026-08-11",
        metadata: { count: 20 },
      });
      expect(paths(counting.requests)).toEqual(["/health", "/api/v1/calendar/CN", "/api/v1/historical/stock/600519"]);
      expect(system.replay.requestCount({ secid: "1.600519" })).toBe(1);
    });

    it("uses the HK calendar for HK symbols", async () => {
      api = await system.api({ clock: new ManualClock("2025-07-18T12:00:00Z") }); // Friday 20:00 in Hong Kong
      const history = await createClient({ baseUrl: api.url }).getHistory("0700.HK", { days: 10, adjust: "qfq" });
      expect(history).toMatchObject({ symbol: "00700", market: "HK", adjust: "qfq" });
      expect(history.data.map((b) => b.date)).toEqual(await lastSessions("HK", "2025-07-18", 10));
      expect(history.data.at(-1)?.date).toBe("2025-07-18");
    });

    it("counts today's session once it has opened (provisional bar) and not before", async () => {
      api = await system.api({ clock: new ManualClock("2026-08-11T03:00:00Z") }); // 11:00 in Shanghai
      const open = await createClient({ baseUrl: api.url }).getHistory("600519", { days: 5 });
      expect(open.data.map((b) => b.date)).toEqual(await lastSessions("CN", "2026-08-11", 5));
      expect(open.data.at(-1)).toMatchObject({ date: "2026-08-11", provisional: true });

      api = await system.api({ clock: new ManualClock("2026-08-11T00:30:00Z") }); // 08:30 in Shanghai
      const early = await createClient({ baseUrl: api.url }).getHistory("600519", { days: 5 });
      expect(early.data.map((b) => b.date)).toEqual(await lastSessions("CN", "2026-08-10", 5));
    });

    it("defaults to 30 sessions and rejects a bad count before any request", async () => {
      api = await system.api({ clock: new ManualClock("2026-08-11T12:00:00Z") });
      const counting = countingFetch();
      const dated = createClient({ baseUrl: api.url, fetch: counting });
      expect((await dated.getHistory("600519")).data.map((b) => b.date)).toEqual(
        await lastSessions("CN", "2026-08-11", 30),
      );
      counting.requests.length = 0;
      await expect(dated.getHistory("600519", { days: 0 })).rejects.toThrow(RangeError);
      await expect(dated.getHistory("600519", { days: 2.5 })).rejects.toThrow(/positive integer/);
      expect(counting.requests).toHaveLength(0);
    });

    it("getIndexHistory({ days }) uses the CN calendar for numeric codes", async () => {
      // the recorded index series ends 2026-06-16
      api = await system.api({ clock: new ManualClock("2026-06-16T12:00:00Z") });
      const index = await createClient({ baseUrl: api.url }).getIndexHistory("sh000300", { days: 3 });
      expect(index).toMatchObject({ symbol: "000300", adjust: "" });
      expect(index.data.map((b) => b.date)).toEqual(await lastSessions("CN", "2026-06-16", 3));
    });
  });

  describe("getMany", () => {
    it("returns per-symbol results and errors; one session window per calendar; bounded concurrency", async () => {
      // Wednesday 20:00 in Shanghai and Hong Kong
      api = await system.api({ clock: new ManualClock("2024-05-22T12:00:00Z") });
      const counting = countingFetch();
      const many = await createClient({ baseUrl: api.url, fetch: counting }).getMany(
        ["600519", "0700.HK", "NOPE", "600519", "300750", "000001.SZ"],
        {
          days: 5,
          adjust: "qfq",
          concurrency: 2,
        },
      );
      expect(Object.keys(many.results).sort()).toEqual(["000001.SZ", "0700.HK", "300750", "600519"]);
      expect(Object.keys(many.errors)).toEqual(["NOPE"]);
      expect(many.errors["NOPE"]).toBeInstanceOf(QuantDbApiError);
      expect(many.errors["NOPE"]).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
      for (const history of Object.values(many.results)) {
        expect(history.data).toHaveLength(5);
        expect(history.data.at(-1)?.date).toBe("2024-05-22");
      }
      expect(many.results["0700.HK"]?.market).toBe("HK");
      const seen = paths(counting.requests);
      expect(seen.filter((p) => p === "/health")).toHaveLength(2); // one per calendar window (CN, HK)
      expect(seen.filter((p) => p.startsWith("/api/v1/calendar/")).sort()).toEqual([
        "/api/v1/calendar/CN",
        "/api/v1/calendar/HK",
      ]);
      expect(seen.filter((p) => p.startsWith("/api/v1/historical/"))).toHaveLength(5);
      expect(counting.maxInFlight).toBeLessThanOrEqual(2);
    });

    it("takes explicit dates, and rejects as a whole only when aborted", async () => {
      const many = await client.getMany(["600519", "300750"], { start: "20240102", end: "20240131", adjust: "qfq" });
      expect(Object.values(many.results).map((h) => h.start_date)).toEqual(["2024-01-02", "2024-01-02"]);
      expect(many.errors).toEqual({});
      const controller = new AbortController();
      controller.abort();
      expect(await apiError(client.getMany(["600519"], { days: 3, signal: controller.signal }))).toMatchObject({
        code: "ABORTED",
        status: 0,
      });
      expect(await client.getMany([])).toEqual({ results: {}, errors: {} });
    });
  });
});

/** A local server answering each request with `script(request, attempt)`; records every request. */
async function scriptedServer(script: (req: IncomingMessage, res: ServerResponse, attempt: number) => void) {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    script(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const envelope = (code: string, status: number) => ({
  error: { code, message: `${code} from the test server`, status, details: { why: "test" } },
});

describe("transport: retries, timeouts, aborts, odd answers (local server)", () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  async function serve(script: Parameters<typeof scriptedServer>[0]) {
    const server = await scriptedServer(script);
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("retries 503 twice and succeeds on the third attempt", async () => {
    const server = await serve((_req, res, attempt) =>
      attempt <= 2
        ? json(res, 503, envelope("UPSTREAM_UNAVAILABLE", 503))
        : json(res, 200, { status: "ok", database: "pglite", time: "2026-01-05T00:00:00.000Z" }),
    );
    expect(await createClient({ baseUrl: server.url }).getHealth()).toMatchObject({ status: "ok" });
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.url)).toEqual(["/health", "/health", "/health"]);
  });

  it("gives up after `retries` with the last 5xx error; retries: 0 means one attempt", async () => {
    const server = await serve((_req, res) => json(res, 504, envelope("UPSTREAM_TIMEOUT", 504)));
    expect(await apiError(createClient({ baseUrl: server.url, retries: 1 }).getVersion())).toMatchObject({
      code: "UPSTREAM_TIMEOUT",
      status: 504,
      details: { why: "test" },
    });
    expect(server.requests).toHaveLength(2);
    await apiError(createClient({ baseUrl: server.url, retries: 0 }).getVersion());
    expect(server.requests).toHaveLength(3);
  });

  it("never retries a 4xx", async () => {
    const server = await serve((_req, res) => json(res, 429, envelope("RATE_LIMITED", 429)));
    const error = await apiError(createClient({ baseUrl: server.url, retries: 5 }).getCacheStats());
    expect(error).toMatchObject({
      code: "RATE_LIMITED",
      status: 429,
      message: "RATE_LIMITED from the test server",
      details: { why: "test" },
    });
    expect(server.requests).toHaveLength(1);
  });

  it("maps bare error statuses to HTTP_ERROR (5xx retried), non-JSON 200s to INVALID_RESPONSE (no retry)", async () => {
    const proxy = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>Bad Gateway</html>");
    });
    const gateway = await apiError(createClient({ baseUrl: proxy.url }).getHealth());
    expect(gateway).toMatchObject({ code: "HTTP_ERROR", status: 502, details: { body: "<html>Bad Gateway</html>" } });
    expect(proxy.requests).toHaveLength(3);

    const captive = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>login</html>");
    });
    const invalid = await apiError(createClient({ baseUrl: captive.url }).getHealth());
    expect(invalid).toMatchObject({ code: "INVALID_RESPONSE", status: 200 });
    expect(captive.requests).toHaveLength(1);
  });

  it("reports a closed port as NETWORK_ERROR after the retries", async () => {
    const server = await scriptedServer(() => undefined);
    const url = server.url;
    await server.close();
    const counting = countingFetch();
    const error = await apiError(createClient({ baseUrl: url, fetch: counting, retries: 2 }).getHealth());
    expect(error).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
    expect(error.cause).toBeInstanceOf(Error);
    expect(counting.requests).toHaveLength(3);
  });

  it("times out each attempt after timeoutMs (TIMEOUT, retried)", async () => {
    const server = await serve(() => undefined); // never answers: only the client's timeout ends each attempt
    const error = await apiError(createClient({ baseUrl: server.url, timeoutMs: 200, retries: 1 }).getHealth());
    expect(error).toMatchObject({ code: "TIMEOUT", status: 0 });
    expect(error.message).toMatch(/200 ms/);
    expect(server.requests).toHaveLength(2);
  });

  it("aborts via the caller's signal: in flight, in a backoff wait, before starting (ABORTED, no retry)", async () => {
    const controller = new AbortController();
    const slow = await serve(() => controller.abort()); // never answers; the caller gives up once the request is in
    const inFlight = await apiError(
      createClient({ baseUrl: slow.url, retries: 3 }).getHealth({ signal: controller.signal }),
    );
    expect(inFlight).toMatchObject({ code: "ABORTED", status: 0 });
    expect(slow.requests).toHaveLength(1);

    const failing = await serve((_req, res) => json(res, 503, envelope("UPSTREAM_UNAVAILABLE", 503)));
    const duringBackoff = new AbortController();
    const pending = createClient({ baseUrl: failing.url, retries: 5 }).getHealth({ signal: duringBackoff.signal });
    while (failing.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // let the 503 reach the client, which then waits at least 300 ms before its retry
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    duringBackoff.abort();
    expect(await apiError(pending)).toMatchObject({ code: "ABORTED" });
    expect(failing.requests).toHaveLength(1);

    const counting = countingFetch();
    const already = AbortSignal.abort();
    expect(
      await apiError(createClient({ baseUrl: slow.url, fetch: counting }).getHealth({ signal: already })),
    ).toMatchObject({ code: "ABORTED" });
    expect(counting.requests).toHaveLength(0);
  });

  it("sends the API key as a bearer token and JSON bodies with their content type", async () => {
    const server = await serve((req, res) =>
      json(res, 200, { data: [], metadata: { count: 0, ok: 0, failed: 0 }, echo: req.headers.authorization ?? null }),
    );
    await createClient({ baseUrl: `${server.url}/`, apiKey: "s3cret" }).getQuotes(["600519"]);
    await createClient({ baseUrl: server.url }).getQuotes(["600519"]);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer s3cret", undefined]);
    expect(server.requests[0]).toMatchObject({ method: "POST", url: "/api/v1/realtime/batch" });
    expect(server.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("encodes path segments and query values", async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    await createClient({ baseUrl: `${server.url}/prefix` }).getStockList("SH", { q: "茅台 &x", limit: 10 });
    await createClient({ baseUrl: server.url }).getCompanyInfo("HK.00700/..");
    expect(server.requests.map((r) => r.url)).toEqual([
      "/prefix/api/v1/stocks/list?market=SH&q=%E8%8C%85%E5%8F%B0+%26x&limit=10",
      "/api/v1/assets/symbol/HK.00700%2F..",
    ]);
  });

  it("rejects bad options at createClient", () => {
    expect(() => createClient({ baseUrl: "http://localhost:8000", apiKey: "" })).toThrow(
      /apiKey must be a non-empty string/,
    );
    expect(() => createClient({ baseUrl: "http://localhost:8000", apiKey: "   " })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: "localhost:8000/api" })).toThrow(/baseUrl must be an absolute http\(s\) URL/);
    expect(() => createClient({ baseUrl: "http://localhost:8000", timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createClient({ baseUrl: "http://localhost:8000", retries: -1 })).toThrow(/retries/);
    expect(() => createClient({ baseUrl: "http://localhost:8000", fetch: "no" as unknown as FetchLike })).toThrow(
      /fetch must be a function/,
    );
  });
});

describe("session window (stubbed server)", () => {
  /** A server whose calendar has one session on the 1st of every month, 09:30-15:00; the clock is `now`. */
  function stub(now: string, knownThrough = "2026-12-31") {
    const requests: string[] = [];
    const fetchStub: FetchLike = async (request) => {
      const url = new URL(request.url);
      requests.push(url.pathname + url.search);
      if (url.pathname === "/health") return Response.json({ status: "ok", database: "pglite", time: now });
      if (url.pathname.startsWith("/api/v1/calendar/")) {
        const start = url.searchParams.get("start_date")!;
        const end = url.searchParams.get("end_date")!;
        const sessions = [];
        for (
          let d = new Date(`${start}T00:00:00Z`);
          d.toISOString().slice(0, 10) <= end;
          d = new Date(d.getTime() + 86_400_000)
        ) {
          if (d.getUTCDate() === 1 && d.toISOString().slice(0, 10) <= knownThrough)
            sessions.push({
              date: d.toISOString().slice(0, 10),
              open: "09:30",
              close: "15:00",
              break_start: "11:30",
              break_end: "13:00",
              half_day: false,
            });
        }
        return Response.json({
          market: "CN",
          timezone: "Asia/Shanghai",
          start_date: start,
          end_date: end,
          known_through: knownThrough,
          sessions,
        });
      }
      // history: one bar on the start date, plus one on every date after the horizon up to the end
      const data = [
        { date: url.searchParams.get("start_date") },
        ...["2027-01-04", "2027-01-05"].filter((d) => d <= url.searchParams.get("end_date")!).map((date) => ({ date })),
      ];
      return Response.json({
        period: "daily",
        start_date: url.searchParams.get("start_date"),
        end_date: url.searchParams.get("end_date"),
        data,
        metadata: { count: data.length },
      });
    };
    return { requests, client: createClient({ baseUrl: "http://stub.invalid", fetch: fetchStub }) };
  }

  it("widens the window until it holds N sessions and asks for history from the Nth-last to the latest", async () => {
    const { requests, client } = stub("2026-06-01T02:00:00Z"); // 10:00 in Shanghai on a session day
    const history = await client.getHistory("600519", { days: 5 });
    expect(history.start_date).toBe("2026-02-01");
    expect(history.end_date).toBe("2026-06-01");
    const calendarCalls = requests.filter((r) => r.startsWith("/api/v1/calendar/CN"));
    expect(calendarCalls.length).toBeGreaterThan(1);
    expect(calendarCalls.every((r) => r.includes("end_date=2026-06-02"))).toBe(true);
    expect(requests.at(-1)).toBe("/api/v1/historical/stock/600519?start_date=2026-02-01&end_date=2026-06-01");
  });

  it("leaves today's session out before it opens, and stops widening at 1990", async () => {
    const early = stub("2026-06-01T01:00:00Z"); // 09:00 in Shanghai
    expect((await early.client.getHistory("00700", { days: 2 })).start_date).toBe("2026-04-01");
    expect(early.requests.some((r) => r.startsWith("/api/v1/calendar/HK"))).toBe(true);
    expect(early.requests.at(-1)).toBe("/api/v1/historical/stock/00700?start_date=2026-04-01&end_date=2026-05-01");
    const all = stub("1990-03-15T12:00:00Z");
    expect((await all.client.getHistory("600519", { days: 50 })).start_date).toBe("1990-01-01");
    expect(all.requests.filter((r) => r.startsWith("/api/v1/calendar/")).at(-1)).toContain("start_date=1990-01-01");
  });

  it("past the calendar's horizon asks through today and keeps the last N bars", async () => {
    const { requests, client } = stub("2027-01-05T12:00:00Z", "2026-12-31");
    const history = await client.getHistory("600519", { days: 2 });
    expect(requests.at(-1)).toBe("/api/v1/historical/stock/600519?start_date=2026-11-01&end_date=2027-01-05");
    expect(history.data.map((b) => b.date)).toEqual(["2027-01-04", "2027-01-05"]);
    expect(history).toMatchObject({ start_date: "2027-01-04", metadata: { count: 2 } });
  });
});
