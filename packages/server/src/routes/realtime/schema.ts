import { z } from "@hono/zod-openapi";
import { CURRENCIES, STOCK_EXCHANGES } from "@quantdb/core/markets";
import { MAX_BATCH_SYMBOLS } from "@quantdb/core/realtime";
import { cacheReportSchema, forceRefreshBody, forceRefreshQuery } from "../force-refresh.ts";

/** Path parameter: a stock symbol in any accepted form. */
export const RealtimeSymbolParam = z.object({
  symbol: z.string().openapi({
    param: { name: "symbol", in: "path" },
    description:
      "Stock symbol: 600519, sh600519, 600519.SH, 600519.SS, 000001.SZ, 830799 (Beijing), 00700, 0700.HK, " +
      "700.HK, HK.00700, hk00700",
    example: "600519",
  }),
});

const nullableNumber = (description: string, example: number) =>
  z.number().nullable().openapi({ description, example });

/** One realtime quote. */
const QuoteSchema = z
  .object({
    symbol: z
      .string()
      .openapi({ description: "Canonical code: 6 digits (A-share) or 5 digits (HK)", example: "600519" }),
    market: z.enum(STOCK_EXCHANGES).openapi({ description: "Listing exchange", example: "SH" }),
    name: z.string().nullable().openapi({ description: "Short name as upstream reports it", example: "贵州茅台" }),
    price: nullableNumber("Last price, trading currency (CNY or HKD); null when upstream has none (suspended)", 1466.0),
    open: nullableNumber("Today's opening price, trading currency", 1470.0),
    high: nullableNumber("Today's high, trading currency", 1475.0),
    low: nullableNumber("Today's low, trading currency", 1460.01),
    prev_close: nullableNumber("Previous session's close, trading currency", 1469.99),
    change: nullableNumber("price − prev_close, trading currency", -3.99),
    pct_change: nullableNumber("Change against prev_close, percent (-0.27 means -0.27 %)", -0.27),
    volume: nullableNumber(
      "Shares traded today (Eastmoney reports A-shares in lots of 100; converted to shares; HK is reported in shares)",
      3215600,
    ),
    amount: nullableNumber("Traded value today (成交额), trading currency", 4716342528),
    turnover_rate: nullableNumber("Turnover rate today, percent of free float", 0.26),
    currency: z
      .enum(CURRENCIES)
      .openapi({ description: "Trading currency of the prices, change and amount", example: "CNY" }),
    fetched_at: z.string().openapi({
      description: "When QuantDB fetched this quote from upstream, ISO 8601 UTC",
      example: "2026-11-20T07:05:00.000Z",
    }),
    quote_time: z.string().nullable().openapi({
      description: "When upstream last updated the quote (Eastmoney f124), ISO 8601 UTC; null if upstream sent no time",
      example: "2026-11-20T07:00:00.000Z",
    }),
    market_open: z
      .boolean()
      .nullable()
      .openapi({
        description:
          "Whether the quote's exchange is in continuous trading now, per its calendar: A-shares 09:30-11:30 and " +
          "13:00-15:00 Asia/Shanghai, HK 09:30-12:00 and 13:00-16:00 Asia/Hong_Kong (half days 09:30-12:00); " +
          "lunch breaks, auctions, weekends and holidays count as closed. null when today is beyond the " +
          "calendar's known horizon.",
        example: false,
      }),
  })
  .openapi("Quote");

const FORCED =
  "fetch every requested quote from upstream now, in a refresh that starts after this request (never one " +
  "already running), whatever the cache holds; cache and serve it.";

/** Query of the single-quote operation. */
export const RealtimeQuerySchema = z.object({ force_refresh: forceRefreshQuery(FORCED) });

const QuoteCacheSchema = cacheReportSchema(
  "Upstream calls of the refreshes this request waited for (one per 100 symbols; a refresh shared by " +
    "concurrent requests is reported by each)",
);

