/**
 * The call gate: every upstream call (each attempt and retry) is charged to the gate of the async
 * context that made it; a refusal makes no call and reaches the caller unchanged (not retried, not
 * the host's failure, a half-open probe left for the next call); shared work picks its payer. On an
 * injected ManualClock and scripted fetches: nothing here sleeps or reads the wall clock.
 */
import { describe, expect, it } from "vitest";
import { runPerSymbol } from "../batch.ts";
import { bundledCalendars } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import type { QuoteSource, UpstreamQuote } from "../eastmoney/quotes.ts";
import { QuantDbError, RateLimitedError, UpstreamError } from "../errors.ts";
import { fetchUpstreamText } from "../http.ts";
import { QuoteService } from "../realtime/service.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import {
  currentCallGate,
  firstWillingGate,
  UpstreamPolicies,
  withCallGate,
  withoutCallGate,
  type CallGate,
  type UpstreamPolicyConfig,
} from "./index.ts";
import { upstreamQuote } from "../realtime/quote-fixture.ts";

const URL_A = "http://upstream.test/api/qt/stock/kline/get?secid=1.600519";
const START = "2026-11-20T08:00:00.000Z";

/** A gate with `points` calls to give; records the hosts it was asked for, refuses once spent. */
class Budget implements CallGate {
  readonly hosts: string[] = [];
  refused = 0;
  constructor(
    public points: number,
    readonly name = "budget",
  ) {}
  beforeCall(host: string): void {
    if (this.points <= 0) {
      this.refused++;
      throw new RateLimitedError(`${this.name} spent`, 42, { who: this.name });
    }
    this.points--;
    this.hosts.push(host);
  }
}

/** A fetch answering from a script (default: an empty kline answer); counts its calls. */
function scriptedFetch(script: Array<() => Response | Promise<Response>> = []) {
  let calls = 0;
  const fn = (async () => {
    calls++;
    const next = script.shift();
    return next ? next() : new Response('{"rc":0,"data":{"klines":[]}}', { status: 200 });
  }) as unknown as typeof fetch;
  return { fn, calls: () => calls };
}

const status = (code: number) => () => new Response("nope", { status: code });
const html = () => new Response("<!DOCTYPE html><html><body>请完成安全验证</body></html>", { status: 200 });

function registry(config: Partial<UpstreamPolicyConfig>, clock = new ManualClock(START)) {
  return new UpstreamPolicies({
    config: { ratePerSecond: 0, backoffInitialMs: 0, backoffMaxMs: 0, ...config },
    clock,
  });
}

const get = (policies: UpstreamPolicies | undefined, fn: typeof fetch) =>
  fetchUpstreamText(URL_A, { timeoutMs: 500, fetch: fn, policies });

