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
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../context.ts";
import { streamQuotesRoute } from "./quotes-schema.ts";
import { takeStreamSlot } from "./slots.ts";

/** Keep-alive comment interval, ms. */
const KEEP_ALIVE_MS = 15_000;

function write(stream: { writeSSE(m: { data: string; event?: string; id?: string }): Promise<void> }, e: StreamEvent) {
  return stream.writeSSE({ id: e.id, event: e.event, data: JSON.stringify(e.data) });
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
    return streamSSE(
      c,
      async (stream) => {
        let stalled = false;
        const guarded = async (task: Promise<void>) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stall = new Promise<"stall">((resolve) => {
            timer = setTimeout(() => resolve("stall"), streamStallMs);
          });
          const outcome = await Promise.race([task.then(() => "ok" as const), stall]);
          clearTimeout(timer);
          if (outcome === "stall") {
            stalled = true;
            stream.abort();
          }
        };
        stream.onAbort(() => {
          unsubscribe();
          queue.close();
        });
        try {
          for (const event of snapshot) await guarded(write(stream, event));
          while (!stream.aborted && !stalled) {
            await queue.next(KEEP_ALIVE_MS);
            // Closed by the hub at shutdown: send what is held, then end the response.
            if (stream.aborted || (queue.closed && queue.size === 0)) break;
            const events = queue.take();
            if (events.length === 0) await guarded(stream.write(": keep-alive\n\n").then(() => {}));
            for (const event of events) {
              if (stream.aborted || stalled) break;
              await guarded(write(stream, event));
            }
          }
        } finally {
          unsubscribe();
          queue.close();
        }
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
