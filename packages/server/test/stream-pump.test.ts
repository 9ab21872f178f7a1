/**
 * One server-sent-event stream's writer (src/routes/stream/pump.ts) over a real Node writable whose reader
 * stops reading, as a stalled client's socket does: the stall limit cuts it (and not before), a slow reader
 * that catches up goes on without piling up listeners, an idle stream gets its keep-alive comment. Time is
 * fake (the watchdog's interval and `Date`); nothing waits for a real duration.
 */
import { LatestQueue, type StreamEvent } from "@quantdb/core/stream";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KEEP_ALIVE_MS, nodeSink, pump, type Sink } from "../src/routes/stream/pump.ts";

const STALL_MS = 30_000;

let nextId = 0;
function quote(symbol: string, price: number): StreamEvent {
  nextId += 1;
  return {
    id: String(nextId),
    event: "quote",
    data: {
      symbol,
      market: "SH",
      name: "贵州茅台",
      price,
      change: 1.5,
      pct_change: 0.1,
      open: 1400,
      high: 1420,
      low: 1390,
      prev_close: price - 1.5,
      volume: 1_234_500,
      amount: 1_750_000_000,
      time: "2026-11-20T10:00:03+08:00",
    },
  };
}

/** A socket stand-in: a real Node writable with a small buffer, whose readable side the test reads (or not). */
function socket(): PassThrough {
  return new PassThrough({ highWaterMark: 64 });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("an event stream's writer", () => {
  it("cuts a client that stops reading once its write has waited QUANTDB_STREAM_STALL_MS, not before", async () => {
    const out = socket();
    const queue = new LatestQueue();
    const unsubscribe = vi.fn();
    let ended = false;
    const done = pump(nodeSink(out), [quote("600519", 1401)], queue, STALL_MS, unsubscribe).then(() => {
      ended = true;
    });
    // nobody reads: the snapshot fills the buffers and the next write has to wait
    queue.deliver(quote("600519", 1402));
    await vi.advanceTimersByTimeAsync(STALL_MS - 10_000);
    expect(out.destroyed).toBe(false);
    expect(ended).toBe(false);
    expect(unsubscribe).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(10_000 + STALL_MS / 4);
    expect(out.destroyed).toBe(true);
    await done;
    expect(unsubscribe).toHaveBeenCalled();
    expect(queue.closed).toBe(true);
  });

  it("lets a slow reader that catches up go on, its waits leaving no listeners behind", async () => {
    const out = socket();
    const queue = new LatestQueue();
    const read: string[] = [];
    const done = pump(nodeSink(out), [], queue, STALL_MS, () => {});
    for (let i = 0; i < 30; i += 1) {
      queue.deliver(quote("600519", 1400 + i));
      await vi.advanceTimersByTimeAsync(1_000);
      // the reader takes what waits, which lets a pending write continue (`drain`)
      for (let chunk = out.read(); chunk !== null; chunk = out.read()) read.push(String(chunk));
      await vi.advanceTimersByTimeAsync(0);
    }
    for (let chunk = out.read(); chunk !== null; chunk = out.read()) read.push(String(chunk));
    const prices = [...read.join("").matchAll(/"price":(\d+)/g)].map((m) => Number(m[1]));
    expect(prices.at(-1)).toBe(1429);
    expect(out.destroyed).toBe(false);
    // the connection's own close listener, and at most one of a write waiting now
    expect(out.listenerCount("close")).toBeLessThanOrEqual(2);
    expect(out.listenerCount("drain")).toBeLessThanOrEqual(1);
    queue.end();
    await done;
  });

  it("writes a keep-alive comment within 15 s of the last line; ends the response when the hub closes", async () => {
    const written: { at: number; text: string }[] = [];
    let ended = false;
    const sink: Sink = {
      write: (text) => {
        written.push({ at: Date.now(), text });
        return undefined;
      },
      end: () => {
        ended = true;
      },
      cut: () => {
        throw new Error("not stalled");
      },
      onClose: () => {},
    };
    const queue = new LatestQueue();
    const start = Date.now();
    const done = pump(sink, [quote("600519", 1401)], queue, STALL_MS, () => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toHaveLength(1);
    expect(written[0]?.text).toMatch(/^event: quote\ndata: \{"symbol":"600519".*\}\nid: \d+\n\n$/);

    // a quote 2.5 s in (off the watchdog's beat), then a minute of nothing: a comment at most every 15 s
    await vi.advanceTimersByTimeAsync(2_500);
    queue.deliver(quote("600519", 1402));
    await vi.advanceTimersByTimeAsync(60_000);
    const comments = written.filter((w) => w.text === ": keep-alive\n\n");
    expect(comments.length).toBeGreaterThanOrEqual(4);
    const times = [start, ...written.map((w) => w.at), Date.now()];
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(KEEP_ALIVE_MS);
    // not more often than needed: never within two thirds of the interval of the line before
    for (const c of comments) {
      const before = written[written.indexOf(c) - 1]!;
      expect(c.at - before.at).toBeGreaterThan((KEEP_ALIVE_MS * 2) / 3);
    }

    // the hub shuts down holding a quote: it is sent, then the response ends
    queue.deliver(quote("600519", 1403));
    queue.end();
    await done;
    expect(written.at(-1)?.text).toContain('"price":1403');
    expect(ended).toBe(true);
  });
});
