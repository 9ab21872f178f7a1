/**
 * The upstream policy on fake time: the breaker's cool-down and Retry-After follow an injected
 * ManualClock; waits (backoff, time bounds, the rate budget) run on vitest's fake timers. Nothing
 * here sleeps or measures the wall clock.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../clock.ts";
import { UpstreamError } from "../errors.ts";
import { fetchUpstreamText } from "../http.ts";
import {
  classifyFailure,
  UpstreamPolicies,
  UpstreamUnavailableError,
  type UpstreamEvent,
  type UpstreamPolicyConfig,
} from "./index.ts";
import { memoryRateBudget, rateBudgetFrom } from "./budget.ts";

const URL_A = "http://upstream.test/api/qt/stock/kline/get?secid=1.600519";
const START = "2026-11-20T08:00:00.000Z";

/**
 * A fetch answering from a script of outcomes, one per call. Records when each call arrived (by
 * `Date.now`, which the tests on fake timers control) and lets a test wait for the n-th call.
 */
function scriptedFetch(script: Array<() => Response | Promise<Response>>) {
  const calls: number[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const fn = (async () => {
    calls.push(Date.now());
    for (const waiter of waiters.filter((w) => calls.length >= w.n)) waiter.resolve();
    const next = script.shift();
    if (!next) return new Response('{"rc":0,"data":null}', { status: 200 });
    return next();
  }) as unknown as typeof fetch;
  /** Resolves once `n` calls have arrived. */
  const reached = (n: number) =>
    new Promise<void>((resolve) => {
      if (calls.length >= n) resolve();
      else waiters.push({ n, resolve });
    });
  return { fn, calls, reached };
}

/** A fetch that never answers and aborts when its signal does (as fetch does); counts its calls. */
function hangingFetch() {
  let calls = 0;
  const fn = ((_url: string, init: RequestInit) => {
    calls++;
    const signal = init.signal as AbortSignal;
    return new Promise<Response>((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
  }) as unknown as typeof fetch;
  return { fn, calls: () => calls };
}

const reset = () => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
  });
};
const refused = () => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  });
};
const status = (code: number) => () => new Response("nope", { status: code });
const ok = () => new Response('{"rc":0,"data":{"klines":[]}}', { status: 200 });
const html = () =>
  new Response("<!DOCTYPE html><html><body>请完成安全验证</body></html>", {
    status: 200,
    headers: { "content-type": "text/html" },
  });

/** A registry on `clock` whose retries follow at once (no backoff) unless `config` says otherwise. */
function policies(config: Partial<UpstreamPolicyConfig>, clock = new ManualClock(START)) {
  const events: UpstreamEvent[] = [];
  const registry = new UpstreamPolicies({
    config: { ratePerSecond: 0, backoffInitialMs: 0, backoffMaxMs: 0, ...config },
    clock,
  });
  registry.onEvent((event) => events.push(event));
  return { registry, events, clock };
}

async function get(registry: UpstreamPolicies, fn: typeof fetch, timeoutMs = 200) {
  return fetchUpstreamText(URL_A, { timeoutMs, fetch: fn, policies: registry });
}

