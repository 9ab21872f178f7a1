/**
 * `client.streamQuotes` against the real system (PGlite, the replay upstream with moving quotes, the CN
 * market open by an injected clock, 100 ms polls): over HTTP on loopback, where a wrapper around the app
 * records each stream request's headers and the test drops the server's connections or stops listening;
 * and in process (`fetch` = `app.fetch`, the embedded mode's dispatch). Reconnect delays are injected, so
 * nothing waits for wall-clock time; the tests wait for events only.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ManualClock } from "@quantdb/core/clock";
import type { DatabaseHandle } from "@quantdb/db";
import { openTestDatabase } from "@quantdb/db/testing";
import { startReplay, type ReplayServer } from "@quantdb/replay";
import { createSystem, replayUrls } from "@quantdb/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import {
  createClient,
  QuantDbApiError,
  reconnectDelay,
  type FetchLike,
  type QuoteEvent,
  type QuoteStreamEvent,
} from "../src/index.ts";

const PATH = "/api/v1/stream/quotes";
/** Friday 2026-11-20, 10:00 in Shanghai: the CN market trades. */
const CN_OPEN = "2026-11-20T02:00:00Z";

type System = Awaited<ReturnType<typeof createSystem>>;

/** Pull events from `events` until one satisfies `done`; returns every event pulled, that one last. */
async function pullUntil(
  events: AsyncIterator<QuoteStreamEvent>,
  done: (event: QuoteStreamEvent) => boolean,
): Promise<QuoteStreamEvent[]> {
  const pulled: QuoteStreamEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error(`the stream ended after ${JSON.stringify(pulled)}`);
    pulled.push(next.value);
    if (done(next.value)) return pulled;
  }
}

const isQuote =
  (symbol: string) =>
  (e: QuoteStreamEvent): e is QuoteEvent =>
    e.event === "quote" && e.data.symbol === symbol;

