/**
 * Request-rate budgets per upstream host: one token per `1 / ratePerSecond` seconds, so calls are
 * spaced evenly (docs/upstream-spec.md §10.3: steady pacing, never bursts). Built on rate-limiter-flexible:
 * in memory for one process (the embedded database), or any store-backed limiter (PostgreSQL in
 * `@quantdb/db`) to share one budget between replicas.
 */
import { RateLimiterMemory } from "rate-limiter-flexible";

/** A request-rate budget shared by everything that calls one upstream host. */
export interface RateBudget {
  /**
   * Try to take one token for `key` (the upstream host).
   * @returns 0 when a token was taken, else the milliseconds until the next token may be free.
   * @throws when the backing store fails and has no fallback.
   */
  take(key: string): Promise<number>;
}

/** What {@link rateBudgetFrom} needs of a rate-limiter-flexible limiter (any store). */
export interface ConsumingLimiter {
  consume(key: string, points?: number): Promise<unknown>;
}

/** Limiter options for a budget of `ratePerSecond` evenly spaced tokens (points 1, duration 1/rate s). */
export function evenRateOptions(ratePerSecond: number): { points: number; duration: number } {
  if (!(ratePerSecond > 0)) throw new Error(`ratePerSecond must be positive, got ${ratePerSecond}`);
  return { points: 1, duration: 1 / ratePerSecond };
}

/**
 * A budget over a rate-limiter-flexible limiter: a rejected `consume` (a `RateLimiterRes` with
 * `msBeforeNext`) means "wait"; any other rejection is a store failure and is rethrown.
 */
export function rateBudgetFrom(limiter: ConsumingLimiter): RateBudget {
  return {
    async take(key) {
      try {
        await limiter.consume(key, 1);
        return 0;
      } catch (rejection) {
        const wait = (rejection as { msBeforeNext?: unknown } | null)?.msBeforeNext;
        if (typeof wait === "number" && !(rejection instanceof Error)) return Math.max(1, Math.ceil(wait));
        throw rejection;
      }
    },
  };
}

/** An in-process budget of `ratePerSecond` evenly spaced calls per key (the embedded database's). */
export function memoryRateBudget(ratePerSecond: number): RateBudget {
  return rateBudgetFrom(new RateLimiterMemory({ keyPrefix: "quantdb_upstream", ...evenRateOptions(ratePerSecond) }));
}
