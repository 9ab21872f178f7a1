/**
 * `GET /api/v1/stream/quotes?symbols=600519,00700,binance:BTC-USDT`: live quotes as server-sent events
 * (`text/event-stream`), fanned out from one poller per market (`@quantdb/core/stream`, issue 19).
 *
 * Events (each with an `id`): `status` `{market, state: open|break|closed|degraded, next_open, reason?}` at
 * connect for every subscribed market and whenever it changes; `quote` `{symbol, market, name, price,
 * change, pct_change, open, high, low, prev_close, volume, amount, time}` (the realtime endpoints' fields
 * and units; `time` upstream's quote time, ISO 8601 with offset) first for every symbol with a held quote
 * (a snapshot, on every connection, `Last-Event-ID` or not), then whenever price, volume or amount
 * changes; `error` `{symbol, code: "UNKNOWN_SYMBOL"}` once for a well-formed code upstream does not know.
 * A comment line at least every 15 s keeps proxies from closing the connection. At most 200 symbols; a
 * malformed one is a 400 before the stream starts. A subscriber that reads slowly skips intermediate quotes
 * (only the latest per symbol waits for it); one whose writes stall longer than `QUANTDB_STREAM_STALL_MS` is
 * disconnected. A client (API key, else IP) holding `QUANTDB_STREAM_MAX_PER_CLIENT` streams (these and
 * WebSocket connections together) gets 429 `TOO_MANY_STREAMS` before the stream starts. Under
 * `QUANTDB_AUTH=all` the key comes in the `Authorization` header or as a stream token in `?token=` (from
 * `POST /api/v1/stream/tokens`, for EventSource). This is the transport of the embedded mode and of the
 * dashboard's `/qdb` proxy; the server alone also speaks WebSocket (`GET /api/v1/ws`, ./ws.ts).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { parseStreamSymbols, LatestQueue, type StreamEvent } from "@quantdb/core/stream";
import { ServerResponse } from "node:http";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../context.ts";
import { streamQuotesRoute } from "./quotes-schema.ts";
import { takeStreamSlot } from "./slots.ts";

/** Keep-alive comment interval, ms. */
const KEEP_ALIVE_MS = 15_000;

/**
 * An event's wire form, made once per event however many subscribers get it (the hub hands every
 * subscriber the same object). JSON has no raw line breaks, so `data` is one line.
 */
const wire = new WeakMap<StreamEvent, string>();
function encode(event: StreamEvent): string {
  let text = wire.get(event);
  if (text === undefined) {
    text = `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\nid: ${event.id}\n\n`;
    wire.set(event, text);
  }
  return text;
}

/**
 * The answer that tells `@hono/node-server` the route wrote the Node response itself (its header
 * `x-hono-already-sent`, as its RESPONSE_ALREADY_SENT). A fresh one per request whose body was read:
 * node-server's lightweight Response (its global one once `serve` ran) skips that header's check on its
 * fast path, which reading `body` turns off.
 */
function alreadySent(): Response {
  const response = new Response(null, { headers: { "x-hono-already-sent": "true" } });
  void response.body;
  return response;
}

/** Where a stream's text goes: the Node response itself, or Hono's stream (embedded mode). */
interface Sink {
  /** Write `text`; `undefined` when written at once, else a promise of the moment it may continue. */
  write(text: string): Promise<void> | undefined;
  /** End the response normally (the hub closed). */
  end(): void;
  /** Cut the connection (stalled). */
  cut(): void;
  onClose(listener: () => void): void;
}

/**
 * Write the snapshot, then every wake-up's pending events in one write, until the client leaves, the hub
 * ends the queue, or a write stays pending longer than `stallMs`. One watchdog per connection (not a
 * timer per write or per wait: 1,000 subscribers would make thousands a second) cuts a stalled
 * connection and wakes an idle one for its keep-alive comment.
 */
