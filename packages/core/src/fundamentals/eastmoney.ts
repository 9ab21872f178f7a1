/**
 * Eastmoney's datacenter (`https://datacenter.eastmoney.com`) as the source of A-share periodic
 * reports: three reports, one GET each, merged by REPORT_DATE. See `fields.ts` for every key used
 * and where it was read.
 *
 * Requests (symbol as SECUCODE `<code>.<SH|SZ|BJ>`):
 * - `GET /securities/api/data/get?type=RPT_F10_FINANCE_MAINFINADATA&sty=APP_F10_MAINFINADATA&quoteColumns=
 *   &filter=(SECUCODE="600519.SH")&p=1&ps=12&sr=-1&st=REPORT_DATE&source=HSF10&client=PC`: AKShare's
 *   `stock_financial_analysis_indicator_em(indicator="按报告期")` request (akfamily/akshare,
 *   `akshare/stock_fundamental/stock_finance_sina.py`), with a page size of 12 instead of 200;
 * - `GET /securities/api/data/v1/get?reportName=RPT_DMSK_FN_BALANCE|RPT_DMSK_FN_CASHFLOW&columns=ALL
 *   &quoteColumns=&filter=(SECUCODE="600519.SH")&pageNumber=1&pageSize=12&sortTypes=-1
 *   &sortColumns=REPORT_DATE&source=HSF10&client=PC`: the parameter style AKShare uses on this host
 *   for its quarterly indicator report (`RPT_F10_QTR_MAINFINADATA`, same file). These two reports
 *   were seen requested this way in public scripts; AKShare itself reads them market-wide from
 *   `datacenter-web.eastmoney.com/api/data/v1/get` (`stock_zcfz_em`, `stock_xjll_em`). Not verified
 *   against a live response.
 *
 * Envelope (every report): `{"version": "…", "result": {"pages": 1, "data": [{…}], "count": 10},
 * "success": true, "message": "ok", "code": 0}`; a code with no rows answers
 * `{"version": null, "result": null, "success": false, "message": "返回数据为空", "code": 9201}`.
 */
import { z } from "zod";
import { UpstreamError } from "../errors.ts";
import { fetchUpstreamText } from "../http.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import type { StockSymbol } from "../symbols/index.ts";
import { DATACENTER_REPORTS, FINANCIAL_FIELDS, type DatacenterReport } from "./fields.ts";
import { reportTypeOf } from "./schedule.ts";
import type { FinancialReport, FinancialReportRecord, FinancialSource, UpstreamFinancials } from "./types.ts";
import { marketOfExchange } from "../markets/registry.ts";

/** The real host; `QUANTDB_EASTMONEY_DATACENTER_URL` overrides it (e.g. with the replay upstream). */
export const DEFAULT_EASTMONEY_DATACENTER_URL = "https://datacenter.eastmoney.com";
/** Path of the classic query form (`type`, `sty`, `p`, `ps`, `sr`, `st`). */
export const DATACENTER_PATH = "/securities/api/data/get";
/** Path of the v1 query form (`reportName`, `columns`, `pageNumber`, `pageSize`, `sortTypes`, `sortColumns`). */
export const DATACENTER_V1_PATH = "/securities/api/data/v1/get";
/** Reports asked for per call: three years of quarters, so the newest 8 are always covered. */
export const REPORTS_PER_CALL = 12;
/** Datacenter's answer code for "no rows" (`返回数据为空`). */
const EMPTY_CODE = 9201;

/**
 * Envelope of a datacenter response. Lenient on purpose: only `result.data` is read; `result` is
 * null for a code upstream has nothing for.
 */
const envelopeSchema = z.looseObject({
  result: z.looseObject({ data: z.array(z.unknown()).nullish() }).nullish(),
  success: z.boolean().nullish(),
  code: z.number().nullish(),
  message: z.string().nullish(),
});

function invalid(message: string, details?: Record<string, unknown>): UpstreamError {
  return new UpstreamError("UPSTREAM_INVALID", `Upstream sent invalid data: ${message}`, details);
}

/** Eastmoney's SECUCODE of an A-share: `600519.SH`, `000001.SZ`, `830799.BJ`. */
export function secucode(symbol: StockSymbol): string {
  if (marketOfExchange(symbol.market).sources.financials.length === 0)
    throw new RangeError("The datacenter financial reports cover A-shares only");
  return `${symbol.code}.${symbol.market}`;
}

