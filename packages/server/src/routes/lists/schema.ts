import { z } from "@hono/zod-openapi";
import { CURRENCIES, STOCK_EXCHANGES } from "@quantdb/core/markets";
import { forceRefreshQuery } from "../force-refresh.ts";

const MarketEnum = z.enum(STOCK_EXCHANGES);
const CurrencyEnum = z.enum(CURRENCIES);
const nullableNumber = (description: string, example: number) =>
  z.number().nullable().openapi({ description, example });

/** Query of `GET /api/v1/stocks/list`. Values are validated by the core (errors name the field). */
export const StockListQuerySchema = z.object({
  market: z
    .string()
    .optional()
    .openapi({
      description:
        "Required. SH (Shanghai: main board + STAR), SZ (Shenzhen: main board + ChiNext), BJ (Beijing Stock " +
        "Exchange) or HK (every HKEX board); case-insensitive. There is no all-markets form: a cold list of all " +
        "four is about 100 upstream page calls, which is what gets IPs banned.",
      example: "SH",
    }),
  q: z
    .string()
    .optional()
    .openapi({
      description:
        "Only stocks whose code or name contains this text (case-insensitive, at most 50 characters, no control " +
        "characters)",
      example: "茅台",
    }),
  limit: z.string().optional().openapi({
    description: "Return at most this many stocks (1-10000). Default: every matching stock.",
    example: "100",
  }),
  offset: z
    .string()
    .optional()
    .openapi({ description: "Skip this many matching stocks first (in code order). Default 0.", example: "0" }),
  force_refresh: forceRefreshQuery(
    "scan upstream now even when today's snapshot is stored, store the scan as today's snapshot and serve it " +
      "(cache.hit false, cache.upstream_requests the pages scanned); a failed forced scan is the answer " +
      "(502/504), no stored snapshot is served instead.",
  ),
});

/** One stock of a list snapshot. */
const StockListEntrySchema = z
  .object({
    symbol: z.string().openapi({
      description: "Exchange code: 6 digits (A-share) or 5 digits (HK) [Eastmoney f12]",
      example: "600519",
    }),
    name: z
      .string()
      .nullable()
      .openapi({ description: "Short name [f14]; null if upstream sent none", example: "贵州茅台" }),
    price: nullableNumber("Last price, trading currency [f2]; null when suspended or not traded yet", 1489.22),
    pct_change: nullableNumber("Change against the previous close, percent [f3]", -0.43),
    change: nullableNumber("Change against the previous close, trading currency [f4]", -7.29),
    volume: nullableNumber(
      "Volume traded, shares [f5; Eastmoney reports A-shares in lots of 100, converted; HK already in shares]",
      2028600,
    ),
    amount: nullableNumber("Traded value (成交额), trading currency [f6]", 3443977767),
    turnover_rate: nullableNumber("Turnover rate, percent of free float [f8]", 0.16),
    pe_ratio: nullableNumber("Price / earnings (dynamic, 市盈率-动态), ratio [f9]", 25.1),
    pe_ttm: nullableNumber(
      "Price / earnings over the trailing twelve months (市盈率TTM), ratio [f115]; null where upstream sends none " +
        "and in a snapshot stored before QuantDB asked for it",
      24.3,
    ),
    pb_ratio: nullableNumber("Price / book, ratio [f23]", 8.2),
    market_cap: nullableNumber("Total market cap, trading currency [f20]", 1870754887716),
    float_market_cap: nullableNumber("Free-float market cap, trading currency [f21]", 1870754887716),
    open: nullableNumber("Open, trading currency [f17]", 1703.0),
    high: nullableNumber("High, trading currency [f15]", 1709.96),
    low: nullableNumber("Low, trading currency [f16]", 1691.0),
    prev_close: nullableNumber("Previous session's close, trading currency [f18]", 1705.0),
    amplitude: nullableNumber("Amplitude today, percent [f7]", 1.07),
    volume_ratio: nullableNumber(
      "Volume ratio (量比), ratio [f10]; null in a snapshot stored before QuantDB asked for it",
      0.67,
    ),
    change_speed: nullableNumber("Price speed (涨速), percent per minute [f22]", -0.14),
    change_5min: nullableNumber("Change over the last 5 minutes (5分钟涨跌), percent [f11]", -0.45),
    change_60d: nullableNumber("Change over 60 sessions (60日涨跌幅), percent [f24]", 12.5),
    change_ytd: nullableNumber("Change since the year's first session (年初至今涨跌幅), percent [f25]", -3.2),
  })
  .openapi("StockListEntry");

