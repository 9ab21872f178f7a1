/**
 * `POST /api/v1/screen`: filter and rank a universe of stocks or crypto pairs at one date, over the
 * cached bars (issue 18; formulas and conventions in docs/screener.md).
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { ScreenResult } from "@quantdb/core/screen";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";

const description = `Filters and ranks a universe at one date (as_of) over the cached bars.

Universe: a CN index's current constituents ("000300" CSI 300, "000016" SSE 50, "000905" CSI 500; Eastmoney's
index boards, listed once a day), a market's stock list ("SH", "SZ", "BJ", "HK"), an explicit list
{"symbols": ["600519", "00700.HK", "binance:BTC/USDT"]} (up to 1000), or a crypto exchange's spot pairs by quote
("crypto:binance:USDT", the top \`top\` (default 50) active pairs by 24 h quote volume). Survivorship: index and
market memberships are today's, not as_of's (metadata.membership says so).

Fields, each at the symbol's last bar on or before as_of (default: the last session whose bars are final in
every market of the universe), on the adjust's prices (stocks: qfq default, "" or hfq):
- close; pct_change_N = (C_t / C_{t−N} − 1) · 100 (percent, N sessions back);
- volatility_N: sample standard deviation (n − 1) of the last N daily returns C_i/C_{i−1} − 1, × √242 (CN, HK)
  or √365 (crypto), in percent; amount_avg_N: mean traded value (成交额; quote volume for crypto) of the last N
  bars; turnover_avg_N: mean turnover rate of the last N bars, percent (stocks);
- indicator columns by the Tongdaxin formulas of /api/v1/indicators (default parameters, or the period in the
  name): ma{N}, ema{N}, macd_dif, macd_dea, macd, kdj_k, kdj_d, kdj_j, rsi{N}, boll_mid, boll_upper, boll_lower,
  atr{N};
- market_cap, float_market_cap (trading currency), pe_ttm, pb (ratios) from the market's stock-list snapshot
  (Eastmoney clist): today's, used when it is not after as_of or as_of is the latest final session
  (metadata.snapshots names the date).

Filters: {field, op: < <= > >= == between, value} (between takes [low, high], inclusive). Ranking: for each
rank_by field, the percentile rank over the symbols that passed the filters, (rank − 1)/(n − 1) in [0, 1] with
ties averaged, rank 1 the worst (order desc: larger is better; asc: smaller is better); score = Σ wᵢ·prᵢ / Σ wᵢ
(weight default 1). Results sorted by score descending, then symbol (by symbol, score null, without rank_by).

Bars come through the cache: a symbol's missing sessions are fetched once (4 symbols at a time, inside the
upstream policies and the caller's budget), so a repeated screen makes no upstream call. A symbol that cannot be
evaluated (upstream failed, no bars, too few bars for a field, a value upstream did not report) is listed in
metadata.missing with the reason; the rest are answered. Errors: 400 VALIDATION_ERROR naming the bad part,
INVALID_SYMBOL, INVALID_DATE (as_of in the future), INVALID_ADJUST; 502/503/504 when the universe cannot be
listed or every symbol failed upstream; 429 when the caller's upstream budget is spent.`;

const Filter = z.object({
  field: z.string().openapi({ example: "pct_change_20" }),
  op: z.enum(["<", "<=", ">", ">=", "==", "between"]),
  value: z.union([z.number(), z.array(z.number())]).openapi({ description: "A number; [low, high] for between" }),
});

const Rank = z.object({
  field: z.string().openapi({ example: "pct_change_20" }),
  order: z.enum(["asc", "desc"]).optional().openapi({ description: "desc (default): larger is better" }),
  weight: z.number().optional().openapi({ description: "Positive weight in the score (default 1)" }),
});

const Request = z
  .object({
    universe: z
      .union([z.string(), z.object({ symbols: z.array(z.string()) })])
      .openapi({ description: '"000300", "SH", "crypto:binance:USDT" or {"symbols": [...]}', example: "000300" }),
    as_of: z.string().optional().openapi({ description: "Exchange-local date; default the last final session" }),
    adjust: z.string().optional().openapi({ description: 'Stocks: "qfq" (default), "" or "hfq"' }),
    filters: z.array(Filter).optional(),
    rank_by: z.array(Rank).optional(),
    limit: z.number().int().optional().openapi({ description: "Results returned, 1..1000 (default 50)" }),
    top: z.number().int().optional().openapi({ description: "Crypto universes: pairs screened (default 50)" }),
  })
  .openapi("ScreenRequest");

const Answer = z
  .object({
    as_of: z.string().openapi({ example: "2024-05-22" }),
    universe: z.union([z.string(), z.object({ symbols: z.array(z.string()) })]),
    adjust: z.string(),
    count: z.number().int().openapi({ description: "Results returned" }),
    results: z.array(
      z.object({
        symbol: z.string().openapi({ description: "Stock code or exchange:BASE/QUOTE", example: "600519" }),
        market: z.string().openapi({ description: "SH, SZ, BJ, HK or CRYPTO" }),
        name: z.string().nullable(),
        score: z.number().nullable().openapi({ description: "Weighted mean percentile rank in [0, 1]" }),
        date: z.string().openapi({ description: "Date of the bar the values are of (≤ as_of)" }),
        provisional: z.boolean().openapi({ description: "The bar's session had not ended" }),
        values: z.record(z.string(), z.number()).openapi({ description: "close and every filter and rank field" }),
      }),
    ),
    metadata: z.object({
      universe_size: z.number().int(),
      evaluated: z.number().int().openapi({ description: "Symbols with every field computed" }),
      matched: z.number().int().openapi({ description: "Symbols passing the filters" }),
      missing: z.array(z.object({ symbol: z.string(), reason: z.string() })),
      upstream_requests: z.number().int(),
      cache: z.object({
        hit: z.boolean().openapi({ description: "True when the screen made no upstream call" }),
        symbols_from_cache: z.number().int(),
        symbols_fetched: z.number().int(),
      }),
      membership: z.string().nullable().openapi({ description: "How the universe's membership is dated" }),
      snapshots: z.array(z.object({ market: z.string(), date: z.string(), fetched_at: z.string() })),
      convention: z.literal("tdx"),
    }),
  })
  .openapi("ScreenAnswer");

/** The body of `POST /api/v1/screen` as the route validates it (for in-repo callers such as the CLI). */
export type ScreenRequestBody = z.infer<typeof Request>;

