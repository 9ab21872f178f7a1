import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { BATCH_LIMIT, getManyBars } from "@quantdb/core/history";
import type { AppEnv } from "../../context.ts";
import { ErrorSchema, openApiErrorResponses } from "../../errors.ts";
import { historyBody } from "../history/get.ts";
import { HistoryResponseSchema } from "../history/schema.ts";

const BatchRequestSchema = z
  .object({
    symbols: z.array(z.string()).openapi({
      description: `Stock symbols in any accepted form, 1–${BATCH_LIMIT}`,
      example: ["600519", "000001.SZ", "00700"],
    }),
    start_date: z
      .string()
      .optional()
      .openapi({ description: "YYYYMMDD or YYYY-MM-DD; default one year before end_date", example: "20240101" }),
    end_date: z
      .string()
      .optional()
      .openapi({ description: "YYYYMMDD or YYYY-MM-DD; default today on each exchange", example: "20240331" }),
    adjust: z.string().optional().openapi({ description: '"" (default), qfq or hfq', example: "qfq" }),
    period: z.string().optional().openapi({ description: "daily (default), weekly or monthly", example: "daily" }),
    force_refresh: z
      .boolean()
      .optional()
      .openapi({
        description:
          "true (admin key needed unless auth is off): re-fetch each symbol's held series of this adjustment " +
          "from upstream and replace it before answering, as force_refresh=true on the history endpoint; each " +
          "result then reports hit=false and the calls made",
        example: false,
      }),
  })
  .openapi("BatchHistoryRequest");

const BatchResponseSchema = z
  .object({
    results: z
      .record(z.string(), HistoryResponseSchema)
      .openapi({ description: "Per symbol as written in the request: the same body as the history endpoint" }),
    errors: z
      .record(z.string(), ErrorSchema.shape.error)
      .openapi({ description: "Per symbol that failed: the error (bad symbol, upstream failure)" }),
    metadata: z.object({
      requested: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      upstream_requests: z.number().int().openapi({
        description: "Upstream calls for the whole batch: one per missing span, zero when everything was cached",
      }),
    }),
  })
  .openapi("BatchHistory");

/** `POST /api/v1/batch/stocks`: history of many stocks in one request. */
export function registerBatchStocks(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/batch/stocks",
      operationId: "batchStockHistory",
      tags: ["History"],
      summary: "Bars of many stocks at once",
      description:
        `The history of up to ${BATCH_LIMIT} stocks over one range, adjustment and period. Each symbol goes ` +
        "through the same cache as the single-stock endpoint, a few at a time; upstream calls are bounded by the " +
        "missing spans, not by the symbol count (a batch of cached symbols makes none). Per-symbol failures are " +
        `reported in \`errors\` inside a 200.`,
      request: { body: { required: true, content: { "application/json": { schema: BatchRequestSchema } } } },
      responses: {
        200: {
          description: "Per-symbol results and errors",
          content: { "application/json": { schema: BatchResponseSchema } },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { symbols, force_refresh, ...query } = c.req.valid("json");
      const { history, clock } = c.get("services");
      const outcomes = await getManyBars(history, clock, symbols, query, {
        signal: c.req.raw.signal,
        forceRefresh: force_refresh === true,
      });
      const results: Record<string, z.infer<typeof HistoryResponseSchema>> = {};
      const errors: Record<string, z.infer<typeof ErrorSchema>["error"]> = {};
      let upstream = 0;
      let rows = 0;
      for (const outcome of outcomes) {
        if ("result" in outcome) {
          results[outcome.symbol] = historyBody(outcome.result);
          upstream += outcome.result.cache.upstream_requests;
          rows += outcome.result.bars.length;
        } else {
          const { code, message, status, details } = outcome.error;
          errors[outcome.symbol] = { code, message, status, ...(details ? { details } : {}) };
        }
      }
      c.set("rowsServed", rows);
      return c.json(
        {
          results,
          errors,
          metadata: {
            requested: outcomes.length,
            succeeded: Object.keys(results).length,
            failed: Object.keys(errors).length,
            upstream_requests: upstream,
          },
        },
        200,
      );
    },
  );
}