/** The stock-list response. */
export const StockListResponseSchema = z
  .object({
    market: MarketEnum.openapi({ description: "The market listed", example: "SH" }),
    snapshot_date: z.string().openapi({
      description: "Exchange-local date (Asia/Shanghai or Asia/Hong_Kong) of the snapshot served, YYYY-MM-DD",
      example: "2026-11-20",
    }),
    stale: z.boolean().openapi({
      description:
        "true when today's snapshot could not be fetched (upstream failed) and an older one is served; " +
        "snapshot_date says which day",
    }),
    fetched_at: z.string().openapi({
      description: "When the served snapshot was read from upstream (ISO 8601, UTC); prices are as of then",
      example: "2026-11-20T12:00:00.000Z",
    }),
    upstream_error: z
      .object({ code: z.string().openapi({ example: "UPSTREAM_UNAVAILABLE" }), message: z.string() })
      .nullable()
      .openapi({ description: "Why the snapshot is stale (the upstream failure); null when stale is false" }),
    total: z.number().int().openapi({ description: "Stocks in the snapshot matching q", example: 2268 }),
    count: z.number().int().openapi({ description: "Stocks in this response (after limit/offset)", example: 100 }),
    offset: z.number().int().openapi({ description: "Matching stocks skipped", example: 0 }),
    limit: z.number().int().nullable().openapi({ description: "The limit applied; null for none", example: 100 }),
    q: z.string().nullable().openapi({ description: "The filter applied; null for none", example: null }),
    units: z.object({
      currency: CurrencyEnum,
      price: CurrencyEnum,
      change: CurrencyEnum,
      pct_change: z.literal("percent"),
      volume: z.literal("shares"),
      amount: CurrencyEnum,
      turnover_rate: z.literal("percent"),
      pe_ratio: z.literal("ratio"),
      pe_ttm: z.literal("ratio"),
      pb_ratio: z.literal("ratio"),
      market_cap: CurrencyEnum,
      float_market_cap: CurrencyEnum,
      amplitude: z.literal("percent"),
      volume_ratio: z.literal("ratio"),
      change_speed: z.literal("percent per minute"),
      change_5min: z.literal("percent"),
      change_60d: z.literal("percent"),
      change_ytd: z.literal("percent"),
    }),
    cache: z.object({
      hit: z.boolean().openapi({ description: "true when no upstream call was made" }),
      upstream_requests: z
        .number()
        .int()
        .openapi({ description: "Upstream page calls this request made (a cold scan: ceil(stocks / 100))" }),
    }),
    stocks: z.array(StockListEntrySchema).openapi({ description: "Stocks in ascending code order" }),
  })
  .openapi("StockList");

/** Query of `GET /api/v1/assets/symbol/{symbol}`. */
export const CompanyInfoQuerySchema = z.object({
  force_refresh: forceRefreshQuery(
    "fetch from upstream now whatever the stored information's age, store and serve it (cache.hit false, " +
      "cache.upstream_requests 1); a failed forced fetch is the answer (502/504), the stored information is not " +
      "served instead.",
  ),
});

/** Path parameter: a stock symbol in any accepted form. */
export const AssetSymbolParam = z.object({
  symbol: z.string().openapi({
    param: { name: "symbol", in: "path" },
    description:
      "Stock symbol: 600519, sh600519, 600519.SH, 600519.SS, 000001.SZ, 830799 (Beijing), 00700, 0700.HK, " +
      "700.HK, HK.00700, hk00700",
    example: "600519",
  }),
});