describe("the call gate in a host policy", () => {
  it("charges every attempt, retries included, with the host called", async () => {
    const policies = registry({ retries: 2, breakerThreshold: 5 });
    const upstream = scriptedFetch([status(503), status(502)]);
    const gate = new Budget(10);
    expect(await withCallGate(gate, () => get(policies, upstream.fn))).toContain("klines");
    expect(upstream.calls()).toBe(3);
    expect(gate.hosts).toEqual(["upstream.test", "upstream.test", "upstream.test"]);
  });

  it("a refused call is not made, not retried, not the host's failure, and reaches the caller unchanged", async () => {
    const policies = registry({ retries: 3, breakerThreshold: 1 });
    const upstream = scriptedFetch();
    const gate = new Budget(0, "alice");
    const error = await withCallGate(gate, () => get(policies, upstream.fn)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({
      code: "RATE_LIMITED",
      status: 429,
      retryAfterSeconds: 42,
      details: { who: "alice", retry_after_seconds: 42 },
    });
    expect(error).not.toBeInstanceOf(UpstreamError); // waiters for the same data never share it
    expect(upstream.calls()).toBe(0);
    expect(gate.refused).toBe(1);
    expect(policies.snapshot()).toEqual([
      {
        host: "upstream.test",
        circuit: "closed",
        lastError: null,
        lastErrorAt: null,
        calls: { ok: 0, failed: 0, retried: 0, rejected: 0 },
      },
    ]);
  });

  it("a retry refused by the budget ends the request with the refusal after the calls made", async () => {
    const policies = registry({ retries: 3, breakerThreshold: 5 });
    const upstream = scriptedFetch([status(503), status(503)]);
    const gate = new Budget(2);
    await expect(withCallGate(gate, () => get(policies, upstream.fn))).rejects.toBeInstanceOf(RateLimitedError);
    expect(upstream.calls()).toBe(2);
    expect(gate.refused).toBe(1);
  });

  it("a half-open probe refused by the budget leaves the circuit due: the next call probes, closes it", async () => {
    const clock = new ManualClock(START);
    const policies = registry({ retries: 0, breakerThreshold: 5, breakerCooldownMs: 5000 }, clock);
    const upstream = scriptedFetch([html]);
    await expect(get(policies, upstream.fn)).rejects.toMatchObject({ code: "UPSTREAM_INVALID" });
    expect(policies.snapshot()[0]!.circuit).toBe("open");
    clock.advance(5000);
    await expect(withCallGate(new Budget(0), () => get(policies, upstream.fn))).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    expect(upstream.calls()).toBe(1);
    expect(policies.snapshot()[0]!.circuit).toBe("half-open");
    expect(await withCallGate(new Budget(1), () => get(policies, upstream.fn))).toContain("klines");
    expect(upstream.calls()).toBe(2);
    expect(policies.snapshot()[0]!.circuit).toBe("closed");
  });

  it("a call queued behind another request's is charged to its own caller", async () => {
    const policies = registry({ concurrency: 1, retries: 0, breakerThreshold: 0 });
    let release!: () => void;
    const first = new Promise<Response>((resolve) => {
      release = () => resolve(new Response('{"rc":0,"data":{"klines":[]}}'));
    });
    const upstream = scriptedFetch([() => first]);
    const alice = new Budget(5, "alice");
    const bob = new Budget(5, "bob");
    const a = withCallGate(alice, () => get(policies, upstream.fn));
    const b = withCallGate(bob, () => get(policies, upstream.fn)); // waits for alice's slot
    await new Promise((resolve) => setImmediate(resolve));
    expect(upstream.calls()).toBe(1);
    release(); // bob's call starts from alice's completion
    await Promise.all([a, b]);
    expect(upstream.calls()).toBe(2);
    expect(alice.hosts).toHaveLength(1);
    expect(bob.hosts).toHaveLength(1);
  });

  it("charges a plain call without a policy too, and nobody outside a gate", async () => {
    const upstream = scriptedFetch();
    const gate = new Budget(1);
    await withCallGate(gate, () => get(undefined, upstream.fn));
    expect(gate.hosts).toEqual(["upstream.test"]);
    await expect(withCallGate(gate, () => get(undefined, upstream.fn))).rejects.toBeInstanceOf(RateLimitedError);
    expect(upstream.calls()).toBe(1);
    await get(undefined, upstream.fn); // no gate: free
    await withCallGate(gate, () => withoutCallGate(() => get(undefined, upstream.fn))); // shared upkeep: free
    expect(upstream.calls()).toBe(3);
    expect(currentCallGate()).toBeUndefined();
  });
});

describe("firstWillingGate", () => {
  it("charges the first caller with budget left; refuses with the first refusal when none has", () => {
    const alice = new Budget(0, "alice");
    const bob = new Budget(1, "bob");
    const gate = firstWillingGate([alice, bob])!;
    gate.beforeCall("h");
    expect(bob.hosts).toEqual(["h"]);
    expect(() => gate.beforeCall("h")).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ who: "alice" }) }),
    );
  });

  it("is no gate when any caller has none, and the one gate when there is one", () => {
    const alice = new Budget(0);
    expect(firstWillingGate([alice, undefined])).toBeUndefined();
    expect(firstWillingGate([])).toBeUndefined();
    expect(firstWillingGate([alice])).toBe(alice);
  });
});

