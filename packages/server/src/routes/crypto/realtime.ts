/**
 * Crypto tickers: `GET /api/v1/realtime/crypto/{exchange}/{pair}` and
 * `POST /api/v1/realtime/crypto/batch`. Each exchange's tickers are fetched in one request and the
 * snapshot is shared by every request for a few seconds.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import {
  isoTime,
  parseCryptoSymbol,
  type CryptoExchangeId,
  type CryptoPair,
  type CryptoTicker,
} from "@quantdb/core/crypto";
import { QuantDbError } from "@quantdb/core/errors";
import type { AppEnv } from "../../context.ts";
import { ErrorSchema, openApiErrorResponses } from "../../errors.ts";
import { CryptoQuoteBatchRequestSchema, CryptoQuoteCacheSchema, CryptoQuoteSchema, PairParams } from "./schema.ts";

const CACHING = `Each exchange's 24 h tickers are fetched in one request (all pairs at once) and the snapshot is
shared by every request for 5 seconds, so any number of clients cost one upstream request per exchange per
5 seconds. price is the last trade; open, high, low, volume (base currency) and amount (quote currency)
cover the exchange's rolling 24 h window; quote_time is the exchange's.`;

function quoteBody(pair: CryptoPair, t: CryptoTicker): z.infer<typeof CryptoQuoteSchema> {
  return {
    symbol: pair.symbol,
    exchange: pair.exchange,
    market: "CRYPTO",
    price: t.last,
    open: t.open,
    high: t.high,
    low: t.low,
    prev_close: t.previousClose,
    change: t.change,
    pct_change: t.percentage,
    bid: t.bid,
    ask: t.ask,
    volume: t.baseVolume,
    amount: t.quoteVolume,
    quote_time: isoTime(t.time),
  };
}

const BatchEntrySchema = z.object({
  symbol: z.string().openapi({ description: "The symbol as requested", example: "binance:BTC/USDT" }),
  // A union with null, not .nullable(): that renders as allOf [ref, {type: [object, null]}], which
  // openapi-typescript types as `CryptoQuote & (Record<string, never> | null)` (no usable quote).
  quote: z.union([CryptoQuoteSchema, z.null()]).openapi({ description: "The ticker, or null when error is set" }),
  error: ErrorSchema.shape.error.nullable(),
});

/** Register the crypto ticker routes. */
export function registerCryptoRealtime(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/realtime/crypto/{exchange}/{pair}",
      operationId: "getCryptoQuote",
      tags: ["Crypto"],
      summary: "24 h ticker of a crypto spot pair",
      description:
        `${CACHING}\n\nErrors: 400 INVALID_SYMBOL for an unknown exchange or pair (naming the closest ` +
        "pairs); 502/504 when the exchange failed.",
      request: { params: PairParams },
      responses: {
        200: {
          description: "The ticker and the request's cache accounting",
          content: { "application/json": { schema: CryptoQuoteSchema.extend({ cache: CryptoQuoteCacheSchema }) } },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { crypto } = c.get("services");
      const { exchange, pair } = c.req.valid("param");
      const parsed = crypto.parseQuery({ exchange, pair }).pair;
      const { tickers, upstreamRequests, fetchedAt } = await crypto.tickers(
        parsed.exchange,
        [parsed],
        c.req.raw.signal,
      );
      const cache = {
        hit: upstreamRequests === 0,
        upstream_requests: upstreamRequests,
        fetched_at: fetchedAt.toISOString(),
      };
      return c.json({ ...quoteBody(parsed, tickers[0]!), cache }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/realtime/crypto/batch",
      operationId: "getCryptoQuotes",
      tags: ["Crypto"],
      summary: "24 h tickers of up to 100 crypto pairs",
      description: `Tickers of 1 to 100 pairs, body {"symbols": ["binance:BTC/USDT", ...]}, one shared request per
exchange. ${CACHING}

Per-symbol outcomes: 200 whenever the request is valid, one entry per symbol in order, with its quote or
its own error (INVALID_SYMBOL, or the upstream error of its exchange).`,
      request: { body: { required: true, content: { "application/json": { schema: CryptoQuoteBatchRequestSchema } } } },
      responses: {
        200: {
          description: "One entry per requested symbol",
          content: {
            "application/json": {
              schema: z.object({
                data: z.array(BatchEntrySchema),
                metadata: z.object({
                  count: z.number().int(),
                  ok: z.number().int(),
                  failed: z.number().int(),
                  upstream_requests: z.number().int(),
                }),
              }),
            },
          },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { crypto } = c.get("services");
      const { symbols } = c.req.valid("json");
      const entries: z.infer<typeof BatchEntrySchema>[] = symbols.map((symbol) => ({
        symbol,
        quote: null,
        error: null,
      }));
      const byExchange = new Map<CryptoExchangeId, { index: number; pair: CryptoPair }[]>();
      symbols.forEach((symbol, index) => {
        try {
          const pair = parseCryptoSymbol(symbol, crypto.exchanges);
          byExchange.set(pair.exchange, [...(byExchange.get(pair.exchange) ?? []), { index, pair }]);
        } catch (error) {
          entries[index]!.error = errorOf(error);
        }
      });
      let upstreamRequests = 0;
      await Promise.all(
        [...byExchange].map(async ([exchange, wanted]) => {
          // One snapshot per exchange serves every pair of it (see CryptoService.tickers); a pair it does not
          // list fails alone.
          for (const entry of wanted) {
            try {
              await crypto.tickers(exchange, [entry.pair], c.req.raw.signal).then((r) => {
                upstreamRequests += r.upstreamRequests;
                entries[entry.index]!.quote = quoteBody(entry.pair, r.tickers[0]!);
              });
            } catch (error) {
              entries[entry.index]!.error = errorOf(error);
            }
          }
        }),
      );
      const ok = entries.filter((e) => e.quote !== null).length;
      return c.json(
        {
          data: entries,
          metadata: { count: entries.length, ok, failed: entries.length - ok, upstream_requests: upstreamRequests },
        },
        200,
      );
    },
  );
}

function errorOf(error: unknown): z.infer<typeof BatchEntrySchema>["error"] {
  if (error instanceof QuantDbError) {
    return { code: error.code, message: error.message, status: error.status, details: error.details ?? {} };
  }
  return { code: "INTERNAL_ERROR", message: "Unexpected error", status: 500, details: {} };
}
