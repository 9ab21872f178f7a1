import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  applyStreamMessage,
  createSseParser,
  exchangeTime,
  INITIAL_LIVE_STATE,
  type LiveMode,
  type LiveQuote,
  LiveQuoteStream,
  type LiveState,
  liveIndicator,
  liveQuoteOf,
  marketOfSymbol,
  nextStep,
  RECONNECT_DELAYS_MS,
  type SseMessage,
  STREAM_RETRY_MS,
  withLive,
} from "../src/lib/live-quotes.ts";

const quote = (symbol: string, price: number, extra: Partial<LiveQuote> = {}): LiveQuote => ({
  symbol,
  market: "SH",
  name: "贵州茅台",
  price,
  change: 1,
  pct_change: 0.07,
  open: 1460,
  high: 1470,
  low: 1455,
  prev_close: price - 1,
  volume: 100,
  amount: 146_000,
  time: "2026-11-20T10:00:03+08:00",
  ...extra,
});

const message = (event: string, data: unknown, id?: string): SseMessage => ({
  event,
  data: JSON.stringify(data),
  ...(id ? { id } : {}),
});

const fold = (messages: SseMessage[], state: LiveState = INITIAL_LIVE_STATE) =>
  messages.reduce(applyStreamMessage, state);

describe("createSseParser", () => {
  it("parses events split anywhere, with CRLF or LF, comments, multi-line data and ids", () => {
    const seen: SseMessage[] = [];
    const parser = createSseParser((m) => seen.push(m));
    const wire =
      ': keep-alive\n\nevent: status\ndata: {"a":1}\nid: 7\n\r\n' +
      "data: line one\r\ndata:line two\r\n\r\n" +
      "event: quote\nid: 8\ndata: {}\n\n" +
      "event: nothing\n\n";
    // one character at a time: every split point, including between \r and \n
    for (const char of wire) parser.push(char);
    expect(seen).toEqual([
      { event: "status", data: '{"a":1}', id: "7" },
      { event: "message", data: "line one\nline two", id: "7" },
      { event: "quote", data: "{}", id: "8" },
    ]);
  });

  it("holds an incomplete event until its blank line arrives", () => {
    const seen: SseMessage[] = [];
    const parser = createSseParser((m) => seen.push(m));
    parser.push("event: quote\ndata: {}");
    expect(seen).toEqual([]);
    parser.push("\n\n");
    expect(seen).toHaveLength(1);
  });
});

describe("applyStreamMessage", () => {
  it("keeps the latest quote per symbol and the latest status per market; any event means streaming", () => {
    const state = fold([
      message("status", { market: "CN", state: "open", next_open: null }, "1"),
      message("quote", quote("600519", 1466), "2"),
      message("quote", quote("000001", 11.2), "3"),
      message("quote", quote("600519", 1467.5), "4"),
      message("status", { market: "CN", state: "break", next_open: "2026-11-20T13:00:00+08:00" }, "5"),
    ]);
    expect(state.mode).toBe("streaming");
    expect(state.quotes["600519"]!.price).toBe(1467.5);
    expect(state.quotes["000001"]!.price).toBe(11.2);
    expect(state.markets).toEqual({
      CN: { market: "CN", state: "break", next_open: "2026-11-20T13:00:00+08:00" },
    });
  });

  it("records unknown symbols once; ignores unreadable data and other events", () => {
    const unknown = message("error", { symbol: "600999", code: "UNKNOWN_SYMBOL", message: "no quote" });
    const state = fold([
      unknown,
      unknown,
      { event: "quote", data: "{not json" },
      message("message", { hello: 1 }),
      message("error", { code: "INTERNAL_ERROR", message: "boom" }),
    ]);
    expect(state.unknown).toEqual(["600999"]);
    expect(state.quotes).toEqual({});
    expect(fold([{ event: "quote", data: "null" }])).toBe(INITIAL_LIVE_STATE);
  });
});