/**
 * Parse one datacenter response body into its rows.
 * @returns the rows of `result.data`; empty when `result` is null (upstream has nothing for the code)
 * @throws {UpstreamError} `UPSTREAM_INVALID` for a body that is not JSON (an HTML captcha page, a
 *   truncated body), an unexpected shape, a row that is not an object, or `result: null` with an
 *   error code other than 9201 ("返回数据为空"), e.g. 9501 "报表配置不存在" (the report was renamed).
 */
export function parseDatacenterResponse(body: string, report: DatacenterReport): Record<string, unknown>[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const looksHtml = /^\s*</.test(body);
    throw invalid(looksHtml ? "an HTML page instead of JSON (a captcha or ban page?)" : "a body that is not JSON", {
      report,
      body_start: body.slice(0, 120),
    });
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw invalid("unexpected response shape", { report, issues: parsed.error.issues.slice(0, 3) });
  const { result, code, message } = parsed.data;
  if (!result) {
    if (code === undefined || code === null || code === 0 || code === EMPTY_CODE) return [];
    throw invalid(`datacenter answered code ${code}${message ? ` (${message})` : ""}`, { report, code, message });
  }
  const rows = result.data ?? [];
  for (const row of rows) {
    if (row === null || typeof row !== "object" || Array.isArray(row))
      throw invalid("a data row that is not an object", { report });
  }
  return rows as Record<string, unknown>[];
}

/** Upstream numbers: finite numbers (or numeric strings); anything else (null, "-", "") is null. */
export function numberOrNull(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "" && value.trim() !== "-") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** `"2025-03-31 00:00:00"` → `"2025-03-31"`; null when the value has no such date. */
function datePart(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T]|$)/.exec(value.trim());
  return match?.[1] ?? null;
}

/** Rows by report date; checks every row's date and SECUCODE. First row wins for a repeated date. */
function byReportDate(
  rows: readonly Record<string, unknown>[],
  report: DatacenterReport,
  code: string,
): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const date = datePart(row.REPORT_DATE);
    if (!date) throw invalid(`a ${report} row without a REPORT_DATE`, { report, report_date: row.REPORT_DATE ?? null });
    if (typeof row.SECUCODE === "string" && row.SECUCODE !== code) {
      throw invalid(`a ${report} row for ${row.SECUCODE} in the answer for ${code}`, {
        report,
        secucode: row.SECUCODE,
      });
    }
    if (!map.has(date)) map.set(date, row);
  }
  return map;
}

/** The rows of each report, as fetched. */
export type DatacenterRows = Record<DatacenterReport, readonly Record<string, unknown>[]>;

/**
 * Merge the three reports' rows by REPORT_DATE into financial reports, mapping every field by key
 * name (see `FINANCIAL_FIELDS`). The main indicator report decides which periods exist; a balance
 * or cash-flow row for another date is ignored, and a period without one has those fields null.
 * Rows whose date is not a period end (03-31, 06-30, 09-30, 12-31) are left out.
 * @returns reports newest first, and the short name upstream gives (from the newest main row)
 * @throws {UpstreamError} `UPSTREAM_INVALID` for a row without a REPORT_DATE or for another SECUCODE
 */
export function mapFinancialReports(
  symbol: StockSymbol,
  rows: DatacenterRows,
): { name: string | null; reports: FinancialReportRecord[] } {
  const code = secucode(symbol);
  const byReport = Object.fromEntries(
    DATACENTER_REPORTS.map((report) => [report, byReportDate(rows[report], report, code)]),
  ) as Record<DatacenterReport, Map<string, Record<string, unknown>>>;
  const main = byReport.RPT_F10_FINANCE_MAINFINADATA;
  const reports: FinancialReportRecord[] = [];
  for (const [date, mainRow] of main) {
    const reportType = reportTypeOf(date);
    if (!reportType) continue;
    const raw: Record<string, Record<string, unknown> | null> = {};
    for (const report of DATACENTER_REPORTS) raw[report] = byReport[report].get(date) ?? null;
    const fields: Record<string, number | null> = {};
    for (const spec of FINANCIAL_FIELDS) fields[spec.field] = numberOrNull(raw[spec.report]?.[spec.key]);
    const report = {
      report_date: date,
      report_type: reportType,
      notice_date: datePart(mainRow.NOTICE_DATE),
      ...fields,
    } as FinancialReport;
    reports.push({ report, raw });
  }
  reports.sort((a, b) => (a.report.report_date < b.report.report_date ? 1 : -1));
  const newest = reports[0] ? main.get(reports[0].report.report_date) : undefined;
  const name =
    typeof newest?.SECURITY_NAME_ABBR === "string" && newest.SECURITY_NAME_ABBR.trim() !== ""
      ? newest.SECURITY_NAME_ABBR.trim()
      : null;
  return { name, reports };
}

