/**
 * Per-caller request budget (rate-limiter-flexible): points per minute per API key, or per client
 * IP for callers without a key. Batch and forced-refresh requests cost more (`requestCost` in
 * `@quantdb/core/auth`). Over budget: 429 `RATE_LIMITED` with `Retry-After` (seconds). Every
 * answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
 *
 * The budget lives in this process's memory: with N replicas a caller gets up to N× the budget
 * (documented in README "Security").
 */
import { DEFAULT_REQUEST_COSTS, normalisePolicyPath, requestCost, type RequestCosts } from "@quantdb/core/auth";
import type { MiddlewareHandler } from "hono";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { errorResponse } from "../errors.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import { accessRequestOf, LOCAL_ADMIN_KEY_ID } from "./auth.ts";
import "./types.ts";

/** Never limited: probes and the metrics scrape. */
const EXEMPT = new Set(["/health", "/ready", "/metrics"]);

/** The rate-limit middleware. */
export function rateLimit(options: {
  pointsPerMinute: number;
  costs?: RequestCosts;
  metrics: AppMetrics | undefined;
}): MiddlewareHandler {
  const { pointsPerMinute, costs = DEFAULT_REQUEST_COSTS, metrics } = options;
  const limiter = new RateLimiterMemory({ points: pointsPerMinute, duration: 60 });
  return async (c, next) => {
    if (EXEMPT.has(normalisePolicyPath(c.req.path))) return next();
    const key = c.get("apiKey");
    // The operator's own commands on this machine (a backfill through the server) are not a client to throttle.
    if (key?.id === LOCAL_ADMIN_KEY_ID) return next();
    const caller = key ? `key:${key.id}` : `ip:${c.get("clientIp") ?? "local"}`;
    const cost = Math.min(requestCost(await accessRequestOf(c), costs), pointsPerMinute);
    let result: RateLimiterRes;
    try {
      result = await limiter.consume(caller, cost);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      await limiter.reward(caller, cost); // a refused request spends nothing: a cheaper one may still fit
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      metrics?.rateLimited(key ? "key" : "ip");
      c.get("edge")
        ?.logger()
        .warn({ caller: key ? `key:${key.prefix}` : "ip", cost }, "rate limited");
      c.header("Retry-After", String(retryAfter));
      c.header("RateLimit-Limit", String(pointsPerMinute));
      c.header("RateLimit-Remaining", "0");
      c.header("RateLimit-Reset", String(retryAfter));
      return errorResponse(
        c,
        "RATE_LIMITED",
        `Too many requests: the budget is ${pointsPerMinute} points a minute (this request costs ${cost}); ` +
          `retry in ${retryAfter} s.`,
        429,
        {
          retry_after_seconds: retryAfter,
          limit_per_minute: pointsPerMinute,
          cost,
        },
      );
    }
    c.header("RateLimit-Limit", String(pointsPerMinute));
    c.header("RateLimit-Remaining", String(result.remainingPoints));
    c.header("RateLimit-Reset", String(Math.ceil(result.msBeforeNext / 1000)));
    await next();
  };
}