async function pump(
  sink: Sink,
  snapshot: readonly StreamEvent[],
  queue: LatestQueue,
  stallMs: number,
  unsubscribe: () => void,
): Promise<void> {
  let closed = false;
  let writingSince = 0;
  let lastWrite = Date.now();
  let cutStalled = () => {};
  // Resolves when the watchdog cuts the connection: a write that never completes is not awaited forever.
  const cut = new Promise<void>((resolve) => (cutStalled = resolve));
  const close = () => {
    closed = true;
    unsubscribe();
    queue.close();
  };
  sink.onClose(close);
  const watchdog = setInterval(
    () => {
      const now = Date.now();
      if (writingSince !== 0 && now - writingSince >= stallMs) {
        cutStalled();
        sink.cut();
        close();
      } else if (writingSince === 0 && now - lastWrite >= KEEP_ALIVE_MS) queue.nudge();
    },
    Math.max(50, Math.min(stallMs / 4, KEEP_ALIVE_MS / 3)),
  );
  watchdog.unref?.();
  const send = async (text: string) => {
    const pending = sink.write(text);
    if (pending) {
      writingSince = Date.now();
      await Promise.race([pending, cut]);
      writingSince = 0;
    }
    lastWrite = Date.now();
  };
  try {
    if (snapshot.length > 0) await send(snapshot.map(encode).join(""));
    while (!closed) {
      await queue.next();
      if (closed) break; // the client left (or was cut)
      // Closed by the hub at shutdown: send what is held, then end the response.
      if (queue.closed && queue.size === 0) break;
      const events = queue.take();
      // Everything pending in one write (one chunk), however many symbols moved.
      await send(events.length === 0 ? ": keep-alive\n\n" : events.map(encode).join(""));
    }
  } finally {
    clearInterval(watchdog);
    unsubscribe();
    queue.close();
    if (!closed) sink.end();
  }
}

/** Register `GET /api/v1/stream/quotes` (documented through the registry: the handler writes the events itself). */
export function registerStreamQuotes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(streamQuotesRoute);
  app.get("/api/v1/stream/quotes", (c) => {
    const { stream: hub, streamStallMs } = c.get("services");
    // Validated before the stream starts: a bad list is a plain 400 (the error handler's JSON).
    const symbols = parseStreamSymbols(c.req.query("symbols") ?? "", hub.exchanges);
    const release = takeStreamSlot(c);
    const queue = new LatestQueue();
    let subscription: ReturnType<typeof hub.subscribe>;
    try {
      subscription = hub.subscribe(symbols, queue);
    } catch (error) {
      release();
      throw error;
    }
    const { snapshot } = subscription;
    const unsubscribe = () => {
      subscription.unsubscribe();
      release();
    };
    c.header("Cache-Control", "no-store");
    c.header("X-Accel-Buffering", "no");
    // On the Node server, write to its response directly: web streams cost several times the socket write
    // per event, which at 1,000 subscribers is most of the fan-out (docs/performance.md). Elsewhere (the
    // embedded mode's app.fetch) through Hono's stream.
    const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
    if (outgoing instanceof ServerResponse) {
      // Every answer's headers (security headers, X-Request-Id, Vary: the edge's), then this request's (CORS).
      const headers = new Headers(c.get("edge")?.headers);
      for (const [name, value] of c.res.headers) headers.set(name, value);
      outgoing.writeHead(200, {
        ...Object.fromEntries(headers),
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        connection: "keep-alive",
      });
      outgoing.flushHeaders();
      const sink: Sink = {
        write: (text) =>
          outgoing.write(text)
            ? undefined
            : new Promise<void>((resolve) => {
                outgoing.once("drain", resolve);
                outgoing.once("close", resolve);
              }),
        end: () => outgoing.end(),
        cut: () => outgoing.destroy(),
        onClose: (listener) => outgoing.once("close", listener),
      };
      pump(sink, snapshot, queue, streamStallMs, unsubscribe).catch(() => outgoing.destroy());
      return alreadySent();
    }
    return streamSSE(
      c,
      async (stream) => {
        const sink: Sink = {
          write: (text) => stream.write(text).then(() => {}),
          end: () => {},
          cut: () => stream.abort(),
          onClose: (listener) => stream.onAbort(listener),
        };
        await pump(sink, snapshot, queue, streamStallMs, unsubscribe);
      },
      async (error, stream) => {
        unsubscribe();
        await stream.writeSSE({
          event: "error",
          data: JSON.stringify({ code: "INTERNAL_ERROR", message: error.message }),
        });
      },
    );
  });
}
