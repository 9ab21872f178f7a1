import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ADJUSTS, parseAdjust } from "@quantdb/core/history";
import { STOCK_EXCHANGES } from "@quantdb/core/markets";
import { parseStockSymbol } from "@quantdb/core/symbols";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { SymbolParam } from "../history/schema.ts";

const RefreshResponseSchema = z
  .object({
    symbol: z.string().openapi({ example: "000001" }),
    market: z.enum(STOCK_EXCHANGES).openapi({ example: "SZ" }),
    refreshed: z.array(
      z.object({
        adjust: z.enum(["", "qfq", "hfq"]),
        start_date: z.string().openapi({ description: "First date of the re-fetched span", example: "2024-04-22" }),
        end_date: z.string().openapi({ description: "Last date of the re-fetched span", example: "2025-03-05" }),
        bars: z.number().int().openapi({ description: "Final bars now held for the span", example: 210 }),
        changed: z
          .boolean()
          .openapi({ description: "Whether any held price differed from upstream's current values", example: true }),
      }),
    ),
    upstream_requests: z
      .number()
      .int()
      .openapi({ description: "Upstream calls made (one per refreshed adjustment)", example: 1 }),
  })
  .openapi("CacheRefresh");

/**
 * `POST /api/v1/cache/refresh/{symbol}`: the corporate-action refresh. (Admin-only once API keys
 * exist; until then open like every endpoint.)
 */
export function registerRefreshCache(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/cache/refresh/{symbol}",
      operationId: "refreshCache",
      tags: ["Cache"],
      summary: "Re-fetch a symbol's held history and replace it (corporate-action refresh)",
      description:
        "For each adjustment held for the symbol (or only `adjust` when given), fetches the whole held span " +
        "again in one upstream call and replaces the stored series atomically. Use it after an ex-dividend " +
        "date: Eastmoney rewrites forward-adjusted (qfq) history back through time. Series never fetched are " +
        "skipped. Admin endpoint.",
      request: {
        params: SymbolParam,
        query: z.object({
          adjust: z
            .string()
            .optional()
            .openapi({ description: 'Only this adjustment ("", qfq, hfq); default all held', example: "qfq" }),
        }),
      },
      responses: {
        200: { description: "What was refreshed", content: { "application/json": { schema: RefreshResponseSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const symbol = parseStockSymbol(c.req.valid("param").symbol);
      const { adjust } = c.req.valid("query");
      const adjusts = adjust === undefined ? ADJUSTS : [parseAdjust(adjust)];
      const refreshed = await c.get("services").history.refresh(symbol, adjusts, { signal: c.req.raw.signal });
      return c.json(
        {
          symbol: symbol.code,
          market: symbol.market,
          refreshed: refreshed.map((r) => ({
            adjust: r.adjust,
            start_date: r.start,
            end_date: r.end,
            bars: r.bars,
            changed: r.changed,
          })),
          upstream_requests: refreshed.length,
        },
        200,
      );
    },
  );
}
