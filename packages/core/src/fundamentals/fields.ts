/**
 * The financial-summary fields: what each one means, its unit, and the exact Eastmoney datacenter
 * report and key it is read from. Mapping is by key name only; nothing is computed.
 *
 * Where the keys come from (read in public code; no live response was recorded for this project):
 * - `RPT_F10_FINANCE_MAINFINADATA` (主要指标, one row per report date): the request is AKShare's
 *   `stock_financial_analysis_indicator_em` (akfamily/akshare,
 *   `akshare/stock_fundamental/stock_finance_sina.py`); the key names and meanings are those of
 *   1nchaos/adata `adata/stock/finance/core.py` (its rename table of the same report) and of
 *   QuantDB's docs/upstream-spec.md §7.3 (EPSJB, BPS, TOTALOPERATEREVE, PARENTNETPROFIT, ROEJQ, XSMLL, ZCFZL,
 *   quoting AKShare's docs). Meanings of EPSKCJB (扣非每股收益) and EPSXS (稀释每股收益) follow
 *   AKShare's docs for that function; note adata's rename table labels those two the other way.
 * - `RPT_DMSK_FN_BALANCE` (资产负债表) and `RPT_DMSK_FN_CASHFLOW` (现金流量表): keys TOTAL_ASSETS,
 *   TOTAL_LIABILITIES, TOTAL_EQUITY and NETCASH_OPERATE as declared (and "measured on 600519
 *   2025Q1") in guaidaoyiyoudao/stock_inc
 *   `app/src/main/java/com/stock/dividend/data/remote/dto/FinancialStatementResponse.kt` and its test
 *   `app/src/test/java/com/stock/dividend/data/repository/FinancialStatementDtoParseTest.kt`. The main
 *   indicator report has per-share, margin, growth and ratio keys but no balance-sheet totals and no
 *   operating cash flow in money, hence the two extra reports.
 *
 * Amounts are as upstream reports them: CNY (yuan, not 万/亿), cumulative for the reporting period
 * (a Q3 report's revenue covers January–September). Percentages are in percent (12.5 means 12.5 %).
 */

/** The Eastmoney datacenter reports a summary is assembled from. */
export type DatacenterReport = "RPT_F10_FINANCE_MAINFINADATA" | "RPT_DMSK_FN_BALANCE" | "RPT_DMSK_FN_CASHFLOW";

/** Every datacenter report used, in the order they are fetched. */
export const DATACENTER_REPORTS: readonly DatacenterReport[] = [
  "RPT_F10_FINANCE_MAINFINADATA",
  "RPT_DMSK_FN_BALANCE",
  "RPT_DMSK_FN_CASHFLOW",
];

/** Unit of a summary field. */
export type FieldUnit = "CNY" | "CNY/share" | "percent" | "ratio";

/** One mapped numeric field of a financial report. */
export interface FinancialFieldSpec {
  /** Field name in QuantDB's responses (snake_case). */
  readonly field: string;
  /** Report it is read from. */
  readonly report: DatacenterReport;
  /** Upstream key, exactly as upstream names it. */
  readonly key: string;
  /** Upstream's Chinese label. */
  readonly label: string;
  readonly unit: FieldUnit;
  /** What it is, for docs. */
  readonly description: string;
  /** An illustrative value for the OpenAPI example. */
  readonly example: number;
}

const MAIN = "RPT_F10_FINANCE_MAINFINADATA" as const;
const BALANCE = "RPT_DMSK_FN_BALANCE" as const;
const CASHFLOW = "RPT_DMSK_FN_CASHFLOW" as const;

/**
 * The numeric fields of a report, in response order. Each is `number | null`; null means upstream
 * sent no value (e.g. banks have no gross margin, XSMLL is null for them, and QuantDB never derives one).
 */
