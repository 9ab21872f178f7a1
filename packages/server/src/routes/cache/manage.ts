import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { isoTime } from "@quantdb/core/crypto";
import { parseIndexSymbol, parseStockSymbol } from "@quantdb/core/symbols";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { PairParams } from "../crypto/schema.ts";
import { SymbolParam } from "../history/schema.ts";

const KindQuery = z.object({
  kind: z
    .enum(["stock", "index"])
    .default("stock")
    .openapi({ description: "Instrument kind the symbol names (a bare 000001 is both)", example: "stock" }),
});

const StatsSchema = z
  .object({
    instruments: z
      .object({ stocks: z.number().int(), indices: z.number().int() })
      .openapi({ description: "Instruments held" }),
    bars: z.number().int().openapi({ description: "Daily bars stored (all adjustments)", example: 48210 }),
    spans: z.object({
      total: z.number().int().openapi({ description: "Held spans" }),
      empty: z
        .number()
        .int()
        .openapi({ description: "Held spans upstream had no bar for (suspensions, before listing, after delisting)" }),
    }),
    first_bar: z
      .string()
      .nullable()
      .openapi({ description: "Earliest bar date held, YYYY-MM-DD", example: "2010-01-04" }),
    last_bar: z.string().nullable().openapi({ description: "Latest bar date held, YYYY-MM-DD", example: "2026-08-11" }),
    crypto: z
      .object({
        pairs: z.number().int().openapi({ description: "Crypto pairs held (exchange × pair)", example: 2 }),
        bars: z.number().int().openapi({ description: "Crypto bars stored (1d and 1h)", example: 8760 }),
        spans: z.number().int().openapi({ description: "Held crypto spans" }),
        first_bar_time: z.string().nullable().openapi({ description: "Earliest bar open time held, ISO 8601 UTC" }),
        last_bar_time: z.string().nullable().openapi({ description: "Latest bar open time held, ISO 8601 UTC" }),
        requests: z.object({
          total: z.number().int().openapi({ description: "Crypto history requests answered since start" }),
          hits: z.number().int().openapi({ description: "Of those, answered without an upstream request" }),
          upstream_calls: z.number().int().openapi({ description: "Crypto OHLCV requests made since start" }),
        }),
      })
      .openapi({
        description: "The crypto market's share of the cache (issue 17); the totals above are stocks and indices",
      }),
    requests: z.object({
      total: z.number().int().openapi({ description: "History requests answered since this process started" }),
      hits: z.number().int().openapi({ description: "Of those, answered without an upstream call" }),
      hit_ratio: z.number().openapi({ description: "hits / total, a fraction (0–1)", example: 0.93 }),
      upstream_calls: z.number().int().openapi({ description: "Upstream calls made since start" }),
      since: z.string().openapi({ description: "Process start, ISO 8601 UTC" }),
    }),
    activity: z
      .object({
        bucket_seconds: z.number().int().openapi({ description: "Length of each bucket, seconds", example: 60 }),
        minutes: z.array(
          z.object({
            start: z
              .string()
              .openapi({ description: "Start of the minute, ISO 8601 UTC", example: "2026-11-20T12:00:00.000Z" }),
            requests: z
              .number()
              .int()
              .openapi({ description: "History requests answered in this minute", example: 12 }),
            hits: z.number().int().openapi({ description: "Of those, answered without an upstream call", example: 11 }),
            hit_ratio: z.number().nullable().openapi({
              description: "hits / requests, a fraction (0–1); null when there were no requests",
              example: 0.92,
            }),
            upstream_calls: z.number().int().openapi({ description: "Upstream calls made in this minute", example: 1 }),
            latency_ms: z
              .object({
                p50: z
                  .number()
                  .nullable()
                  .openapi({ description: "Median request latency, milliseconds", example: 6.2 }),
                p95: z
                  .number()
                  .nullable()
                  .openapi({ description: "95th-percentile request latency, milliseconds", example: 240.5 }),
                max: z.number().nullable().openapi({ description: "Slowest request, milliseconds", example: 310 }),
              })
              .openapi({
                description:
                  "Latency of the history requests answered in this minute, measured in the server " +
                  "(nearest-rank percentiles); nulls when there were none",
              }),
          }),
        ),
      })
      .openapi({
        description:
          "History requests per minute over the last hour of this process, oldest first, one entry per minute " +
          "(empty minutes included); in memory only, reset at restart",
      }),
  })
  .openapi("CacheStats");

const CoverageSchema = z
  .object({
    symbol: z.string().openapi({ example: "600519" }),
    market: z.string().openapi({ example: "SH" }),
    kind: z.enum(["stock", "index"]),
    spans: z.array(
      z.object({
        adjust: z.enum(["", "qfq", "hfq"]),
        start_date: z.string().openapi({ example: "2024-01-02" }),
        end_date: z.string().openapi({ example: "2024-03-29" }),
        bars: z.number().int().openapi({
          description: "Bars upstream had for the span; 0 = an empty span (remembered, not refetched)",
          example: 58,
        }),
        fetched_at: z.string().openapi({ description: "When the span was fetched, ISO 8601 UTC" }),
      }),
    ),
  })
  .openapi("CacheCoverage");