describe("liveIndicator", () => {
  const withStatus = (state: string, extra: Record<string, unknown> = {}) =>
    fold([message("status", { market: "HK", state, next_open: null, ...extra })]);

  it("says live, closed with the next open, degraded with the reason, polling or connecting", () => {
    expect(liveIndicator(withStatus("open"), "HK")).toEqual({ kind: "live" });
    const next = "2026-11-23T09:30:00+08:00";
    expect(liveIndicator(withStatus("closed", { next_open: next }), "HK")).toEqual({
      kind: "closed",
      state: "closed",
      nextOpen: next,
    });
    expect(liveIndicator(withStatus("break", { next_open: next }), "HK")).toMatchObject({ state: "break" });
    expect(liveIndicator(withStatus("degraded", { reason: "UPSTREAM_TIMEOUT" }), "HK")).toEqual({
      kind: "degraded",
      reason: "UPSTREAM_TIMEOUT",
    });
    // a market the stream has not reported on yet, or no stream yet
    expect(liveIndicator(withStatus("open"), "CN")).toEqual({ kind: "connecting" });
    expect(liveIndicator(INITIAL_LIVE_STATE, "HK")).toEqual({ kind: "connecting" });
    // polling wins over what the stream said before it failed
    expect(liveIndicator({ ...withStatus("open"), mode: "polling" }, "HK")).toEqual({ kind: "polling" });
  });

  it("writes the next open in the exchange's time with its offset", () => {
    expect(exchangeTime("2026-11-23T09:30:00+08:00")).toBe("2026-11-23 09:30 (UTC+08:00)");
    expect(exchangeTime("2026-11-23T01:30:00.000Z")).toBe("2026-11-23 01:30 (UTC)");
    expect(exchangeTime("soon")).toBe("soon");
  });

  it("knows a symbol's market from its canonical spelling", () => {
    expect(["600519", "00700", "binance:BTC/USDT"].map(marketOfSymbol)).toEqual(["CN", "HK", "CRYPTO"]);
  });
});

describe("withLive and liveQuoteOf", () => {
  const polled = {
    symbol: "600519",
    currency: "CNY" as const,
    price: 1460,
    change: -5,
    pct_change: -0.34,
    open: 1465,
    high: 1466,
    low: 1458,
    prev_close: 1465,
    volume: 10,
    amount: 14_600,
    quote_time: "2026-11-20T01:59:00.000Z",
  };

  it("puts the live figures and time over the polled quote, keeping what only the polled one has", () => {
    const live = quote("600519", 1467.5, { change: 2.5, time: null });
    expect(withLive(polled, live)).toEqual({
      ...polled,
      price: 1467.5,
      change: 2.5,
      pct_change: 0.07,
      open: 1460,
      high: 1470,
      low: 1455,
      prev_close: 1466.5,
      volume: 100,
      amount: 146_000,
      quote_time: polled.quote_time, // the live quote has no time: the polled one's stays
    });
    expect(withLive(polled, undefined)).toBe(polled);
  });

  it("offers no live quote while polling: the polled one is newer then", () => {
    const state = fold([message("quote", quote("600519", 1467.5))]);
    expect(liveQuoteOf(state, "600519")?.price).toBe(1467.5);
    expect(liveQuoteOf({ ...state, mode: "polling" }, "600519")).toBeUndefined();
    expect(liveQuoteOf(state, "000001")).toBeUndefined();
  });
});

describe("nextStep (when to fall back to polling)", () => {
  it("reconnects after growing delays, then polls and retries the stream later", () => {
    const steps = [1, 2, 3, 4].map((failures) => nextStep(failures, "failed", false));
    expect(steps).toEqual([
      ...RECONNECT_DELAYS_MS.map((delayMs) => ({ action: "reconnect", delayMs })),
      { action: "poll", retryMs: STREAM_RETRY_MS },
    ]);
  });

  it("polls at once when the API refuses the stream, and keeps polling when a retry fails", () => {
    expect(nextStep(1, "refused", false)).toEqual({ action: "poll", retryMs: STREAM_RETRY_MS });
    expect(nextStep(1, "failed", true)).toEqual({ action: "poll", retryMs: STREAM_RETRY_MS });
  });
});

