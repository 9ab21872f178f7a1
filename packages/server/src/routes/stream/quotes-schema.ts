/**
 * The OpenAPI description of `GET /api/v1/stream/quotes` (documentation only: the handler in `./quotes.ts`
 * writes the server-sent events itself). The 200 schema is one event as the stream frames it: `event` and
 * `id` are the SSE fields, `data` the event's JSON.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { MAX_STREAM_SYMBOLS } from "@quantdb/core/stream";
import { ErrorSchema, openApiErrorResponses } from "../../errors.ts";

const nullableNumber = (description: string, example: number) =>
  z.number().nullable().openapi({ description, example });

const id = z.string().openapi({
  description: "The SSE `id` field: increases over the server's life; send the last one seen as Last-Event-ID",
  example: "1042",
});

const StreamQuoteSchema = z
  .object({
    symbol: z.string().openapi({
      description: "Canonical code (600519, 00700) or crypto pair exchange:BASE/QUOTE (binance:BTC/USDT)",
      example: "600519",
    }),
    market: z.string().openapi({ description: "Listing exchange (SH, SZ, BJ, HK) or CRYPTO", example: "SH" }),
    name: z.string().nullable().openapi({ description: "Short name (a pair's BASE/QUOTE)", example: "贵州茅台" }),
    price: nullableNumber("Last price, trading currency (CNY or HKD; a pair's quote currency)", 1466.0),
    change: nullableNumber("price − prev_close (crypto: over the rolling 24 h), same currency", -3.99),
    pct_change: nullableNumber("Change against prev_close, percent (-0.27 means -0.27 %)", -0.27),
    open: nullableNumber("Today's open (crypto: 24 h ago), same currency", 1470.0),
    high: nullableNumber("Today's high (crypto: rolling 24 h), same currency", 1475.0),
    low: nullableNumber("Today's low (crypto: rolling 24 h), same currency", 1460.01),
    prev_close: nullableNumber("Previous session's close, same currency", 1469.99),
    volume: nullableNumber("Traded today in shares (crypto: 24 h, base currency)", 3215600),
    amount: nullableNumber("Traded value today, trading currency (crypto: 24 h, quote currency)", 4716342528),
    time: z.string().nullable().openapi({
      description:
        "Upstream's quote time, ISO 8601 with the exchange's offset (+08:00; crypto +00:00); null if none was sent",
      example: "2026-11-20T10:00:03+08:00",
    }),
  })
  .openapi("StreamQuote", {
    description: "A quote event's data: the realtime endpoints' fields and units",
  });

const StreamStatusSchema = z
  .object({
    market: z.enum(["CN", "HK", "CRYPTO"]).openapi({ description: "A subscribed market", example: "CN" }),
    state: z.enum(["open", "break", "closed", "degraded"]).openapi({
      description:
        "open: continuous trading; break: lunch break; closed: nothing is polled; degraded: polls fail (quotes " +
        "resume with the next good poll)",
      example: "open",
    }),
    next_open: z.string().nullable().openapi({
      description: "Next start of trading, ISO 8601 with offset; null while trading or beyond the calendar",
      example: "2026-11-23T09:30:00+08:00",
    }),
    reason: z.string().optional().openapi({ description: "Why the market is degraded" }),
  })
  .openapi("StreamStatus", {
    description: "A status event's data: sent at connect for every subscribed market and whenever it changes",
  });

const StreamSymbolErrorSchema = z
  .object({
    symbol: z.string().openapi({ description: "The well-formed symbol upstream does not know", example: "600999" }),
    code: z.literal("UNKNOWN_SYMBOL"),
    message: z.string().openapi({ description: "What went wrong, for people" }),
  })
  .openapi("StreamSymbolError", { description: "An error event's data: sent once per unknown symbol" });

const StreamEventSchema = z
  .discriminatedUnion("event", [
    z.object({ event: z.literal("quote"), id, data: StreamQuoteSchema }),
    z.object({ event: z.literal("status"), id, data: StreamStatusSchema }),
    z.object({ event: z.literal("error"), id, data: StreamSymbolErrorSchema }),
  ])
  .openapi("StreamEvent", { description: "One server-sent event: `event` and `id` fields, `data` its JSON" });

const description =
  "Live quotes as server-sent events. Each connection first gets a `status` event per subscribed market and the " +
  "latest held `quote` of every symbol (a snapshot, with or without Last-Event-ID), then a `quote` whenever a " +
  "symbol's price, volume or amount changes, `status` when a market opens, breaks, closes or degrades, and one " +
  "`error` per symbol upstream does not know. Nothing is polled while a market is closed. A comment line comes " +
  "at least every 15 s. Reconnect with Last-Event-ID after a dropped connection (the SDK's streamQuotes does).";

/** The route's OpenAPI definition, registered with `app.openAPIRegistry.registerPath`. */
export const streamQuotesRoute = createRoute({
  method: "get",
  path: "/api/v1/stream/quotes",
  operationId: "streamQuotes",
  tags: ["Stream"],
  summary: "Live quotes and market status (server-sent events)",
  description,
  request: {
    query: z.object({
      symbols: z.string().openapi({
        description:
          `Comma list of 1 to ${MAX_STREAM_SYMBOLS} symbols: stock codes in any accepted form, crypto pairs ` +
          "exchange:BASE-QUOTE or exchange:BASE/QUOTE",
        example: "600519,00700,binance:BTC-USDT",
      }),
    }),
    headers: z.object({
      "last-event-id": z.string().optional().openapi({
        description: "The last event id seen, on a reconnect; the snapshot is sent either way",
        example: "1042",
      }),
    }),
  },
  responses: {
    200: {
      description: "The event stream (text/event-stream); each event as StreamEvent describes it",
      content: { "text/event-stream": { schema: StreamEventSchema } },
    },
    ...openApiErrorResponses,
    400: {
      description:
        `A malformed symbol (INVALID_SYMBOL), no symbols or more than ${MAX_STREAM_SYMBOLS} (VALIDATION_ERROR), ` +
        "before the stream starts",
      content: { "application/json": { schema: ErrorSchema } },
    },
    429: {
      description: "Too many open streams for this client, or over its request budget (RATE_LIMITED)",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});