/** Company information. */
export const CompanyInfoResponseSchema = z
  .object({
    symbol: z.string().openapi({
      description: "Canonical code: 6 digits (A-share) or 5 digits (HK) [Eastmoney f57]",
      example: "600519",
    }),
    market: MarketEnum.openapi({ description: "Listing market", example: "SH" }),
    name: z
      .string()
      .nullable()
      .openapi({ description: "Short name [f58] (a first-day IPO carries an N prefix)", example: "贵州茅台" }),
    exchange: z.enum(["SSE", "SZSE", "BSE", "HKEX"]).openapi({
      description: "Exchange: SSE (Shanghai), SZSE (Shenzhen), BSE (Beijing), HKEX (Hong Kong)",
      example: "SSE",
    }),
    industry: z
      .string()
      .nullable()
      .openapi({ description: "Industry name as Eastmoney classifies it [f127]", example: "酿酒行业" }),
    listing_date: z.string().nullable().openapi({
      description: "Listing date, exchange-local YYYY-MM-DD [f189]; null if upstream sent none",
      example: "2001-08-27",
    }),
    total_shares: nullableNumber("Total shares outstanding, shares [f84]", 1256197800),
    float_shares: nullableNumber("Free-float shares, shares [f85]", 1256197800),
    total_market_cap: nullableNumber("Total market cap, trading currency [f116]", 1870754887716),
    float_market_cap: nullableNumber("Free-float market cap, trading currency [f117]", 1870754887716),
    currency: CurrencyEnum.openapi({ description: "Trading currency of the caps", example: "CNY" }),
    fetched_at: z.string().openapi({
      description: "When this information was read from upstream (ISO 8601, UTC)",
      example: "2026-11-20T12:00:00.000Z",
    }),
    stale: z.boolean().openapi({
      description: "true when the stored information is older than a day and upstream failed, so it is served anyway",
    }),
    cache: z.object({
      hit: z.boolean().openapi({ description: "true when no upstream call was made" }),
      upstream_requests: z.number().int().openapi({ description: "Upstream calls this request made (0 or 1)" }),
    }),
  })
  .openapi("CompanyInfo");

/** Query of `GET /api/v1/assets`. */
export const AssetListQuerySchema = z.object({
  market: z.string().optional().openapi({
    description: "Only this market: SH, SZ, BJ or HK (case-insensitive). Default: every market.",
    example: "SH",
  }),
  kind: z
    .string()
    .optional()
    .openapi({ description: "Only this kind: stock or index. Default: both.", example: "stock" }),
  q: z
    .string()
    .optional()
    .openapi({
      description:
        "Only instruments whose code or name contains this text (case-insensitive, at most 50 characters, no " +
        "control characters)",
      example: "600",
    }),
  limit: z.string().optional().openapi({ description: "Page size, 1-500, default 50", example: "50" }),
  offset: z.string().optional().openapi({ description: "Instruments skipped first, default 0", example: "0" }),
});

/** One held instrument. */
const AssetSchema = z
  .object({
    symbol: z.string().openapi({ description: "Canonical code", example: "600519" }),
    kind: z
      .enum(["stock", "index"])
      .openapi({ description: "stock or index (000001 is both a Shenzhen stock and an SSE index)", example: "stock" }),
    market: z
      .string()
      .openapi({ description: "Market: SH, SZ, BJ, HK (indices may carry their own, e.g. CSI)", example: "SH" }),
    name: z.string().nullable().openapi({ description: "Name as upstream last reported it", example: "贵州茅台" }),
    currency: z.string().openapi({ description: "Trading currency", example: "CNY" }),
    exchange: z
      .enum(["SSE", "SZSE", "BSE", "HKEX"])
      .nullable()
      .openapi({ description: "Exchange of a stock's market; null for other markets", example: "SSE" }),
    industry: z
      .string()
      .nullable()
      .openapi({ description: "Industry from the company profile; null when no profile is held", example: "酿酒行业" }),
    listing_date: z
      .string()
      .nullable()
      .openapi({ description: "Listing date from the profile, YYYY-MM-DD", example: null }),
    total_shares: nullableNumber("Total shares from the profile, shares", 1256197800),
    float_shares: nullableNumber("Free-float shares from the profile, shares", 1256197800),
    total_market_cap: nullableNumber("Total market cap from the profile, trading currency", 1870754887716),
    float_market_cap: nullableNumber("Free-float market cap from the profile, trading currency", 1870754887716),
    profile_fetched_at: z
      .string()
      .nullable()
      .openapi({ description: "When the profile was fetched (ISO 8601); null when none is held", example: null }),
  })
  .openapi("Asset");