describe("LiveQuoteStream", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const URL = "http://dashboard.test/qdb/api/v1/stream/quotes?symbols=600519";
  const encoder = new TextEncoder();

  /** An event-stream answer sending `text`, then ending (or staying open when `open`). */
  function sse(text: string, { open = false } = {}): Response {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(text));
        if (!open) controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }

  /** A stream over `answers` (one per connection, in order); what it reported and the headers it sent. */
  function run(answers: (() => Response | Promise<Response>)[]) {
    const calls: Record<string, string>[] = [];
    const modes: LiveMode[] = [];
    const messages: SseMessage[] = [];
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ ...(init?.headers as Record<string, string>) });
      const answer = answers[calls.length - 1];
      if (!answer) throw new TypeError("fetch failed");
      return answer();
    });
    const stream = new LiveQuoteStream({
      url: URL,
      headers: () => ({ authorization: "Bearer qdb_test" }),
      onMessage: (m) => messages.push(m),
      onMode: (m) => modes.push(m),
      fetch,
    });
    stream.start();
    return { stream, calls, modes, messages, fetch };
  }

  it("falls back to polling after repeated failures, then the stream takes over again", async () => {
    const unavailable = () => new Response("busy", { status: 503 });
    const snapshot = 'event: status\ndata: {"market":"CN","state":"open","next_open":null}\nid: 41\n\n';
    const { stream, calls, modes, messages } = run([
      unavailable,
      () => Promise.reject(new TypeError("fetch failed")),
      unavailable,
      unavailable,
      () => sse(snapshot, { open: true }),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    // the reconnect delays, then polling
    for (const delay of RECONNECT_DELAYS_MS) {
      expect(modes).toEqual([]);
      await vi.advanceTimersByTimeAsync(delay);
    }
    expect(calls).toHaveLength(4);
    expect(modes).toEqual(["polling"]);
    // the stream is tried again later, and delivers
    await vi.advanceTimersByTimeAsync(STREAM_RETRY_MS - 1);
    expect(calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(5);
    expect(messages).toEqual([{ event: "status", data: '{"market":"CN","state":"open","next_open":null}', id: "41" }]);
    expect(calls[4]).toMatchObject({ accept: "text/event-stream", authorization: "Bearer qdb_test" });
    stream.stop();
  });

  it("polls at once when the API refuses the stream (a 400 for the symbols, or no such route)", async () => {
    const { stream, modes, calls } = run([() => Response.json({ error: { code: "INVALID_SYMBOL" } }, { status: 400 })]);
    await vi.advanceTimersByTimeAsync(0);
    expect(modes).toEqual(["polling"]);
    await vi.advanceTimersByTimeAsync(STREAM_RETRY_MS);
    expect(calls).toHaveLength(2); // tried again later (and failed: still polling, no second report)
    expect(modes).toEqual(["polling"]);
    stream.stop();
  });

  it("reconnects after a drop with Last-Event-ID, without counting it as a failure", async () => {
    const { stream, calls, modes, messages } = run([
      () => sse('event: quote\ndata: {"symbol":"600519"}\nid: 9\n\n'),
      () => sse('event: quote\ndata: {"symbol":"600519"}\nid: 12\n\n', { open: true }),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(messages.map((m) => m.id)).toEqual(["9"]);
    expect(modes).toEqual(["connecting"]);
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]!);
    expect(calls[1]).toMatchObject({ "last-event-id": "9" });
    expect(messages.map((m) => m.id)).toEqual(["9", "12"]);
    stream.stop();
  });

  it("gives up on a connection that stays silent (no keep-alive) and connects again", async () => {
    const { stream, calls } = run([
      () => sse('event: status\ndata: {"market":"CRYPTO","state":"open","next_open":null}\n\n', { open: true }),
      () => sse("", { open: true }),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(45_000 + RECONNECT_DELAYS_MS[0]!);
    expect(calls).toHaveLength(2);
    stream.stop();
  });

  it("reports nothing and connects no more once stopped", async () => {
    const { stream, fetch, modes } = run([() => new Response("busy", { status: 503 })]);
    await vi.advanceTimersByTimeAsync(0);
    stream.stop();
    await vi.advanceTimersByTimeAsync(STREAM_RETRY_MS * 2);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(modes).toEqual([]);
  });
});
