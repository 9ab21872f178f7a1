/**
 * Upstream politeness and resilience: per-host policies (concurrency cap, rate budget, timeout,
 * retries with backoff and jitter, circuit breaker) and the 503 error they raise when upstream is
 * unavailable (see policy.ts); the call gate that charges each upstream call to the caller whose
 * work makes it (see gate.ts).
 */
export * from "./budget.ts";
export * from "./deadline.ts";
export * from "./gate.ts";
export * from "./policy.ts";
