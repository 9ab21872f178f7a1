import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { parseHistoryQuery } from "@quantdb/core/history";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { HistoryQuerySchema, historyContent } from "../history/schema.ts";
import { serveHistory } from "../history/serve.ts";

const IndexParam = z.object({
  symbol: z.string().openapi({
    param: { name: "symbol", in: "path" },
    description:
      "Index symbol. CN: 000001 (SSE Composite; on this endpoint a bare 000001 is the index, not Ping An " +
      "Bank), 000016, 000300, 000688, 000905, 399001, 399006, sh000300, 000300.SH, 399001.SZ, csi931151, " +
      "899050.BJ. HK: HSI, HSCEI, HSTECH and aliases (^HSI, HANG SENG, HANG SENG TECH, H SHARES, …).",
    example: "000300",
  }),
});

/** `GET /api/v1/index/historical/{symbol}`: index bars with the same caching as stocks. */
export function registerGetIndexHistory(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/index/historical/{symbol}",
      operationId: "getIndexHistory",
      tags: ["History"],
      summary: "Daily, weekly or monthly bars of an index",
      description: `Bars of a CN or HK index from Eastmoney's daily kline endpoint (what AKShare's index_zh_a_hist
scrapes), cached exactly like stock history: calendar-driven gap planning, one upstream call per missing
span, remembered empty spans, provisional bars, the quality gate. An index is its own instrument kind
(cached apart from a stock with the same code). Levels are points; volume is in shares (Eastmoney's CN
index volumes arrive in lots and are converted); amount in CNY (CN) or HKD (HK). Indices are not
adjusted (adjust is always "").`,
      request: { params: IndexParam, query: HistoryQuerySchema.omit({ adjust: true }) },
      responses: {
        200: {
          description:
            "Bars in ascending date order, in the format asked for (see the stock endpoint: ETag/304, compression)",
          content: historyContent,
        },
        304: { description: "Not modified: the answer's ETag matches If-None-Match" },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { clock } = c.get("services");
      const { format, allow_partial, force_refresh, ...params } = c.req.valid("query");
      const query = parseHistoryQuery({ symbol: c.req.valid("param").symbol, kind: "index", ...params }, clock);
      return serveHistory(c, query, format ?? "json", {
        allowPartial: allow_partial === "true",
        forceRefresh: force_refresh === "true",
      });
    },
  );
}
