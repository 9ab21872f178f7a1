import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { barUnits, parseHistoryQuery } from "@quantdb/core/history";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { HistoryQuerySchema, HistoryResponseSchema, SymbolParam } from "./schema.ts";

const description = `Daily OHLCV bars of an A-share (Shanghai, Shenzhen, Beijing) or Hong Kong stock, from
Eastmoney's daily kline endpoint (what AKShare's stock_zh_a_hist scrapes), cached.

QuantDB works out from the exchange calendar which trading sessions of the range it does not hold yet,
fetches only those (one upstream call per contiguous gap) and answers from its database; the same
question again makes no upstream call. Sessions on which upstream had no bar (suspensions, before
listing) are remembered and not refetched. Today's bar is served with provisional=true until 30
minutes after the close and is never stored before then.`;

function route(path: string, operationId: string, summary: string) {
  return createRoute({
    method: "get",
    path,
    operationId,
    tags: ["History"],
    summary,
    description,
    request: { params: SymbolParam, query: HistoryQuerySchema },
    responses: {
      200: { description: "Bars in ascending date order", content: { "application/json": { schema: HistoryResponseSchema } } },
      ...openApiErrorResponses,
    },
  });
}

/** `GET /api/v1/historical/stock/{symbol}` and its alias `GET /api/v1/stocks/stock/{symbol}`. */
export function registerGetStockHistory(app: OpenAPIHono<AppEnv>): void {
  const routes = [
    route("/api/v1/historical/stock/{symbol}", "getStockHistory", "Daily bars of a stock"),
    route("/api/v1/stocks/stock/{symbol}", "getStockHistoryAlias", "Daily bars of a stock (alias of /api/v1/historical/stock/{symbol})"),
  ];
  for (const r of routes) {
    app.openapi(r, async (c) => {
      const { history, clock } = c.var.services;
      const query = parseHistoryQuery({ symbol: c.req.valid("param").symbol, ...c.req.valid("query") }, clock);
      const result = await history.getDailyBars(query, { signal: c.req.raw.signal });
      const body: z.infer<typeof HistoryResponseSchema> = {
        symbol: result.symbol.code,
        market: result.symbol.market,
        name: result.name,
        adjust: result.adjust,
        start_date: result.start,
        end_date: result.end,
        data: result.bars,
        metadata: {
          count: result.bars.length,
          cache: result.cache,
          units: barUnits(result.symbol.currency),
          calendar_known_through: result.calendarKnownThrough,
        },
      };
      return c.json(body, 200);
    });
  }
}