/** The single-quote answer: the quote and the request's cache accounting. */
export const QuoteAnswerSchema = QuoteSchema.extend({ cache: QuoteCacheSchema }).openapi("QuoteAnswer");

/** The per-symbol error inside a batch answer (the fields of the error envelope). */
const QuoteErrorSchema = z
  .object({
    code: z.string().openapi({
      description:
        "INVALID_SYMBOL, NOT_FOUND, UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_INVALID or INTERNAL_ERROR",
      example: "NOT_FOUND",
    }),
    message: z
      .string()
      .openapi({ description: "What went wrong, for people", example: "Upstream has no quote for 688999 (SH)" }),
    status: z
      .number()
      .int()
      .openapi({ description: "The HTTP status the single-symbol endpoint would answer with", example: 404 }),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "Extra facts (the symbol, the upstream host)" }),
  })
  .openapi("QuoteError");

/** Body of the batch request. */
export const QuoteBatchRequestSchema = z
  .object({
    symbols: z.array(z.string()).openapi({
      description:
        `1 to ${MAX_BATCH_SYMBOLS} stock symbols in any accepted form; A-shares and HK may be mixed; duplicates ` +
        "are answered twice",
      example: ["600519", "0700.HK", "000001.SZ"],
    }),
    force_refresh: forceRefreshBody(FORCED),
  })
  .openapi("QuoteBatchRequest");

/** The batch answer. */
export const QuoteBatchResponseSchema = z
  .object({
    data: z
      .array(
        z.object({
          symbol: z.string().openapi({ description: "The symbol as requested", example: "0700.HK" }),
          quote: QuoteSchema.nullable().openapi({ description: "The quote, or null when error is set" }),
          error: QuoteErrorSchema.nullable().openapi({ description: "Why this symbol has no quote, or null" }),
        }),
      )
      .openapi({
        description: "One entry per requested symbol, in request order; exactly one of quote and error is set",
      }),
    metadata: z.object({
      count: z.number().int().openapi({ description: "Entries in data", example: 3 }),
      ok: z.number().int().openapi({ description: "Entries with a quote", example: 2 }),
      failed: z.number().int().openapi({ description: "Entries with an error", example: 1 }),
      cache: QuoteCacheSchema,
    }),
  })
  .openapi("QuoteBatch");

/** What both realtime operations say about where quotes come from and how they are cached. */
export const REALTIME_CACHING =
  "Source: Eastmoney's batch quote endpoint " +
  `(push2.eastmoney.com/api/qt/ulist.np/get, fltt=2), one call
for up to 100 symbols; never the whole-market list. Units: prices, change and amount in the trading
currency (CNY for SH/SZ/BJ, HKD for HK); volume in shares (A-shares converted from lots of 100);
pct_change and turnover_rate in percent. Eastmoney's free HK quotes may be delayed by about 15 minutes.

Caching (in process, per market): while the exchange trades (by its calendar: sessions, lunch breaks,
half days) a quote is reused for QUANTDB_REALTIME_TTL_SECONDS (default 15) and then refreshed by the
next request. Once the exchange is closed and its last trading segment has settled (A-shares 2 minutes
after 11:30 / 15:00; HK 25 minutes after 12:00 / 16:00, covering the closing auction and the delayed
feed), one refresh fetches the final state and it is served without any upstream call until trading
resumes. Concurrent requests share one refresh: 50 simultaneous requests for a stale symbol make one
upstream call, and symbols asked for while a refresh runs are fetched together in the next one.
fetched_at says when a quote was fetched, market_open whether its exchange is trading now. A failed
refresh caches nothing. cache.hit says whether the request was answered from the cache alone,
cache.upstream_requests how many upstream calls it waited for.

force_refresh=true (admin): every requested quote is fetched from upstream in a refresh that starts
after the request, cached and served (hit false); a failed forced refresh is the answer (502/504).`;
