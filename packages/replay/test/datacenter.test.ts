import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_AS_OF } from "../src/datacenter.ts";
import { startReplay, type ReplayServer } from "../src/index.ts";

type Row = Record<string, unknown>;
const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/datacenter/financials.json", import.meta.url), "utf8"),
) as Record<string, Row[]>;

/** Keys documented in fixtures/README.md, per report: every fixture row has exactly these. */
const MAIN_KEYS = (
  "SECUCODE SECURITY_CODE SECURITY_NAME_ABBR REPORT_DATE REPORT_TYPE REPORT_DATE_NAME NOTICE_DATE EPSJB EPSKCJB " +
  "EPSXS BPS MGZBGJ MGWFPLR MGJYXJJE TOTALOPERATEREVE MLR PARENTNETPROFIT KCFJCXSYJLR TOTALOPERATEREVETZ " +
  "PARENTNETPROFITTZ KCFJCXSYJLRTZ YYZSRGDHBZC NETPROFITRPHBZC KFJLRGDHBZC ROEJQ ROEKCJQ ZZCJLL XSMLL XSJLL " +
  "YSZKYYSR XSJXLYYSR JYXJLYYSR TAXRATE LD SD XJLLB ZCFZL QYCS CQBL ZZCZZTS CHZZTS YSZKZZTS TOAZZL CHZZL YSZKZZL"
).split(" ");
const BALANCE_KEYS = (
  "SECUCODE SECURITY_CODE SECURITY_NAME_ABBR REPORT_DATE NOTICE_DATE TOTAL_ASSETS TOTAL_LIABILITIES TOTAL_EQUITY " +
  "MONETARYFUNDS ACCOUNTS_RECE INVENTORY ACCOUNTS_PAYABLE FIXED_ASSET DEBT_ASSET_RATIO"
).split(" ");
const CASHFLOW_KEYS = (
  "SECUCODE SECURITY_CODE SECURITY_NAME_ABBR REPORT_DATE NOTICE_DATE NETCASH_OPERATE NETCASH_INVEST " +
  "NETCASH_FINANCE CCE_ADD END_CCE RECEIVE_INVEST_INCOME"
).split(" ");

