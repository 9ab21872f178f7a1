import { describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { DeadlineExceededError } from "../upstream/deadline.ts";
import { KeyedLock } from "./keyed-lock.ts";

const shareable = (error: unknown) => error instanceof UpstreamError;

/** A promise and its resolver, to hold a lock until told. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("KeyedLock", () => {
  it("ends a wait when the signal aborts, with its reason, never running the task; the lock stays usable", async () => {
    const lock = new KeyedLock();
    const hold = gate();
    const holder = lock.run("k", () => hold.opened);
    const controller = new AbortController();
    let ran = false;
    const waiter = lock.run(
      "k",
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    controller.abort(new DeadlineExceededError(1000));
    await expect(waiter).rejects.toBeInstanceOf(DeadlineExceededError);
    hold.open();
    await holder;
    expect(ran).toBe(false);
    expect(await lock.run("k", async () => "next")).toBe("next");
    expect(lock.size).toBe(0);
  });

  it("hands a holder's failure to the callers waiting then, without calling; later callers call", async () => {
    const lock = new KeyedLock();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new UpstreamError("UPSTREAM_UNAVAILABLE", "down", { status: 500 }));
    };
    const hold = gate();
    const first = lock.run("k", async () => {
      await hold.opened;
      return lock.share("k", failing, shareable);
    });
    const waiters = [1, 2, 3].map(() => lock.run("k", () => lock.share("k", failing, shareable)));
    hold.open();
    const results = await Promise.allSettled([first, ...waiters]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected", "rejected"]);
    const errors = results.map((r) => (r as PromiseRejectedResult).reason);
    for (const error of errors) expect(error).toBe(errors[0]); // the very same failure
    expect(calls).toBe(1);
    // A caller that arrives after the failure calls upstream itself.
    await expect(lock.run("k", () => lock.share("k", async () => (calls++, "ok"), shareable))).resolves.toBe("ok");
    expect(calls).toBe(2);
  });

  it("does not share what is not shareable (the caller went away), nor across keys", async () => {
    const lock = new KeyedLock();
    let calls = 0;
    const hold = gate();
    const first = lock.run("a", async () => {
      await hold.opened;
      return lock.share("a", () => (calls++, Promise.reject(new Error("cancelled"))), shareable);
    });
    const waiter = lock.run("a", () => lock.share("a", async () => (calls++, "ok"), shareable));
    const other = lock.run("b", () => lock.share("b", async () => (calls++, "b"), shareable));
    hold.open();
    await expect(first).rejects.toThrow("cancelled");
    await expect(waiter).resolves.toBe("ok");
    await expect(other).resolves.toBe("b");
    expect(calls).toBe(3);
  });
});
