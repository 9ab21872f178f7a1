/**
 * Politeness and resilience towards the upstream sites (docs/upstream-spec.md §10–11): one policy per
 * upstream host, built with cockatiel.
 *
 * Per call, in this order: the circuit breaker (refuses while the host cools down), a bulkhead
 * (at most `concurrency` calls in flight, the rest queue), the request-rate budget (waits for a
 * token), then the call itself with its own timeout (the caller's `timeoutMs`). Around that, retries
 * with exponential backoff and jitter, only for failures that may pass (connection reset or
 * refused, timeout, HTTP 5xx), never for a 4xx or a page that is not data; and a bound on the total
 * time a request may spend in all of it.
 *
 * The breaker opens after `breakerThreshold` consecutive failed calls, or at once on a ban signal:
 * an HTML page instead of data (captcha or ban page), HTTP 403/429, or a connection dropped
 * without a response twice in a row (one drop alone is retried: it also happens on healthy
 * networks). After `breakerCooldownMs` it lets one probe through and closes on its success.
 *
 * Charging: before each call (every attempt, retries included), once it has a slot and before it
 * waits for a rate token, the call gate of the async context the request entered the policy in
 * (see gate.ts) charges it to its caller, or refuses it with a {@link RateLimitedError}: then no
 * call is made, the refusal is not retried, counts neither for nor against the host (a half-open
 * circuit's probe is left to the next call), and reaches the caller unchanged.
 *
 * Time: the breaker's cool-down, `Retry-After`, `lastErrorAt` and the in-memory rate budget are
 * read from the injected {@link Clock} (the system's), so a test moves a circuit from open to
 * half-open, or frees the next token, by moving its clock. Waits (backoff, the pause before asking
 * the budget again, the time bounds) are timers, which fake timers control.
 */
import {
  BulkheadRejectedError,
  ExponentialBackoff,
  bulkhead,
  handleWhen,
  retry,
  type BulkheadPolicy,
  type RetryPolicy,
} from "cockatiel";
import { systemClock, type Clock } from "../clock.ts";
import { RateLimitedError, UpstreamError } from "../errors.ts";
import { memoryRateBudget, type RateBudget } from "./budget.ts";
import { timeoutSignal } from "./deadline.ts";
import { currentCallGate } from "./gate.ts";

/** Tunables of every host's policy (env: QUANTDB_UPSTREAM_*, QUANTDB_BREAKER_*). */
export interface UpstreamPolicyConfig {
  /** Calls in flight at once per host; more wait in a queue. */
  concurrency: number;
  /** Calls that may wait for a slot per host before new ones are refused (503). @default 1000 */
  queue?: number;
  /**
   * Calls started per second per host (evenly spaced); 0 = no budget. Used by {@link UpstreamPolicies} to build its
   * default budget.
   */
  ratePerSecond: number;
  /** Retries after a retryable failure (so at most `retries + 1` calls per request). */
  retries: number;
  /** Longest time one request may spend in the policy (queue, rate wait, calls, backoff), ms. */
  totalTimeoutMs: number;
  /** Consecutive failed calls that open the breaker; 0 = no breaker. */
  breakerThreshold: number;
  /** How long an open breaker refuses calls before one probe, ms. */
  breakerCooldownMs: number;
  /** First backoff delay, ms (then doubling, with decorrelated jitter). @default 250 */
  backoffInitialMs?: number;
  /** Largest backoff delay, ms. @default 4000 */
  backoffMaxMs?: number;
  /** `Retry-After` seconds when no better estimate exists (retries exhausted, queue full). @default 10 */
  retryAfterSeconds?: number;
}

/**
 * Gentle defaults: 2 calls at a time, 3 per second, 2 retries, breaker after 5 failures for 60 s,
 * and at most 10 s per request in all of it (so a hung upstream answers 503 after 10 s, not after
 * three 8-s call timeouts).
 */
