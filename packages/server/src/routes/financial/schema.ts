import { z } from "@hono/zod-openapi";
import { FINANCIAL_FIELDS, type FinancialFieldName } from "@quantdb/core/fundamentals";
import { forceRefreshQuery } from "../force-refresh.ts";

/** Path parameter: an A-share symbol in any accepted form. */
export const FinancialSymbolParam = z.object({
  symbol: z.string().openapi({
    param: { name: "symbol", in: "path" },
    description:
      "A-share symbol (Shanghai, Shenzhen, Beijing): 600519, sh600519, 600519.SH, 600519.SS, 000001.SZ, 830799 " +
      "or 830799.BJ. Hong Kong symbols are valid but not covered (404).",
    example: "600519",
  }),
});

/** Query of the summary operations. */
export const FinancialQuerySchema = z.object({
  force_refresh: forceRefreshQuery(
    "fetch the reports from upstream now (3 calls) even when the stored ones are current, store and serve them " +
      "(metadata.cache.hit false); a failed forced fetch stores nothing and is the answer (502/504).",
  ),
});

const UNIT_NAMES = {
  CNY: "CNY (yuan)",
  "CNY/share": "CNY per share",
  percent: "percent (12.5 = 12.5 %)",
  ratio: "a plain ratio",
} as const;

const fieldShape = Object.fromEntries(
  FINANCIAL_FIELDS.map((f) => [
    f.field,
    z
      .number()
      .nullable()
      .openapi({
        description:
          `${f.description}. Unit: ${UNIT_NAMES[f.unit]}. Upstream: ${f.report}.${f.key} (${f.label}), mapped by ` +
          "name; null when upstream sent no value.",
        example: f.example,
      }),
  ]),
) as { [K in FinancialFieldName]: z.ZodNullable<z.ZodNumber> };

/** One periodic report. */
const FinancialReportSchema = z
  .object({
    report_date: z
      .string()
      .openapi({ description: "Period end, YYYY-MM-DD (03-31, 06-30, 09-30 or 12-31)", example: "2025-09-30" }),
    report_type: z.enum(["Q1", "H1", "Q3", "FY"]).openapi({
      description:
        "Q1 (一季报), H1 (中报, interim), Q3 (三季报) or FY (年报, annual), from the period end. Figures are cumulative " +
        "from 1 January.",
      example: "Q3",
    }),
    notice_date: z.string().nullable().openapi({
      description: "Day the report was published (upstream NOTICE_DATE), YYYY-MM-DD",
      example: "2025-10-30",
    }),
    ...fieldShape,
  })
  .openapi("FinancialReport");

const unitEnum = z.enum(["CNY", "CNY/share", "percent", "ratio"]);
const unitShape = Object.fromEntries(FINANCIAL_FIELDS.map((f) => [f.field, unitEnum.openapi({ example: f.unit })])) as {
  [K in FinancialFieldName]: typeof unitEnum;
};

/** The financial-summary response. */
export const FinancialSummaryResponseSchema = z
  .object({
    symbol: z.string().openapi({ description: "Canonical 6-digit code", example: "600519" }),
    market: z.enum(["SH", "SZ", "BJ"]).openapi({ description: "Listing exchange", example: "SH" }),
    name: z
      .string()
      .nullable()
      .openapi({ description: "Short name as upstream reports it (SECURITY_NAME_ABBR)", example: "贵州茅台" }),
    data_type: z.literal("financial_summary"),
    reports: z
      .array(FinancialReportSchema)
      .openapi({ description: "The newest reports held, at most 8, newest first" }),
    count: z.number().int().openapi({ description: "Number of reports", example: 8 }),
    metadata: z.object({
      source: z.object({
        provider: z.literal("eastmoney_datacenter"),
        reports: z.array(z.string()).openapi({
          description: "Datacenter reports merged by REPORT_DATE",
          example: ["RPT_F10_FINANCE_MAINFINADATA", "RPT_DMSK_FN_BALANCE", "RPT_DMSK_FN_CASHFLOW"],
        }),
      }),
      units: z
        .object({ currency: z.literal("CNY"), ...unitShape })
        .openapi({ description: "Unit of every numeric field" }),
      cache: z.object({
        hit: z.boolean().openapi({ description: "true when this request made no upstream call" }),
        upstream_requests: z.number().int().openapi({
          description: "Upstream calls this request made: 0, 1 (upstream had no reports) or 3 (one per report)",
          example: 0,
        }),
        fetched_at: z.string().openapi({
          description: "When the reports were last fetched from upstream, ISO 8601 UTC",
          example: "2025-11-20T12:00:00.000Z",
        }),
        next_due: z.string().openapi({
          description:
            "Asia/Shanghai date the next report is due by (statutory deadline: Q1 Apr 30, H1 Aug 31, Q3 Oct " +
            "31, FY Apr 30 of the next year). Cached until then; afterwards refetched at most once a day until " +
            "it appears.",
          example: "2026-04-30",
        }),
        next_report: z.object({
          report_date: z
            .string()
            .openapi({ description: "Period end of the report expected next", example: "2025-12-31" }),
          report_type: z.enum(["Q1", "H1", "Q3", "FY"]).openapi({ example: "FY" }),
        }),
      }),
    }),
  })
  .openapi("FinancialSummary");
