import { describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import {
  EastmoneyFinancialClient,
  mapFinancialReports,
  numberOrNull,
  parseDatacenterResponse,
  secucode,
  type DatacenterRows,
} from "./eastmoney.ts";
import { FINANCIAL_FIELDS, financialUnits } from "./fields.ts";

const MOUTAI = parseStockSymbol("600519");
const BANK = parseStockSymbol("000001");

function envelope(data: unknown[] | null): string {
  return JSON.stringify(
    data === null
      ? { version: null, result: null, success: false, message: "返回数据为空", code: 9201 }
      : { version: "x", result: { pages: 1, data, count: data.length }, success: true, message: "ok", code: 0 },
  );
}

const mainRow = {
  SECUCODE: "600519.SH",
  SECURITY_CODE: "600519",
  SECURITY_NAME_ABBR: "贵州茅台",
  REPORT_DATE: "2025-03-31 00:00:00",
  REPORT_TYPE: "一季报",
  NOTICE_DATE: "2025-04-25 00:00:00",
  EPSJB: 21.38,
  EPSXS: 21.38,
  BPS: 200.1,
  MGJYXJJE: 6.5,
  TOTALOPERATEREVE: 51443450583.77,
  TOTALOPERATEREVETZ: 10.67,
  MLR: 47000000000,
  PARENTNETPROFIT: 26847474238.76,
  PARENTNETPROFITTZ: 11.56,
  KCFJCXSYJLR: 26849883702.9,
  ROEJQ: 10.85,
  ZZCJLL: 8.9,
  XSMLL: 91.9,
  XSJLL: 54.9,
  ZCFZL: 12.1,
  LD: 6.1,
};
const balanceRow = {
  SECUCODE: "600519.SH",
  REPORT_DATE: "2025-03-31 00:00:00",
  TOTAL_ASSETS: 2.5e11,
  TOTAL_LIABILITIES: 3.0e10,
  TOTAL_EQUITY: 2.2e11,
  DEBT_ASSET_RATIO: 12.1,
};
const cashRow = { SECUCODE: "600519.SH", REPORT_DATE: "2025-03-31 00:00:00", NETCASH_OPERATE: 8.8e9 };

function rows(main: unknown[], balance: unknown[] = [], cash: unknown[] = []): DatacenterRows {
  return {
    RPT_F10_FINANCE_MAINFINADATA: main as Record<string, unknown>[],
    RPT_DMSK_FN_BALANCE: balance as Record<string, unknown>[],
    RPT_DMSK_FN_CASHFLOW: cash as Record<string, unknown>[],
  };
}

describe("parseDatacenterResponse", () => {
  it("returns result.data", () => {
    expect(parseDatacenterResponse(envelope([mainRow]), "RPT_F10_FINANCE_MAINFINADATA")).toEqual([mainRow]);
  });

  it("treats result: null (code 9201, 返回数据为空) and an empty data array as no rows", () => {
    expect(parseDatacenterResponse(envelope(null), "RPT_F10_FINANCE_MAINFINADATA")).toEqual([]);
    expect(parseDatacenterResponse(JSON.stringify({ result: null, success: false }), "RPT_DMSK_FN_BALANCE")).toEqual(
      [],
    );
    expect(
      parseDatacenterResponse(JSON.stringify({ result: { data: null }, success: true }), "RPT_DMSK_FN_BALANCE"),
    ).toEqual([]);
    expect(parseDatacenterResponse(envelope([]), "RPT_DMSK_FN_BALANCE")).toEqual([]);
  });

  it("rejects result: null with another error code (the report was renamed or withdrawn)", () => {
    const body = JSON.stringify({ success: false, code: 9501, message: "报表配置不存在" });
    expect(() => parseDatacenterResponse(body, "RPT_DMSK_FN_CASHFLOW")).toThrow(/code 9501/);
  });

  it("rejects HTML, truncated JSON and rows that are not objects as UPSTREAM_INVALID", () => {
    for (const body of [
      "<!DOCTYPE html><html>验证</html>",
      '{"result":{"data":[{"A":1}',
      JSON.stringify({ result: { data: [1, 2] } }),
    ]) {
      try {
        parseDatacenterResponse(body, "RPT_F10_FINANCE_MAINFINADATA");
        expect.fail("should have thrown");
      } catch (error) {
        expect(error).toBeInstanceOf(UpstreamError);
        expect((error as UpstreamError).code).toBe("UPSTREAM_INVALID");
      }
    }
  });
});

describe("mapFinancialReports", () => {
  it("maps every field by its upstream key name, with units", () => {
    const { name, reports } = mapFinancialReports(MOUTAI, rows([mainRow], [balanceRow], [cashRow]));
    expect(name).toBe("贵州茅台");
    expect(reports).toHaveLength(1);
    expect(reports[0]!.report).toEqual({
      report_date: "2025-03-31",
      report_type: "Q1",
      notice_date: "2025-04-25",
      revenue: 51443450583.77,
      revenue_yoy: 10.67,
      gross_profit: 47000000000,
      net_profit_attributable: 26847474238.76,
      net_profit_yoy: 11.56,
      net_profit_deducted: 26849883702.9,
      eps_basic: 21.38,
      eps_diluted: 21.38,
      bps: 200.1,
      operating_cash_flow_per_share: 6.5,
      roe_weighted: 10.85,
      roa: 8.9,
      gross_margin: 91.9,
      net_margin: 54.9,
      debt_to_assets: 12.1,
      current_ratio: 6.1,
      total_assets: 2.5e11,
      total_liabilities: 3.0e10,
      equity: 2.2e11,
      operating_cash_flow: 8.8e9,
    });
    expect(reports[0]!.raw).toEqual({
      RPT_F10_FINANCE_MAINFINADATA: mainRow,
      RPT_DMSK_FN_BALANCE: balanceRow,
      RPT_DMSK_FN_CASHFLOW: cashRow,
    });
    const units = financialUnits();
    expect(units).toMatchObject({
      currency: "CNY",
      revenue: "CNY",
      eps_basic: "CNY/share",
      roe_weighted: "percent",
      gross_margin: "percent",
      current_ratio: "ratio",
      operating_cash_flow: "CNY",
    });
    expect(Object.keys(units)).toHaveLength(FINANCIAL_FIELDS.length + 1);
  });

  it("leaves a bank's gross margin null when upstream has none, and never derives it", () => {
    const bank = {
      SECUCODE: "000001.SZ",
      REPORT_DATE: "2025-12-31 00:00:00",
      TOTALOPERATEREVE: 1.3e11,
      MLR: null,
      XSMLL: null,
      XSJLL: 31.2,
      PARENTNETPROFIT: 4.2e10,
    };
    const { reports } = mapFinancialReports(BANK, rows([bank]));
    expect(reports[0]!.report).toMatchObject({
      report_type: "FY",
      revenue: 1.3e11,
      gross_profit: null,
      gross_margin: null,
      net_margin: 31.2,
    });
    // no balance or cash-flow row for the date: those fields are null, not zero
    expect(reports[0]!.report).toMatchObject({
      total_assets: null,
      total_liabilities: null,
      equity: null,
      operating_cash_flow: null,
    });
    expect(reports[0]!.raw.RPT_DMSK_FN_BALANCE).toBeNull();
  });

  it("merges by REPORT_DATE, sorts newest first, derives report type from the date, drops non-period-end rows", () => {
    const main = ["2024-06-30", "2025-03-31", "2024-12-31", "2024-09-30", "2024-05-31"].map((d) => ({
      ...mainRow,
      REPORT_DATE: `${d} 00:00:00`,
    }));
    const balance = [
      { ...balanceRow, REPORT_DATE: "2024-12-31 00:00:00", TOTAL_ASSETS: 1 },
      { ...balanceRow, REPORT_DATE: "2023-12-31 00:00:00", TOTAL_ASSETS: 2 },
    ];
    const { reports } = mapFinancialReports(MOUTAI, rows(main, balance));
    expect(reports.map((r) => [r.report.report_date, r.report.report_type])).toEqual([
      ["2025-03-31", "Q1"],
      ["2024-12-31", "FY"],
      ["2024-09-30", "Q3"],
      ["2024-06-30", "H1"],
    ]);
    expect(reports.map((r) => r.report.total_assets)).toEqual([null, 1, null, null]);
  });

  it("reads numeric strings, and treats '-', '' and non-numbers as null", () => {
    expect([
      numberOrNull("12.5"),
      numberOrNull("-"),
      numberOrNull(""),
      numberOrNull("abc"),
      numberOrNull(Number.NaN),
      numberOrNull(null),
      numberOrNull(true),
    ]).toEqual([12.5, null, null, null, null, null, null]);
  });

  it("rejects rows without a REPORT_DATE or for another security", () => {
    expect(() => mapFinancialReports(MOUTAI, rows([{ ...mainRow, REPORT_DATE: null }]))).toThrow(/REPORT_DATE/);
    expect(() => mapFinancialReports(MOUTAI, rows([mainRow], [{ ...balanceRow, SECUCODE: "000001.SZ" }]))).toThrow(
      /000001\.SZ/,
    );
  });
});

describe("EastmoneyFinancialClient", () => {
  it("builds AKShare's request for the main report, v1 requests for balance and cash-flow, with SECUCODE", () => {
    const client = new EastmoneyFinancialClient({ baseUrl: "http://127.0.0.1:9/" });
    const main = new URL(client.requestUrl("RPT_F10_FINANCE_MAINFINADATA", MOUTAI));
    expect(main.pathname).toBe("/securities/api/data/get");
    expect(Object.fromEntries(main.searchParams)).toMatchObject({
      type: "RPT_F10_FINANCE_MAINFINADATA",
      sty: "APP_F10_MAINFINADATA",
      filter: '(SECUCODE="600519.SH")',
      p: "1",
      sr: "-1",
      st: "REPORT_DATE",
      source: "HSF10",
      client: "PC",
    });
    const balance = new URL(client.requestUrl("RPT_DMSK_FN_BALANCE", parseStockSymbol("830799")));
    expect(balance.pathname).toBe("/securities/api/data/v1/get");
    expect(Object.fromEntries(balance.searchParams)).toMatchObject({
      reportName: "RPT_DMSK_FN_BALANCE",
      columns: "ALL",
      filter: '(SECUCODE="830799.BJ")',
      sortColumns: "REPORT_DATE",
      sortTypes: "-1",
    });
    expect(secucode(BANK)).toBe("000001.SZ");
    expect(() => secucode(parseStockSymbol("00700"))).toThrow(RangeError);
  });

  it("makes one call when the main report is empty, three otherwise", async () => {
    const calls: string[] = [];
    const respond = (main: unknown[] | null) =>
      (async (input: string | URL | Request) => {
        const url = new URL(String(input));
        const report = url.searchParams.get("type") ?? url.searchParams.get("reportName")!;
        calls.push(report);
        const data =
          report === "RPT_F10_FINANCE_MAINFINADATA"
            ? main
            : report === "RPT_DMSK_FN_BALANCE"
              ? [balanceRow]
              : [cashRow];
        return new Response(envelope(data));
      }) as typeof fetch;
    const empty = await new EastmoneyFinancialClient({ fetch: respond(null) }).fetchReports(MOUTAI);
    expect(empty).toEqual({ name: null, reports: [], calls: 1 });
    expect(calls).toEqual(["RPT_F10_FINANCE_MAINFINADATA"]);
    calls.length = 0;
    const full = await new EastmoneyFinancialClient({ fetch: respond([mainRow]) }).fetchReports(MOUTAI);
    expect(full.calls).toBe(3);
    expect(calls.sort()).toEqual(["RPT_DMSK_FN_BALANCE", "RPT_DMSK_FN_CASHFLOW", "RPT_F10_FINANCE_MAINFINADATA"]);
    expect(full.reports[0]!.report.operating_cash_flow).toBe(8.8e9);
  });

  it("fails the whole fetch when one of the calls fails", async () => {
    const failing = (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      if (url.searchParams.get("reportName") === "RPT_DMSK_FN_CASHFLOW") return new Response("oops", { status: 500 });
      return new Response(envelope(url.searchParams.get("type") ? [mainRow] : [balanceRow]));
    }) as typeof fetch;
    await expect(new EastmoneyFinancialClient({ fetch: failing }).fetchReports(MOUTAI)).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
  });
});
