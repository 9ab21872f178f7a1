/**
 * Per-caller budget of upstream calls: rate limits charge work, not hits. Each caller (an API key,
 * or the client IP for callers without one) may make `pointsPerMinute` upstream calls per fixed
 * one-minute window (it starts with the caller's first charged call); one point is one upstream
 * HTTP call made while answering the caller's requests — every attempt, retries included. An
 * answer served wholly from the cache costs nothing, a request costs the calls it made (a forced
 * refresh its re-fetches, a batch the calls of the symbols it had to fetch). Requests that make no
 * call are never refused, even once the budget is spent.
 *
 * How: the request runs inside a call gate (`@quantdb/core/upstream`, gate.ts) that core asks
 * before every upstream call. A call over budget is not made: core throws `RateLimitedError`, the
 * request answers 429 `RATE_LIMITED` with `Retry-After` (seconds; the error handler sets it), and
 * nothing from the refused call is stored (fetches made before it in the same request are stored
 * as usual, each atomically, and cost nothing when asked again). Upkeep core does once for every
 * caller (the calendar horizon's observation) is charged to nobody.
 *
 * Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds
 * until the window ends; a full minute when no window is running). They are set before the route
 * runs and rewritten after it only when it was charged, so a cache hit's response is never rebuilt.
 *
 * The budget lives in this process's memory: with N replicas a caller gets up to N× the budget
 * (documented in README "Security").
 */
import type { Clock } from "@quantdb/core/clock";
import { normalisePolicyPath } from "@quantdb/core/auth";
import { RateLimitedError } from "@quantdb/core/errors";
import { withCallGate, type CallGate } from "@quantdb/core/upstream";
import type { MiddlewareHandler } from "hono";
import type { AppMetrics } from "../observability/metrics.ts";
import { LOCAL_ADMIN_KEY_ID } from "./auth.ts";
import { answerHeader } from "./edge.ts";
import "./types.ts";

/** Never limited: probes and the metrics scrape (they make no upstream call anyway). */
const EXEMPT = new Set(["/health", "/ready", "/metrics"]);

/** One caller's running window: points charged in it and when it ends (epoch ms). */
interface Window {
  used: number;
  endsAt: number;
}

/**
 * Fixed windows of `points` per `windowMs` per caller, kept in memory. A window starts with the
 * caller's first charge and ends `windowMs` later; ended windows are dropped at most once per
 * `windowMs`. Synchronous, so peeking costs a cache hit no await.
 */
class CallBudget {
  readonly points: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  #nextSweep = 0;

  /**
   * @param points calls per window per caller (at least 1)
   * @param windowMs window length, ms
   * @param now the current instant, epoch ms
   */
  constructor(points: number, windowMs: number, now: () => number) {
    this.points = points;
    this.windowMs = windowMs;
    this.#now = now;
  }

  /** The caller's running window, or undefined when none is (nothing charged in the last `windowMs`). */
  peek(caller: string): Readonly<Window> | undefined {
    const window = this.#windows.get(caller);
    if (window === undefined || window.endsAt > this.#now()) return window;
    this.#windows.delete(caller);
    return undefined;
  }

  /**
   * Charge one point to the caller.
   * @returns the window after the charge, or `refused` with the window when its points are spent
   *   (nothing is charged then)
   */
  take(caller: string): { window: Readonly<Window>; refused: boolean } {
    const now = this.#now();
    let window = this.#windows.get(caller);
    if (window === undefined || window.endsAt <= now) {
      this.#sweep(now);
      window = { used: 0, endsAt: now + this.windowMs };
      this.#windows.set(caller, window);
    }
    if (window.used >= this.points) return { window, refused: true };
    window.used++;
    return { window, refused: false };
  }

  /** Seconds until `window` ends (at least 1), as `Retry-After` and `RateLimit-Reset` give it. */
  secondsLeft(window: Readonly<Window>): number {
    return Math.max(1, Math.ceil((window.endsAt - this.#now()) / 1000));
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.windowMs;
    for (const [caller, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(caller);
  }
}

/** One request's account: charges its upstream calls to its caller's window (see the module comment). */
class RequestAccount implements CallGate {
  /** Upstream calls charged to this request. */
  charged = 0;
  /** The last refusal of this request's caller (the request fails with it unless another payer covered the call). */
  refusal: RateLimitedError | undefined;

  constructor(
    private readonly budget: CallBudget,
    private readonly caller: string,
  ) {}

  /** @throws {RateLimitedError} when the caller's window has no point left (the call is not made) */
  beforeCall(host: string): void {
    const { window, refused } = this.budget.take(this.caller);
    if (!refused) {
      this.charged++;
      return;
    }
    const retryAfter = this.budget.secondsLeft(window);
    const { points } = this.budget;
    this.refusal = new RateLimitedError(
      `Too many upstream calls: the budget is ${points} upstream calls a minute (answers from the cache cost ` +
        `nothing); this request needed another call to ${host}. Retry in ${retryAfter} s.`,
      retryAfter,
      { limit_per_minute: points, charged: this.charged },
    );
    throw this.refusal;
  }
}

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Upstream calls per minute per caller (API key, or client IP without one); at least 1. */
  pointsPerMinute: number;
  /** What the windows are timed with. @default the system clock */
  clock?: Clock | undefined;
  metrics: AppMetrics | undefined;
}

/** The rate-limit middleware (see the module comment). */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { pointsPerMinute, clock, metrics } = options;
  const budget = new CallBudget(pointsPerMinute, 60_000, clock ? () => clock.now().getTime() : Date.now);
  const limitText = String(pointsPerMinute);
  const windowText = String(budget.windowMs / 1000);
  return async (c, next) => {
    if (EXEMPT.has(normalisePolicyPath(c.req.path))) return next();
    const key = c.get("apiKey");
    // The operator's own commands on this machine (a backfill through the server) are not a client to throttle.
    if (key?.id === LOCAL_ADMIN_KEY_ID) return next();
    const caller = key ? `key:${key.id}` : `ip:${c.get("clientIp") ?? "local"}`;
    // Before the route, into the headers every answer carries (the edge's plain object, so a cache hit
    // is still answered without Hono building WHATWG headers): no rebuild for a request that calls nothing.
    const before = budget.peek(caller);
    answerHeader(c, "RateLimit-Limit", limitText);
    answerHeader(c, "RateLimit-Remaining", before ? String(Math.max(0, pointsPerMinute - before.used)) : limitText);
    answerHeader(c, "RateLimit-Reset", before ? String(budget.secondsLeft(before)) : windowText);
    const account = new RequestAccount(budget, caller);
    await withCallGate(account, next);
    if (account.charged === 0 && account.refusal === undefined) return;
    const after = budget.peek(caller);
    c.header("RateLimit-Remaining", after ? String(Math.max(0, pointsPerMinute - after.used)) : limitText);
    c.header("RateLimit-Reset", after ? String(budget.secondsLeft(after)) : windowText);
    // A refusal may have been covered by another payer (a shared realtime refresh): count answered 429s only.
    if (account.refusal && c.res.status === 429) {
      metrics?.rateLimited(key ? "key" : "ip");
      c.get("edge")
        ?.logger()
        .warn(
          { caller: key ? `key:${key.prefix}` : "ip", charged: account.charged },
          "rate limited: upstream call budget spent",
        );
    }
  };
}
