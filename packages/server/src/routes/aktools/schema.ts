/** OpenAPI description of `GET /api/public/{function}`, generated from the core's parameter and column specs. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AktoolsColumn, AktoolsParam } from "@quantdb/core/history";
import { ErrorSchema, openApiErrorResponses } from "../../errors.ts";

/** What the documentation says about one served function. */
export interface AktoolsFunctionDoc {
  name: string;
  summary: string;
  params: readonly AktoolsParam[];
  columns: readonly AktoolsColumn[];
}

function functionSection(doc: AktoolsFunctionDoc): string {
  const params =
    doc.params.length === 0
      ? "  - parameters: none"
      : doc.params
          .map((p) => {
            const shown = p.default === "" ? '""' : p.default;
            const note = p.default === null ? " (required)" : ` (default \`${shown}\`)`;
            return `  - \`${p.name}\`${note}: ${p.description}`;
          })
          .join("\n");
  const columns = doc.columns.map((c) => `\`${c.name}\` (${c.description})`).join(", ");
  return `- **${doc.name}**: ${doc.summary}\n${params}\n  - columns, in order: ${columns}`;
}

function description(functions: readonly AktoolsFunctionDoc[]): string {
  return `AKTools compatibility. AKTools (akfamily/aktools) serves every AKShare function as
\`GET /api/public/{akshare_function}?param=value\`; QuantDB serves the same path, with the same JSON, for
the AKShare functions it covers, from its caches: a user switches from AKTools to QuantDB by changing the
base URL and gets caching for free. History comes from the same bar cache as /api/v1/historical/... (a
range fetched through either path is not fetched again through the other); the calendar function makes
no upstream call.

Supported functions:

${functions.map(functionSection).join("\n")}

The JSON is exactly AKTools' (\`DataFrame.to_json(orient="records", date_format="iso")\`, \`json.loads\`, then
Starlette's \`JSONResponse\`): a compact array of objects with AKShare's Chinese column names in AKShare's
order; non-ASCII characters unescaped; numbers as numbers, float columns in Python's float repr
(\`1715.0\`, \`8686920192.0\`), integer columns (成交量) as integers; a missing value is \`null\`;
\`datetime.date\` columns as \`YYYY-MM-DDT00:00:00.000\` (stock_zh_a_hist and stock_hk_hist 日期,
tool_trade_date_hist_sina trade_date), index_zh_a_hist 日期 as AKShare leaves it, \`YYYY-MM-DD\`.
Units are AKShare's: 成交量 in lots (手, 100 shares) for A-shares and CN indices, in shares for Hong Kong;
prices in CNY / HKD (index levels in points), 成交额 in the trading currency; 振幅, 涨跌幅, 换手率 in percent.

AKShare's default date range (19700101 to 20500101 or 22220101) is clipped to the exchange's known
sessions up to today, so it costs at most one upstream call per missing span and none for days the
calendar rules out. Weekly and monthly bars are derived from the cached daily bars (dated on the
period's last session), not fetched separately. Today's bar is included while the session is still
open, as AKShare includes Eastmoney's live bar.

Differences from AKTools, on purpose:
- An unsupported function answers 404 in QuantDB's error envelope, \`{"error": {"code": "NOT_FOUND",
  "message": "... Supported: ...", "status": 404, "details": {"function": ..., "supported": [...]}}}\`;
  AKTools answers 404 \`{"error": "未找到该接口，请升级 AKShare 到最新版本…"}\`.
- A bad parameter answers 400 in the envelope naming the parameter (\`VALIDATION_ERROR\` for an unknown
  or missing one, \`INVALID_SYMBOL\`, \`INVALID_PERIOD\`, \`INVALID_ADJUST\`, \`INVALID_DATE\`,
  \`INVALID_RANGE\`); AKTools answers 404 \`{"error": "请输入正确的参数错误 …"}\` for a bad period or adjust
  (a Python KeyError) and a bare 500 "Internal Server Error" for an unknown parameter. A start_date after
  end_date is 400 here; AKShare returns an empty list.
- \`symbol\` is required (AKShare falls back to a sample code) and may be written in any form QuantDB
  accepts (600519, sh600519, 600519.SH; 00700, 0700.HK); 股票代码 is always the bare 6-digit code.
- An upstream failure answers 502/504 in the envelope (AKTools: 500); nothing from it is cached.
- The snapshot functions (stock_zh_a_spot_em, stock_hk_spot_em) serve the day's stock-list snapshot,
  taken on the first request of the exchange-local day (a stale earlier snapshot if that scan fails),
  not a fresh scrape per call; rows are ranked by 涨跌幅 descending like AKShare's, ties by code (AKShare
  leaves ties in no particular order), and the columns the snapshot does not hold (振幅, 量比, 涨速,
  5分钟涨跌, 60日涨跌幅, 年初至今涨跌幅) are null. stock_individual_info_em serves the stored company
  profile (refreshed once a day) with 最新 from the realtime quote cache, and answers 404 NOT_FOUND for
  a code upstream does not know (AKShare raises a KeyError).`;
}

