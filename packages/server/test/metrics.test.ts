/**
 * GET /metrics over real HTTP: valid Prometheus text, and the figures move with the requests
 * served (latency by route pattern, cache hits and misses, rows served, upstream calls, auth and
 * rate-limit rejections). Plus the upstream per-host gauges from a policy snapshot.
 */
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { createMetrics, type UpstreamHostSnapshot } from "../src/observability/metrics.ts";
import { guardedSuite } from "./security-harness.ts";

/**
 * Parse Prometheus text exposition: every line is a comment, blank, or `name{labels} value`; throws on anything else.
 */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(line);
    // values as Go's ParseFloat reads them (NaN and Inf in any case, which prom-client uses)
    if (!match || !(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(match[3]!) || /^[+-]?(inf|nan)$/i.test(match[3]!)))
      throw new Error(`not Prometheus text: ${line}`);
    samples.set(
      match[1]! + (match[2] ?? ""),
      /nan/i.test(match[3]!) ? NaN : Number(match[3]!.replace(/inf/i, "Infinity")),
    );
  }
  return samples;
}

const HISTORY = "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq";
const ROUTE = "/api/v1/historical/stock/:symbol";

describe.each(testDrivers())("/metrics on %s", (driver) => {
  const suite = guardedSuite(driver);
  const start = suite.start;

  it("serves Prometheus text whose figures move with requests", async () => {
    const api = await start({ auth: "admin", rateLimitPerMinute: 50, processMetrics: true });
    const before = await api.get("/metrics");
    expect(before.status).toBe(200);
    expect(before.headers.get("content-type")).toContain("text/plain");
    const b = parseMetrics(before.text);
    expect(b.get("quantdb_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(b.get('quantdb_cache_requests_total{result="hit"}')).toBe(0);

    expect((await api.get(HISTORY)).status).toBe(200); // miss: one upstream call
    expect((await api.get(HISTORY)).status).toBe(200); // hit
    expect((await api.get("/api/v1/historical/stock/NOPE")).status).toBe(400);
    expect((await api.get("/api/v1/cache/clear", { method: "DELETE" })).status).toBe(401);
    expect((await api.get("/no/such/thing")).status).toBe(404);
    await new Promise((r) => setTimeout(r, 50)); // rows are counted off the response path

    const after = await api.get("/metrics");
    const a = parseMetrics(after.text);
    expect(a.get(`quantdb_http_request_duration_seconds_count{method="GET",route="${ROUTE}",status="200"}`)).toBe(2);
    expect(a.get(`quantdb_http_request_duration_seconds_count{method="GET",route="${ROUTE}",status="400"}`)).toBe(1);
    expect(
      a.get(`quantdb_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="${ROUTE}",status="200"}`),
    ).toBe(2);
    expect(a.get('quantdb_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(a.get('quantdb_cache_requests_total{result="hit"}')).toBe(1);
    expect(a.get('quantdb_cache_requests_total{result="miss"}')).toBe(1);
    expect(a.get("quantdb_upstream_requests_total")).toBe(1);
    expect(a.get(`quantdb_rows_served_total{route="${ROUTE}"}`)).toBe(44);
    expect(a.get('quantdb_auth_rejections_total{code="UNAUTHORIZED"}')).toBe(1);
    // the upstream policy's per-host figures: the one history miss was one ok call, its circuit closed
    const okCalls = [...a].filter(
      ([name]) => name.startsWith("quantdb_upstream_calls_total{") && name.includes('outcome="ok"'),
    );
    expect(okCalls.reduce((n, [, v]) => n + v, 0)).toBe(1);
    const closed = [...a].filter(
      ([name]) => name.startsWith("quantdb_upstream_circuit_state{") && name.includes('state="closed"'),
    );
    expect(closed.length).toBeGreaterThanOrEqual(1);
    expect(closed.every(([, v]) => v === 1)).toBe(true);
    // route labels are patterns, never raw paths (looked for in label values only: a sample value such
    // as a duration sum 0.00096005199… may hold the same digits)
    const labelValues = [...after.text.matchAll(/="([^"]*)"/g)].map((m) => m[1]);
    expect(labelValues.length).toBeGreaterThan(0);
    expect(labelValues.filter((value) => value!.includes("600519") || value!.includes("/no/such/thing"))).toEqual([]);
    expect(labelValues).toContain(ROUTE);
  });

  it("counts rate-limit rejections", async () => {
    const api = await start({ rateLimitPerMinute: 2 });
    // four months not cached yet: one upstream call each, the last two over the budget
    for (const month of ["01", "03", "05", "07"])
      await api.get(`/api/v1/historical/stock/600519?start_date=2024${month}01&end_date=2024${month}28&adjust=qfq`);
    await api.get(HISTORY); // reaches past the cached January: needs a call, refused too
    await api.get("/api/v1/calendar/CN/sessions/20240209"); // no upstream call: served
    const m = parseMetrics((await api.get("/metrics")).text);
    expect(m.get('quantdb_rate_limit_rejections_total{caller="ip"}')).toBe(3);
    expect(m.get(`quantdb_http_request_duration_seconds_count{method="GET",route="${ROUTE}",status="429"}`)).toBe(3);
    expect(m.get(`quantdb_http_request_duration_seconds_count{method="GET",route="${ROUTE}",status="200"}`)).toBe(2);
    expect(
      m.get(
        'quantdb_http_request_duration_seconds_count{method="GET",' +
          'route="/api/v1/calendar/:market/sessions/:date",status="200"}',
      ),
    ).toBe(1);
  });

  it("can be turned off", async () => {
    const api = await start({ metrics: false });
    expect((await api.get("/metrics")).status).toBe(404);
  });
});

describe("upstream per-host metrics", () => {
  it("exposes calls by host and outcome and the circuit state from the policy snapshot", async () => {
    const hosts: UpstreamHostSnapshot[] = [
      {
        host: "push2his.eastmoney.com",
        circuit: "closed",
        lastError: null,
        lastErrorAt: null,
        calls: { ok: 5, failed: 1, retried: 2, rejected: 0 },
      },
      {
        host: "push2.eastmoney.com",
        circuit: "open",
        lastError: "ECONNRESET",
        lastErrorAt: "2026-11-20T12:00:00Z",
        calls: { ok: 0, failed: 3, retried: 0, rejected: 4 },
      },
    ];
    const metrics = createMetrics({ upstream: () => hosts, processMetrics: false });
    let m = parseMetrics(await metrics.registry.metrics());
    expect(m.get('quantdb_upstream_calls_total{host="push2his.eastmoney.com",outcome="ok"}')).toBe(5);
    expect(m.get('quantdb_upstream_calls_total{host="push2.eastmoney.com",outcome="rejected"}')).toBe(4);
    expect(m.get('quantdb_upstream_circuit_state{host="push2.eastmoney.com",state="open"}')).toBe(1);
    expect(m.get('quantdb_upstream_circuit_state{host="push2.eastmoney.com",state="closed"}')).toBe(0);

    hosts[0]!.calls.ok = 9;
    hosts[1]!.circuit = "half-open";
    m = parseMetrics(await metrics.registry.metrics());
    expect(m.get('quantdb_upstream_calls_total{host="push2his.eastmoney.com",outcome="ok"}')).toBe(9);
    expect(m.get('quantdb_upstream_circuit_state{host="push2.eastmoney.com",state="half-open"}')).toBe(1);
    expect(m.get('quantdb_upstream_circuit_state{host="push2.eastmoney.com",state="open"}')).toBe(0);
  });
});
