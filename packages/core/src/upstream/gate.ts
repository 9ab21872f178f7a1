/**
 * Who pays for upstream calls: a {@link CallGate} carried in the async context of the work that
 * makes them. Every upstream HTTP call core makes (through a `HostPolicy`, each attempt and
 * retry, or `fetchUpstreamText` without a policy) first asks the gate of the context it runs in;
 * the gate charges the call to its caller's budget, or refuses it by throwing
 * {@link RateLimitedError}. Work outside any gate (the daily ingest, the CLI, the embedded mode, a
 * server without a rate limit) is not charged.
 *
 * The gate is read from the context when a policy is entered, so a call queued behind another
 * request's (the host's bulkhead) is still charged to its own caller. Work done once for many
 * callers chooses its payer itself: {@link withoutCallGate} for shared upkeep that bounds its own
 * upstream use (the calendar horizon), {@link firstWillingGate} for a call made for several waiting
 * requests at once (the realtime refresh).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { RateLimitedError } from "../errors.ts";

/** Charges upstream calls to a caller (see the module comment). */
export interface CallGate {
  /**
   * Called right before one upstream HTTP call (every attempt, retries included) made in this gate's
   * async context, with the host about to be called (`push2his.eastmoney.com`, `127.0.0.1:8001`).
   * Returning lets the call go; synchronous, so a charged call waits for nothing.
   * @throws {RateLimitedError} to refuse the call: nothing is sent upstream, and the error reaches
   *   the caller unchanged (never retried, never counted against the host's circuit breaker, never
   *   shared with other requests waiting for the same data, never turned into a partial answer)
   */
  beforeCall(host: string): void;
}

const GATE = new AsyncLocalStorage<CallGate | undefined>();

/**
 * Run `task` with `gate` charged for every upstream call made in it (in its async context, awaited
 * or not); `undefined` runs it with no gate, as {@link withoutCallGate}.
 * @returns what `task` returns (its promise, for an async task)
 */
export function withCallGate<T>(gate: CallGate | undefined, task: () => T): T {
  return GATE.run(gate, task);
}

/**
 * Run `task` with no gate: its upstream calls are charged to nobody. Only for work done once for
 * every caller that limits its own upstream use (a few calls a day), which must not fail for
 * everyone because the request that happened to start it had spent its budget.
 */
export function withoutCallGate<T>(task: () => T): T {
  return GATE.run(undefined, task);
}

/** The gate of the current async context, or undefined when nobody is charged. */
export function currentCallGate(): CallGate | undefined {
  return GATE.getStore();
}

/**
 * A gate for one call made on behalf of several callers (each call asks them in order and the first
 * that accepts pays), or undefined when any of them has no gate (it wanted the call anyway, so
 * nobody is charged).
 * @throws {RateLimitedError} (from the returned gate's `beforeCall`) the first caller's refusal when
 *   every caller refuses
 */
export function firstWillingGate(gates: ReadonlyArray<CallGate | undefined>): CallGate | undefined {
  if (gates.length === 0 || gates.includes(undefined)) return undefined;
  if (gates.length === 1) return gates[0];
  const payers = gates as readonly CallGate[];
  return {
    beforeCall(host: string): void {
      let refusal: RateLimitedError | undefined;
      for (const gate of payers) {
        try {
          gate.beforeCall(host);
          return;
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          refusal ??= error;
        }
      }
      throw refusal;
    },
  };
}