export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicyConfig = {
  concurrency: 2,
  ratePerSecond: 3,
  retries: 2,
  totalTimeoutMs: 10_000,
  breakerThreshold: 5,
  breakerCooldownMs: 60_000,
};

/**
 * A policy that only passes calls through (no retries, no breaker, no budget, generous
 * concurrency): for tests that inject one fault at a time and expect to see exactly it.
 */
export const PASS_THROUGH_UPSTREAM_POLICY: UpstreamPolicyConfig = {
  concurrency: 64,
  ratePerSecond: 0,
  retries: 0,
  totalTimeoutMs: 120_000,
  breakerThreshold: 0,
  breakerCooldownMs: 1000,
};

/** Circuit state as reported: `half-open` once the cool-down is over (the next call probes). */
export type CircuitName = "closed" | "open" | "half-open";

/** Counters of one host since start. */
export interface UpstreamCallCounts {
  /** Requests that succeeded (after any retries). */
  ok: number;
  /** Requests that failed after the policy gave up (or on a non-retryable failure). */
  failed: number;
  /** Retry calls made. */
  retried: number;
  /** Requests refused without calling upstream (circuit open, queue full). */
  rejected: number;
}

/** One host's state, for `/health` and metrics. */
export interface UpstreamHostSnapshot {
  host: string;
  circuit: CircuitName;
  /** Code and message of the last failed call, or null. */
  lastError: string | null;
  /** When it failed, ISO 8601 UTC, or null. */
  lastErrorAt: string | null;
  calls: UpstreamCallCounts;
}

/** What a policy reports as it works (for metrics). */
export type UpstreamEvent =
  | { type: "ok" | "failed" | "retried" | "rejected"; host: string; code?: string }
  | { type: "circuit"; host: string; circuit: CircuitName };

/** Listener of {@link UpstreamEvent}s. */
export type UpstreamListener = (event: UpstreamEvent) => void;

/**
 * Upstream is unavailable now (circuit open, retries exhausted, queue full, total time bound
 * reached): HTTP 503 `UPSTREAM_UNAVAILABLE`; `retryAfterSeconds` says when to try again
 * (`Retry-After`, also in `details.retry_after_seconds`).
 */
export class UpstreamUnavailableError extends UpstreamError {
  readonly retryAfterSeconds: number;
  constructor(
    message: string,
    retryAfterSeconds: number,
    details: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super("UPSTREAM_UNAVAILABLE", message, { ...details, retry_after_seconds: seconds }, options);
    this.retryAfterSeconds = seconds;
  }
  override get status(): number {
    return 503;
  }
}

/** How a failure counts: whether a retry may help, whether it is a failure of the host, whether it signals a ban. */
export interface FailureClass {
  retryable: boolean;
  failure: boolean;
  /**
   * `page`: a ban page or 403/429 (opens at once); `drop`: connection dropped without a response (opens on the second
   * in a row).
   */
  ban: false | "page" | "drop";
}

/** Socket errors meaning the peer dropped the connection without an answer (Eastmoney's ban signature). */
const DROPPED = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "ECONNABORTED", "UND_ERR_CLOSED"]);

/** Classify an error thrown by an upstream call (see {@link fetchUpstreamText}'s errors). */
export function classifyFailure(error: unknown): FailureClass {
  if (!(error instanceof UpstreamError)) return { retryable: false, failure: false, ban: false };
  const details = error.details ?? {};
  if (error.code === "UPSTREAM_TIMEOUT") return { retryable: true, failure: true, ban: false };
  if (error.code === "UPSTREAM_INVALID") {
    return { retryable: false, failure: true, ban: details.reason === "html_page" ? "page" : false };
  }
  if (error.code === "UPSTREAM_UNAVAILABLE") {
    const status = typeof details.status === "number" ? details.status : undefined;
    if (status === undefined) {
      if (details.reason === "aborted") return { retryable: false, failure: false, ban: false };
      return { retryable: true, failure: true, ban: DROPPED.has(String(details.reason)) ? "drop" : false };
    }
    if (status >= 500) return { retryable: true, failure: true, ban: false };
    if (status === 403 || status === 429) return { retryable: false, failure: true, ban: "page" };
    return { retryable: false, failure: false, ban: false };
  }
  return { retryable: false, failure: false, ban: false };
}

