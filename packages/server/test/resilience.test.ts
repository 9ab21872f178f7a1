/**
 * Politeness and resilience towards upstream, through real HTTP on loopback and the replay
 * upstream's fault injection: retries only for retryable failures, the circuit breaker opening on
 * repeated failures or a ban signal and recovering after its cool-down, 503 + Retry-After when
 * upstream is unavailable, allow_partial answers, the concurrency cap and the rate budget, and that
 * nothing is stored from a failed call. Cool-downs and the rate budget run on the API's ManualClock
 * (the policy takes the system's clock): the tests move it instead of sleeping, and check events
 * (calls made, answers, Retry-After) rather than how long anything took.
 */
import type { UpstreamPolicyConfig } from "@quantdb/core/upstream";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it, vi } from "vitest";
import { systemSuite, type Api } from "./harness.ts";

const HISTORY = "/api/v1/historical/stock";
const KLINE = { path: "/api/qt/stock/kline/get" };
/** Small backoffs so retries take milliseconds in tests. */
const FAST_BACKOFF = { backoffInitialMs: 20, backoffMaxMs: 60 };

describe.each(testDrivers())("upstream resilience on %s", (driver) => {
  const system = systemSuite(driver);

  /** A fresh API (its own policies) with the given upstream policy, per-call timeout 3 s. */
  const startApi = (upstreamPolicy: Partial<UpstreamPolicyConfig>, timeoutMs = 3000): Promise<Api> =>
    system.api({ upstreamPolicy, timeoutMs });

  const klineCalls = () => system.replay.requestCount(KLINE);
  const rows = () => system.rows();
  const upstreamHealth = async (api: Api) => {
    const health = await api.get("/health");
    expect(health.status).toBe(200);
    return health.body.details.upstreams as {
      host: string;
      circuit: string;
      lastError: string | null;
      lastErrorAt: string | null;
      calls: Record<string, number>;
    }[];
  };

  it("retries a reset and a 500 with backoff and answers 200, counting the retries", async () => {
    const api = await startApi({ retries: 2, breakerThreshold: 5, breakerCooldownMs: 60_000, ...FAST_BACKOFF });
    system.replay.injectFault({ kind: "reset", times: 1 });
    system.replay.injectFault({ kind: "http500", times: 1 });
    const answer = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(58);
    expect(answer.body.metadata).toMatchObject({ complete: true, missing: [], upstream_error: null });
    expect(klineCalls()).toBe(3);
    const [host] = await upstreamHealth(api);
    expect(host).toMatchObject({
      host: new URL(system.replay.url).host,
      circuit: "closed",
      calls: { ok: 1, failed: 0, retried: 2, rejected: 0 },
    });
    expect(host!.lastError).toMatch(/UPSTREAM_UNAVAILABLE/);
    expect(Date.parse(host!.lastErrorAt!)).not.toBeNaN();
    // Readiness is about the database, not upstream: ready, every committed migration applied.
    const ready = await api.get("/ready");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", database: driver });
    expect(ready.body.migrations.applied).toBe(ready.body.migrations.expected);
    expect(ready.body.migrations.applied).toBeGreaterThanOrEqual(4);
  });

  it("never retries a captcha page or a malformed body; a captcha opens the circuit at once", async () => {
    const api = await startApi({ retries: 2, breakerThreshold: 5, breakerCooldownMs: 60_000, ...FAST_BACKOFF });
    system.replay.injectFault({ kind: "malformed", times: 1 });
    const malformed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(malformed.status).toBe(502);
    expect(malformed.body.error.code).toBe("UPSTREAM_INVALID");
    expect(klineCalls()).toBe(1);
    expect((await upstreamHealth(api))[0]!.circuit).toBe("closed");

    const cached = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(cached.status).toBe(200);
    const before = await rows();
    const calls = klineCalls();

    system.replay.injectFault({ kind: "captcha", times: 1 });
    const captcha = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240531&adjust=qfq`);
    expect(captcha.status).toBe(502);
    expect(captcha.body.error).toMatchObject({ code: "UPSTREAM_INVALID", details: { reason: "html_page" } });
    expect(klineCalls()).toBe(calls + 1); // not retried
    const [host] = await upstreamHealth(api);
    expect(host).toMatchObject({ circuit: "open", calls: { retried: 0 } });
    expect(host!.lastError).toMatch(/UPSTREAM_INVALID.*HTML/);

    // The ban opened the circuit: a request that needs upstream is refused without calling it…
    const refused = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240628&adjust=qfq`);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      status: 503,
      details: { reason: "circuit_open", circuit: "open" },
    });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBe(60); // the whole cool-down: the API's clock has not moved
    expect(refused.body.error.details.retry_after_seconds).toBe(retryAfter);
    expect(klineCalls()).toBe(calls + 1);
    // …a fully cached range is still served, and nothing was stored from the failures.
    const again = await api.get(`${HISTORY}/600519?start_date=20240201&end_date=20240329&adjust=qfq`);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(cached.body.data.filter((b: { date: string }) => b.date >= "2024-02-01"));
    expect(await rows()).toEqual(before);
    expect((await upstreamHealth(api))[0]!.calls.rejected).toBe(1);
  });

  it("opens after N failures in a row, fails fast (503 + Retry-After), probes after cool-down, recovers", async () => {
    const api = await startApi({ retries: 0, breakerThreshold: 3, breakerCooldownMs: 1500 });
    system.replay.injectFault({ kind: "http500" });
    for (let i = 0; i < 3; i++) {
      const failed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { status: 500 } });
    }
    expect(klineCalls()).toBe(3);
    expect((await upstreamHealth(api))[0]!.circuit).toBe("open");

    const refused = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBe(2); // 1.5 s, rounded up
    expect(klineCalls()).toBe(3); // refused without calling upstream
    expect(await rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });

    system.replay.clearFaults();
    api.clock.advance(1499);
    expect((await upstreamHealth(api))[0]!.circuit).toBe("open");
    api.clock.advance(1);
    expect((await upstreamHealth(api))[0]!.circuit).toBe("half-open");
    // Concurrent requests while half-open: one probe goes through, the rest wait for its outcome.
    const answers = await Promise.all(
      [0, 1, 2].map(() => api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(klineCalls()).toBe(4);
    const [host] = await upstreamHealth(api);
    expect(host).toMatchObject({ circuit: "closed", calls: { ok: 1, failed: 3, rejected: 1 } });
  });

  it("answers 503 UPSTREAM_UNAVAILABLE with Retry-After when retries are exhausted, storing nothing", async () => {
    const api = await startApi({ retries: 2, breakerThreshold: 10, breakerCooldownMs: 60_000, ...FAST_BACKOFF });
    system.replay.injectFault({ kind: "http500" });
    const failed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      status: 503,
      details: { reason: "retries_exhausted", attempts: 3, last_error: { code: "UPSTREAM_UNAVAILABLE", status: 500 } },
    });
    expect(Number(failed.headers.get("retry-after"))).toBe(10); // the circuit is closed: the default estimate
    expect(klineCalls()).toBe(3);
    expect(await rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
    expect((await upstreamHealth(api))[0]).toMatchObject({
      circuit: "closed",
      calls: { ok: 0, failed: 1, retried: 2 },
    });
  });

  it("treats a connection dropped twice in a row as a ban: the circuit opens and the retry is refused", async () => {
    const api = await startApi({ retries: 2, breakerThreshold: 10, breakerCooldownMs: 30_000, ...FAST_BACKOFF });
    system.replay.injectFault({ kind: "reset" });
    const failed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      details: { reason: "circuit_open", circuit: "open" },
    });
    expect(Number(failed.headers.get("retry-after"))).toBe(30); // the whole cool-down
    expect(klineCalls()).toBe(2);
    expect(await rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
    expect((await upstreamHealth(api))[0]).toMatchObject({ circuit: "open", calls: { retried: 2, rejected: 1 } });
  });

  it("bounds the total time of a request against a slow upstream (per-call timeout × retries, capped)", async () => {
    const api = await startApi({ retries: 5, totalTimeoutMs: 1200, breakerThreshold: 0, ...FAST_BACKOFF }, 400);
    system.replay.injectFault({ kind: "slow", delayMs: 5000 });
    const failed = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { reason: "total_timeout" } });
    expect(failed.headers.get("retry-after")).toMatch(/^\d+$/);
    // 400 ms calls within a 1200 ms bound: it gave up after two or three calls, not the six allowed
    expect(failed.body.error.details.attempts).toBe(klineCalls());
    expect([2, 3]).toContain(klineCalls());
    expect(await rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
  });

  it("allow_partial=true: 200 with the cached part, complete=false, the missing spans; never silently", async () => {
    const api = await startApi({ retries: 0, breakerThreshold: 1, breakerCooldownMs: 60_000 });
    const cached = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(cached.body.metadata).toMatchObject({ complete: true, missing: [] });
    system.replay.injectFault({ kind: "reset" });

    const partial = await api.get(
      `${HISTORY}/600519?start_date=20240102&end_date=20240531&adjust=qfq&allow_partial=true`,
    );
    expect(partial.status).toBe(200);
    expect(partial.headers.get("x-quantdb-complete")).toBe("false");
    expect(partial.body.data).toEqual(cached.body.data);
    expect(partial.body.metadata).toMatchObject({
      count: 58,
      complete: false,
      missing: [{ start: "2024-04-01", end: "2024-05-31" }],
      upstream_error: { code: "UPSTREAM_UNAVAILABLE" },
    });

    // The circuit is open now: without allow_partial the same request is a 503 with Retry-After.
    const refused = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240531&adjust=qfq`);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(1);
    const partialAgain = await api.get(
      `${HISTORY}/600519?start_date=20240102&end_date=20240531&adjust=qfq&allow_partial=true`,
    );
    expect(partialAgain.body.metadata).toMatchObject({
      complete: false,
      upstream_error: { code: "UPSTREAM_UNAVAILABLE", retry_after_seconds: expect.any(Number) },
    });
    // Weekly bars and the index endpoint say so too.
    const weekly = await api.get(
      `${HISTORY}/600519?start_date=20240102&end_date=20240531&adjust=qfq&period=weekly&allow_partial=true`,
    );
    expect(weekly.status).toBe(200);
    expect(weekly.body.metadata.complete).toBe(false);
    const index = await api.get(
      `/api/v1/index/historical/000300?start_date=20240102&end_date=20240329&allow_partial=true`,
    );
    expect(index.status).toBe(200);
    expect(index.body).toMatchObject({
      data: [],
      metadata: { complete: false, missing: [{ start: "2024-01-02", end: "2024-03-29" }] },
    });
    // A fully cached range is complete and needs no flag.
    const full = await api.get(`${HISTORY}/600519?start_date=20240201&end_date=20240329&adjust=qfq`);
    expect(full.status).toBe(200);
    expect(full.body.metadata).toMatchObject({ complete: true, missing: [], upstream_error: null });
    expect(await rows()).toMatchObject({ spans: 1 });
  });

  it("keeps at most `concurrency` calls in flight per host", async () => {
    const api = await startApi({ concurrency: 1, ratePerSecond: 0, retries: 0, breakerThreshold: 0 });
    system.replay.setLatency(250);
    const symbols = ["600519", "300750", "688981"];
    const answers = await Promise.all(
      symbols.map((s) => api.get(`${HISTORY}/${s}?start_date=20240102&end_date=20240131&adjust=qfq`)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const klines = system.replay.requests.filter((r) => r.path === KLINE.path);
    expect(klines).toHaveLength(3);
    // One at a time: no call arrived while the replay was still answering another.
    expect(klines.map((r) => r.inFlight)).toEqual([0, 0, 0]);
  });

  it("spaces calls to the rate budget and waits for a token rather than failing", async () => {
    const api = await startApi({ concurrency: 8, ratePerSecond: 4, retries: 0, breakerThreshold: 0 });
    const series = ["600519|qfq", "300750|qfq", "688981|qfq", "000001|qfq", "830799|qfq", "600519|", "000001|"];
    const answers = Promise.all(
      series.map((s) => {
        const [symbol, adjust] = s.split("|");
        return api.get(`${HISTORY}/${symbol}?start_date=20240102&end_date=20240131&adjust=${adjust}`);
      }),
    );
    // 4 per second on the API's clock: one token now, then one more each time the clock moves 250 ms
    // (the waiting requests ask the budget again meanwhile). Without a budget all 7 would arrive at
    // once; the count is checked exactly at every step.
    for (let token = 1; token <= series.length; token++) {
      await vi.waitFor(() => expect(klineCalls()).toBe(token), { timeout: 10_000, interval: 10 });
      if (token < series.length) api.clock.advance(250);
    }
    expect((await answers).map((a) => a.status)).toEqual(series.map(() => 200));
    // the budget is why they waited: the policy neither refused nor failed any of them
    expect((await upstreamHealth(api))[0]).toMatchObject({ calls: { ok: 7, failed: 0, rejected: 0 } });
  });
});