/** Let every callback already due run (promise jobs and I/O callbacks), without letting time pass. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise has settled yet. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, outcome: promise.catch((error: unknown) => error) };
  void state.outcome.then(() => (state.settled = true));
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("classifyFailure", () => {
  it("retries resets, refusals, timeouts and 5xx; never 4xx, ban pages or cancellations", () => {
    const e = (
      code: "UPSTREAM_UNAVAILABLE" | "UPSTREAM_TIMEOUT" | "UPSTREAM_INVALID",
      details: Record<string, unknown>,
    ) => new UpstreamError(code, "x", details);
    expect(classifyFailure(e("UPSTREAM_UNAVAILABLE", { reason: "ECONNRESET" }))).toEqual({
      retryable: true,
      failure: true,
      ban: "drop",
    });
    expect(classifyFailure(e("UPSTREAM_UNAVAILABLE", { reason: "ECONNREFUSED" }))).toEqual({
      retryable: true,
      failure: true,
      ban: false,
    });
    expect(classifyFailure(e("UPSTREAM_TIMEOUT", {}))).toEqual({ retryable: true, failure: true, ban: false });
    expect(classifyFailure(e("UPSTREAM_UNAVAILABLE", { status: 502 }))).toEqual({
      retryable: true,
      failure: true,
      ban: false,
    });
    expect(classifyFailure(e("UPSTREAM_UNAVAILABLE", { status: 404 }))).toEqual({
      retryable: false,
      failure: false,
      ban: false,
    });
    expect(classifyFailure(e("UPSTREAM_UNAVAILABLE", { status: 429 }))).toEqual({
      retryable: false,
      failure: true,
      ban: "page",
    });
    expect(classifyFailure(e("UPSTREAM_INVALID", { reason: "html_page" }))).toEqual({
      retryable: false,
      failure: true,
      ban: "page",
    });
    expect(classifyFailure(e("UPSTREAM_INVALID", {}))).toEqual({ retryable: false, failure: true, ban: false });
    expect(classifyFailure(e("UPSTREAM_UNAVAILABLE", { reason: "aborted" }))).toEqual({
      retryable: false,
      failure: false,
      ban: false,
    });
    expect(classifyFailure(new Error("boom"))).toEqual({ retryable: false, failure: false, ban: false });
  });
});

describe("fetchUpstreamText through a host policy", () => {
  it("retries a refusal and a 503, then succeeds; counts and reports each step", async () => {
    const { registry, events } = policies({ retries: 2, breakerThreshold: 5 });
    const upstream = scriptedFetch([refused, status(503), ok]);
    expect(await get(registry, upstream.fn)).toContain("klines");
    expect(upstream.calls).toHaveLength(3);
    expect(registry.snapshot()).toEqual([
      {
        host: "upstream.test",
        circuit: "closed",
        lastError: expect.stringMatching(/HTTP 503/),
        lastErrorAt: START, // the injected clock's time
        calls: { ok: 1, failed: 0, retried: 2, rejected: 0 },
      },
    ]);
    expect(events.map((e) => e.type)).toEqual(["retried", "retried", "ok"]);
  });

  it("does not retry a 4xx and does not count it against the host", async () => {
    const { registry } = policies({ retries: 3, breakerThreshold: 1 });
    const upstream = scriptedFetch([status(404)]);
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      details: { status: 404 },
    });
    expect(upstream.calls).toHaveLength(1);
    expect(registry.snapshot()[0]).toMatchObject({
      circuit: "closed",
      lastError: null,
      calls: { failed: 1, retried: 0 },
    });
  });

  it("treats an HTML page as a ban: open at once, 503 without a call until the clock passes the cooldown", async () => {
    const { registry, events, clock } = policies({ retries: 3, breakerThreshold: 10, breakerCooldownMs: 5000 });
    const upstream = scriptedFetch([html, ok]);
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({
      code: "UPSTREAM_INVALID",
      status: 502,
      details: { reason: "html_page" },
    });
    expect(registry.snapshot()[0]!.circuit).toBe("open");
    const refusedError = await get(registry, upstream.fn).catch((error: unknown) => error);
    expect(refusedError).toBeInstanceOf(UpstreamUnavailableError);
    expect(refusedError).toMatchObject({
      status: 503,
      code: "UPSTREAM_UNAVAILABLE",
      details: { reason: "circuit_open" },
    });
    expect((refusedError as UpstreamUnavailableError).retryAfterSeconds).toBe(5);
    clock.advance(3500);
    const later = await get(registry, upstream.fn).catch((error: unknown) => error);
    expect(later).toMatchObject({ retryAfterSeconds: 2, details: { reason: "circuit_open" } });
    expect(upstream.calls).toHaveLength(1);
    expect(events).toContainEqual({ type: "circuit", host: "upstream.test", circuit: "open" });
    clock.advance(1500);
    expect(registry.snapshot()[0]!.circuit).toBe("half-open");
    expect(await get(registry, upstream.fn)).toContain("klines");
    expect(registry.snapshot()[0]!.circuit).toBe("closed");
  });

  it("after the cool-down lets exactly one probe through while others wait, and closes on its success", async () => {
    const { registry, clock } = policies({ retries: 0, breakerThreshold: 2, breakerCooldownMs: 100 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const upstream = scriptedFetch([status(500), status(500), async () => (await gate, ok())]);
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({ details: { status: 500 } });
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({ details: { status: 500 } });
    expect(registry.snapshot()[0]!.circuit).toBe("open");
    clock.advance(99);
    expect(registry.snapshot()[0]!.circuit).toBe("open");
    clock.advance(1);
    expect(registry.snapshot()[0]!.circuit).toBe("half-open");
    const probes = [
      get(registry, upstream.fn, 2000),
      get(registry, upstream.fn, 2000),
      get(registry, upstream.fn, 2000),
    ];
    await upstream.reached(3);
    await settle();
    expect(upstream.calls).toHaveLength(3); // only the probe reached upstream
    release();
    await Promise.all(probes);
    expect(upstream.calls).toHaveLength(5); // the waiting two went through once the circuit closed
    expect(registry.snapshot()[0]!.circuit).toBe("closed");
  });

  it("reopens when the probe fails", async () => {
    const { registry, clock } = policies({ retries: 0, breakerThreshold: 1, breakerCooldownMs: 50 });
    const upstream = scriptedFetch([status(500), status(500)]);
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({ details: { status: 500 } });
    clock.advance(50);
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({ details: { status: 500 } });
    expect(registry.snapshot()[0]!.circuit).toBe("open");
    await expect(get(registry, upstream.fn)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(upstream.calls).toHaveLength(2);
  });

  it("opens on the second dropped connection in a row, not the first", async () => {
    const { registry } = policies({ retries: 5, breakerThreshold: 10, breakerCooldownMs: 5000 });
    const once = scriptedFetch([reset, ok]);
    await get(registry, once.fn);
    expect(registry.snapshot()[0]!.circuit).toBe("closed");
    const twice = scriptedFetch([reset, reset, ok]);
    await expect(get(registry, twice.fn)).rejects.toMatchObject({ status: 503, details: { reason: "circuit_open" } });
    expect(twice.calls).toHaveLength(2);
  });

  it("gives up with 503 retries_exhausted after the configured retries", async () => {
    const { registry } = policies({ retries: 2, breakerThreshold: 0, totalTimeoutMs: 5000 });
    const upstream = scriptedFetch([status(500), status(502), status(500), ok]);
    await expect(get(registry, upstream.fn)).rejects.toMatchObject({
      status: 503,
      details: { reason: "retries_exhausted", attempts: 3 },
    });
    expect(upstream.calls).toHaveLength(3);
  });

  it("waits the backoff between retries", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { registry } = policies({ retries: 1, breakerThreshold: 0, backoffInitialMs: 1000, backoffMaxMs: 1000 });
    const upstream = scriptedFetch([status(503), ok]);
    const request = track(get(registry, upstream.fn));
    await upstream.reached(1);
    await settle();
    expect(upstream.calls).toHaveLength(1); // the retry waits for its backoff timer
    await vi.runAllTimersAsync();
    expect(await request.outcome).toContain("klines");
    expect(upstream.calls).toHaveLength(2);
  });

  it("keeps a bounded total time: a hanging upstream answers 503 total_timeout when the bound is reached", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { registry } = policies({ retries: 10, breakerThreshold: 0, totalTimeoutMs: 300 });
    const upstream = hangingFetch();
    const request = track(get(registry, upstream.fn, 120));
    await vi.advanceTimersByTimeAsync(299);
    expect(request.settled).toBe(false);
    expect(upstream.calls()).toBe(3); // calls at 0, 120 and 240 ms, each timed out after 120 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(await request.outcome).toMatchObject({ status: 503, details: { reason: "total_timeout", attempts: 3 } });
  });

  it("stops a request waiting in the queue for a slot when the total time bound is reached", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { registry } = policies({ concurrency: 1, retries: 0, breakerThreshold: 0, totalTimeoutMs: 300 });
    const upstream = hangingFetch();
    const first = track(get(registry, upstream.fn, 10_000));
    // The second waits for the only slot, which the first holds until its own bound.
    const second = track(get(registry, upstream.fn, 10_000));
    await vi.advanceTimersByTimeAsync(299);
    expect([first.settled, second.settled]).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await first.outcome).toMatchObject({ status: 503, details: { reason: "total_timeout" } });
    expect(await second.outcome).toMatchObject({ status: 503, details: { reason: "total_timeout" } });
  });

  it("reports a request its caller cancelled as cancelled, not as a failure of the host", async () => {
    const { registry } = policies({ retries: 3, breakerThreshold: 1 });
    const upstream = hangingFetch();
    const caller = new AbortController();
    const options = { timeoutMs: 5000, fetch: upstream.fn, policies: registry, signal: caller.signal };
    const pending = fetchUpstreamText(URL_A, options).catch((error: unknown) => error);
    await settle();
    expect(upstream.calls()).toBe(1);
    caller.abort();
    expect(await pending).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { reason: "aborted" } });
    expect(registry.snapshot()[0]).toMatchObject({ circuit: "closed", calls: { failed: 0, retried: 0 } });
  });

  it("waits for the rate budget's next token instead of failing", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    let free = 0;
    const budget = rateBudgetFrom({
      async consume() {
        const now = Date.now();
        if (now >= free) {
          free = now + 100;
          return {};
        }
        throw { msBeforeNext: free - now };
      },
    });
    const config = { retries: 0, breakerThreshold: 0, concurrency: 4 };
    const registry = new UpstreamPolicies({ config, budget, clock: new ManualClock(START) });
    const upstream = scriptedFetch([ok, ok, ok]);
    const requests = Promise.all([0, 1, 2].map(() => get(registry, upstream.fn, 1000)));
    await vi.advanceTimersByTimeAsync(200);
    await requests;
    const start = upstream.calls[0]!;
    expect(upstream.calls.map((t) => t - start)).toEqual([0, 100, 200]); // one token per 100 ms of fake time
  });

  it("times its default in-memory rate budget by the injected clock", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }); // the pauses before asking again
    const clock = new ManualClock(START);
    const config = { ratePerSecond: 4, retries: 0, breakerThreshold: 0, concurrency: 4 };
    const registry = new UpstreamPolicies({ config, clock });
    const upstream = scriptedFetch([ok, ok]);
    const requests = Promise.all([get(registry, upstream.fn, 1000), get(registry, upstream.fn, 1000)]);
    await upstream.reached(1);
    await vi.advanceTimersByTimeAsync(1000); // timers run, but the clock stands still: no token
    expect(upstream.calls).toHaveLength(1);
    clock.advance(250);
    await vi.advanceTimersByTimeAsync(250);
    await requests;
    expect(upstream.calls).toHaveLength(2);
  });

  it("without a policy makes exactly one call, as before", async () => {
    const upstream = scriptedFetch([status(500), ok]);
    await expect(fetchUpstreamText(URL_A, { timeoutMs: 200, fetch: upstream.fn })).rejects.toMatchObject({
      status: 502,
      details: { status: 500 },
    });
    expect(upstream.calls).toHaveLength(1);
  });
});

describe("memoryRateBudget", () => {
  it("frees one token per 1/rate s of its clock, per key", async () => {
    const clock = new ManualClock(START);
    const budget = memoryRateBudget(4, clock);
    expect(await budget.take("a")).toBe(0);
    expect(await budget.take("a")).toBe(250);
    expect(await budget.take("b")).toBe(0); // another host has its own
    clock.advance(249);
    expect(await budget.take("a")).toBe(1);
    clock.advance(1);
    expect(await budget.take("a")).toBe(0);
    expect(() => memoryRateBudget(0)).toThrow(/positive/);
  });
});