/** Opens after `threshold` consecutive failures, at once on a ban page, or on a second dropped connection in a row. */
class ConsecutiveOrBanCounter {
  #failures = 0;
  #drops = 0;
  constructor(private readonly threshold: number) {}
  success(): void {
    this.#failures = 0;
    this.#drops = 0;
  }
  /** Count a failure of the host; whether the circuit should open. */
  failure(ban: FailureClass["ban"]): boolean {
    this.#failures++;
    this.#drops = ban === "drop" ? this.#drops + 1 : 0;
    return ban === "page" || this.#drops >= 2 || this.#failures >= this.threshold;
  }
}

/** The circuit refused a call without making it (open, within its cool-down). */
class CircuitOpenError extends Error {}

type CircuitState =
  | { value: "closed" }
  | { value: "open"; openedAt: number }
  /** `openedAt`: when the circuit opened, restored when the probe was refused before calling. */
  | { value: "half-open"; probe: Promise<unknown>; openedAt: number };

/** Resolves when `promise` settles, or rejects with `signal.reason` when `signal` aborts first. */
function settledUnlessAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const settled = () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    promise.then(settled, settled);
  });
}

/**
 * One host's circuit breaker, timed by the injected clock. Closed: calls pass and the host's
 * failures are counted ({@link classifyFailure}). Open: calls are refused until `cooldownMs` has
 * passed on the clock. Then the next call is the probe (half-open): calls arriving meanwhile wait
 * for its outcome; it closes the circuit when it succeeds or fails for a reason that is not the
 * host's (a 404), and reopens it when the host failed again.
 */
class Circuit {
  #state: CircuitState = { value: "closed" };
  readonly #counter: ConsecutiveOrBanCounter;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  readonly #emit: (circuit: CircuitName) => void;

  constructor(threshold: number, cooldownMs: number, clock: Clock, emit: (circuit: CircuitName) => void) {
    this.#counter = new ConsecutiveOrBanCounter(threshold);
    this.#cooldownMs = cooldownMs;
    this.#clock = clock;
    this.#emit = emit;
  }

