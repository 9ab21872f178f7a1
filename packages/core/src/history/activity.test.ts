import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { HistoryActivity, percentile } from "./activity.ts";

describe("percentile (nearest rank)", () => {
  it("picks the value at ceil(p% of n)", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("HistoryActivity", () => {
  it("counts requests, hits, upstream calls and latency per minute of the clock, empty minutes included", () => {
    const clock = new ManualClock("2026-11-20T12:00:10Z");
    const activity = new HistoryActivity({ clock, minutes: 5 });
    activity.recordRequest({ hit: true, latencyMs: 4 });
    activity.recordRequest({ hit: false, latencyMs: 120 });
    activity.recordUpstreamCall();
    activity.recordUpstreamCall();
    clock.advance(2 * 60_000); // 12:02:10
    activity.recordRequest({ hit: true, latencyMs: 2 });

    const { bucketSeconds, minutes } = activity.snapshot();
    expect(bucketSeconds).toBe(60);
    expect(minutes.map((m) => m.start)).toEqual([
      "2026-11-20T11:58:00.000Z",
      "2026-11-20T11:59:00.000Z",
      "2026-11-20T12:00:00.000Z",
      "2026-11-20T12:01:00.000Z",
      "2026-11-20T12:02:00.000Z",
    ]);
    expect(minutes[2]).toEqual({
      start: "2026-11-20T12:00:00.000Z",
      requests: 2,
      hits: 1,
      hitRatio: 0.5,
      upstreamCalls: 2,
      latencyMs: { p50: 4, p95: 120, max: 120 },
    });
    expect(minutes[3]).toEqual({
      start: "2026-11-20T12:01:00.000Z",
      requests: 0,
      hits: 0,
      hitRatio: null,
      upstreamCalls: 0,
      latencyMs: { p50: null, p95: null, max: null },
    });
    expect(minutes[4]).toMatchObject({
      requests: 1,
      hits: 1,
      hitRatio: 1,
      upstreamCalls: 0,
      latencyMs: { p50: 2, p95: 2, max: 2 },
    });
  });

  it("forgets minutes older than the ring and recycles their slots", () => {
    const clock = new ManualClock("2026-11-20T12:00:00Z");
    const activity = new HistoryActivity({ clock, minutes: 3 });
    activity.recordRequest({ hit: false, latencyMs: 10 });
    clock.advance(3 * 60_000); // same slot, three minutes later
    activity.recordRequest({ hit: true, latencyMs: 1 });
    const { minutes } = activity.snapshot();
    expect(minutes).toHaveLength(3);
    expect(minutes.map((m) => m.requests)).toEqual([0, 0, 1]);
    expect(minutes[2]).toMatchObject({ start: "2026-11-20T12:03:00.000Z", hits: 1, latencyMs: { max: 1 } });
    clock.advance(10 * 60_000);
    expect(activity.snapshot().minutes.every((m) => m.requests === 0)).toBe(true);
  });

  it("keeps at most maxSamples latencies per minute (newest overwrite oldest) but counts every request", () => {
    const clock = new ManualClock("2026-11-20T12:00:00Z");
    const activity = new HistoryActivity({ clock, minutes: 1, maxSamples: 4 });
    for (const ms of [100, 100, 100, 100, 1, 2, 3, 4]) activity.recordRequest({ hit: true, latencyMs: ms });
    const [minute] = activity.snapshot().minutes;
    expect(minute).toMatchObject({ requests: 8, hits: 8, latencyMs: { p50: 2, p95: 4, max: 4 } });
  });
});
