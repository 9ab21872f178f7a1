/**
 * `GET /api/v1/indicators/{symbol}`: technical indicators over cached bars, by the Tongdaxin formulas
 * (issue 18), with the history endpoints' formats, ETag and reuse of serialised answers.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { IndicatorQuery, IndicatorResult } from "@quantdb/core/indicators";
import type { Context } from "hono";
import { serialise, type SerialisedBody } from "../../body-cache.ts";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { serveReusable } from "../history/serve.ts";

const description = `Technical indicators of a stock, an index (kind=index) or a crypto pair (binance:BTC-USDT),
computed over the cached bars by the Tongdaxin (通达信) formulas, on the requested adjustment's prices (adjust
default qfq for stocks; indices and crypto are unadjusted):

- MA(X,N) the simple mean; EMA(X,N): Y = (2·X + (N−1)·Y′)/(N+1), first Y = X; SMA(X,N,M): Y = (M·X + (N−M)·Y′)/N.
- MACD: DIF = EMA(C,12) − EMA(C,26), DEA = EMA(DIF,9), MACD = 2·(DIF − DEA) → macd_dif, macd_dea, macd.
- KDJ: RSV = (C − LLV(L,9)) / (HHV(H,9) − LLV(L,9)) · 100 (50 when the range is 0), K = SMA(RSV,3,1),
  D = SMA(K,3,1), J = 3K − 2D → kdj_k, kdj_d, kdj_j.
- RSI: SMA(MAX(C − C₋₁, 0), N, 1) / SMA(|C − C₋₁|, N, 1) · 100 → rsi{N}.
- BOLL: MID = MA(C,20), UPPER/LOWER = MID ± 2·STD(C,20), sample standard deviation → boll_mid, boll_upper, boll_lower.
- ATR: MA(MAX(H − L, |C₋₁ − H|, |C₋₁ − L|), 14) → atr{N}; OBV: running sum of sign(C − C₋₁)·V from 0 on the
  answer's first bar, in the answer's volume unit (shares; base currency for crypto) → obv.

indicators is a comma list of name:param:… (defaults in brackets): ma:N, ema:N, macd:[12]:[26]:[9],
kdj:[9]:[3]:[3], rsi:[6], boll:[20]:[2], atr:[14], obv; one of each kind per request.

Warm-up: each answer is computed from max(250, 15 × the longest period) bars before start_date (or from the first
bar), fetched through the cache like any request; metadata.warmup_sessions is the number actually used. A value
that cannot be computed (fewer bars than a window, the first bar's missing previous close, 0/0) is null.`;

const Query = z.object({
  indicators: z.string().openapi({ description: "Comma list of name:param:…", example: "ma:5,macd,rsi:14" }),
  kind: z
    .enum(["stock", "index"])
    .optional()
    .openapi({ description: "A bare code names a stock (default) or an index" }),
  start_date: z.string().optional().openapi({ example: "2024-01-02" }),
  end_date: z.string().optional().openapi({ example: "2024-12-31" }),
  adjust: z.string().optional().openapi({ description: 'Stocks: "qfq" (default here), "" or "hfq"', example: "qfq" }),
  period: z.string().optional().openapi({ description: "Stocks and indices: daily (default), weekly, monthly" }),
  timeframe: z.string().optional().openapi({ description: "Crypto: 1d (default) or 1h" }),
  format: z.enum(["json", "columns", "csv"]).optional().openapi({ description: "As for history", example: "json" }),
});

const Answer = z
  .object({
    symbol: z.string().openapi({ example: "600519" }),
    market: z.string().openapi({ example: "SH" }),
    exchange: z.string().optional().openapi({ description: "Crypto: the exchange" }),
    adjust: z.string(),
    period: z.string().openapi({ description: "daily, weekly, monthly; or the crypto timeframe" }),
    start_date: z.string(),
    end_date: z.string(),
    indicators: z.array(z.string()).openapi({ description: "The indicator columns, in request order" }),
    data: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))).openapi({
      description: "date, open, high, low, close, volume, provisional (crypto: time too) and one value per column",
    }),
    metadata: z.object({
      count: z.number().int(),
      warmup_sessions: z.number().int().openapi({ description: "Bars used before start_date" }),
      convention: z.literal("tdx"),
      cache: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi("Indicators");

function body(result: IndicatorResult) {
  return {
    symbol: result.symbol,
    market: result.market,
    ...(result.exchange ? { exchange: result.exchange } : {}),
    adjust: result.adjust,
    period: result.period,
    start_date: result.start,
    end_date: result.end,
    indicators: result.columns,
    data: result.rows,
    metadata: {
      count: result.rows.length,
      warmup_sessions: result.warmupSessions,
      convention: "tdx" as const,
      cache: result.cache as unknown as Record<string, unknown>,
    },
  };
}

function render(result: IndicatorResult, format: "json" | "columns" | "csv"): SerialisedBody {
  const answer = body(result);
  const fields = answer.data.length > 0 ? Object.keys(answer.data[0]!) : ["date", ...result.columns];
  if (format === "csv") {
    let text = fields.join(",") + "\n";
    for (const row of answer.data) text += fields.map((f) => row[f] ?? "").join(",") + "\n";
    return serialise(text, "text/csv; charset=utf-8", answer.data.length);
  }
  // The rows (or columns) are serialised once: the answer's text and the entity tag's parts (the same text with
  // metadata.cache null) share them, which halves the serialisation of a computed answer.
  const { data, metadata, ...head } = answer;
  const payload =
    format === "json"
      ? `,"data":${JSON.stringify(data)}`
      : `,"columns":${JSON.stringify(Object.fromEntries(fields.map((f) => [f, data.map((row) => row[f] ?? null)])))}`;
  const prefix = JSON.stringify(head).slice(0, -1);
  const meta = (cache: unknown) => `,"metadata":${JSON.stringify({ ...metadata, cache })}`;
  const parts = (cache: unknown) =>
    format === "json" ? [prefix, payload, meta(cache), "}"] : [prefix, meta(cache), payload, "}"];
  const contentType = format === "columns" ? "application/vnd.quantdb.columns+json" : "application/json";
  return serialise(parts(metadata.cache).join(""), contentType, answer.data.length, parts(null));
}

async function serveIndicators(c: Context<AppEnv>, query: IndicatorQuery, format: "json" | "columns" | "csv") {
  const { indicators } = c.get("services");
  const key = await indicators.responseCacheKey(query);
  return serveReusable(
    c,
    key === null ? null : `${format}|${key}`,
    async () => {
      const result = await indicators.compute(query, { signal: c.req.raw.signal });
      return { body: render(result, format), cache: result.cache };
    },
    () => {},
  );
}

/** `GET /api/v1/indicators/{symbol}`. */
export function registerGetIndicators(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/indicators/{symbol}",
      operationId: "getIndicators",
      tags: ["Indicators"],
      summary: "Technical indicators (Tongdaxin formulas) of a stock, index or crypto pair",
      description,
      request: {
        params: z.object({
          symbol: z.string().openapi({
            param: { name: "symbol", in: "path" },
            description: "A stock or index symbol as history takes it, or a crypto pair exchange:BASE-QUOTE",
            example: "600519",
          }),
        }),
        query: Query,
      },
      responses: {
        200: {
          description: "Rows in ascending order with the indicator columns; weak ETag, 304 on If-None-Match",
          content: { "application/json": { schema: Answer }, "text/csv": { schema: { type: "string" } } },
        },
        304: { description: "Not modified" },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { format, ...input } = c.req.valid("query");
      const query = c.get("services").indicators.parse({ symbol: c.req.valid("param").symbol, ...input });
      return serveIndicators(c, query, format ?? "json") as never;
    },
  );
}
