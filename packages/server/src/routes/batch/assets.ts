import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { BATCH_LIMIT, runPerSymbol } from "@quantdb/core/batch";
import { parseStockSymbol } from "@quantdb/core/symbols";
import type { AppEnv } from "../../context.ts";
import { ErrorSchema, openApiErrorResponses } from "../../errors.ts";
import { forceRefreshBody } from "../force-refresh.ts";
import { companyInfoBody } from "../lists/assets.ts";
import { CompanyInfoResponseSchema } from "../lists/schema.ts";

const BatchAssetsRequestSchema = z
  .object({
    symbols: z.array(z.string()).openapi({
      description: `Stock symbols in any accepted form, 1–${BATCH_LIMIT}`,
      example: ["600519", "000001.SZ", "00700"],
    }),
    force_refresh: forceRefreshBody(
      "fetch every symbol's information from upstream now whatever its age (one call per symbol), store and " +
        "serve it; a symbol whose forced fetch fails gets its error in errors.",
    ),
  })
  .openapi("BatchAssetsRequest");

const BatchAssetsResponseSchema = z
  .object({
    assets: z
      .record(z.string(), CompanyInfoResponseSchema)
      .openapi({ description: "Per symbol as written in the request: the company-information body" }),
    errors: z
      .record(z.string(), ErrorSchema.shape.error)
      .openapi({ description: "Per symbol that failed (bad symbol, unknown upstream, upstream failure)" }),
    metadata: z.object({
      requested: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      upstream_requests: z
        .number()
        .int()
        .openapi({
          description:
            "Upstream calls for the batch: one per symbol whose profile was missing or older than a day (every " +
            "symbol with force_refresh)",
        }),
    }),
  })
  .openapi("BatchAssets");

/** `POST /api/v1/batch/assets`: company information of many stocks. */
export function registerBatchAssets(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/batch/assets",
      operationId: "batchCompanyInfo",
      tags: ["Assets"],
      summary: "Company information of many stocks at once",
      description:
        `Company information for up to ${BATCH_LIMIT} stocks through the same day-long cache as GET ` +
        "/api/v1/assets/symbol/{symbol}, a few upstream calls at a time; symbols with a fresh stored profile " +
        `cost none. Per-symbol failures are reported in \`errors\` inside a 200.`,
      request: { body: { required: true, content: { "application/json": { schema: BatchAssetsRequestSchema } } } },
      responses: {
        200: {
          description: "Per-symbol results and errors",
          content: { "application/json": { schema: BatchAssetsResponseSchema } },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { companyInfo } = c.get("services").lists;
      const { symbols, force_refresh } = c.req.valid("json");
      const forceRefresh = force_refresh === true;
      const outcomes = await runPerSymbol(symbols, async (text) => {
        const symbol = parseStockSymbol(text);
        return { symbol, info: await companyInfo.getCompanyInfo(symbol, { signal: c.req.raw.signal, forceRefresh }) };
      });
      const assets: Record<string, z.infer<typeof CompanyInfoResponseSchema>> = {};
      const errors: Record<string, z.infer<typeof ErrorSchema>["error"]> = {};
      let upstream = 0;
      for (const outcome of outcomes) {
        if ("result" in outcome) {
          assets[outcome.symbol] = companyInfoBody(outcome.result.symbol, outcome.result.info);
          upstream += outcome.result.info.upstreamRequests;
        } else {
          const { code, message, status, details } = outcome.error;
          errors[outcome.symbol] = { code, message, status, ...(details ? { details } : {}) };
        }
      }
      return c.json(
        {
          assets,
          errors,
          metadata: {
            requested: outcomes.length,
            succeeded: Object.keys(assets).length,
            failed: Object.keys(errors).length,
            upstream_requests: upstream,
          },
        },
        200,
      );
    },
  );
}
