/**
 * Request-rate budgets per upstream host: one token per `1 / ratePerSecond` seconds, so calls are
 * spaced evenly (docs/upstream-spec.md §10.3: steady pacing, never bursts). In memory for one
 * process, timed by the policy's clock ({@link memoryRateBudget}), or over any store-backed
 * rate-limiter-flexible limiter (PostgreSQL in `@quantdb/db`) to share one budget between replicas.
 */
import { systemClock, type Clock } from "../clock.ts";

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

/**
 * An in-process budget of `ratePerSecond` evenly spaced calls per key, read off `clock` (the
 * upstream policy's), so a test moves it on by moving its clock: a token is free once the previous
 * one is `1 / ratePerSecond` s old.
 * @throws Error when `ratePerSecond` is not positive
 */
export function memoryRateBudget(ratePerSecond: number, clock: Clock = systemClock): RateBudget {
  const intervalMs = evenRateOptions(ratePerSecond).duration * 1000;
  /** When each key's next token is free, ms since the epoch on `clock`. */
  const nextFree = new Map<string, number>();
  return {
    async take(key) {
      const now = clock.now().getTime();
      const free = nextFree.get(key) ?? now;
      if (now >= free) {
        nextFree.set(key, now + intervalMs);
        return 0;
      }
      return Math.max(1, Math.ceil(free - now));
    },
  };
}
