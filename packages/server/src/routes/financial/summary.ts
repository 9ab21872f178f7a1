import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { DATACENTER_REPORTS, financialUnits } from "@quantdb/core/fundamentals";
import { parseStockSymbol } from "@quantdb/core/symbols";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { FinancialQuerySchema, FinancialSummaryResponseSchema, FinancialSymbolParam } from "./schema.ts";

const description = `The newest periodic reports (at most 8, newest first) of an A-share listed in Shanghai,
Shenzhen or Beijing, every field mapped by name from Eastmoney's datacenter and stated with its unit.

Sources, merged by REPORT_DATE: RPT_F10_FINANCE_MAINFINADATA (the main indicators AKShare's
stock_financial_analysis_indicator_em reads: revenue, attributable net profit, EPS, BPS, ROE,
margins, growth, debt ratio), RPT_DMSK_FN_BALANCE (total assets, liabilities, equity) and
RPT_DMSK_FN_CASHFLOW (operating cash flow). Nothing is computed: a value upstream does not report is
null. Banks report no gross margin (gross_margin, gross_profit and current_ratio are null for them).

Units: amounts in CNY (yuan), per-share values in CNY/share, ratios in percent (12.5 = 12.5 %),
cumulative from 1 January (a Q3 report covers January to September); ROE and ROA are for the period,
not annualised. metadata.units repeats the unit of every field.

Caching: the reports are fetched (3 upstream calls) on the first request and stored with the raw
upstream rows. They are served from the database until the statutory deadline of the next report
(Q1 by Apr 30, H1 by Aug 31, Q3 by Oct 31, annual by Apr 30 of the next year; Asia/Shanghai), given in
metadata.cache.next_due; the first request after it fetches again, and if the new report has not
appeared yet, again at most once a day. A report published before its deadline is therefore picked
up after the deadline. A failed fetch stores nothing and answers 502/504. force_refresh=true (admin)
fetches now whatever the deadline.

Not found (404): a code upstream has no reports for, and Hong Kong stocks (the summary covers
A-shares only).`;

function route(path: string, operationId: string, summary: string) {
  return createRoute({
    method: "get",
    path,
    operationId,
    tags: ["Financial"],
    summary,
    description,
    request: { params: FinancialSymbolParam, query: FinancialQuerySchema },
    responses: {
      200: {
        description: "The newest reports, newest first",
        content: { "application/json": { schema: FinancialSummaryResponseSchema } },
      },
      ...openApiErrorResponses,
    },
  });
}

/** `GET /api/v1/financial/{symbol}/summary` and its alias `GET /api/v1/financial/{symbol}`. */
export function registerGetFinancialSummary(app: OpenAPIHono<AppEnv>): void {
  const routes = [
    route(
      "/api/v1/financial/{symbol}/summary",
      "getFinancialSummary",
      "Financial summary of an A-share: the newest 8 reports",
    ),
    route(
      "/api/v1/financial/{symbol}",
      "getFinancialSummaryAlias",
      "Financial summary (alias of /api/v1/financial/{symbol}/summary)",
    ),
  ];
  for (const r of routes) {
    app.openapi(r, async (c) => {
      const symbol = parseStockSymbol(c.req.valid("param").symbol);
      const forceRefresh = c.req.valid("query").force_refresh === "true";
      const result = await c.get("services").financial.getSummary(symbol, { signal: c.req.raw.signal, forceRefresh });
      const body: z.infer<typeof FinancialSummaryResponseSchema> = {
        symbol: result.symbol.code,
        market: result.symbol.market as "SH" | "SZ" | "BJ",
        name: result.name,
        data_type: "financial_summary",
        reports: result.reports,
        count: result.reports.length,
        metadata: {
          source: { provider: "eastmoney_datacenter", reports: [...DATACENTER_REPORTS] },
          units: financialUnits(),
          cache: result.cache,
        },
      };
      return c.json(body, 200);
    });
  }
}
