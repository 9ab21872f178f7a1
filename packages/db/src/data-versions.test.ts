import { describe, expect, it } from "vitest";
import { DataVersionCache } from "./data-versions.ts";

/** A read that counts its calls and can be held open (an in-flight query). */
function reader(versions: Record<string, { version: string; id: number | null }>) {
  const calls: string[] = [];
  let gate: Promise<void> | null = null;
  return {
    calls,
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = null;
        open();
      };
    },
    read: (key: string) => async () => {
      calls.push(key);
      const waiting = gate;
      if (waiting) await waiting;
      return versions[key]!;
    },
  };
}

describe("DataVersionCache", () => {
  it("reads through until subscribed, then keeps each version until a notification names its instrument", async () => {
    const cache = new DataVersionCache({ maxAgeMs: 60_000 });
    const db = reader({ a: { version: "1", id: 1 }, b: { version: "2", id: 2 } });
    await cache.get("a", db.read("a"));
    await cache.get("a", db.read("a"));
    expect(db.calls).toEqual(["a", "a"]); // not listening yet: nothing kept
    cache.setListening(true);
    await cache.get("a", db.read("a"));
    await cache.get("b", db.read("b"));
    expect(await cache.get("a", db.read("a"))).toBe("1");
    expect(db.calls).toEqual(["a", "a", "a", "b"]);
    cache.changed("2,7");
    await cache.get("a", db.read("a"));
    await cache.get("b", db.read("b"));
    expect(db.calls).toEqual(["a", "a", "a", "b", "b"]); // only b was read again
    cache.changed("*");
    await cache.get("a", db.read("a"));
    expect(db.calls.at(-1)).toBe("a");
  });

  it("drops instruments not stored yet on any notification (a new instrument's id is unknown)", async () => {
    const cache = new DataVersionCache({ maxAgeMs: 60_000 });
    cache.setListening(true);
    const db = reader({ missing: { version: "none", id: null }, a: { version: "1", id: 1 } });
    await cache.get("missing", db.read("missing"));
    await cache.get("a", db.read("a"));
    cache.changed("42");
    await cache.get("missing", db.read("missing"));
    await cache.get("a", db.read("a"));
    expect(db.calls).toEqual(["missing", "a", "missing"]);
  });

  it("does not keep a version that was being read while a change arrived", async () => {
    const cache = new DataVersionCache({ maxAgeMs: 60_000 });
    cache.setListening(true);
    const db = reader({ a: { version: "1", id: 1 } });
    const release = db.hold();
    const inFlight = cache.get("a", db.read("a"));
    cache.changed("1");
    release();
    expect(await inFlight).toBe("1");
    await cache.get("a", db.read("a"));
    expect(db.calls).toEqual(["a", "a"]);
    expect(cache.size).toBe(1);
  });

  it("trusts a version for at most maxAgeMs; forgets everything on clear or when the subscription stops", async () => {
    let now = 0;
    const cache = new DataVersionCache({ maxAgeMs: 1000, now: () => now });
    cache.setListening(true);
    const db = reader({ a: { version: "1", id: 1 } });
    await cache.get("a", db.read("a"));
    now = 999;
    await cache.get("a", db.read("a"));
    expect(db.calls).toHaveLength(1);
    now = 1000;
    await cache.get("a", db.read("a"));
    expect(db.calls).toHaveLength(2);
    cache.clear();
    await cache.get("a", db.read("a"));
    expect(db.calls).toHaveLength(3);
    cache.setListening(false);
    await cache.get("a", db.read("a"));
    await cache.get("a", db.read("a"));
    expect(db.calls).toHaveLength(5);
    expect(cache.size).toBe(0);
  });
});
