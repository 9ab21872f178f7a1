import { z } from "@hono/zod-openapi";
import { CURRENCIES, INDEX_COMPILERS } from "@quantdb/core/markets";

/** Path parameter: a stock symbol in any accepted form. */
export const SymbolParam = z.object({
  symbol: z.string().openapi({
    param: { name: "symbol", in: "path" },
    description:
      "Stock symbol: 600519, sh600519, 600519.SH, 600519.SS, 000001.SZ, 830799 (Beijing), 00700, 0700.HK, " +
      "700.HK, HK.00700, hk00700",
    example: "600519",
  }),
});

/** `period`: daily bars, or weekly/monthly bars derived from them. */
const PeriodParam = z
  .string()
  .optional()
  .openapi({
    description:
      "daily (default), weekly or monthly. Weekly (Monday–Sunday) and monthly bars are derived from the cached " +
      "daily bars of [start_date, min(end_date, today)], never fetched separately and never from a session after " +
      "end_date: dated on the last session included, open first, close last, high max, low min, volume and " +
      "amount summed; change and pct_change from the previous period's close. A period cut short by end_date or " +
      "today (or begun at start_date) has partial=true; a bar holding today's not-yet-final session is " +
      "provisional.",
    example: "weekly",
  });

/** Query of the history endpoints. Values are validated by the core (errors name the field). */
export const HistoryQuerySchema = z.object({
  start_date: z.string().optional().openapi({
    description: "First date, YYYYMMDD or YYYY-MM-DD, exchange-local. Default: one year before end_date.",
    example: "20240101",
  }),
  end_date: z
    .string()
    .optional()
    .openapi({
      description:
        "Last date, YYYYMMDD or YYYY-MM-DD, exchange-local. Default: today on the instrument's exchange. A " +
        "future date is clipped to what exists, never an error.",
      example: "20241231",
    }),
  adjust: z
    .string()
    .optional()
    .openapi({
      description:
        'Price adjustment: "" unadjusted (default), "qfq" forward-adjusted (前复权), "hfq" backward-adjusted (后复权). ' +
        "Each is cached separately.",
      example: "qfq",
    }),
  period: PeriodParam,
  format: z
    .enum(["json", "columns", "csv"])
    .optional()
    .openapi({
      description:
        "json (default): bars as objects in `data`. columns: the same answer with `columns` (one array per bar " +
        "field, media type application/vnd.quantdb.columns+json) instead of `data`, about half the bytes for " +
        "long ranges. csv: a header line then one line per bar (text/csv; fields as in DailyBar, empty for null; " +
        "no metadata).",
      example: "columns",
    }),
  force_refresh: z
    .enum(["true", "false"])
    .optional()
    .openapi({
      description:
        "true (admin key needed unless auth is off): re-fetch this series' whole held history from upstream and " +
        "replace it atomically before answering — what POST /api/v1/cache/refresh/{symbol} does for one " +
        "adjustment; for a corporate action the cache has not seen yet. Costs more of the rate-limit budget.",
      example: "false",
    }),
  allow_partial: z
    .enum(["true", "false"])
    .optional()
    .openapi({
      description:
        "true: when upstream is unavailable (circuit open, retries exhausted, timeout), answer 200 with the bars " +
        "held, metadata.complete=false and the spans not served in metadata.missing (header X-QuantDB-Complete: " +
        "false). Default false: such a request gets 503 UPSTREAM_UNAVAILABLE with Retry-After (or the upstream " +
        "error). A fully cached range is served either way.",
      example: "true",
    }),
});

const nullableNumber = (description: string, example: number) =>
  z.number().nullable().openapi({ description, example });

