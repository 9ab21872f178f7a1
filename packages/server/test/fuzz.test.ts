/**
 * Property-based fuzzing (fast-check) of paths, query strings (every history, list, calendar,
 * cache and AKTools parameter) and JSON bodies: thousands of malformed requests against the whole
 * app (auth on, every guard in place) → zero 5xx, and every error response in the envelope with
 * its own status. Most run in process through `app.request()` (same app, same middleware, no
 * socket); a smaller sample goes over real HTTP on loopback.
 */
import { testDrivers } from "@quantdb/db/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type TestSystem } from "./harness.ts";
import { createKey, isEnvelope, startGuardedApi, type GuardedApi } from "./security-harness.ts";

/** Symbols the replay holds (valid ones keep some requests on the deep paths). */
const SYMBOLS = ["600519", "000001", "300750", "sh600519", "600519.SH", "000001.SZ", "830799.BJ"];
const junk = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.constantFrom(
    "",
    " ",
    "%",
    "%00",
    "%ZZ",
    "..",
    "../../etc/passwd",
    "null",
    "undefined",
    "NaN",
    "-1",
    "1e309",
    "0x10",
    "<script>",
    "'; drop table api_keys; --",
    "\u0000",
    "😀",
    "%E4%BD%A0",
  ),
  fc.integer().map(String),
  fc.double().map(String),
);
const date = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("20240102", "20240105", "2024-01-31", "20240301") },
  fc.constantFrom(
    "20240102",
    "2024-01-31",
    "20240229",
    "20230229",
    "2024-13-01",
    "20241301",
    "00000000",
    "99991231",
    "19000101",
    "2024/01/02",
    "2024-1-2",
    "today",
  ),
  fc
    .date({ min: new Date("1985-01-01"), max: new Date("2030-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10).replace(/-/g, "")),
  junk,
);
const symbol = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SYMBOLS) },
  fc.constantFrom("600519.XX", "HK.", "0700.HK.HK", "1234567", "ABC", ""),
  junk,
);
const param = (name: string, value: fc.Arbitrary<string>) => fc.tuple(fc.constant(name), value);
const historyParams = fc.array(
  fc.oneof(
    param("start_date", date),
    param("end_date", date),
    param("adjust", fc.oneof(fc.constantFrom("", "qfq", "hfq", "QFQ", "none"), junk)),
    param("period", fc.oneof(fc.constantFrom("daily", "weekly", "monthly", "yearly"), junk)),
    param("force_refresh", fc.oneof(fc.constantFrom("false", "0"), junk)),
    param("kind", fc.oneof(fc.constantFrom("stock", "index"), junk)),
    param("market", fc.oneof(fc.constantFrom("SH", "SZ", "BJ", "HK", "CN", "us"), junk)),
    param("limit", fc.oneof(fc.integer({ min: -5, max: 5000 }).map(String), junk)),
    param("offset", fc.oneof(fc.integer({ min: -5, max: 1e7 }).map(String), junk)),
    param("q", junk),
    param("symbol", symbol),
    param("adjust[]", junk),
    fc.tuple(junk, junk),
  ),
  { maxLength: 6 },
);
const query = (pairs: Array<[string, string]>) =>
  pairs.length === 0 ? "" : `?${new URLSearchParams(pairs).toString()}`;
const seg = (value: string) => encodeURIComponent(value);

/** GET targets: every read endpoint with fuzzed path and query parameters. */
const getTarget = fc.oneof(
  fc.tuple(symbol, historyParams).map(([s, q]) => `/api/v1/historical/stock/${seg(s)}${query(q)}`),
  fc.tuple(symbol, historyParams).map(([s, q]) => `/api/v1/stocks/stock/${seg(s)}${query(q)}`),
  fc
    .tuple(fc.oneof(fc.constantFrom("000300", "000001", "HSI", "HSTECH"), junk), historyParams)
    .map(([s, q]) => `/api/v1/index/historical/${seg(s)}${query(q)}`),
  fc
    .tuple(fc.oneof(fc.constantFrom("CN", "HK"), junk), historyParams)
    .map(([m, q]) => `/api/v1/calendar/${seg(m)}${query(q)}`),
  fc
    .tuple(fc.oneof(fc.constantFrom("CN", "HK"), junk), date)
    .map(([m, d]) => `/api/v1/calendar/${seg(m)}/sessions/${seg(d)}`),
  fc.tuple(symbol, historyParams).map(([s, q]) => `/api/v1/cache/coverage/${seg(s)}${query(q)}`),
  historyParams.map((q) => `/api/v1/stocks/list${query(q)}`),
  historyParams.map((q) => `/api/v1/assets${query(q)}`),
  fc.tuple(symbol, historyParams).map(([s, q]) => `/api/v1/assets/symbol/${seg(s)}${query(q)}`),
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom("stock_zh_a_hist", "index_zh_a_hist", "tool_trade_date_hist_sina", "stock_individual_info_em"),
        junk,
      ),
      historyParams,
    )
    .map(([f, q]) => `/api/public/${seg(f)}${query(q)}`),
  historyParams.map((q) => `/api/v1/cache/stats${query(q)}`),
  historyParams.map((q) => `/api/v1/version${query(q)}`),
  historyParams.map((q) => `/api/v1/jobs${query(q)}`),
);

