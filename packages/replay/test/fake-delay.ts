/**
 * Checking the replay's injected delays on fake time: the replay waits on `setTimeout`, which the
 * tests fake, while sockets and `setImmediate` stay real. No test measures the wall clock.
 */
import { expect, vi } from "vitest";

/** Let the I/O callbacks queued so far run (setImmediate is never faked here). */
async function ioTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Run `request` (a fetch and the reading of its body) and check that it is answered only once
 * `ms` of fake time have passed after it reached the replay (`arrived()` turns true): still
 * waiting at `ms - 1`, answered at `ms`. Returns the request's result.
 */
export async function answeredAfter<T>(ms: number, arrived: () => boolean, request: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    let settled = false;
    const pending = request().finally(() => (settled = true));
    while (!arrived()) await ioTurns(1);
    await vi.advanceTimersByTimeAsync(ms - 1);
    await ioTurns(20); // a delay that had not been applied would have let the answer through by now
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    return await pending;
  } finally {
    vi.useRealTimers();
  }
}
