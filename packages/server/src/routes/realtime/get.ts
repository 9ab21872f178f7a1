import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { parseStockSymbol } from "@quantdb/core/symbols";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { QuoteAnswerSchema, REALTIME_CACHING, RealtimeQuerySchema, RealtimeSymbolParam } from "./schema.ts";

/** `GET /api/v1/realtime/stock/{symbol}`: the realtime quote of one A-share or HK stock. */
export function registerGetRealtimeQuote(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/realtime/stock/{symbol}",
      operationId: "getRealtimeQuote",
      tags: ["Realtime"],
      summary: "Realtime quote of a stock",
      description: `The latest quote of an A-share (Shanghai, Shenzhen, Beijing) or Hong Kong stock.

${REALTIME_CACHING}

Errors: 400 INVALID_SYMBOL for a symbol in no accepted form; 404 NOT_FOUND when upstream has no quote
for the symbol; 502 UPSTREAM_UNAVAILABLE / UPSTREAM_INVALID and 504 UPSTREAM_TIMEOUT when the needed
refresh failed.`,
      request: { params: RealtimeSymbolParam, query: RealtimeQuerySchema },
      responses: {
        200: {
          description: "The quote and the request's cache accounting",
          content: { "application/json": { schema: QuoteAnswerSchema } },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const symbol = parseStockSymbol(c.req.valid("param").symbol);
      const forceRefresh = c.req.valid("query").force_refresh === "true";
      const { quote, cache } = await c.get("services").realtime.quoteWithCache(symbol, { forceRefresh });
      return c.json({ ...quote, cache }, 200);
    },
  );
}
