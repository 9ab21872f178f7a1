import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ManualClock } from "@quantdb/core/clock";
import { countFinancialRows } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { AFTER_CLOSE, systemSuite } from "./harness.ts";

const SUMMARY = (symbol: string) => `/api/v1/financial/${symbol}/summary`;
const DATACENTER_PATHS = ["/securities/api/data/get", "/securities/api/data/v1/get"];

type Row = Record<string, unknown>;
/** The replay's fixture, read here independently of the adapter: the expected upstream rows. */
const fixture = JSON.parse(
  readFileSync(
    join(
      dirname(createRequire(import.meta.url).resolve("@quantdb/replay/package.json")),
      "fixtures/datacenter/financials.json",
    ),
    "utf8",
  ),
) as Record<string, Row[]>;

/** The mapping the endpoint promises, written out here (not imported from core): field → [report, key]. */
const MAPPING: Record<string, [string, string]> = {
  revenue: ["RPT_F10_FINANCE_MAINFINADATA", "TOTALOPERATEREVE"],
  revenue_yoy: ["RPT_F10_FINANCE_MAINFINADATA", "TOTALOPERATEREVETZ"],
  gross_profit: ["RPT_F10_FINANCE_MAINFINADATA", "MLR"],
  net_profit_attributable: ["RPT_F10_FINANCE_MAINFINADATA", "PARENTNETPROFIT"],
  net_profit_yoy: ["RPT_F10_FINANCE_MAINFINADATA", "PARENTNETPROFITTZ"],
  net_profit_deducted: ["RPT_F10_FINANCE_MAINFINADATA", "KCFJCXSYJLR"],
  eps_basic: ["RPT_F10_FINANCE_MAINFINADATA", "EPSJB"],
  eps_diluted: ["RPT_F10_FINANCE_MAINFINADATA", "EPSXS"],
  bps: ["RPT_F10_FINANCE_MAINFINADATA", "BPS"],
  operating_cash_flow_per_share: ["RPT_F10_FINANCE_MAINFINADATA", "MGJYXJJE"],
  roe_weighted: ["RPT_F10_FINANCE_MAINFINADATA", "ROEJQ"],
  roa: ["RPT_F10_FINANCE_MAINFINADATA", "ZZCJLL"],
  gross_margin: ["RPT_F10_FINANCE_MAINFINADATA", "XSMLL"],
  net_margin: ["RPT_F10_FINANCE_MAINFINADATA", "XSJLL"],
  debt_to_assets: ["RPT_F10_FINANCE_MAINFINADATA", "ZCFZL"],
  current_ratio: ["RPT_F10_FINANCE_MAINFINADATA", "LD"],
  total_assets: ["RPT_DMSK_FN_BALANCE", "TOTAL_ASSETS"],
  total_liabilities: ["RPT_DMSK_FN_BALANCE", "TOTAL_LIABILITIES"],
  equity: ["RPT_DMSK_FN_BALANCE", "TOTAL_EQUITY"],
  operating_cash_flow: ["RPT_DMSK_FN_CASHFLOW", "NETCASH_OPERATE"],
};
const TYPES: Record<string, string> = { "03-31": "Q1", "06-30": "H1", "09-30": "Q3", "12-31": "FY" };

/** What the summary must say for a SECUCODE, as of a publication date: newest 8, newest first. */
function expectedReports(secucode: string, asOf = "2026-11-20") {
  const pick = (report: string, date: string) =>
    fixture[report]!.find((r) => r.SECUCODE === secucode && String(r.REPORT_DATE).startsWith(date));
  return fixture
    .RPT_F10_FINANCE_MAINFINADATA!.filter((r) => r.SECUCODE === secucode && String(r.NOTICE_DATE).slice(0, 10) <= asOf)
    .map((r) => String(r.REPORT_DATE).slice(0, 10))
    .sort()
    .reverse()
    .slice(0, 8)
    .map((date) => {
      const report: Record<string, unknown> = {
        report_date: date,
        report_type: TYPES[date.slice(5)],
        notice_date: String(pick("RPT_F10_FINANCE_MAINFINADATA", date)!.NOTICE_DATE).slice(0, 10),
      };
      for (const [field, [name, key]] of Object.entries(MAPPING)) report[field] = pick(name, date)?.[key] ?? null;
      return report;
    });
}