const CryptoCoverageSchema = z
  .object({
    symbol: z.string().openapi({ example: "BTC/USDT" }),
    exchange: z.string().openapi({ example: "binance" }),
    market: z.literal("CRYPTO"),
    spans: z.array(
      z.object({
        timeframe: z.enum(["1d", "1h"]),
        start: z
          .string()
          .openapi({ description: "First bar open time, ISO 8601 UTC", example: "2025-01-01T00:00:00Z" }),
        end: z.string().openapi({ description: "Last bar open time, ISO 8601 UTC", example: "2025-12-31T00:00:00Z" }),
        bars: z
          .number()
          .int()
          .openapi({ description: "Bars the exchange had for the span; 0 = a confirmed empty span" }),
        fetched_at: z.string().openapi({ description: "When the span was fetched, ISO 8601 UTC" }),
      }),
    ),
  })
  .openapi("CryptoCacheCoverage");

const ClearedSchema = z.object({ cleared: z.string().openapi({ example: "all" }) }).openapi("CacheCleared");

/** `GET /api/v1/cache/stats`, `GET /api/v1/cache/coverage/{symbol}`, `DELETE /api/v1/cache/clear[/{symbol}]`. */
export function registerCacheManagement(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/cache/stats",
      operationId: "getCacheStats",
      tags: ["Cache"],
      summary: "What the cache holds, its hit ratio since start, and per-minute activity over the last hour",
      responses: {
        200: { description: "Totals", content: { "application/json": { schema: StatsSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { cacheAdmin, history, crypto } = c.get("services");
      const stats = history.stats();
      const activity = history.activity();
      const cryptoTotals = await crypto.totals();
      const cryptoStats = crypto.stats();
      return c.json(
        {
          ...(await cacheAdmin.totals()),
          crypto: {
            pairs: cryptoTotals.pairs,
            bars: cryptoTotals.bars,
            spans: cryptoTotals.spans,
            first_bar_time: cryptoTotals.firstBar === null ? null : isoTime(cryptoTotals.firstBar),
            last_bar_time: cryptoTotals.lastBar === null ? null : isoTime(cryptoTotals.lastBar),
            requests: {
              total: cryptoStats.requests,
              hits: cryptoStats.hits,
              upstream_calls: cryptoStats.upstream_calls,
            },
          },
          requests: {
            total: stats.requests,
            hits: stats.hits,
            hit_ratio: stats.hit_ratio,
            upstream_calls: stats.upstream_calls,
            since: stats.since,
          },
          activity: {
            bucket_seconds: activity.bucketSeconds,
            minutes: activity.minutes.map((m) => ({
              start: m.start,
              requests: m.requests,
              hits: m.hits,
              hit_ratio: m.hitRatio,
              upstream_calls: m.upstreamCalls,
              latency_ms: m.latencyMs,
            })),
          },
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/cache/coverage/crypto/{exchange}/{pair}",
      operationId: "getCryptoCacheCoverage",
      tags: ["Cache"],
      summary: "Held spans of a crypto pair, per timeframe",
      request: { params: PairParams },
      responses: {
        200: { description: "Spans", content: { "application/json": { schema: CryptoCoverageSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { exchange, pair } = c.req.valid("param");
      const { crypto } = c.get("services");
      const parsed = crypto.parseQuery({ exchange, pair }).pair;
      const spans = await crypto.coverage(parsed);
      return c.json(
        {
          symbol: parsed.symbol,
          exchange: parsed.exchange,
          market: "CRYPTO" as const,
          spans: spans.map((s) => ({
            timeframe: s.timeframe,
            start: isoTime(s.start),
            end: isoTime(s.end),
            bars: s.bars,
            fetched_at: s.fetchedAt.toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/cache/coverage/{symbol}",
      operationId: "getCacheCoverage",
      tags: ["Cache"],
      summary: "Held spans of a symbol, per adjustment",
      request: { params: SymbolParam, query: KindQuery },
      responses: {
        200: { description: "Spans", content: { "application/json": { schema: CoverageSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { symbol: text } = c.req.valid("param");
      const { kind } = c.req.valid("query");
      const instrument = kind === "index" ? parseIndexSymbol(text) : parseStockSymbol(text);
      const spans = await c.get("services").cacheAdmin.coverage(instrument);
      return c.json(
        {
          symbol: instrument.code,
          market: instrument.market,
          kind: instrument.kind,
          spans: spans.map((s) => ({
            adjust: s.adjust,
            start_date: s.start,
            end_date: s.end,
            bars: s.bars,
            fetched_at: s.fetchedAt.toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/cache/clear",
      operationId: "clearCache",
      tags: ["Cache"],
      summary: "Delete everything cached (admin)",
      description:
        "Deletes every cached instrument, bar, span, company profile, financial report and stock-list " +
        "snapshot. Calendar extensions are configuration and stay. Admin endpoint.",
      responses: {
        200: { description: "Cleared", content: { "application/json": { schema: ClearedSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      await c.get("services").cacheAdmin.clearAll();
      return c.json({ cleared: "all" }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/cache/clear/{symbol}",
      operationId: "clearCacheSymbol",
      tags: ["Cache"],
      summary: "Delete everything cached for one symbol (admin)",
      request: { params: SymbolParam, query: KindQuery },
      responses: {
        200: { description: "Cleared", content: { "application/json": { schema: ClearedSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { kind } = c.req.valid("query");
      const text = c.req.valid("param").symbol;
      const instrument = kind === "index" ? parseIndexSymbol(text) : parseStockSymbol(text);
      await c.get("services").cacheAdmin.clearInstrument(instrument);
      return c.json({ cleared: `${instrument.kind} ${instrument.code}` }, 200);
    },
  );
}