  /** The circuit as reported: open within the cool-down, half-open after it (or while probing). */
  get name(): CircuitName {
    if (this.#state.value === "open") return this.retryAfterMs() > 0 ? "open" : "half-open";
    return this.#state.value;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when closed or due). */
  retryAfterMs(): number {
    if (this.#state.value !== "open") return 0;
    return Math.max(0, this.#state.openedAt + this.#cooldownMs - this.#clock.now().getTime());
  }

  /**
   * Run `call` unless the circuit refuses it.
   * @throws {CircuitOpenError} when open within the cool-down, or when the probe this call waited for reopened it
   */
  async execute<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (;;) {
      const state = this.#state;
      if (state.value === "closed") return this.#run(call, undefined);
      if (state.value === "half-open") {
        await settledUnlessAborted(state.probe, signal);
        continue;
      }
      if (this.retryAfterMs() > 0) throw new CircuitOpenError();
      const probe = this.#run(call, state.openedAt);
      this.#state = { value: "half-open", probe, openedAt: state.openedAt };
      this.#emit("half-open");
      return probe;
    }
  }

  /** @param openedAt when probing: when the circuit opened (else undefined) */
  async #run<T>(call: () => Promise<T>, openedAt: number | undefined): Promise<T> {
    const probing = openedAt !== undefined;
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (error instanceof RateLimitedError) {
        // The caller's budget refused the call before it was made: nothing was learnt about the
        // host, so a probe leaves the circuit open and due, and the next call probes.
        if (openedAt !== undefined && this.#state.value === "half-open") this.#state = { value: "open", openedAt };
        throw error;
      }
      const kind = classifyFailure(error);
      if (kind.failure) {
        if (this.#counter.failure(kind.ban) || probing) this.#open();
      } else if (probing) {
        this.#close(); // not the host's failure (a 404, a cancelled call): the host answered
      }
      throw error;
    }
    this.#counter.success();
    if (probing) this.#close();
    return result;
  }

  #open(): void {
    if (this.#state.value === "open") return;
    this.#state = { value: "open", openedAt: this.#clock.now().getTime() };
    this.#emit("open");
  }

  #close(): void {
    if (this.#state.value !== "half-open") return;
    this.#state = { value: "closed" };
    this.#emit("closed");
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The policy of one upstream host. */
export class HostPolicy {
  readonly host: string;
  readonly #config: Required<UpstreamPolicyConfig>;
  readonly #budget: RateBudget | undefined;
  readonly #clock: Clock;
  readonly #emit: UpstreamListener;
  readonly #retry: RetryPolicy;
  readonly #circuit: Circuit | undefined;
  readonly #bulkhead: BulkheadPolicy;
  readonly #calls: UpstreamCallCounts = { ok: 0, failed: 0, retried: 0, rejected: 0 };
  #lastError: string | null = null;
  #lastErrorAt: Date | null = null;

  /**
   * @param clock times the breaker's cool-down, `Retry-After` and `lastErrorAt` (see the module comment)
   */
  constructor(
    host: string,
    config: UpstreamPolicyConfig,
    budget: RateBudget | undefined,
    emit: UpstreamListener,
    clock: Clock = systemClock,
  ) {
    this.host = host;
    this.#config = { queue: 1000, backoffInitialMs: 250, backoffMaxMs: 4000, retryAfterSeconds: 10, ...config };
    this.#budget = budget;
    this.#clock = clock;
    this.#emit = emit;
    this.#retry = retry(
      handleWhen((error) => classifyFailure(error).retryable),
      {
        maxAttempts: this.#config.retries,
        backoff: new ExponentialBackoff({
          initialDelay: this.#config.backoffInitialMs,
          maxDelay: this.#config.backoffMaxMs,
        }),
      },
    );
    const { breakerThreshold, breakerCooldownMs } = this.#config;
    const report = (circuit: CircuitName) => this.#emit({ type: "circuit", host, circuit });
    this.#circuit = breakerThreshold > 0 ? new Circuit(breakerThreshold, breakerCooldownMs, clock, report) : undefined;
    this.#bulkhead = bulkhead(this.#config.concurrency, this.#config.queue);
  }

  /** The circuit as reported: open within the cool-down, half-open after it (or while probing). */
  get circuit(): CircuitName {
    return this.#circuit?.name ?? "closed";
  }

  /** Milliseconds until an open breaker lets a probe through (0 when closed or due). */
  #retryAfterMs(): number {
    return this.#circuit?.retryAfterMs() ?? 0;
  }

  snapshot(): UpstreamHostSnapshot {
    return {
      host: this.host,
      circuit: this.circuit,
      lastError: this.#lastError,
      lastErrorAt: this.#lastErrorAt?.toISOString() ?? null,
      calls: { ...this.#calls },
    };
  }

  #count(type: keyof UpstreamCallCounts, code?: string): void {
    this.#calls[type]++;
    this.#emit({ type, host: this.host, ...(code ? { code } : {}) });
  }

  #recordError(error: unknown): void {
    this.#lastError =
      error instanceof UpstreamError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    this.#lastErrorAt = this.#clock.now();
  }

  /** Wait for a rate token, at most until `signal` aborts. */
  async #takeToken(signal: AbortSignal): Promise<void> {
    if (!this.#budget) return;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const wait = await this.#budget.take(this.host);
      if (wait === 0) return;
      await sleep(wait, signal);
    }
  }

  #unavailable(
    message: string,
    retryAfterMs: number,
    extra: Record<string, unknown> = {},
    cause?: unknown,
  ): UpstreamUnavailableError {
    const seconds = retryAfterMs > 0 ? retryAfterMs / 1000 : this.#config.retryAfterSeconds;
    return new UpstreamUnavailableError(
      message,
      seconds,
      { host: this.host, circuit: this.circuit, ...extra },
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * Run one upstream request through the policy. `call` makes ONE HTTP call (with its own
   * per-call timeout) and is invoked again for each retry; it receives a signal that aborts when
   * the caller gives up or the total time bound is reached.
   * Each attempt is first charged to the call gate of the context `execute` is called in (see the
   * module comment).
   * @throws {UpstreamUnavailableError} (503) when the circuit is open, the queue is full, retries
   *   are exhausted or the total time bound is reached; {@link RateLimitedError} (429) when the call
   *   gate refuses an attempt (no call is made); otherwise the call's own {@link UpstreamError}
   *   (e.g. a 4xx, a ban page) unchanged.
   */
  async execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    // Read now: a queued attempt runs in the context of whichever call freed its slot.
    const gate = currentCallGate();
    const deadline = timeoutSignal(this.#config.totalTimeoutMs);
    const bounded = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
    let attempts = 0;
    try {
      const attempt = () =>
        this.#bulkhead.execute(async () => {
          gate?.beforeCall(this.host);
          await this.#takeToken(bounded);
          try {
            return await call(bounded);
          } catch (error) {
            if (classifyFailure(error).failure) this.#recordError(error);
            throw error;
          }
        }, bounded);
      const run = this.#retry.execute(() => {
        attempts++;
        if (attempts > 1) this.#count("retried");
        return this.#circuit ? this.#circuit.execute(attempt, bounded) : attempt();
      }, bounded);
      // A call still queued for a slot when the bound is reached must not hold the request: stop
      // waiting at once (the queued call is cancelled when it would start).
      run.catch(() => {});
      let onAbort: (() => void) | undefined;
      const stopped = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(bounded.reason);
        if (bounded.aborted) onAbort();
        else bounded.addEventListener("abort", onAbort, { once: true });
      });
      stopped.catch(() => {});
      const result = await Promise.race([run, stopped]).finally(() => bounded.removeEventListener("abort", onAbort!));
      this.#count("ok");
      return result;
    } catch (error) {
      if (error instanceof RateLimitedError) throw error; // the caller's budget, not the host's failure
      if (error instanceof CircuitOpenError) {
        this.#count("rejected", "CIRCUIT_OPEN");
        throw this.#unavailable(
          `Upstream ${this.host} is cooling down after repeated failures or a ban signal; not calling it until ` +
            "the circuit half-opens",
          this.#retryAfterMs(),
          { reason: "circuit_open", last_error: this.#lastError },
        );
      }
      if (error instanceof BulkheadRejectedError) {
        this.#count("rejected", "QUEUE_FULL");
        throw this.#unavailable(`Too many calls are waiting for upstream ${this.host}`, 0, { reason: "queue_full" });
      }
      // The caller's signal aborting with an UpstreamUnavailableError is the request's own time
      // bound (see deadline.ts): upstream was too slow, as for this policy's bound.
      const requestBound = signal?.aborted === true && signal.reason instanceof UpstreamUnavailableError;
      if (signal?.aborted && !requestBound) {
        // The caller went away: not upstream's failure, and not counted against the host.
        throw error instanceof UpstreamError
          ? error
          : new UpstreamError(
              "UPSTREAM_UNAVAILABLE",
              "The upstream call was cancelled",
              { host: this.host, reason: "aborted" },
              { cause: error },
            );
      }
      if (deadline.signal.aborted || requestBound) {
        const boundMs = requestBound
          ? Number((signal!.reason as UpstreamUnavailableError).details?.timeout_ms ?? this.#config.totalTimeoutMs)
          : this.#config.totalTimeoutMs;
        this.#count("failed", "TOTAL_TIMEOUT");
        this.#recordError(new Error(`total time bound of ${boundMs} ms reached`));
        throw this.#unavailable(
          `Upstream ${this.host} did not answer within ${boundMs} ms (queue, rate budget, calls and retries)`,
          this.#retryAfterMs(),
          { reason: "total_timeout", attempts },
        );
      }
      const code = error instanceof UpstreamError ? error.code : "INTERNAL";
      this.#count("failed", code);
      if (attempts > 1 && classifyFailure(error).retryable && error instanceof UpstreamError) {
        throw this.#unavailable(
          `Upstream ${this.host} failed ${attempts} times in a row (last: ${error.message})`,
          this.#retryAfterMs(),
          { reason: "retries_exhausted", attempts, last_error: { code: error.code, ...error.details } },
          error,
        );
      }
      throw error;
    } finally {
      deadline.clear();
    }
  }
}