/** One daily bar. */
const BarSchema = z
  .object({
    date: z.string().openapi({ description: "Exchange-local trading date, YYYY-MM-DD", example: "2024-01-02" }),
    open: z
      .number()
      .openapi({ description: "Opening price, trading currency, adjusted per `adjust`", example: 1715.0 }),
    high: z.number().openapi({ description: "Highest price", example: 1718.19 }),
    low: z.number().openapi({ description: "Lowest price", example: 1678.1 }),
    close: z.number().openapi({ description: "Closing price", example: 1685.01 }),
    volume: z.number().openapi({
      description: "Volume in shares (Eastmoney reports A-shares in lots of 100; converted)",
      example: 3215600,
    }),
    amount: nullableNumber("Traded value (成交额), trading currency, never adjusted", 5440082548),
    amplitude: nullableNumber("(high − low) / previous close, percent", 2.32),
    pct_change: nullableNumber("Change against the previous close, percent", -2.37),
    change: nullableNumber("Change against the previous close, trading currency", -40.99),
    turnover_rate: nullableNumber("Turnover rate, percent of free float", 0.26),
    provisional: z.boolean().openapi({
      description:
        "true for today's bar while the session is not final (before close + 30 minutes); such a bar is never " +
        "stored and may change",
      example: false,
    }),
    partial: z.boolean().openapi({
      description:
        "true for a weekly or monthly bar that covers only part of its period: cut short by end_date or by " +
        "today (then dated on its last included session and built from no session after end_date), or begun at " +
        "start_date. Always false for a whole period and for daily bars.",
      example: false,
    }),
  })
  .openapi("DailyBar");

/** Evidence of a stale series replaced during a request. */
const SeriesReplacementSchema = z
  .object({
    reason: z.enum(["anchor_mismatch", "daily_check"]).openapi({
      description:
        "anchor_mismatch: the held session next to a gap being filled came back with different prices; " +
        "daily_check: the once-per-session-day check of a held adjusted series (its latest held bar " +
        "re-fetched) found different prices",
      example: "anchor_mismatch",
    }),
    anchor_date: z.string().openapi({
      description: "Held session re-fetched and compared (the anchor, or the latest held bar for daily_check)",
      example: "2024-06-26",
    }),
    cached_close: z.number().nullable().openapi({ description: "Close held before", example: 10.08 }),
    upstream_close: z.number().nullable().openapi({ description: "Close upstream sent now", example: 9.83 }),
    start_date: z
      .string()
      .openapi({ description: "First date of the span re-fetched and now held", example: "2024-04-22" }),
    end_date: z.string().openapi({ description: "Last date of that span", example: "2024-12-31" }),
  })
  .openapi("SeriesReplacement");

/** `format=columns`: one array per bar field, index i of every array being bar i. */
const BarColumnsSchema = z
  .object({
    date: z.array(z.string()),
    open: z.array(z.number()),
    high: z.array(z.number()),
    low: z.array(z.number()),
    close: z.array(z.number()),
    volume: z.array(z.number()),
    amount: z.array(z.number().nullable()),
    amplitude: z.array(z.number().nullable()),
    pct_change: z.array(z.number().nullable()),
    change: z.array(z.number().nullable()),
    turnover_rate: z.array(z.number().nullable()),
    provisional: z.array(z.boolean()),
    partial: z.array(z.boolean()),
  })
  .openapi("BarColumns", { description: "Bars as columns (same units as DailyBar), ascending dates" });

