import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { QuoteBatchRequestSchema, QuoteBatchResponseSchema, REALTIME_CACHING } from "./schema.ts";

/** `POST /api/v1/realtime/batch`: realtime quotes of up to 100 stocks, each answered on its own. */
export function registerRealtimeBatch(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/realtime/batch",
      operationId: "getRealtimeQuotes",
      tags: ["Realtime"],
      summary: "Realtime quotes of up to 100 stocks",
      description: `Quotes of 1 to 100 A-share and HK stocks in one request, body {"symbols": [...]}.

${REALTIME_CACHING}

Per-symbol outcomes: the answer is 200 whenever the request itself is valid, with one entry per
requested symbol in order, carrying either its quote or its own error: INVALID_SYMBOL (400) for a
symbol in no accepted form, NOT_FOUND (404) when upstream has no quote for it, or the upstream error
(UPSTREAM_UNAVAILABLE, UPSTREAM_INVALID, UPSTREAM_TIMEOUT) when the refresh it needed failed, even if
every symbol failed. A body that is not a JSON object with a symbols array of strings, an empty list or
more than 100 symbols is 400 VALIDATION_ERROR. metadata.cache accounts for the whole request.`,
      request: { body: { required: true, content: { "application/json": { schema: QuoteBatchRequestSchema } } } },
      responses: {
        200: {
          description: "One entry per requested symbol",
          content: { "application/json": { schema: QuoteBatchResponseSchema } },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { symbols, force_refresh } = c.req.valid("json");
      const { entries, cache } = await c.get("services").realtime.batchWithCache(symbols, {
        forceRefresh: force_refresh === true,
      });
      const ok = entries.filter((entry) => entry.quote !== null).length;
      const body: z.infer<typeof QuoteBatchResponseSchema> = {
        data: entries,
        metadata: { count: entries.length, ok, failed: entries.length - ok, cache },
      };
      return c.json(body, 200);
    },
  );
}