describe("runPerSymbol", () => {
  it("fails the whole batch with the refusal and starts no further symbol", async () => {
    const started: string[] = [];
    const outcome = runPerSymbol(
      ["A", "B", "C", "D", "E"],
      async (symbol) => {
        started.push(symbol);
        if (symbol === "B") throw new RateLimitedError("spent", 5);
        if (symbol === "A") throw new QuantDbError("NOT_FOUND", "no A");
        return symbol;
      },
      { concurrency: 2 },
    );
    await expect(outcome).rejects.toBeInstanceOf(RateLimitedError);
    await new Promise((resolve) => setImmediate(resolve));
    // C may take A's slot before B fails; nothing queued after the refusal starts
    expect(started.slice(0, 2)).toEqual(["A", "B"]);
    expect(started).not.toContain("D");
    expect(started).not.toContain("E");
  });
});

/** A quote source that asks the call gate as the HTTP client does, and answers when told. */
class GatedSource implements QuoteSource {
  readonly calls: string[][] = [];
  readonly #pending: Array<() => void> = [];
  fetchQuotes(secids: readonly string[]): Promise<Map<string, UpstreamQuote>> {
    currentCallGate()?.beforeCall("push2.test");
    this.calls.push([...secids]);
    return new Promise((resolve) =>
      this.#pending.push(() => resolve(new Map(secids.map((s) => [s, upstreamQuote(s)])))),
    );
  }
  answer(): void {
    this.#pending.shift()!();
  }
}

describe("QuoteService refreshes and budgets", () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const s600519 = parseStockSymbol("600519");
  const s000001 = parseStockSymbol("000001");
  const trading = () => new ManualClock("2026-11-20T02:00:00Z");

  it("charges a refresh to a request that asked for it, and refuses a request whose budget is spent", async () => {
    const source = new GatedSource();
    const service = new QuoteService({ upstream: source, clock: trading(), calendars: bundledCalendars });
    const alice = new Budget(1, "alice");
    const first = withCallGate(alice, () => service.quote(s600519));
    await tick();
    source.answer();
    expect(await first).toMatchObject({ symbol: "600519" });
    expect(alice.hosts).toEqual(["push2.test"]);
    // cached: free even with the budget spent
    expect(await withCallGate(alice, () => service.quote(s600519))).toMatchObject({ symbol: "600519" });
    await expect(withCallGate(alice, () => service.quotes([s000001, s600519]))).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    expect(source.calls).toHaveLength(1);
  });

  it("a refresh queued by several requests is paid by the first with budget left", async () => {
    const source = new GatedSource();
    const service = new QuoteService({ upstream: source, clock: trading(), calendars: bundledCalendars });
    const carol = new Budget(1, "carol");
    const alice = new Budget(0, "alice");
    const bob = new Budget(1, "bob");
    const running = withCallGate(carol, () => service.quote(s600519));
    await tick();
    // both queue 000001 for the next refresh; it starts from carol's completion, in her context
    const a = withCallGate(alice, () => service.quote(s000001));
    const b = withCallGate(bob, () => service.quote(s000001));
    await tick();
    source.answer();
    await tick();
    source.answer();
    await Promise.all([running, a, b]);
    expect(source.calls).toEqual([["1.600519"], ["0.000001"]]);
    expect(carol.hosts).toHaveLength(1);
    expect(bob.hosts).toHaveLength(1);
    expect(alice.refused).toBe(1);
  });

  it("a request that joined a running refresh its payer could not make asks again on its own budget", async () => {
    const source = new GatedSource();
    const service = new QuoteService({ upstream: source, clock: trading(), calendars: bundledCalendars });
    const alice = new Budget(0, "alice");
    const bob = new Budget(1, "bob");
    const refused = withCallGate(alice, () => service.quote(s600519)).catch((e: unknown) => e);
    const joined = withCallGate(bob, () => service.quote(s600519));
    expect(await refused).toBeInstanceOf(RateLimitedError);
    await tick();
    source.answer();
    expect(await joined).toMatchObject({ symbol: "600519" });
    expect(source.calls).toEqual([["1.600519"]]);
    expect(bob.hosts).toHaveLength(1);
  });
});