/** Arbitrary paths: known prefixes with junk segments, raw junk, odd slashes and encodings. */
const anyPath = fc
  .tuple(
    fc.constantFrom(
      "",
      "/api",
      "/api/v1",
      "/api/v1/historical",
      "/api/v1/cache",
      "/api/v1/calendar",
      "/api/public",
      "/docs",
      "/health",
      "/metrics",
    ),
    fc.array(junk, { maxLength: 5 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(
    ([prefix, parts, raw, trailing]) =>
      `${prefix}/${parts.map((p) => (raw ? p.replace(/[?#\s\\]/g, "_") : seg(p))).join("/")}${trailing ? "/" : ""}`,
  );

/** JSON bodies for the POST endpoints: structured with fuzzed fields, arbitrary JSON, or not JSON at all. */
const batchBody = fc.record(
  {
    symbols: fc.oneof(
      fc.array(symbol, { maxLength: 120 }),
      junk,
      fc.constant(null),
      fc.array(fc.anything(), { maxLength: 5 }),
    ),
    start_date: date,
    end_date: date,
    adjust: fc.oneof(fc.constantFrom("", "qfq", "hfq"), junk),
    period: fc.oneof(fc.constantFrom("daily", "weekly"), junk),
    year: fc.oneof(fc.integer(), junk),
    holidays: fc.oneof(fc.array(date, { maxLength: 5 }), junk),
    force_refresh: fc.oneof(fc.constant(false), junk),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  batchBody.map((b) => JSON.stringify(b)),
  fc.json(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "",
    "{",
    "[",
    '{"symbols": [',
    "null",
    "1",
    '"x"',
    '{"__proto__": {"polluted": 1}}',
    '{"symbols": ["600519"], "start_date": "20240102", "end_date": "20240105"}',
  ),
);
const postTarget = fc.tuple(
  fc.constantFrom(
    "/api/v1/batch/stocks",
    "/api/v1/batch/assets",
    "/api/v1/realtime/batch",
    "/api/v1/calendar/HK/holidays",
    "/api/v1/calendar/CN/extend",
    "/api/v1/cache/refresh/600519",
    "/api/v1/historical/stock/600519",
  ),
  body,
  fc.constantFrom(
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "",
  ),
);
const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
/** Mostly no Authorization header (so requests reach the routes), sometimes a malformed or unknown one. */
const authHeader = fc.oneof(
  { weight: 9, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom("Bearer", "Bearer ", "Basic x", `Bearer qdb_${"A".repeat(43)}`),
      junk.map((j) => `Bearer ${j.replace(/[^\x21-\x7e]/g, "")}`),
    ),
  },
);

type Check = { status: number; text: string; where: string };
function checkResponse({ status, text, where }: Check, method: string) {
  expect(status, where).toBeLessThan(500);
  if (status >= 400 && method !== "HEAD") {
    let parsed: unknown;
    expect(() => (parsed = JSON.parse(text)), `${where}: not JSON: ${text.slice(0, 200)}`).not.toThrow();
    expect(isEnvelope(parsed, status), `${where}: not the envelope: ${text.slice(0, 200)}`).toBe(true);
    expect(text, where).not.toMatch(/\/work\/|node_modules|\.ts:\d+|\bat [\w.<>]+ \(/);
  }
}

describe.each(testDrivers())("fuzzing on %s", (driver) => {
  let system: TestSystem;
  let api: GuardedApi;
  let adminKey: string;
  beforeAll(async () => {
    system = await startSystem(driver);
    api = await startGuardedApi(system, {
      auth: "admin",
      rateLimitPerMinute: 1_000_000,
      maxBodyBytes: 16_384,
      maxUrlLength: 2048,
    });
    adminKey = (await createKey(system, "admin")).key;
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await system?.close();
  });

  const inProcess = async (target: string, init: RequestInit = {}) => {
    const response = await api.app.request(target, init);
    const text = init.method === "HEAD" ? "" : await response.text();
    return { status: response.status, text, where: `${init.method ?? "GET"} ${target}` };
  };

  it("GET on every read endpoint with fuzzed path and query parameters: no 5xx, errors in the envelope", async () => {
    await fc.assert(
      fc.asyncProperty(getTarget, authHeader, async (target, authorization) => {
        checkResponse(
          await inProcess(target, authorization === undefined ? {} : { headers: { authorization } }),
          "GET",
        );
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("NUL or other control characters in a read endpoint's path or query: 4xx in the envelope, never 5xx", async () => {
    // PostgreSQL refuses U+0000 in text; a random sample reached it only rarely (q=%00 on /api/v1/assets once in CI).
    const names = [
      "start_date",
      "end_date",
      "adjust",
      "period",
      "force_refresh",
      "kind",
      "market",
      "limit",
      "offset",
      "q",
      "symbol",
      "job",
    ];
    const targets: string[] = [];
    for (const bad of ["\u0000", "60\u00000", "\u0001", "茅\u001f台"]) {
      for (const name of names) {
        const q = query([[name, bad]]);
        targets.push(
          `/api/v1/historical/stock/600519${q}`,
          `/api/v1/index/historical/000300${q}`,
          `/api/v1/calendar/CN${q}`,
          `/api/v1/cache/coverage/600519${q}`,
        );
        targets.push(
          `/api/v1/stocks/list${query([
            ["market", "SH"],
            [name, bad],
          ])}`,
          `/api/v1/assets${q}`,
          `/api/v1/assets/search${query([
            ["q", "600"],
            [name, bad],
          ])}`,
        );
        targets.push(
          `/api/v1/assets/symbol/600519${q}`,
          `/api/public/stock_zh_a_hist${query([
            ["symbol", "600519"],
            [name, bad],
          ])}`,
          `/api/v1/jobs${q}`,
        );
      }
      for (const prefix of [
        "/api/v1/historical/stock/",
        "/api/v1/stocks/stock/",
        "/api/v1/index/historical/",
        "/api/v1/calendar/",
        "/api/v1/cache/coverage/",
        "/api/v1/assets/symbol/",
        "/api/public/",
      ]) {
        targets.push(`${prefix}${seg(bad)}`);
      }
      targets.push(`/api/v1/calendar/CN/sessions/${seg(bad)}`);
    }
    for (const target of targets) checkResponse(await inProcess(target), "GET");
    // Where the parameter is read (unknown parameters are ignored), the answer names it.
    for (const target of [
      "/api/v1/assets?q=%00",
      "/api/v1/stocks/list?market=SH&q=%00",
      "/api/v1/assets/search?q=%E8%8C%85%00",
    ]) {
      const response = await inProcess(target);
      expect(response.status, response.where).toBe(400);
      expect(JSON.parse(response.text).error, response.where).toMatchObject({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining("Invalid q: contains the control character U+0000"),
      });
    }
    for (const target of ["/api/v1/jobs?job=%00", "/api/v1/jobs?job=daily%01ingest"]) {
      const response = await inProcess(target);
      expect(response.status, response.where).toBe(400);
      expect(JSON.parse(response.text).error, response.where).toMatchObject({
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(/^Invalid job: contains the control character U\+000[01]/),
      });
    }
  }, 120_000);

  it("any method on arbitrary paths: no 5xx, errors in the envelope", async () => {
    await fc.assert(
      fc.asyncProperty(anyPath, method, async (path, m) => {
        checkResponse(await inProcess(path, { method: m }), m);
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("POST bodies on every endpoint taking one (admin ones refused first): no 5xx, errors in envelope", async () => {
    await fc.assert(
      fc.asyncProperty(postTarget, async ([path, text, contentType]) => {
        checkResponse(
          await inProcess(path, {
            method: "POST",
            body: text,
            headers: contentType ? { "content-type": contentType } : {},
          }),
          "POST",
        );
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("admin endpoints with an admin key and fuzzed symbols, queries, bodies: no 5xx, errors in envelope", async () => {
    const adminTarget = fc.oneof(
      postTarget.map(([path, text, contentType]) => ({
        path,
        init: {
          method: "POST",
          body: text,
          headers: contentType ? { "content-type": contentType } : {},
        } as RequestInit,
      })),
      fc.tuple(symbol, historyParams).map(([s, q]) => ({
        path: `/api/v1/cache/clear/${seg(s)}${query(q)}`,
        init: { method: "DELETE" } as RequestInit,
      })),
      fc.tuple(symbol, historyParams).map(([s, q]) => ({
        path: `/api/v1/cache/refresh/${seg(s)}${query(q)}`,
        init: { method: "POST" } as RequestInit,
      })),
    );
    await fc.assert(
      fc.asyncProperty(adminTarget, async ({ path, init }) => {
        const headers = { ...(init.headers as Record<string, string>), authorization: `Bearer ${adminKey}` };
        checkResponse(await inProcess(path, { ...init, headers }), init.method ?? "GET");
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it("a sample over real HTTP on loopback", async () => {
    const over = async (target: string, init: RequestInit = {}) => {
      const r = await api.get(target, init);
      return { status: r.status, text: r.text, where: `${init.method ?? "GET"} ${target}` };
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(getTarget, anyPath), async (target) => checkResponse(await over(target), "GET")),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(postTarget, async ([path, text, contentType]) =>
        checkResponse(
          await over(path, { method: "POST", body: text, headers: contentType ? { "content-type": contentType } : {} }),
          "POST",
        ),
      ),
      { numRuns: 100 },
    );
  }, 120_000);
});
