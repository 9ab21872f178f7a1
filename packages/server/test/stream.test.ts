/**
 * `GET /api/v1/stream/quotes` (server-sent events) through the replay on PGlite and PostgreSQL, over real
 * HTTP: one poll per market whatever the number of subscribers, nothing polled while the market is closed
 * (injected clock) or once the last subscriber left, a snapshot on every (re)connection, a stalled
 * subscriber that does not hold the others back, and the errors. Poll intervals run in real time (100 ms);
 * the tests wait for events and counters, never for a duration.
 */
import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it, vi } from "vitest";
import { type ServedApi, serveSystem, systemSuite } from "./harness.ts";
import { opened, openStream, type SseEvent } from "./sse.ts";

const ULIST = "/api/qt/ulist.np/get";
/** Friday 2026-11-20, 10:00 in Shanghai: the CN market trades. */
const CN_OPEN = "2026-11-20T02:00:00Z";
/** Saturday 2026-11-21, 10:00 in Shanghai. */
const CN_WEEKEND = "2026-11-21T02:00:00Z";

describe.each(testDrivers())("GET /api/v1/stream/quotes on %s", (driver) => {
  const system = systemSuite(driver);

  async function serve(now: string): Promise<ServedApi> {
    return serveSystem({
      database: system.database,
      replay: system.replay,
      clock: new ManualClock(now),
      stream: { intervalMs: 100 },
    });
  }

  it("polls once per market for 100 subscribers as for 1, and stops when the last one leaves", async () => {
    const api = await serve(CN_OPEN);
    const hub = api.services.stream;
    const ulist = () => system.replay.requestCount({ path: ULIST });
    const path = `${api.url}/api/v1/stream/quotes?symbols=600519,000001,300750`;
    try {
      const measure = async () => {
        const start = hub.stats();
        const calls0 = ulist();
        await vi.waitFor(
          () => {
            const now = hub.stats();
            expect(now.polls.CN).toBeGreaterThanOrEqual(start.polls.CN + 5);
            // every upstream call of the window is the poller's; one call per poll (3 secids fit one call)
            expect(ulist() - calls0).toBe(now.calls.CN - start.calls.CN);
            expect(now.calls.CN - start.calls.CN).toBe(now.polls.CN - start.polls.CN);
          },
          { timeout: 20_000, interval: 20 },
        );
      };
      const one = await openStream(path);
      const first = await one.quotes(3);
      expect(first[0]).toMatchObject({ event: "status", data: { market: "CN", state: "open", next_open: null } });
      const quote = first.find((e) => e.event === "quote" && e.data.symbol === "600519")!;
      expect(quote.data).toMatchObject({ market: "SH", name: "贵州茅台", price: expect.any(Number) });
      expect(quote.data.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      expect(Number(quote.id)).toBeGreaterThan(0);
      await measure();

      const many = await Promise.all(Array.from({ length: 99 }, () => openStream(path)));
      // each new connection gets the snapshot at once: the status and the 3 held quotes
      for (const s of many)
        expect((await s.quotes(3)).map((e) => e.event)).toEqual(["status", "quote", "quote", "quote"]);
      expect(hub.stats().subscribers).toBe(100);
      await measure();

      await Promise.all([one, ...many].map((s) => s.close()));
      await vi.waitFor(() => expect(hub.stats()).toMatchObject({ subscribers: 0, running: [] }), { timeout: 10_000 });
      const calls = ulist();
      const ticks = hub.stats().ticks.CN;
      await api.get("/api/v1/health");
      expect(hub.stats().ticks.CN).toBe(ticks);
      expect(ulist()).toBe(calls);
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });

  it("makes no upstream call while the market is closed; reports closed with the next open", async () => {
    const api = await serve(CN_WEEKEND);
    try {
      const stream = await openStream(`${api.url}/api/v1/stream/quotes?symbols=600519,00700`);
      const statuses = [await stream.next(), await stream.next()];
      expect(statuses).toEqual([
        {
          id: expect.any(String),
          event: "status",
          data: { market: "CN", state: "closed", next_open: "2026-11-23T09:30:00+08:00" },
        },
        {
          id: expect.any(String),
          event: "status",
          data: { market: "HK", state: "closed", next_open: "2026-11-23T09:30:00+08:00" },
        },
      ]);
      await vi.waitFor(() => expect(api.services.stream.stats().ticks.CN).toBeGreaterThanOrEqual(3), {
        timeout: 10_000,
      });
      expect(api.services.stream.stats().polls).toMatchObject({ CN: 0, HK: 0 });
      expect(system.replay.requestCount({ path: ULIST })).toBe(0);
      expect(stream.events).toHaveLength(2);
      await stream.close();
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });

  it("sends the snapshot on a Last-Event-ID reconnect, an error for an unknown code, 400 for bad lists", async () => {
    const api = await serve(CN_OPEN);
    try {
      const first = await openStream(`${api.url}/api/v1/stream/quotes?symbols=600519,600999`);
      const seen = await first.quotes(1);
      const unknown = seen.find((e) => e.event === "error") ?? (await first.next());
      expect(unknown).toMatchObject({ event: "error", data: { symbol: "600999", code: "UNKNOWN_SYMBOL" } });
      const lastId = seen.at(-1)!.id!;
      await first.close();

      const again = await openStream(`${api.url}/api/v1/stream/quotes?symbols=600519`, { "Last-Event-ID": lastId });
      expect(again.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const snapshot = [await again.next(), await again.next()];
      expect(snapshot.map((e) => e.event)).toEqual(["status", "quote"]);
      expect(snapshot[1]!.data).toEqual(seen.find((e) => e.event === "quote")!.data);
      await again.close();

      const bad = await api.get("/api/v1/stream/quotes?symbols=600519,60O519");
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: "INVALID_SYMBOL" });
      const many = Array.from({ length: 201 }, (_, i) => String(600000 + i)).join(",");
      const tooMany = await api.get(`/api/v1/stream/quotes?symbols=${many}`);
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.message).toMatch(/at most 200/);
      expect((await api.get("/api/v1/stream/quotes")).status).toBe(400);
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });
  it("keeps sending to the others while one subscriber stalls; crypto pairs stream too", async () => {
    // Moving quotes: each poll answers the next of the last 60 recorded bars, so every poll brings a change.
    system.replay.setMovingQuotes(true);
    const api = await serve(CN_OPEN);
    try {
      const path = `${api.url}/api/v1/stream/quotes?symbols=600519,binance:BTC-USDT`;
      // A subscriber that never reads: its response body is left unread.
      const stalled = await fetch(path);
      expect(stalled.status).toBe(200);
      const reader = await openStream(path);
      const prices: number[] = [];
      let crypto: SseEvent | undefined;
      while (prices.length < 20) {
        const event = await reader.next();
        if (event.event === "quote" && event.data.symbol === "600519") prices.push(event.data.price);
        if (event.event === "quote" && event.data.market === "CRYPTO") crypto ??= event;
      }
      // consecutive quotes differ (only changes are sent), and they came while the other subscriber read nothing
      expect(prices.every((p, i) => i === 0 || p !== prices[i - 1])).toBe(true);
      expect(api.services.stream.stats().subscribers).toBe(2);
      while (!crypto) {
        const event = await reader.next();
        if (event.event === "quote" && event.data.market === "CRYPTO") crypto = event;
      }
      expect(crypto?.data).toMatchObject({ symbol: "binance:BTC/USDT", market: "CRYPTO", price: expect.any(Number) });
      await stalled.body?.cancel();
    } finally {
      await Promise.all(opened.splice(0).map((stream) => stream.close()));
      await api.stop();
    }
  });
});
