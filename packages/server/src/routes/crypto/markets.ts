/** `GET /api/v1/crypto/markets`: an exchange's spot pairs, ranked by 24 h quote volume. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { parseExchange } from "@quantdb/core/crypto";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { CryptoMarketsResponseSchema } from "./schema.ts";

/** `GET /api/v1/crypto/markets?exchange=&quote=`. */
export function registerCryptoMarkets(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/crypto/markets",
      operationId: "getCryptoMarkets",
      tags: ["Crypto"],
      summary: "Spot pairs of a crypto exchange, ranked by 24 h quote volume",
      description: `The spot pairs an exchange lists (ccxt's market list), with each pair's 24 h traded value in
its quote currency from the exchange's tickers, highest first (pairs without one last). Loaded from the
exchange once a day (one markets request and one all-tickers request) and shared by every caller; as_of
says when. quote filters by quote currency (USDT, USD, BTC…).`,
      request: {
        query: z.object({
          exchange: z.string().openapi({ description: "Exchange (ccxt id)", example: "binance" }),
          quote: z.string().optional().openapi({ description: "Only pairs quoted in this currency", example: "USDT" }),
        }),
      },
      responses: {
        200: { description: "The pairs", content: { "application/json": { schema: CryptoMarketsResponseSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { crypto } = c.get("services");
      const { exchange, quote } = c.req.valid("query");
      const id = parseExchange(exchange, crypto.exchanges);
      const { asOf, markets } = await crypto.markets(id, quote, c.req.raw.signal);
      const body: z.infer<typeof CryptoMarketsResponseSchema> = {
        exchange: id,
        quote: quote ? quote.trim().toUpperCase() : null,
        as_of: asOf,
        count: markets.length,
        markets: markets.map((m) => ({
          symbol: m.symbol,
          base: m.base,
          quote: m.quote,
          exchange_symbol: m.exchangeSymbol,
          active: m.active,
          quote_volume_24h: m.quoteVolume24h,
        })),
      };
      return c.json(body, 200);
    },
  );
}
