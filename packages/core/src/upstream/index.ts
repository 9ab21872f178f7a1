/**
 * Upstream politeness and resilience: per-host policies (concurrency cap, rate budget, timeout,
 * retries with backoff and jitter, circuit breaker) and the 503 error they raise when upstream is
 * unavailable. See policy.ts.
 */
export * from "./budget.ts";
export * from "./deadline.ts";
export * from "./policy.ts";