export const FINANCIAL_FIELDS = [
  {
    field: "revenue",
    report: MAIN,
    key: "TOTALOPERATEREVE",
    label: "营业总收入",
    unit: "CNY",
    description: "Total operating revenue for the period (for banks: total operating income)",
    example: 130903889634.1,
  },
  {
    field: "revenue_yoy",
    report: MAIN,
    key: "TOTALOPERATEREVETZ",
    label: "营业总收入同比增长",
    unit: "percent",
    description: "Revenue growth against the same period a year earlier",
    example: 16.08,
  },
  {
    field: "gross_profit",
    report: MAIN,
    key: "MLR",
    label: "毛利润",
    unit: "CNY",
    description: "Gross profit as upstream reports it; null for banks and insurers",
    example: 119286542018.2,
  },
  {
    field: "net_profit_attributable",
    report: MAIN,
    key: "PARENTNETPROFIT",
    label: "归属净利润",
    unit: "CNY",
    description: "Net profit attributable to shareholders of the parent",
    example: 64626746712.3,
  },
  {
    field: "net_profit_yoy",
    report: MAIN,
    key: "PARENTNETPROFITTZ",
    label: "归属净利润同比增长",
    unit: "percent",
    description: "Growth of net profit attributable, against the same period a year earlier",
    example: 15.38,
  },
  {
    field: "net_profit_deducted",
    report: MAIN,
    key: "KCFJCXSYJLR",
    label: "扣非净利润",
    unit: "CNY",
    description: "Net profit attributable after non-recurring items",
    example: 64667939815.7,
  },
  {
    field: "eps_basic",
    report: MAIN,
    key: "EPSJB",
    label: "基本每股收益",
    unit: "CNY/share",
    description: "Basic earnings per share",
    example: 51.45,
  },
  {
    field: "eps_diluted",
    report: MAIN,
    key: "EPSXS",
    label: "稀释每股收益",
    unit: "CNY/share",
    description: "Diluted earnings per share",
    example: 51.45,
  },
  {
    field: "bps",
    report: MAIN,
    key: "BPS",
    label: "每股净资产",
    unit: "CNY/share",
    description: "Net assets (book value) per share",
    example: 205.28,
  },
  {
    field: "operating_cash_flow_per_share",
    report: MAIN,
    key: "MGJYXJJE",
    label: "每股经营现金流",
    unit: "CNY/share",
    description: "Operating cash flow per share",
    example: 33.84,
  },
  {
    field: "roe_weighted",
    report: MAIN,
    key: "ROEJQ",
    label: "净资产收益率(加权)",
    unit: "percent",
    description: "Return on equity, weighted average, for the period (not annualised)",
    example: 25.85,
  },
  {
    field: "roa",
    report: MAIN,
    key: "ZZCJLL",
    label: "总资产净利率(加权)",
    unit: "percent",
    description: "Return on total assets, weighted, for the period (not annualised)",
    example: 21.1,
  },
  {
    field: "gross_margin",
    report: MAIN,
    key: "XSMLL",
    label: "销售毛利率",
    unit: "percent",
    description:
      "Gross margin as upstream reports it; null for banks (upstream has none, and QuantDB never computes one)",
    example: 91.53,
  },
  {
    field: "net_margin",
    report: MAIN,
    key: "XSJLL",
    label: "销售净利率",
    unit: "percent",
    description: "Net margin",
    example: 52.6,
  },
  {
    field: "debt_to_assets",
    report: MAIN,
    key: "ZCFZL",
    label: "资产负债率",
    unit: "percent",
    description: "Total liabilities / total assets",
    example: 12.81,
  },
  {
    field: "current_ratio",
    report: MAIN,
    key: "LD",
    label: "流动比率",
    unit: "ratio",
    description: "Current assets / current liabilities; null for banks",
    example: 6.23,
  },
  {
    field: "total_assets",
    report: BALANCE,
    key: "TOTAL_ASSETS",
    label: "资产总计",
    unit: "CNY",
    description: "Total assets at the period end",
    example: 294358127362.5,
  },
  {
    field: "total_liabilities",
    report: BALANCE,
    key: "TOTAL_LIABILITIES",
    label: "负债合计",
    unit: "CNY",
    description: "Total liabilities at the period end",
    example: 37707844781.2,
  },
  {
    field: "equity",
    report: BALANCE,
    key: "TOTAL_EQUITY",
    label: "所有者权益合计",
    unit: "CNY",
    description: "Total equity at the period end, minority interests included",
    example: 256650282581.3,
  },
  {
    field: "operating_cash_flow",
    report: CASHFLOW,
    key: "NETCASH_OPERATE",
    label: "经营活动产生的现金流量净额",
    unit: "CNY",
    description: "Net cash flow from operating activities for the period",
    example: 42509114516.9,
  },
] as const satisfies readonly FinancialFieldSpec[];

/** Name of a numeric summary field. */
export type FinancialFieldName = (typeof FINANCIAL_FIELDS)[number]["field"];

/** Units of every field, as stated in each response (`metadata.units`). */
export type FinancialUnits = { currency: "CNY" } & { [K in FinancialFieldName]: FieldUnit };

/** The units object served with every summary. */
export function financialUnits(): FinancialUnits {
  const units: Record<string, FieldUnit | "CNY"> = { currency: "CNY" };
  for (const spec of FINANCIAL_FIELDS) units[spec.field] = spec.unit;
  return units as FinancialUnits;
}