/** The history response. */
export const HistoryResponseSchema = z
  .object({
    symbol: z
      .string()
      .openapi({ description: "Canonical code: 6 digits (A-share) or 5 digits (HK)", example: "600519" }),
    market: z
      .enum(INDEX_COMPILERS)
      .openapi({ description: "Listing exchange (stocks) or index compiler (SH, SZ, BJ, CSI, HK)", example: "SH" }),
    name: z
      .string()
      .nullable()
      .openapi({ description: "Instrument name as upstream reports it; null if not known yet", example: "贵州茅台" }),
    adjust: z
      .enum(["", "qfq", "hfq"])
      .openapi({ description: 'Adjustment of the prices (always "" for indices)', example: "" }),
    period: z.enum(["daily", "weekly", "monthly"]).openapi({ description: "Bar period", example: "daily" }),
    start_date: z.string().openapi({ description: "Requested first date, YYYY-MM-DD", example: "2024-01-01" }),
    end_date: z.string().openapi({ description: "Requested last date, YYYY-MM-DD", example: "2024-12-31" }),
    data: z.array(BarSchema),
    metadata: z.object({
      count: z.number().int().openapi({ description: "Number of bars in data", example: 242 }),
      cache: z.object({
        hit: z.boolean().openapi({ description: "true when no upstream call was made for this request" }),
        rows_from_cache: z.number().int().openapi({
          description: "Daily bars served from the database (for weekly/monthly: the daily bars aggregated)",
        }),
        rows_from_upstream: z
          .number()
          .int()
          .openapi({ description: "Daily bars fetched from upstream by this request" }),
        upstream_requests: z.number().int().openapi({ description: "Upstream calls this request made" }),
        trading_days: z
          .number()
          .int()
          .openapi({ description: "Sessions in [start_date, min(end_date, today)] per the exchange calendar" }),
        series_replaced: SeriesReplacementSchema.nullable().openapi({
          description:
            "Set when this request found the cached series stale and replaced it whole: extending a cached " +
            "range re-fetches one held session next to the gap (the anchor), and a held qfq/hfq series is " +
            "checked once per session day (its latest held bar re-fetched, by the first request of the day or " +
            "the daily ingest); if upstream now quotes it differently (rebased after an ex-dividend date), the " +
            "whole held span is fetched again in one call and replaces the series atomically",
        }),
        unconfirmed_empty: z
          .array(
            z.object({
              start: z.string().openapi({ example: "2024-03-01" }),
              end: z.string().openapi({ example: "2024-03-29" }),
            }),
          )
          .openapi({
            description:
              "Date spans (inclusive, exchange-local) served empty because upstream answered them with no bar, " +
              "not yet remembered: a first empty answer is not cached; the next request asks upstream again, " +
              "and only a second empty answer makes the span a remembered empty span (a suspension, before " +
              "listing). Empty when nothing unconfirmed was served.",
          }),
      }),
      units: z.object({
        currency: z.enum(CURRENCIES),
        price: z.enum([...CURRENCIES, "points"]),
        volume: z.literal("shares"),
        amount: z.enum(CURRENCIES),
        amplitude: z.literal("percent"),
        pct_change: z.literal("percent"),
        change: z.enum([...CURRENCIES, "points"]),
        turnover_rate: z.literal("percent"),
      }),
      calendar_known_through: z.string().openapi({
        description:
          "The exchange calendar is known through this date: the bundled or officially extended schedule, then " +
          "every final day up to today learnt from the benchmark index's bars; later dates are passed through " +
          "to upstream and not cached",
        example: "2026-12-31",
      }),
      complete: z.boolean().openapi({
        description:
          "true when every session of the range that exists is served; false only with allow_partial=true when " +
          "upstream failed (see missing)",
        example: true,
      }),
      missing: z
        .array(
          z.object({
            start: z.string().openapi({ example: "2024-03-01" }),
            end: z.string().openapi({ example: "2024-03-29" }),
          }),
        )
        .openapi({
          description:
            "Date spans (inclusive, YYYY-MM-DD, exchange-local) not served because upstream failed; empty when " +
            "complete",
        }),
      upstream_error: z
        .object({
          code: z.string().openapi({ example: "UPSTREAM_UNAVAILABLE" }),
          message: z.string(),
          retry_after_seconds: z
            .number()
            .int()
            .nullable()
            .openapi({ description: "When upstream may be tried again, seconds (null if unknown)" }),
        })
        .nullable()
        .openapi({ description: "The upstream failure that made the answer partial; null when complete" }),
    }),
  })
  .openapi("StockHistory");

/** The history response with `format=columns`: `columns` instead of `data`. */
const HistoryColumnsResponseSchema = HistoryResponseSchema.omit({ data: true })
  .extend({ columns: BarColumnsSchema })
  .openapi("StockHistoryColumns");

/** The 200 response of the history endpoints, per `format`. */
export const historyContent = {
  "application/json": { schema: HistoryResponseSchema },
  "application/vnd.quantdb.columns+json": { schema: HistoryColumnsResponseSchema },
  "text/csv": {
    schema: z.string().openapi({
      example:
        "date,open,high,low,close,volume,amount,amplitude,pct_change,change,turnover_rate,provisional\n" +
        "2024-01-02,1715,1718.19,1678.1,1685.01,3215600,5440082548,2.32,-2.37,-40.99,0.26,false\n",
    }),
  },
};
