import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import {
  exchangeOf,
  LIST_MARKETS,
  parseAssetQuery,
  parseInstrumentSearch,
  type CompanyInfoResult,
  type ListMarket,
} from "@quantdb/core/lists";
import { parseStockSymbol, type StockSymbol } from "@quantdb/core/symbols";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import {
  AssetListQuerySchema,
  AssetListResponseSchema,
  AssetSearchQuerySchema,
  AssetSearchResponseSchema,
  AssetSymbolParam,
  CompanyInfoQuerySchema,
  CompanyInfoResponseSchema,
} from "./schema.ts";

const infoDescription = `Company information of a stock: name, exchange, industry, listing date, share counts
and market caps, from Eastmoney's one-symbol endpoint (push2 /api/qt/stock/get, fields f57 code, f58 name,
f127 industry, f189 listing date, f84 total shares, f85 float shares, f116 / f117 total / float market cap),
what AKShare's stock_individual_info_em reads.

Caching: stored per instrument (and the instrument's name updated) and served from the database for a day
after fetched_at; the first request after that fetches again (one upstream call). If that call fails, the
stored information is served with stale: true; with nothing stored the failure is the answer (502/504).
A symbol upstream does not know is 404 NOT_FOUND (remembered for an hour). History requests never wait for
or call this endpoint's upstream.

force_refresh=true (admin): fetch from upstream now whatever the stored information's age, store and serve
it; a failed forced fetch is the answer (502/504).

Units: share counts in shares; market caps in the trading currency (CNY for SH/SZ/BJ, HKD for HK).`;

const infoRoute = createRoute({
  method: "get",
  path: "/api/v1/assets/symbol/{symbol}",
  operationId: "getCompanyInfo",
  tags: ["Assets"],
  summary: "Company information of a stock",
  description: infoDescription,
  request: { params: AssetSymbolParam, query: CompanyInfoQuerySchema },
  responses: {
    200: { description: "Company information", content: { "application/json": { schema: CompanyInfoResponseSchema } } },
    ...openApiErrorResponses,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/assets",
  operationId: "listAssets",
  tags: ["Assets"],
  summary: "Instruments the database holds",
  description:
    "Every instrument QuantDB holds (fetched for history or company information), with its company profile " +
    "where one was fetched; ordered by market, code and kind, paged with limit (1-500, default 50) and offset. " +
    "Never calls upstream. Share counts in shares, market caps in the trading currency.",
  request: { query: AssetListQuerySchema },
  responses: {
    200: {
      description: "A page of held instruments",
      content: { "application/json": { schema: AssetListResponseSchema } },
    },
    ...openApiErrorResponses,
  },
});

const searchRoute = createRoute({
  method: "get",
  path: "/api/v1/assets/search",
  operationId: "searchAssets",
  tags: ["Assets"],
  summary: "Search stocks and held instruments by code or name (autocomplete)",
  description: `Instruments whose code or name contains q (case-insensitive): every stock of the newest stored
stock-list snapshot of each market (SH, SZ, BJ, HK; see GET /api/v1/stocks/list), plus the instruments the database
holds (indices among them). Ordered by how well they match (code equal to q, code starting with q, name starting with
q, then containing q), then stocks before indices, market and code; at most limit (default 10, at most 50).

Never calls upstream and never fetches a list: lists lists the snapshot date searched per market, null for a market
whose list was never fetched (fetch it with GET /api/v1/stocks/list?market=…, a scan of tens of upstream pages).
Names are as upstream gives them.`,
  request: { query: AssetSearchQuerySchema },
  responses: {
    200: {
      description: "Matching instruments, best first",
      content: { "application/json": { schema: AssetSearchResponseSchema } },
    },
    ...openApiErrorResponses,
  },
});

const MATCH = ["code", "code_prefix", "name_prefix", "contains"] as const;

function exchangeOrNull(market: string) {
  return (LIST_MARKETS as readonly string[]).includes(market) ? exchangeOf(market as ListMarket) : null;
}

/** The JSON body of a company-information answer. */
export function companyInfoBody(
  symbol: StockSymbol,
  info: CompanyInfoResult,
): z.infer<typeof CompanyInfoResponseSchema> {
  return {
    symbol: symbol.code,
    market: symbol.market,
    name: info.name,
    exchange: exchangeOf(symbol.market),
    industry: info.industry,
    listing_date: info.listingDate,
    total_shares: info.totalShares,
    float_shares: info.floatShares,
    total_market_cap: info.totalMarketCap,
    float_market_cap: info.floatMarketCap,
    currency: symbol.currency,
    fetched_at: info.fetchedAt.toISOString(),
    stale: info.stale,
    cache: { hit: info.upstreamRequests === 0, upstream_requests: info.upstreamRequests },
  };
}

/** `GET /api/v1/assets/search`, `GET /api/v1/assets/symbol/{symbol}` and `GET /api/v1/assets`. */
export function registerAssetRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(searchRoute, async (c) => {
    const query = parseInstrumentSearch(c.req.valid("query"));
    const result = await c.get("services").lists.search.search(query);
    const body: z.infer<typeof AssetSearchResponseSchema> = {
      q: query.q,
      count: result.hits.length,
      limit: query.limit,
      results: result.hits.map((hit) => ({
        symbol: hit.code,
        kind: hit.kind,
        market: hit.market,
        name: hit.name,
        exchange: hit.kind === "stock" ? exchangeOrNull(hit.market) : null,
        source: hit.source,
        match: MATCH[hit.rank],
      })),
      lists: result.lists.map((list) => ({ market: list.market, snapshot_date: list.snapshotDate })),
    };
    return c.json(body, 200);
  });

  app.openapi(infoRoute, async (c) => {
    const symbol = parseStockSymbol(c.req.valid("param").symbol);
    const forceRefresh = c.req.valid("query").force_refresh === "true";
    const info = await c.get("services").lists.companyInfo.getCompanyInfo(symbol, {
      signal: c.req.raw.signal,
      forceRefresh,
    });
    return c.json(companyInfoBody(symbol, info), 200);
  });

  app.openapi(listRoute, async (c) => {
    const query = parseAssetQuery(c.req.valid("query"));
    const page = await c.get("services").lists.assets.list(query);
    const body: z.infer<typeof AssetListResponseSchema> = {
      total: page.total,
      count: page.items.length,
      limit: query.limit,
      offset: query.offset,
      assets: page.items.map((item) => ({
        symbol: item.code,
        kind: item.kind,
        market: item.market,
        name: item.name,
        currency: item.currency,
        exchange: exchangeOrNull(item.market),
        industry: item.industry,
        listing_date: item.listingDate,
        total_shares: item.totalShares,
        float_shares: item.floatShares,
        total_market_cap: item.totalMarketCap,
        float_market_cap: item.floatMarketCap,
        profile_fetched_at: item.profileFetchedAt?.toISOString() ?? null,
      })),
    };
    return c.json(body, 200);
  });
}
