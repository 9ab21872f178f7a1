/** The live-quote settings as the environment gives them (README "Configuration"). */
import { describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";

describe("QUANTDB_STREAM_* settings", () => {
  it("default to the per-market intervals and a 30-s stall limit; refuse an interval under 100 ms", () => {
    const defaults = loadEnv({});
    expect(defaults.QUANTDB_STREAM_INTERVAL_MS).toBeUndefined();
    expect(defaults.QUANTDB_STREAM_STALL_MS).toBe(30_000);
    expect(loadEnv({ QUANTDB_STREAM_INTERVAL_MS: "" }).QUANTDB_STREAM_INTERVAL_MS).toBeUndefined();
    expect(loadEnv({ QUANTDB_STREAM_INTERVAL_MS: "250", QUANTDB_STREAM_STALL_MS: "5000" })).toMatchObject({
      QUANTDB_STREAM_INTERVAL_MS: 250,
      QUANTDB_STREAM_STALL_MS: 5000,
    });
    expect(() => loadEnv({ QUANTDB_STREAM_INTERVAL_MS: "50" })).toThrow(/QUANTDB_STREAM_INTERVAL_MS: Too small/);
  });

  it("limit open streams to 100 per client by default; 0 lifts the limit; a negative count is refused", () => {
    expect(loadEnv({}).QUANTDB_STREAM_MAX_PER_CLIENT).toBe(100);
    expect(loadEnv({ QUANTDB_STREAM_MAX_PER_CLIENT: "" }).QUANTDB_STREAM_MAX_PER_CLIENT).toBe(100);
    expect(loadEnv({ QUANTDB_STREAM_MAX_PER_CLIENT: "0" }).QUANTDB_STREAM_MAX_PER_CLIENT).toBe(0);
    expect(() => loadEnv({ QUANTDB_STREAM_MAX_PER_CLIENT: "-1" })).toThrow(/QUANTDB_STREAM_MAX_PER_CLIENT/);
  });
});