/** Options of {@link UpstreamPolicies}. */
export interface UpstreamPoliciesOptions {
  config?: Partial<UpstreamPolicyConfig>;
  /**
   * The request-rate budget shared by all hosts' policies (keyed by host), e.g. one backed by
   * PostgreSQL for replicas. Default: in memory at `config.ratePerSecond` (none when 0).
   */
  budget?: RateBudget;
  /**
   * What the breakers' cool-downs, `Retry-After`, `lastErrorAt` and the default in-memory rate
   * budget are read from (the system's clock; a test's `ManualClock`). @default systemClock
   */
  clock?: Clock;
}

/**
 * One {@link HostPolicy} per upstream host, created on first use, with a shared rate budget, a
 * snapshot for `/health` and an event hook for metrics. A system owns one and hands it to its
 * upstream clients (their `policies` option), which run every request through the policy of the
 * URL's host (`fetchUpstreamText`'s `policies`).
 */
export class UpstreamPolicies {
  readonly config: UpstreamPolicyConfig;
  readonly #budget: RateBudget | undefined;
  readonly #clock: Clock;
  readonly #hosts = new Map<string, HostPolicy>();
  readonly #listeners = new Set<UpstreamListener>();

  constructor(options: UpstreamPoliciesOptions = {}) {
    this.config = { ...DEFAULT_UPSTREAM_POLICY, ...options.config };
    this.#clock = options.clock ?? systemClock;
    const { ratePerSecond } = this.config;
    this.#budget = options.budget ?? (ratePerSecond > 0 ? memoryRateBudget(ratePerSecond, this.#clock) : undefined);
  }

  /** The policy of a host (`push2his.eastmoney.com`, `127.0.0.1:8001`). */
  forHost(host: string): HostPolicy {
    let policy = this.#hosts.get(host);
    if (!policy) {
      const emit: UpstreamListener = (event) => {
        for (const listener of this.#listeners) {
          try {
            listener(event);
          } catch {
            // a listener's failure must not break upstream calls
          }
        }
      };
      policy = new HostPolicy(host, this.config, this.#budget, emit, this.#clock);
      this.#hosts.set(host, policy);
    }
    return policy;
  }

  /** The policy for a URL's host. */
  forUrl(url: string): HostPolicy {
    return this.forHost(new URL(url).host);
  }

  /** Every host called so far, sorted by host. */
  snapshot(): UpstreamHostSnapshot[] {
    return [...this.#hosts.values()].map((policy) => policy.snapshot()).sort((a, b) => (a.host < b.host ? -1 : 1));
  }

  /** Subscribe to events (calls, retries, rejections, circuit changes). Returns an unsubscribe function. */
  onEvent(listener: UpstreamListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