/** Options for {@link EastmoneyFinancialClient}. */
export interface EastmoneyDatacenterOptions {
  /**
   * Base URL of the datacenter host (paths are appended).
   * @default "https://datacenter.eastmoney.com"
   */
  baseUrl?: string;
  /** Abort a call that has not completed within this many milliseconds. @default 8000 */
  timeoutMs?: number;
  /** Injected fetch (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The system's upstream policies; each request runs through its host's. Default: one plain call. */
  policies?: UpstreamPolicies;
}

/**
 * Client for the three datacenter reports behind a financial summary. One fetch makes one call for
 * the main indicator report; if that has rows, one call each for the balance-sheet and cash-flow
 * reports (concurrently). Any failure fails the whole fetch.
 */
export class EastmoneyFinancialClient implements FinancialSource {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #policies: UpstreamPolicies | undefined;

  constructor(options: EastmoneyDatacenterOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_EASTMONEY_DATACENTER_URL).replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 8000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#policies = options.policies;
  }

  /** The exact request URL for one report of one symbol (exposed for logging and tests). */
  requestUrl(report: DatacenterReport, symbol: StockSymbol): string {
    const filter = `(SECUCODE="${secucode(symbol)}")`;
    if (report === "RPT_F10_FINANCE_MAINFINADATA") {
      const params = new URLSearchParams({
        type: report,
        sty: "APP_F10_MAINFINADATA",
        quoteColumns: "",
        filter,
        p: "1",
        ps: String(REPORTS_PER_CALL),
        sr: "-1",
        st: "REPORT_DATE",
        source: "HSF10",
        client: "PC",
      });
      return `${this.baseUrl}${DATACENTER_PATH}?${params.toString()}`;
    }
    const params = new URLSearchParams({
      reportName: report,
      columns: "ALL",
      quoteColumns: "",
      filter,
      pageNumber: "1",
      pageSize: String(REPORTS_PER_CALL),
      sortTypes: "-1",
      sortColumns: "REPORT_DATE",
      source: "HSF10",
      client: "PC",
    });
    return `${this.baseUrl}${DATACENTER_V1_PATH}?${params.toString()}`;
  }

  async #rows(
    report: DatacenterReport,
    symbol: StockSymbol,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>[]> {
    const body = await fetchUpstreamText(this.requestUrl(report, symbol), {
      timeoutMs: this.#timeoutMs,
      fetch: this.#fetch,
      policies: this.#policies,
      headers: { Referer: "https://emweb.securities.eastmoney.com/" },
      signal,
    });
    return parseDatacenterResponse(body, report);
  }

  /** @inheritdoc */
  async fetchReports(symbol: StockSymbol, options: { signal?: AbortSignal } = {}): Promise<UpstreamFinancials> {
    const main = await this.#rows("RPT_F10_FINANCE_MAINFINADATA", symbol, options.signal);
    if (main.length === 0) return { name: null, reports: [], calls: 1 };
    // Both remaining calls run at once; the first failure aborts the other.
    const both = new AbortController();
    const signal = options.signal ? AbortSignal.any([both.signal, options.signal]) : both.signal;
    const guard = <T>(promise: Promise<T>): Promise<T> =>
      promise.catch((error: unknown) => {
        both.abort();
        throw error;
      });
    const [balance, cashflow] = await Promise.all([
      guard(this.#rows("RPT_DMSK_FN_BALANCE", symbol, signal)),
      guard(this.#rows("RPT_DMSK_FN_CASHFLOW", symbol, signal)),
    ]);
    const mapped = mapFinancialReports(symbol, {
      RPT_F10_FINANCE_MAINFINADATA: main,
      RPT_DMSK_FN_BALANCE: balance,
      RPT_DMSK_FN_CASHFLOW: cashflow,
    });
    return { ...mapped, calls: 3 };
  }
}
