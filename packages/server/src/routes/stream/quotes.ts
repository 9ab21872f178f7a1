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
import { parseStreamSymbols, LatestQueue } from "@quantdb/core/stream";
import { ServerResponse } from "node:http";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../context.ts";
import { nodeSink, pump, type Sink } from "./pump.ts";
import { streamQuotesRoute } from "./quotes-schema.ts";
import { takeStreamSlot } from "./slots.ts";

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
      pump(nodeSink(outgoing), snapshot, queue, streamStallMs, unsubscribe).catch(() => outgoing.destroy());
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