/** The asset listing response. */
export const AssetListResponseSchema = z
  .object({
    total: z.number().int().openapi({ description: "Instruments matching the filters", example: 3 }),
    count: z.number().int().openapi({ description: "Instruments in this page", example: 3 }),
    limit: z.number().int().openapi({ example: 50 }),
    offset: z.number().int().openapi({ example: 0 }),
    assets: z.array(AssetSchema).openapi({ description: "Ordered by market, code, kind" }),
  })
  .openapi("AssetList");

/** Query of `GET /api/v1/assets/search`. Validated by the core (errors name the field). */
export const AssetSearchQuerySchema = z.object({
  q: z
    .string()
    .optional()
    .openapi({
      description:
        "Required. Part of a code (6005, 0700) or a name (茅台, 腾讯), case-insensitive, at most 50 characters, no " +
        "control characters; a full symbol with an exchange (0700.HK, sh600519) is searched by its canonical " +
        "code within its market",
      example: "茅台",
    }),
  limit: z.string().optional().openapi({ description: "At most this many results, 1-50, default 10", example: "10" }),
});

/** One search result. */
const AssetSearchHitSchema = z
  .object({
    symbol: z.string().openapi({
      description: "Canonical code: 6 digits (A-share, CN index) or 5 digits (HK); HK indices by name (HSI)",
      example: "600519",
    }),
    kind: z.enum(["stock", "index"]).openapi({
      description: "stock or index (a bare 000001 is both); use the index endpoints for indices",
      example: "stock",
    }),
    market: z
      .string()
      .openapi({ description: "SH, SZ, BJ or HK (indices may carry their own, e.g. CSI)", example: "SH" }),
    name: z.string().nullable().openapi({
      description: "Name as upstream gives it (Chinese for A-shares and most HK stocks); null when upstream sent none",
      example: "贵州茅台",
    }),
    exchange: z
      .enum(["SSE", "SZSE", "BSE", "HKEX"])
      .nullable()
      .openapi({ description: "Exchange of a stock market; null for other markets", example: "SSE" }),
    source: z.enum(["list", "held"]).openapi({
      description:
        "list: found in the market's newest stored stock-list snapshot; held: an instrument the database holds " +
        "that no stored list has (indices, or a market whose list was never fetched)",
    }),
    match: z.enum(["code", "code_prefix", "name_prefix", "contains"]).openapi({
      description:
        "How it matched: the code equals q, the code starts with q, the name starts with q, or the code or " +
        "name contains q. Results are ordered by this, then stocks before indices, market (SH, SZ, BJ, HK), " +
        "code.",
    }),
  })
  .openapi("AssetSearchHit");

/** The search response. */
export const AssetSearchResponseSchema = z
  .object({
    q: z.string().openapi({ description: "The text searched for, trimmed", example: "茅台" }),
    count: z.number().int().openapi({ description: "Results returned (at most limit)", example: 1 }),
    limit: z.number().int().openapi({ example: 10 }),
    results: z.array(AssetSearchHitSchema),
    lists: z
      .array(
        z.object({
          market: MarketEnum,
          snapshot_date: z
            .string()
            .nullable()
            .openapi({
              description:
                "Date (exchange-local YYYY-MM-DD) of the market's newest stored stock-list snapshot that was " +
                "searched; null when none was ever fetched (fetch one with GET /api/v1/stocks/list?market=…)",
              example: "2026-11-20",
            }),
        }),
      )
      .openapi({ description: "Which stock lists were searched, one entry per market (SH, SZ, BJ, HK)" }),
  })
  .openapi("AssetSearch");