describe("streamQuotes", () => {
  let database: DatabaseHandle;
  let replay: ReplayServer;
  const systems: System[] = [];
  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    replay = await startReplay();
  });
  afterAll(async () => {
    await replay?.close();
    await database?.close();
  });
  beforeEach(() => {
    replay.reset();
    replay.setMovingQuotes(true);
    return async () => {
      await Promise.all(systems.splice(0).map((system) => system.close()));
    };
  });

  async function system(): Promise<System> {
    const created = await createSystem({
      database,
      clock: new ManualClock(CN_OPEN),
      urls: replayUrls(replay),
      timeoutMs: 3000,
      listPageDelayMs: 0,
      stream: { intervalMs: 100 },
    });
    systems.push(created);
    return created;
  }

  /** The system on loopback behind a wrapper that records the headers of every stream request. */
  async function served() {
    const { app, services } = await system();
    const requests: Headers[] = [];
    const server = await new Promise<Server>((resolve) => {
      const s = serve(
        {
          fetch: (request: Request) => {
            if (new URL(request.url).pathname === PATH) requests.push(request.headers);
            return app.fetch(request);
          },
          port: 0,
          hostname: "127.0.0.1",
        },
        () => resolve(s as Server),
      );
    });
    const { port } = server.address() as AddressInfo;
    onTestFinished(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return {
      url: `http://127.0.0.1:${port}`,
      services,
      requests,
      lastEventIds: () => requests.map((headers) => headers.get("last-event-id")),
      /** Drop every open connection (the server goes on listening). */
      drop: () => server.closeAllConnections(),
      /** Stop listening and drop every connection: connections are refused until `listen`. */
      stop: () => {
        server.close();
        server.closeAllConnections();
      },
      listen: () => server.listen(port, "127.0.0.1"),
    };
  }

  it("streams status, moving quotes and unknown symbols over HTTP, with the API key; break closes it", async () => {
    const api = await served();
    const client = createClient({ baseUrl: api.url, apiKey: "qdb_stream_test" });
    const seen: QuoteStreamEvent[] = [];
    let quotes = 0;
    for await (const event of client.streamQuotes(["600519", "600999", "binance:BTC/USDT"])) {
      seen.push(event);
      if (isQuote("600519")(event) && ++quotes === 3) break;
    }
    expect(seen[0]).toEqual({
      event: "status",
      id: expect.stringMatching(/^\d+$/),
      data: { market: "CN", state: "open", next_open: null },
    });
    expect(seen).toContainEqual(
      expect.objectContaining({ event: "status", data: expect.objectContaining({ market: "CRYPTO" }) }),
    );
    expect(seen).toContainEqual(
      expect.objectContaining({
        event: "error",
        data: expect.objectContaining({ symbol: "600999", code: "UNKNOWN_SYMBOL" }),
      }),
    );
    const moutai = seen.filter(isQuote("600519"));
    expect(moutai[0]!.data).toMatchObject({ market: "SH", name: "贵州茅台", price: expect.any(Number) });
    expect(moutai[0]!.data.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    // the replay's quotes move: only changes are sent
    expect(new Set(moutai.map((e) => e.data.price)).size).toBeGreaterThan(1);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.get("authorization")).toBe("Bearer qdb_stream_test");
    expect(api.requests[0]!.get("accept")).toBe("text/event-stream");
    expect(api.requests[0]!.get("last-event-id")).toBeNull();
    // leaving the loop closed the connection: the server's subscriber is gone
    await vi.waitFor(() => expect(api.services.stream.stats().subscribers).toBe(0), { timeout: 10_000 });
  });

  it("reconnects with Last-Event-ID after dropped connections and a restart; the back-off resets", async () => {
    const api = await served();
    const attempts: number[] = [];
    const failures: string[] = [];
    const client = createClient({ baseUrl: api.url });
    const events = client
      .streamQuotes(["600519"], {
        retryDelay: (attempt) => {
          attempts.push(attempt);
          return 0;
        },
        onReconnect: ({ attempt, error }) => {
          failures.push(error.code);
          if (attempt === 3) api.listen();
        },
      })
      [Symbol.asyncIterator]();
    const isStatus = (e: QuoteStreamEvent) => e.event === "status";
    try {
      const first = await pullUntil(events, isQuote("600519"));
      expect(first[0]!.event).toBe("status");

      // 1. the server drops the connection: one reconnect, sending the id of the last event received
      api.drop();
      const before = await pullUntil(events, isStatus); // a new connection begins with its status
      const lastId = [...first, ...before].at(-2)!.id;
      expect(api.lastEventIds()).toEqual([null, lastId]);
      expect(attempts).toEqual([1]);
      const snapshot = await pullUntil(events, isQuote("600519"));
      expect(snapshot).toHaveLength(1); // the held quote, at once

      // 2. the server goes away: refused connections back off (1, 2, 3, …) until it listens again
      api.stop();
      const during = await pullUntil(events, isStatus);
      const lastBeforeStop = [...snapshot, ...during].at(-2)!.id;
      expect(attempts[1]).toBe(1); // the connection that worked reset the count
      expect(attempts.slice(1)).toEqual(attempts.slice(1).map((_, i) => i + 1));
      expect(attempts.length).toBeGreaterThanOrEqual(4);
      expect(failures.every((code) => code === "NETWORK_ERROR")).toBe(true);
      expect(api.lastEventIds().at(-1)).toBe(lastBeforeStop);
      expect((await pullUntil(events, isQuote("600519"))).length).toBeGreaterThan(0);
    } finally {
      await events.return?.();
    }
    await vi.waitFor(() => expect(api.services.stream.stats().subscribers).toBe(0), { timeout: 10_000 });
  });

  it("ends cleanly when the signal aborts, and throws the 400 of a malformed symbol without retrying", async () => {
    const api = await served();
    const client = createClient({ baseUrl: api.url });
    const controller = new AbortController();
    const retryDelay = vi.fn(() => 0);
    const seen: QuoteStreamEvent[] = [];
    for await (const event of client.streamQuotes(["600519"], { signal: controller.signal, retryDelay })) {
      seen.push(event);
      if (event.event === "quote") controller.abort();
    }
    expect(seen.map((e) => e.event)).toEqual(["status", "quote"]);
    await vi.waitFor(() => expect(api.services.stream.stats().subscribers).toBe(0), { timeout: 10_000 });

    // already aborted: nothing is sent
    const none: QuoteStreamEvent[] = [];
    for await (const event of client.streamQuotes(["600519"], { signal: controller.signal })) none.push(event);
    expect(none).toEqual([]);
    expect(api.requests).toHaveLength(1);

    const error = await (async () => {
      for await (const _ of client.streamQuotes(["600519", "60O519"], { retryDelay })) {
        // never reached
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuantDbApiError);
    expect(error).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
    // an answer that is not an event stream (a proxy's page) is not retried either
    const proxy = createClient({ baseUrl: api.url, fetch: () => new Response("<html>", { status: 200 }) });
    await expect(proxy.streamQuotes(["600519"], { retryDelay })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: "INVALID_RESPONSE",
      status: 200,
    });
    expect(retryDelay).not.toHaveBeenCalled();
  });

  it("works in process (fetch = app.fetch): events, a reconnect when the stream ends, 5xx retried, abort", async () => {
    const { app, services } = await system();
    const lastEventIds: (string | null)[] = [];
    let calls = 0;
    /** The embedded mode's dispatch; the first answer's body is ended after its first quote event. */
    const inProcess: FetchLike = async (request) => {
      lastEventIds.push(request.headers.get("last-event-id"));
      const response = await app.fetch(request);
      if (++calls > 1 || !response.body) return response;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const cut = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          if (decoder.decode(value).includes("event: quote")) {
            controller.close();
            await reader.cancel();
          }
        },
      });
      return new Response(cut, response);
    };
    const client = createClient({ baseUrl: "http://quantdb.embedded", fetch: inProcess, retries: 0 });
    const controller = new AbortController();
    const reconnects: { attempt: number; code: string; status: number }[] = [];
    const seen: QuoteStreamEvent[] = [];
    const options = {
      signal: controller.signal,
      retryDelay: () => 0,
      onReconnect: ({ attempt, error }: { attempt: number; error: QuantDbApiError }) => {
        reconnects.push({ attempt, code: error.code, status: error.status });
        if (error.status >= 500 && attempt === 2) controller.abort();
      },
    };
    let shutDown = false;
    for await (const event of client.streamQuotes(["600519", "000001"], options)) {
      seen.push(event);
      // A quote of the second connection: shut the quote hub down (open streams end, new ones get 503).
      if (!shutDown && event.event === "quote" && seen.filter((e) => e.event === "status").length === 2) {
        shutDown = true;
        services.stream.close();
      }
    }
    expect(seen[0]).toMatchObject({ event: "status", data: { market: "CN", state: "open" } });
    expect(seen.some((e) => e.event === "quote" && e.data.symbol === "000001")).toBe(true);
    const second = seen.findIndex((e, i) => i > 0 && e.event === "status");
    expect(lastEventIds).toEqual([null, seen[second - 1]!.id, expect.any(String)]);
    expect(reconnects).toEqual([
      { attempt: 1, code: "NETWORK_ERROR", status: 0 }, // the first body ended
      { attempt: 1, code: "NETWORK_ERROR", status: 0 }, // the hub's shutdown ended the second
      { attempt: 2, code: "UPSTREAM_UNAVAILABLE", status: 503 }, // a new stream while the hub is closed
    ]);
  });

  it("in process, an abort while waiting for data ends the iteration and the server's stream", async () => {
    const { app, services } = await system();
    const client = createClient({ baseUrl: "http://quantdb.embedded", fetch: (request) => app.fetch(request) });
    const controller = new AbortController();
    const events = client.streamQuotes(["600519"], { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ event: "status" });
    const pending = events.next(); // waits for the body: nothing ties an in-process body to the request's signal
    controller.abort();
    let next = await pending;
    while (!next.done) next = await events.next(); // at most the quotes already read
    await vi.waitFor(() => expect(services.stream.stats().subscribers).toBe(0), { timeout: 10_000 });
  });

  it("backs off exponentially with jitter, capped at 30 s", () => {
    expect([1, 2, 3, 4].map((n) => reconnectDelay(n, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((n) => reconnectDelay(n, () => 0.999_999))).toEqual([500, 1000, 2000, 4000]);
    expect(reconnectDelay(30, () => 0)).toBe(15_000);
    expect(reconnectDelay(30, () => 0.999_999)).toBe(30_000);
  });
});
