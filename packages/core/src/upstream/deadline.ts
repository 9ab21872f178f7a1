/**
 * A request's time bound: one deadline for everything a request spends on upstream, waiting for
 * another request's fetch of the same series included (README "Errors": an upstream failure
 * answers within `QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS`). It travels as an AbortSignal whose reason
 * is a {@link DeadlineExceededError}, so every wait that honours the signal (the series lock, the
 * upstream policy's queue, rate wait, calls and backoff) ends with that 503 when time is up.
 */
import { UpstreamUnavailableError } from "./policy.ts";

/**
 * The request's time bound was reached before its upstream work finished (including time spent
 * waiting for another request's fetch of the same series): 503 `UPSTREAM_UNAVAILABLE`,
 * `details.reason: "total_timeout"`, with `Retry-After`.
 */
export class DeadlineExceededError extends UpstreamUnavailableError {
  /** The bound that was reached, ms. */
  readonly timeoutMs: number;
  constructor(
    timeoutMs: number,
    message = `The request did not finish its upstream work within ${timeoutMs} ms`,
    retryAfterSeconds = 10,
  ) {
    super(message, retryAfterSeconds, { reason: "total_timeout", timeout_ms: timeoutMs });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A signal that aborts `ms` milliseconds from now with a `TimeoutError` (as `AbortSignal.timeout`),
 * on a `setTimeout` timer (which fake timers control, unlike `AbortSignal.timeout`'s) that does not
 * keep the process alive; `clear()` drops the timer once the guarded work is over.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timeout = () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  const timer = setTimeout(timeout, ms);
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * When each signal made by {@link withDeadline} expires (epoch ms), for waits that need a number (a PostgreSQL
 * lock_timeout).
 */
const DEADLINES = new WeakMap<AbortSignal, number>();

/**
 * `signal` bounded by a deadline `timeoutMs` after `startedAt` (default now): aborts with a
 * {@link DeadlineExceededError}
 * when time is up, or with `signal`'s own reason when it aborts first (the client went away).
 * Without `timeoutMs`, `signal` unchanged. The timer does not keep the process alive.
 */
export function withDeadline(
  timeoutMs: number | undefined,
  signal?: AbortSignal,
  startedAt: number = Date.now(),
): AbortSignal | undefined {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return signal;
  const controller = new AbortController();
  const at = startedAt + timeoutMs;
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(timeoutMs)), Math.max(0, at - Date.now()));
  timer.unref?.();
  const bounded = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  bounded.addEventListener("abort", () => clearTimeout(timer), { once: true });
  DEADLINES.set(bounded, at);
  return bounded;
}

/**
 * `options` whose `signal` is bounded by a deadline `timeoutMs` from now (see {@link withDeadline}),
 * made only when first read: most requests are answered from the cache and never need one (a
 * deadline costs a timer and a combined signal, ~0.1 ms). Without `timeoutMs`, `options` unchanged.
 */
export function withLazyDeadline<T extends { signal?: AbortSignal | undefined }>(
  options: T,
  timeoutMs: number | undefined,
): T {
  if (timeoutMs === undefined) return options;
  const startedAt = Date.now();
  let bounded: AbortSignal | undefined;
  let made = false;
  return {
    ...options,
    get signal() {
      if (!made) {
        made = true;
        bounded = withDeadline(timeoutMs, options.signal, startedAt);
      }
      return bounded;
    },
  };
}

/** Milliseconds left before `signal`'s deadline (at least 1), or undefined when it has none. */
export function remainingMs(signal: AbortSignal | undefined): number | undefined {
  const at = signal ? DEADLINES.get(signal) : undefined;
  return at === undefined ? undefined : Math.max(1, at - Date.now());
}

/** Whether `signal` was aborted because its deadline passed (not because the caller went away). */
export function isDeadline(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof DeadlineExceededError;
}

/**
 * Wait for a resource (a lock, a pooled connection) at most until `signal` aborts: rejects with
 * `signal.reason` then; a resource granted after the caller gave up is handed straight back
 * (`giveBack`). A failure of `acquire` is passed on unless the caller already gave up.
 */
export function acquireUnlessAborted<T>(
  acquire: () => Promise<T>,
  giveBack: (resource: T) => void,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (!signal) return acquire();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let gaveUp = false;
    const onAbort = () => {
      gaveUp = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    acquire().then(
      (resource) => {
        signal.removeEventListener("abort", onAbort);
        if (gaveUp) giveBack(resource);
        else resolve(resource);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!gaveUp) reject(error);
      },
    );
  });
}
