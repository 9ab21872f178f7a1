/**
 * `GET /api/v1/historical/crypto/{exchange}/{pair}`: OHLCV bars of a crypto spot pair, cached, in
 * the stock history's envelope and formats, with the same reuse of serialised answers and ETags
 * (see ../history/serve.ts).
 */
import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { isoTime, utcDate, type CryptoHistoryQuery, type CryptoHistoryResult } from "@quantdb/core/crypto";
import type { Context } from "hono";
import { serialise, type SerialisedBody } from "../../body-cache.ts";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { serveReusable } from "../history/serve.ts";
import { CryptoHistoryQuerySchema, CryptoHistoryResponseSchema, PairParams } from "./schema.ts";

const description = `OHLCV bars of a crypto spot pair on one exchange (binance, okx, bybit, coinbase, kraken),
from the exchange's public REST API through ccxt, cached.

Time: every UTC day is a session; 1d bars open at 00:00 UTC, 1h bars on the hour. start_date and end_date are
UTC days; the answer holds every bar opening in them up to now. Days before 2009-01-03 (the first Bitcoin
block) are no sessions and are never asked for.

Caching: only the bars not held yet are fetched, in pages of the exchange's maximum (binance 1000 bars;
each page is one upstream request in metadata.cache); a repeat or a sub-range makes no upstream call, and
concurrent requests for the same series make one fetch. Spans the exchange answers with no bar (before the
pair was listed, an outage) are remembered only when a later request's answer is empty again; until then
they are served empty and listed in metadata.cache.unconfirmed_empty.

Provisional bars: a bar is final one minute after its period ends. Before that it is served with
provisional=true, never stored, and refetched at most once a minute.

Quality gate: every bar of an answer is checked before anything is stored (finite positive prices, low <=
open, close <= high, volume and amount >= 0, open times on the timeframe's grid, no time twice); an answer
that is not data (an HTML page, truncated JSON) or fails the gate is 502 UPSTREAM_INVALID and nothing of it
is stored. Unknown exchange or pair: 400 INVALID_SYMBOL naming the accepted exchanges or the closest pairs.`;

/** Media type of `format=columns`. */
const COLUMNS_MEDIA_TYPE = "application/vnd.quantdb.columns+json";
const BAR_FIELDS = ["date", "time", "open", "high", "low", "close", "volume", "amount", "provisional"] as const;

type CryptoHistoryBody = z.infer<typeof CryptoHistoryResponseSchema>;

/** The JSON answer of a crypto history request. */
function cryptoHistoryBody(result: CryptoHistoryResult): CryptoHistoryBody {
  const { pair } = result;
  return {
    symbol: pair.symbol,
    exchange: pair.exchange,
    market: "CRYPTO",
    timeframe: result.timeframe,
    start_date: result.start,
    end_date: result.end,
    data: result.bars.map((bar) => ({
      date: utcDate(bar.time),
      time: isoTime(bar.time),
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
      amount: bar.amount,
      provisional: bar.provisional,
    })),
    metadata: {
      count: result.bars.length,
      cache: result.cache,
      units: {
        base: pair.base,
        quote: pair.quote,
        price: pair.quote,
        volume: pair.base,
        amount: pair.quote,
        time_zone: "UTC",
      },
    },
  };
}

function render(result: CryptoHistoryResult, format: "json" | "columns" | "csv"): SerialisedBody {
  const body = cryptoHistoryBody(result);
  if (format === "csv") {
    let text = BAR_FIELDS.join(",") + "\n";
    for (const bar of body.data) text += BAR_FIELDS.map((field) => bar[field] ?? "").join(",") + "\n";
    return serialise(text, "text/csv; charset=utf-8", body.data.length);
  }
  // The entity tag covers the answer without metadata.cache (see serialise): the answer that fetched
  // from upstream validates the next one.
  const shaped = (cache: unknown) => {
    const metadata = { ...body.metadata, cache };
    if (format === "json") return { ...body, metadata };
    const { data, ...rest } = body;
    return { ...rest, metadata, columns: Object.fromEntries(BAR_FIELDS.map((f) => [f, data.map((bar) => bar[f])])) };
  };
  const text = JSON.stringify(shaped(body.metadata.cache));
  const contentType = format === "columns" ? COLUMNS_MEDIA_TYPE : "application/json";
  return serialise(text, contentType, body.data.length, [JSON.stringify(shaped(null))]);
}

/** Serve `query` in `format`, reusing a serialised answer while the pair's stored data is unchanged. */
async function serveCryptoHistory(
  c: Context<AppEnv>,
  query: CryptoHistoryQuery,
  format: "json" | "columns" | "csv",
): Promise<Response> {
  const { crypto } = c.get("services");
  const key = await crypto.responseCacheKey(query);
  return serveReusable(
    c,
    key === null ? null : `${format}|${key}`,
    async () => {
      const result = await crypto.getBars(query, { signal: c.req.raw.signal });
      return { body: render(result, format), cache: result.cache };
    },
    () => crypto.recordReusedAnswer(),
  );
}

/** `GET /api/v1/historical/crypto/{exchange}/{pair}`. */
export function registerGetCryptoHistory(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/historical/crypto/{exchange}/{pair}",
      operationId: "getCryptoHistory",
      tags: ["Crypto"],
      summary: "Daily or hourly bars of a crypto spot pair",
      description,
      request: { params: PairParams, query: CryptoHistoryQuerySchema },
      responses: {
        200: {
          description: "Bars in ascending time order, in the format asked for; weak ETag, 304 on If-None-Match",
          content: {
            "application/json": { schema: CryptoHistoryResponseSchema },
            [COLUMNS_MEDIA_TYPE]: { schema: CryptoHistoryResponseSchema.omit({ data: true }) },
            "text/csv": { schema: { type: "string" } },
          },
        },
        304: { description: "Not modified: the answer's ETag matches If-None-Match" },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { exchange, pair } = c.req.valid("param");
      const { format, ...params } = c.req.valid("query");
      const query = c.get("services").crypto.parseQuery({ exchange, pair, ...params });
      return serveCryptoHistory(c, query, format ?? "json") as never;
    },
  );
}
