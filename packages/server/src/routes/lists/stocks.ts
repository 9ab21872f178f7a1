import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { parseStockListQuery, stockListUnits } from "@quantdb/core/lists";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { StockListQuerySchema, StockListResponseSchema } from "./schema.ts";

const description =
  `Every listed stock of one market with its latest quote and market caps, from Eastmoney's
list endpoint (push2 /api/qt/clist/get, what AKShare's stock_zh_a_spot_em and stock_hk_spot_em scrape;
fs filter SH "m:1 t:2,m:1 t:23", SZ "m:0 t:6,m:0 t:80", BJ "m:0 t:81 s:2048", ` +
  `HK "m:128 t:3,m:128 t:4,m:128 t:1,m:128 t:2").

Caching: one snapshot per market and exchange-local day (Asia/Shanghai, Asia/Hong_Kong). The first request
of a day scans upstream page by page (100 stocks a page, the server-side cap; pages one after another, never
in parallel, because Eastmoney bans fast scanners) and stores the snapshot whole in one transaction: a scan
that fails on any page stores nothing. Every later request that day is answered from the database without
an upstream call; prices are as of fetched_at, not live (use the realtime endpoint for live quotes).

Failures: if today's scan fails and an older snapshot is stored, it is served with 200, stale: true, its own
snapshot_date and the failure in upstream_error; for a minute after a failure the stale snapshot is served
without asking upstream again. With nothing stored the failure is the answer (502 UPSTREAM_UNAVAILABLE or
UPSTREAM_INVALID, 504 UPSTREAM_TIMEOUT).

force_refresh=true (admin): scan upstream now even when today's snapshot is stored, replace today's snapshot
with the scan and serve it; a failed forced scan is the answer (502/504).

Units: prices, change, amount and market caps in the trading currency (CNY for SH/SZ/BJ, HKD for HK); volume
in shares (Eastmoney's A-share lots of 100 converted); pct_change and turnover_rate in percent; P/E and P/B
as ratios (pe_ratio the dynamic P/E, pe_ttm the trailing-twelve-months P/E). A value upstream sent as "-"
(suspended, not traded yet) is null. The market is required.`;

const route = createRoute({
  method: "get",
  path: "/api/v1/stocks/list",
  operationId: "getStockList",
  tags: ["Stock list"],
  summary: "Every stock of a market (daily snapshot)",
  description,
  request: { query: StockListQuerySchema },
  responses: {
    200: {
      description: "The snapshot (possibly stale), stocks in code order",
      content: { "application/json": { schema: StockListResponseSchema } },
    },
    ...openApiErrorResponses,
  },
});

/** `GET /api/v1/stocks/list?market=SH|SZ|BJ|HK&q&limit&offset`. */
export function registerGetStockList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { force_refresh, ...input } = c.req.valid("query");
    const query = parseStockListQuery(input);
    const result = await c
      .get("services")
      .lists.stockList.getStockList(query, { forceRefresh: force_refresh === "true" });
    const body: z.infer<typeof StockListResponseSchema> = {
      market: result.market,
      snapshot_date: result.snapshotDate,
      stale: result.stale,
      fetched_at: result.fetchedAt.toISOString(),
      upstream_error: result.upstreamError,
      total: result.total,
      count: result.stocks.length,
      offset: query.offset,
      limit: query.limit ?? null,
      q: query.q ?? null,
      units: stockListUnits(result.market),
      cache: { hit: result.upstreamRequests === 0, upstream_requests: result.upstreamRequests },
      stocks: result.stocks,
    };
    return c.json(body, 200);
  });
}