describe.each(testDrivers())("GET /api/v1/financial/{symbol}/summary on %s", (driver) => {
  const system = systemSuite(driver);

  const calls = () => system.replay.requests.filter((r) => DATACENTER_PATHS.includes(r.path));
  const stored = () => countFinancialRows(system.database.db);
  async function publishedThrough(date: string | null) {
    const response = await fetch(`${system.replay.url}/__replay/datacenter/as-of`, {
      method: "POST",
      body: JSON.stringify({ date }),
    });
    expect(response.status).toBe(200);
  }

  it("answers cold with the newest 8 reports, fields mapped by name with units, in 3 upstream calls", async () => {
    const api = await system.api();
    const { status, body } = await api.get(SUMMARY("600519"));
    expect(status).toBe(200);
    expect(
      calls()
        .map((r) => r.query.type ?? r.query.reportName)
        .sort(),
    ).toEqual(["RPT_DMSK_FN_BALANCE", "RPT_DMSK_FN_CASHFLOW", "RPT_F10_FINANCE_MAINFINADATA"]);
    expect(calls()[0]).toMatchObject({
      path: "/securities/api/data/get",
      query: {
        type: "RPT_F10_FINANCE_MAINFINADATA",
        sty: "APP_F10_MAINFINADATA",
        filter: '(SECUCODE="600519.SH")',
        st: "REPORT_DATE",
        sr: "-1",
      },
    });
    expect(calls()[1]).toMatchObject({
      path: "/securities/api/data/v1/get",
      query: { columns: "ALL", filter: '(SECUCODE="600519.SH")' },
    });
    expect(body).toMatchObject({
      symbol: "600519",
      market: "SH",
      name: "贵州茅台",
      data_type: "financial_summary",
      count: 8,
    });
    expect(body.reports).toEqual(expectedReports("600519.SH"));
    expect(body.reports.map((r: { report_date: string }) => r.report_date)).toEqual([
      "2026-09-30",
      "2026-06-30",
      "2026-03-31",
      "2025-12-31",
      "2025-09-30",
      "2025-06-30",
      "2025-03-31",
      "2024-12-31",
    ]);
    expect(body.reports[0]).toMatchObject({
      report_type: "Q3",
      revenue: 136408000000,
      gross_margin: expect.any(Number),
      operating_cash_flow: 41800000000,
    });
    expect(body.metadata.units).toMatchObject({
      currency: "CNY",
      revenue: "CNY",
      net_profit_attributable: "CNY",
      total_assets: "CNY",
      operating_cash_flow: "CNY",
      eps_basic: "CNY/share",
      bps: "CNY/share",
      roe_weighted: "percent",
      gross_margin: "percent",
      net_margin: "percent",
      debt_to_assets: "percent",
      revenue_yoy: "percent",
      current_ratio: "ratio",
    });
    expect(body.metadata.source).toEqual({
      provider: "eastmoney_datacenter",
      reports: ["RPT_F10_FINANCE_MAINFINADATA", "RPT_DMSK_FN_BALANCE", "RPT_DMSK_FN_CASHFLOW"],
    });
    expect(body.metadata.cache).toEqual({
      hit: false,
      upstream_requests: 3,
      fetched_at: new Date(AFTER_CLOSE).toISOString(),
      next_due: "2027-04-30",
      next_report: { report_date: "2026-12-31", report_type: "FY" },
    });
    // every report upstream sent is stored (11), the newest 8 served; one fetch recorded
    expect(await stored()).toEqual({ reports: 11, fetches: 1 });
  });

  it("answers a repeat, and the old alias, from the database without calling upstream", async () => {
    const api = await system.api();
    const cold = await api.get(SUMMARY("600519"));
    const warm = await api.get(SUMMARY("600519"));
    const alias = await api.get("/api/v1/financial/600519.SH");
    expect(calls()).toHaveLength(3);
    expect(warm.body.reports).toEqual(cold.body.reports);
    expect(warm.body.metadata.cache).toEqual({ ...cold.body.metadata.cache, hit: true, upstream_requests: 0 });
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(warm.body);
    // a fresh API process (no in-memory state) also answers from the database
    const again = await (await system.api()).get(SUMMARY("sh600519"));
    expect(again.body.metadata.cache.hit).toBe(true);
    expect(calls()).toHaveLength(3);
  });

  it("stays cached to the next report's deadline even if upstream has it; then refetches, moves next_due", async () => {
    const clock = new ManualClock(AFTER_CLOSE);
    const api = await system.api({ clock });
    await api.get(SUMMARY("600519"));
    await publishedThrough("2027-04-30"); // FY2026 (2027-03-31) and 2027Q1 (2027-04-24) are out upstream
    clock.set("2027-04-29T04:00:00Z"); // the day before next_due
    expect((await api.get(SUMMARY("600519"))).body.metadata.cache.hit).toBe(true);
    clock.set("2027-04-30T15:59:00Z"); // 23:59 on next_due, Asia/Shanghai
    const last = await api.get(SUMMARY("600519"));
    expect(last.body.metadata.cache.hit).toBe(true);
    expect(last.body.reports[0].report_date).toBe("2026-09-30");
    expect(calls()).toHaveLength(3);

    clock.set("2027-04-30T16:00:00Z"); // 00:00 on 2027-05-01, Asia/Shanghai: next_due has passed
    const fresh = await api.get(SUMMARY("600519"));
    expect(calls()).toHaveLength(6);
    expect(fresh.body.metadata.cache).toEqual({
      hit: false,
      upstream_requests: 3,
      fetched_at: "2027-04-30T16:00:00.000Z",
      next_due: "2027-08-31",
      next_report: { report_date: "2027-06-30", report_type: "H1" },
    });
    expect(fresh.body.reports).toEqual(expectedReports("600519.SH", "2027-04-30"));
    expect(
      fresh.body.reports
        .slice(0, 2)
        .map((r: { report_date: string; report_type: string }) => [r.report_date, r.report_type]),
    ).toEqual([
      ["2027-03-31", "Q1"],
      ["2026-12-31", "FY"],
    ]);
    expect(await stored()).toEqual({ reports: 13, fetches: 1 });
    clock.set("2027-05-20T04:00:00Z");
    expect((await api.get(SUMMARY("600519"))).body.metadata.cache.hit).toBe(true);
    expect(calls()).toHaveLength(6);
  });

  it("after next_due, asks upstream at most once a day until the new report appears", async () => {
    const clock = new ManualClock(AFTER_CLOSE);
    const api = await system.api({ clock });
    await api.get(SUMMARY("300750"));
    clock.set("2027-05-01T02:00:00Z"); // after next_due (2027-04-30); upstream still has nothing newer
    const first = await api.get(SUMMARY("300750"));
    expect(first.body.metadata.cache).toMatchObject({
      hit: false,
      upstream_requests: 3,
      next_due: "2027-04-30",
      fetched_at: "2027-05-01T02:00:00.000Z",
    });
    expect(first.body.reports[0].report_date).toBe("2026-09-30");
    clock.set("2027-05-01T15:00:00Z"); // 23:00 the same Shanghai day
    expect((await api.get(SUMMARY("300750"))).body.metadata.cache.hit).toBe(true);
    expect(calls()).toHaveLength(6);
    clock.set("2027-05-01T16:30:00Z"); // 00:30 the next Shanghai day
    expect((await api.get(SUMMARY("300750"))).body.metadata.cache.upstream_requests).toBe(3);
    expect(calls()).toHaveLength(9);
  });

  it("gives a bank no gross margin (upstream has none) and never derives one", async () => {
    const api = await system.api();
    const { status, body } = await api.get(SUMMARY("000001.SZ"));
    expect(status).toBe(200);
    expect(body).toMatchObject({ symbol: "000001", market: "SZ", name: "平安银行", count: 8 });
    expect(body.reports).toEqual(expectedReports("000001.SZ"));
    for (const report of body.reports) {
      expect(report.gross_margin).toBeNull();
      expect(report.gross_profit).toBeNull();
      expect(report.current_ratio).toBeNull();
      expect(report.revenue).toBeGreaterThan(0);
      expect(report.net_margin).toBeGreaterThan(0);
      expect(report.total_assets).toBeGreaterThan(report.total_liabilities);
      expect(typeof report.operating_cash_flow).toBe("number");
    }
    // a manufacturer does have one
    const catl = await api.get(SUMMARY("300750"));
    expect(catl.body.reports.every((r: { gross_margin: number | null }) => typeof r.gross_margin === "number")).toBe(
      true,
    );
  });

  it("answers 404 for a code upstream has no reports for, after one call, and stores nothing", async () => {
    const api = await system.api();
    const { status, body } = await api.get(SUMMARY("000002"));
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: "NOT_FOUND", status: 404, message: expect.stringContaining("000002.SZ") });
    expect(calls().map((r) => r.query.type)).toEqual(["RPT_F10_FINANCE_MAINFINADATA"]);
    expect(await stored()).toEqual({ reports: 0, fetches: 0 });
    expect((await system.rows()).instruments).toBe(0);
  });

  it("answers 400 for a bad symbol and 404 for a Hong Kong stock, without calling upstream", async () => {
    const api = await system.api();
    const bad = await api.get(SUMMARY("ABC"));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "INVALID_SYMBOL", status: 400 });
    for (const hk of ["00700", "0700.HK"]) {
      const { status, body } = await api.get(SUMMARY(hk));
      expect(status).toBe(404);
      expect(body.error).toMatchObject({
        code: "NOT_FOUND",
        message: expect.stringContaining("A-shares only"),
        details: { market: "HK", covered_markets: ["SH", "SZ", "BJ"] },
      });
    }
    expect(calls()).toHaveLength(0);
  });

  it("answers 502 in the error envelope when upstream fails, stores nothing, then fetches normally", async () => {
    const api = await system.api();
    system.replay.injectFault({ kind: "reset", times: 1 });
    const reset = await api.get(SUMMARY("600519"));
    expect(reset.status).toBe(502);
    expect(reset.body).toEqual({
      error: { code: "UPSTREAM_UNAVAILABLE", message: expect.any(String), status: 502, details: expect.any(Object) },
    });

    // the main report succeeds, the cash-flow report fails: the whole fetch fails, nothing stored
    system.replay.injectFault({ kind: "http500", secid: "RPT_DMSK_FN_CASHFLOW", times: 1 });
    const partial = await api.get(SUMMARY("600519"));
    expect(partial.status).toBe(502);
    expect(partial.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { status: 500 } });

    system.replay.injectFault({ kind: "captcha", times: 1 });
    const captcha = await api.get(SUMMARY("600519"));
    expect(captcha.status).toBe(502);
    expect(captcha.body.error.code).toBe("UPSTREAM_INVALID");
    expect(await stored()).toEqual({ reports: 0, fetches: 0 });
    expect((await system.rows()).instruments).toBe(0);

    const before = calls().length;
    const ok = await api.get(SUMMARY("600519"));
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 3 });
    expect(calls().length - before).toBe(3);
  });

  it("answers 504 when upstream does not answer in time", async () => {
    const api = await system.api({ timeoutMs: 300 });
    system.replay.injectFault({ kind: "slow", delayMs: 5_000, times: 1 });
    const { status, body } = await api.get(SUMMARY("600519"));
    expect(status).toBe(504);
    expect(body.error.code).toBe("UPSTREAM_TIMEOUT");
    expect(await stored()).toEqual({ reports: 0, fetches: 0 });
  });

  it("keeps the held reports when a refetch after next_due fails, and retries on the next request", async () => {
    const clock = new ManualClock(AFTER_CLOSE);
    const api = await system.api({ clock });
    const held = await api.get(SUMMARY("600519"));
    clock.set("2027-05-02T04:00:00Z");
    system.replay.injectFault({ kind: "http500", times: 1 });
    expect((await api.get(SUMMARY("600519"))).status).toBe(502);
    expect(await stored()).toEqual({ reports: 11, fetches: 1 });
    const retried = await api.get(SUMMARY("600519"));
    expect(retried.status).toBe(200);
    expect(retried.body.metadata.cache).toMatchObject({
      hit: false,
      upstream_requests: 3,
      fetched_at: "2027-05-02T04:00:00.000Z",
    });
    expect(retried.body.reports).toEqual(held.body.reports);
  });

  it("fetches once for concurrent identical cold requests", async () => {
    const api = await system.api();
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => api.get(SUMMARY("600519"))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(calls()).toHaveLength(3);
    expect(results.map((r) => r.body.metadata.cache.upstream_requests).sort()).toEqual([0, 0, 0, 0, 3]);
  });

  it("documents both operations with field units in the OpenAPI document", async () => {
    const api = await system.api();
    const { body } = await api.get("/openapi.json");
    expect(body.paths["/api/v1/financial/{symbol}/summary"].get.operationId).toBe("getFinancialSummary");
    expect(body.paths["/api/v1/financial/{symbol}"].get.operationId).toBe("getFinancialSummaryAlias");
    const report = body.components.schemas.FinancialReport.properties;
    expect(report.revenue.description).toMatch(
      /Unit: CNY \(yuan\)\. Upstream: RPT_F10_FINANCE_MAINFINADATA\.TOTALOPERATEREVE/,
    );
    expect(report.gross_margin.description).toMatch(/percent.*XSMLL/);
    expect(report.total_assets.description).toMatch(/RPT_DMSK_FN_BALANCE\.TOTAL_ASSETS/);
  });
});
