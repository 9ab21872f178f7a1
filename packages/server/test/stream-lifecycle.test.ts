/**
 * Live quotes within upstream's budget and at shutdown (issue 19): polls stretch their interval so they
 * take at most half of a host's rate budget, a crypto pair without a ticker fails alone, and every open stream
 * ends when the hub closes (the server
 * entry closes it before draining, so streams do not hold the grace period). Real HTTP on loopback, the
 * replay upstream, the injected clock for market state; waits on events and counters only.
 */
import { ManualClock, systemClock } from "@quantdb/core/clock";
import { stretchedInterval } from "@quantdb/core/stream";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it, vi } from "vitest";
import { serveSystem, systemSuite } from "./harness.ts";
import { opened, openStream } from "./sse.ts";

/** Friday 2026-11-20, 10:00 in Shanghai: the CN market trades. */
const CN_OPEN = "2026-11-20T02:00:00Z";

it("stretches an interval whose calls would take more than half the host's rate budget", () => {
  expect(stretchedInterval(3000, 1, 3)).toBe(3000);
  expect(stretchedInterval(100, 1, 3)).toBe(667);
  expect(stretchedInterval(3000, 10, 3)).toBe(6667); // 1,000 stocks: 10 batch calls a poll
  expect(stretchedInterval(100, 10, 0)).toBe(100); // no budget configured
  expect(stretchedInterval(100, 0, 3)).toBe(100);
});

describe.each(testDrivers())("live quotes' budget and shutdown on %s", (driver) => {
  const system = systemSuite(driver);

  it("polls at the stretched interval under a 3-calls-per-second budget", async () => {
    const api = await serveSystem({
      database: system.database,
      replay: system.replay,
      clock: new ManualClock(CN_OPEN),
      stream: { intervalMs: 100 },
      upstreamPolicy: { ratePerSecond: 3 },
      // the budget refills in real time (the market's clock is frozen at 10:00)
      upstreamClock: systemClock,
    });
    try {
      const stream = await openStream(`${api.url}/api/v1/stream/quotes?symbols=600519,00700,binance:BTC-USDT`);
      await stream.quotes(1);
      await vi.waitFor(
        () => {
          const stats = api.services.stream.stats();
          expect(stats.polls.CN).toBeGreaterThanOrEqual(1);
          expect(stats.polls.CRYPTO).toBeGreaterThanOrEqual(1);
          // CN and HK quotes share one host: 1 call each a poll, 2 of the host's 1.5 calls/s share
          expect(stats.intervals).toEqual({ CN: 1334, HK: 1334, CRYPTO: 667 });
        },
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });

  it("a pair without a ticker is its own UNKNOWN_SYMBOL; the exchange's other pairs stream", async () => {
    const api = await serveSystem({
      database: system.database,
      replay: system.replay,
      clock: new ManualClock(CN_OPEN),
      stream: { intervalMs: 100 },
    });
    try {
      const stream = await openStream(`${api.url}/api/v1/stream/quotes?symbols=binance:XRP-USDT,binance:BTC-USDT`);
      const seen = await stream.quotes(1);
      while (!stream.events.some((e) => e.event === "error")) seen.push(await stream.next());
      expect(stream.events.find((e) => e.event === "error")?.data).toMatchObject({
        symbol: "binance:XRP/USDT",
        code: "UNKNOWN_SYMBOL",
      });
      expect(stream.events.filter((e) => e.event === "quote").map((e) => e.data.symbol)).toContain("binance:BTC/USDT");
      expect(stream.events.some((e) => e.event === "status" && e.data.state === "degraded")).toBe(false);
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });

  it("ends every open stream when the hub closes, after what it holds", async () => {
    const api = await serveSystem({
      database: system.database,
      replay: system.replay,
      clock: new ManualClock(CN_OPEN),
      stream: { intervalMs: 100 },
    });
    try {
      const streams = await Promise.all([1, 2].map(() => openStream(`${api.url}/api/v1/stream/quotes?symbols=600519`)));
      for (const stream of streams) await stream.quotes(1);
      await api.services.stream.close();
      // each response body ends (the reader's pump finishes) without the client closing it
      await Promise.all(streams.map((stream) => stream.ended));
      expect(api.services.stream.stats().subscribers).toBe(0);
      const refused = await api.get("/api/v1/stream/quotes?symbols=600519");
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });
});