const QuerySchema = z.object({
  symbol: z
    .string()
    .optional()
    .openapi({ description: "Instrument code (history functions; required there)", example: "600519" }),
  period: z.string().optional().openapi({ description: "daily (default), weekly or monthly", example: "daily" }),
  start_date: z
    .string()
    .optional()
    .openapi({ description: "First date, YYYYMMDD; default 19700101", example: "20240102" }),
  end_date: z.string().optional().openapi({
    description: "Last date, YYYYMMDD; default 20500101 (stock_zh_a_hist) or 22220101",
    example: "20240329",
  }),
  adjust: z.string().optional().openapi({ description: '"" (default), qfq or hfq; stocks only', example: "qfq" }),
  timeout: z.string().optional().openapi({ description: "stock_zh_a_hist only; accepted and ignored", example: "10" }),
});

const RowSchema = z.record(z.string(), z.union([z.string(), z.number(), z.null()])).openapi("AktoolsRow", {
  description: "One record of the AKShare frame, keyed by AKShare's column names",
});

/** The route's OpenAPI definition (documentation only: the handler writes AKTools' bytes itself). */
export function aktoolsRoute(functions: readonly AktoolsFunctionDoc[]) {
  const names = functions.map((f) => f.name);
  return createRoute({
    method: "get",
    path: "/api/public/{function}",
    operationId: "getAktoolsPublic",
    tags: ["AKTools"],
    summary: "AKTools-compatible AKShare data (cached)",
    description: description(functions),
    request: {
      params: z.object({
        function: z.string().openapi({
          param: { name: "function", in: "path" },
          description: `AKShare function name; supported: ${names.join(", ")}`,
          example: "stock_zh_a_hist",
        }),
      }),
      query: QuerySchema,
    },
    responses: {
      200: {
        description: "The AKShare frame as AKTools serialises it (records, AKShare's column order)",
        content: {
          "application/json": {
            schema: z.array(RowSchema).openapi({
              example: [
                {
                  日期: "2024-01-02T00:00:00.000",
                  股票代码: "600519",
                  开盘: 1715.0,
                  收盘: 1685.01,
                  最高: 1718.19,
                  最低: 1678.1,
                  成交量: 32156,
                  成交额: 5440082548.0,
                  振幅: 2.32,
                  涨跌幅: -2.37,
                  涨跌额: -40.99,
                  换手率: 0.26,
                },
              ],
            }),
          },
        },
      },
      ...openApiErrorResponses,
      404: {
        description:
          "Unsupported AKShare function (NOT_FOUND); message and details.supported list the supported ones: " +
          `${names.join(", ")}`,
        content: { "application/json": { schema: ErrorSchema } },
      },
    },
  });
}