describe("datacenter replay (financial reports)", () => {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplay();
  });
  afterAll(async () => replay?.close());
  beforeEach(() => replay.reset());

  async function get(path: string, params: Record<string, string>) {
    const response = await fetch(`${replay.url}${path}?${new URLSearchParams(params).toString()}`);
    return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
  }
  const main = (secucode: string, extra: Record<string, string> = {}) =>
    get("/securities/api/data/get", {
      type: "RPT_F10_FINANCE_MAINFINADATA",
      sty: "APP_F10_MAINFINADATA",
      filter: `(SECUCODE="${secucode}")`,
      p: "1",
      ps: "12",
      sr: "-1",
      st: "REPORT_DATE",
      ...extra,
    });
  const v1 = (report: string, secucode: string, extra: Record<string, string> = {}) =>
    get("/securities/api/data/v1/get", {
      reportName: report,
      columns: "ALL",
      filter: `(SECUCODE="${secucode}")`,
      pageNumber: "1",
      pageSize: "12",
      sortTypes: "-1",
      sortColumns: "REPORT_DATE",
      ...extra,
    });

  it("has exactly the documented keys in every fixture row, for 600519, 000001 and 300750", () => {
    for (const [report, keys] of [
      ["RPT_F10_FINANCE_MAINFINADATA", MAIN_KEYS],
      ["RPT_DMSK_FN_BALANCE", BALANCE_KEYS],
      ["RPT_DMSK_FN_CASHFLOW", CASHFLOW_KEYS],
    ] as const) {
      const rows = fixture[report]!;
      expect(new Set(rows.map((r) => r.SECUCODE))).toEqual(new Set(["600519.SH", "000001.SZ", "300750.SZ"]));
      for (const row of rows) expect(Object.keys(row)).toEqual(keys);
    }
    // the bank has no gross margin upstream
    expect(
      fixture
        .RPT_F10_FINANCE_MAINFINADATA!.filter((r) => r.SECUCODE === "000001.SZ")
        .every((r) => r.XSMLL === null && r.MLR === null),
    ).toBe(true);
  });

  it("answers in the datacenter envelope, newest first, paged, only rows published by the as-of date", async () => {
    const { status, text, type } = await main("600519.SH");
    expect(status).toBe(200);
    expect(type).toMatch(/application\/json/);
    const body = JSON.parse(text) as {
      version: string;
      result: { pages: number; data: Row[]; count: number };
      success: boolean;
      message: string;
      code: number;
    };
    expect(Object.keys(body)).toEqual(["version", "result", "success", "message", "code"]);
    expect(body).toMatchObject({ success: true, message: "ok", code: 0 });
    const published = fixture.RPT_F10_FINANCE_MAINFINADATA!.filter(
      (r) => r.SECUCODE === "600519.SH" && String(r.NOTICE_DATE).slice(0, 10) <= DEFAULT_AS_OF,
    );
    expect(body.result.count).toBe(published.length);
    expect(body.result.pages).toBe(1);
    const dates = body.result.data.map((r) => String(r.REPORT_DATE).slice(0, 10));
    expect(dates[0]).toBe("2026-09-30");
    expect(dates).toEqual([...dates].sort().reverse());

    const paged = JSON.parse((await main("600519.SH", { ps: "4", p: "2" })).text) as {
      result: { pages: number; data: Row[] };
    };
    expect(paged.result.pages).toBe(Math.ceil(published.length / 4));
    expect(paged.result.data.map((r) => r.REPORT_DATE)).toEqual(body.result.data.slice(4, 8).map((r) => r.REPORT_DATE));

    const moved = await fetch(`${replay.url}/__replay/datacenter/as-of`, {
      method: "POST",
      body: JSON.stringify({ date: "2027-05-01" }),
    });
    expect(await moved.json()).toEqual({ ok: true, as_of: "2027-05-01" });
    const later = JSON.parse((await main("600519.SH")).text) as { result: { data: Row[] } };
    expect(later.result.data[0]!.REPORT_DATE).toBe("2027-03-31 00:00:00");
    replay.reset();
    expect(await (await fetch(`${replay.url}/__replay/datacenter/as-of`)).json()).toEqual({ as_of: DEFAULT_AS_OF });
  });

  it("serves the balance and cash-flow reports on the v1 path, and selects columns", async () => {
    const balance = JSON.parse((await v1("RPT_DMSK_FN_BALANCE", "000001.SZ")).text) as { result: { data: Row[] } };
    expect(balance.result.data[0]).toMatchObject({ SECUCODE: "000001.SZ", REPORT_DATE: "2026-09-30 00:00:00" });
    expect(typeof balance.result.data[0]!.TOTAL_ASSETS).toBe("number");
    const cash = JSON.parse(
      (await v1("RPT_DMSK_FN_CASHFLOW", "300750.SZ", { columns: "REPORT_DATE,NETCASH_OPERATE" })).text,
    ) as { result: { data: Row[] } };
    expect(Object.keys(cash.result.data[0]!)).toEqual(["REPORT_DATE", "NETCASH_OPERATE"]);
  });

  it("answers result: null (9201) for an unknown SECUCODE and 9501 for an unknown report", async () => {
    expect(JSON.parse((await main("000002.SZ")).text)).toEqual({
      version: null,
      result: null,
      success: false,
      message: "返回数据为空",
      code: 9201,
    });
    expect(JSON.parse((await v1("RPT_NO_SUCH_REPORT", "600519.SH")).text)).toMatchObject({
      result: null,
      success: false,
      code: 9501,
    });
  });

  it("logs every request with its path and query, and injects faults, optionally for one report", async () => {
    replay.injectFault({ kind: "http500", secid: "RPT_DMSK_FN_CASHFLOW", times: 1 });
    expect((await v1("RPT_DMSK_FN_BALANCE", "600519.SH")).status).toBe(200);
    expect((await v1("RPT_DMSK_FN_CASHFLOW", "600519.SH")).status).toBe(500);
    expect((await v1("RPT_DMSK_FN_CASHFLOW", "600519.SH")).status).toBe(200);
    replay.injectFault({ kind: "captcha", times: 1 });
    expect((await main("600519.SH")).text).toMatch(/^<!DOCTYPE html>/);
    replay.injectFault({ kind: "malformed", times: 1 });
    await expect(main("600519.SH").then((r) => JSON.parse(r.text))).rejects.toThrow();
    replay.injectFault({ kind: "reset", times: 1 });
    await expect(main("600519.SH")).rejects.toThrow();
    const logged = replay.requests.map((r) => [r.path, r.query.type ?? r.query.reportName]);
    expect(logged).toEqual([
      ["/securities/api/data/v1/get", "RPT_DMSK_FN_BALANCE"],
      ["/securities/api/data/v1/get", "RPT_DMSK_FN_CASHFLOW"],
      ["/securities/api/data/v1/get", "RPT_DMSK_FN_CASHFLOW"],
      ["/securities/api/data/get", "RPT_F10_FINANCE_MAINFINADATA"],
      ["/securities/api/data/get", "RPT_F10_FINANCE_MAINFINADATA"],
      ["/securities/api/data/get", "RPT_F10_FINANCE_MAINFINADATA"],
    ]);
    expect(replay.requests[0]!.query.filter).toBe('(SECUCODE="600519.SH")');
  });
});