/** The answer of `POST /api/v1/screen`. */
export type ScreenAnswerBody = z.infer<typeof Answer>;

function body(result: ScreenResult): z.infer<typeof Answer> {
  return {
    as_of: result.asOf,
    universe: result.universe,
    adjust: result.adjust,
    count: result.results.length,
    results: result.results,
    metadata: {
      universe_size: result.universeSize,
      evaluated: result.evaluated,
      matched: result.matched,
      missing: result.missing,
      upstream_requests: result.upstreamRequests,
      cache: {
        hit: result.upstreamRequests === 0,
        symbols_from_cache: result.symbolsFromCache,
        symbols_fetched: result.symbolsFetched,
      },
      membership: result.membership,
      snapshots: result.snapshots,
      convention: "tdx",
    },
  };
}

/** `POST /api/v1/screen`. */
export function registerScreen(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/screen",
      operationId: "screen",
      tags: ["Indicators"],
      summary: "Screen a universe: filter and rank stocks or crypto pairs at a date",
      description,
      request: { body: { required: true, content: { "application/json": { schema: Request } } } },
      responses: {
        200: { description: "The ranked results", content: { "application/json": { schema: Answer } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { screen } = c.get("services");
      const input = c.req.valid("json");
      const query = screen.parse(input as Parameters<typeof screen.parse>[0]);
      const result = await screen.run(query, { signal: c.req.raw.signal });
      return c.json(body(result), 200);
    },
  );
}
