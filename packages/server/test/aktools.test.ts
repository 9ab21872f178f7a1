/**
 * AKTools compatibility (`GET /api/public/{function}`) through real HTTP against the replay's
 * recorded data: AKShare's exact records (keys, order, units, date text, number text), computed here
 * independently from what the replay itself answers, and the cache shared with /api/v1.
 */
import { getCalendar } from "@quantdb/core/calendar";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { systemSuite, type TestSystem } from "./harness.ts";

const SUPPORTED = [
  "stock_zh_a_hist",
  "stock_hk_hist",
  "index_zh_a_hist",
  "stock_zh_a_spot_em",
  "stock_hk_spot_em",
  "stock_individual_info_em",
  "tool_trade_date_hist_sina",
];
const A_COLUMNS = [
  "日期",
  "股票代码",
  "开盘",
  "收盘",
  "最高",
  "最低",
  "成交量",
  "成交额",
  "振幅",
  "涨跌幅",
  "涨跌额",
  "换手率",
];
const HK_COLUMNS = ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"];

type Row = Record<string, string | number | null>;

/** The replay's own kline strings for a request, split into fields (volume as upstream sends it). */
async function klines(system: TestSystem, secid: string, fqt: string, beg: string, end: string): Promise<string[][]> {
  const response = await fetch(
    `${system.replay.url}/api/qt/stock/kline/get?secid=${secid}&klt=101&fqt=${fqt}&beg=${beg}&end=${end}`,
  );
  const body = (await response.json()) as { data: { klines: string[] } | null };
  return (body.data?.klines ?? []).map((line) => line.split(","));
}

const num = (text: string) => (text === "-" ? null : Number(text));

/**
 * What AKShare builds from those strings: 日期 a date (stock functions) or the text itself
 * (index_zh_a_hist), 股票代码 for stock_zh_a_hist, then f52..f61 reordered as AKShare names them.
 * Eastmoney sends A-share and CN index volumes in lots and HK volumes in shares; AKShare keeps both.
 */
function akshareRows(fields: string[][], options: { code?: string; dateText?: boolean }): Row[] {
  return fields.map((f) => ({
    日期: options.dateText ? f[0]! : `${f[0]}T00:00:00.000`,
    ...(options.code ? { 股票代码: options.code } : {}),
    开盘: Number(f[1]),
    收盘: Number(f[2]),
    最高: Number(f[3]),
    最低: Number(f[4]),
    成交量: Number(f[5]),
    成交额: num(f[6]!),
    振幅: num(f[7]!),
    涨跌幅: num(f[8]!),
    涨跌额: num(f[9]!),
    换手率: num(f[10]!),
  }));
}

/**
 * The bytes Python writes for these records (Starlette `json.dumps(separators=(",", ":"),
 * ensure_ascii=False)` of pandas' records): float64 columns always with a decimal point
 * (`1715.0`), the int64 成交量 column without one. Valid for the magnitudes here (1e-4 ≤ |x| < 1e16).
 */
function pythonJson(rows: Row[]): string {
  const value = (key: string, v: string | number | null) => {
    if (v === null) return "null";
    if (typeof v === "string") return JSON.stringify(v);
    if (key === "成交量") return String(v);
    return Number.isInteger(v) ? v.toFixed(1) : String(v);
  };
  return `[${rows
    .map(
      (row) =>
        `{${Object.entries(row)
          .map(([k, v]) => `${JSON.stringify(k)}:${value(k, v)}`)
          .join(",")}}`,
    )
    .join(",")}]`;
}

const CLIST_PATH = "/api/qt/clist/get";
const FS = {
  SH: "m:1 t:2,m:1 t:23",
  SZ: "m:0 t:6,m:0 t:80",
  BJ: "m:0 t:81 s:2048",
  HK: "m:128 t:3,m:128 t:4,m:128 t:1,m:128 t:2",
} as const;

/** Every row the replay's clist serves for a market (fltt=2 values, "-" for missing), page by page. */
async function clistRows(system: TestSystem, market: keyof typeof FS): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  for (let page = 1; ; page++) {
    const params = new URLSearchParams({
      pn: String(page),
      pz: "100",
      po: "0",
      np: "1",
      fltt: "2",
      fid: "f12",
      fs: FS[market],
      fields: "f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f14,f15,f16,f17,f18,f20,f21,f22,f23,f24,f25",
    });
    const body = (await (await fetch(`${system.replay.url}${CLIST_PATH}?${params}`)).json()) as {
      data: { diff: Record<string, string | number>[] } | null;
    };
    if (!body.data) return rows;
    rows.push(...body.data.diff);
  }
}

/** A name as the stock-list snapshot stores it: trimmed (the replay's HK list has " e-KONG 集团"). */
const storedName = (r: Record<string, string | number>) => String(r["f14"]).trim();

/** AKShare's snapshot ranking: 涨跌幅 (f3) descending, missing last; ties by code. */
function ranked(rows: Record<string, string | number>[]) {
  const pct = (r: Record<string, string | number>) => (r["f3"] === "-" ? Number.NEGATIVE_INFINITY : Number(r["f3"]));
  return [...rows].sort((a, b) => pct(b) - pct(a) || String(a["f12"]).localeCompare(String(b["f12"])));
}

const field = (r: Record<string, string | number>, key: string) => (r[key] === "-" ? null : Number(r[key]));

/** Monday of a date's ISO week. */
const isoWeek = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
};

describe.each(testDrivers())("GET /api/public/{function} (AKTools compatibility) on %s", (driver) => {
  const system = systemSuite(driver);

  it("stock_zh_a_hist is AKTools' exact JSON: AKShare's columns, lots, date-time text, Python numbers", async () => {
    const api = await system.api();
    const path =
      "/api/public/stock_zh_a_hist?symbol=600519&period=daily&start_date=20240102&end_date=20240329&adjust=qfq";
    const response = await fetch(api.url + path);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(system.replay.requestCount()).toBe(1);
    expect(system.replay.requests[0]).toMatchObject({ secid: "1.600519", fqt: "1", beg: "20240102", end: "20240329" });

    const expected = akshareRows(await klines(system, "1.600519", "1", "20240102", "20240329"), { code: "600519" });
    expect(expected.length).toBeGreaterThan(50);
    const body = JSON.parse(text) as Row[];
    expect(body).toEqual(expected);
    for (const row of body) expect(Object.keys(row)).toEqual(A_COLUMNS);
    expect(text).toBe(pythonJson(expected));
    expect(body[0]).toMatchObject({ 日期: "2024-01-02T00:00:00.000", 股票代码: "600519" });
    // a literal check of the number text: amounts are float64 (".0"), volume int64 in lots
    expect(text).toMatch(/"成交量":\d+,"成交额":\d+\.0,/);
  });

  it("answers a repeat with zero upstream calls and shares the cache with /api/v1/historical both ways", async () => {
    const api = await system.api();
    const aktools = "/api/public/stock_zh_a_hist?symbol=600519&start_date=20240102&end_date=20240329&adjust=qfq";
    const first = await api.get(aktools);
    expect(system.replay.requestCount()).toBe(1);
    const again = await api.get(aktools);
    expect(again.body).toEqual(first.body);
    expect(system.replay.requestCount()).toBe(1);
    // the same bars through the v1 endpoint come from the same cache, in shares
    const v1 = await api.get("/api/v1/historical/stock/600519?start_date=20240102&end_date=20240329&adjust=qfq");
    expect(v1.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    expect(
      v1.body.data.map((b: { date: string; close: number; volume: number }) => [
        `${b.date}T00:00:00.000`,
        b.close,
        b.volume / 100,
      ]),
    ).toEqual(first.body.map((r: Row) => [r["日期"], r["收盘"], r["成交量"]]));
    expect(system.replay.requestCount()).toBe(1);

    // the other way: unadjusted bars fetched through v1 are served to AKTools without a call
    const raw = await api.get("/api/v1/historical/stock/000001?start_date=20240812&end_date=20240930");
    expect(raw.status).toBe(200);
    const calls = system.replay.requestCount();
    expect(calls).toBe(2);
    const ak = await fetch(
      `${api.url}/api/public/stock_zh_a_hist?symbol=000001&period=daily&start_date=20240812&end_date=20240930&adjust=`,
    );
    const akText = await ak.text();
    expect(system.replay.requestCount()).toBe(calls);
    const expected = akshareRows(await klines(system, "0.000001", "0", "20240812", "20240930"), { code: "000001" });
    expect(JSON.parse(akText)).toEqual(expected);
    expect(akText).toBe(pythonJson(expected));
    // the recorded unadjusted series has no amount or turnover: null, as pandas writes NaN
    expect(akText).toContain('"成交额":null');
  });

  it("clips AKShare's 1970 → 2050 to the calendar: a call to today, one confirming empty ends, then none", async () => {
    const api = await system.api();
    const cold = await api.get("/api/public/stock_zh_a_hist?symbol=600519");
    expect(cold.status).toBe(200);
    // one call, from the first SSE session to today (2026-11-20), nothing for days the calendar rules out
    expect(system.replay.requests.map((r) => [r.secid, r.fqt, r.beg, r.end])).toEqual([
      ["1.600519", "0", "19901219", "20261120"],
    ]);
    const expected = akshareRows(await klines(system, "1.600519", "0", "19700101", "20500101"), { code: "600519" });
    expect(cold.body).toEqual(expected);
    expect(cold.body.length).toBeGreaterThan(400);
    // the replay's series runs 2024-08-12 → 2026-08-11: the empty sessions before and after it are
    // asked once more (a first empty answer is not trusted), one call each, then remembered
    expect((await api.get("/api/public/stock_zh_a_hist?symbol=600519")).body).toEqual(expected);
    expect(system.replay.requests.slice(2).map((r) => [r.beg, r.end])).toEqual([
      ["19901219", "20240812"],
      ["20260811", "20261120"],
    ]);
    const calls = system.replay.requestCount();
    for (const path of [
      "/api/public/stock_zh_a_hist?symbol=600519",
      "/api/public/stock_zh_a_hist?symbol=600519&period=monthly",
      "/api/public/stock_zh_a_hist?symbol=sh600519&start_date=19700101&end_date=20500101&adjust=",
    ]) {
      const { status } = await api.get(path);
      expect(status).toBe(200);
    }
    expect(system.replay.requestCount()).toBe(calls);
  });

  it("derives weekly bars from the cached daily bars, dated on each week's last session, volume in lots", async () => {
    const api = await system.api();
    const { status, body } = await api.get(
      "/api/public/stock_zh_a_hist?symbol=600519&period=weekly&start_date=20240102&end_date=20240329&adjust=qfq",
    );
    expect(status).toBe(200);
    expect(system.replay.requestCount()).toBe(1);
    const daily = akshareRows(await klines(system, "1.600519", "1", "20240101", "20240331"), { code: "600519" });
    const weeks = new Map<string, Row[]>();
    for (const row of daily) {
      const key = isoWeek(String(row["日期"]).slice(0, 10));
      weeks.set(key, [...(weeks.get(key) ?? []), row]);
    }
    const expected = [...weeks.values()].map((rows) => ({
      日期: rows.at(-1)!["日期"],
      股票代码: "600519",
      开盘: rows[0]!["开盘"],
      收盘: rows.at(-1)!["收盘"],
      最高: Math.max(...rows.map((r) => Number(r["最高"]))),
      最低: Math.min(...rows.map((r) => Number(r["最低"]))),
      成交量: rows.reduce((total, r) => total + Number(r["成交量"]), 0),
    }));
    expect(body.map((r: Row) => Object.fromEntries(Object.keys(expected[0]!).map((k) => [k, r[k]])))).toEqual(expected);
    for (const row of body as Row[]) expect(Object.keys(row)).toEqual(A_COLUMNS);
    // the short week before Spring Festival ends on Thursday 2024-02-08
    expect(body.map((r: Row) => r["日期"])).toContain("2024-02-08T00:00:00.000");
    // the daily bars are cached: the same weeks again, and the daily range, make no call
    const calls = system.replay.requestCount();
    await api.get(
      "/api/public/stock_zh_a_hist?symbol=600519&period=weekly&start_date=20240102&end_date=20240329&adjust=qfq",
    );
    await api.get(
      "/api/public/stock_zh_a_hist?symbol=600519&period=daily&start_date=20240102&end_date=20240329&adjust=qfq",
    );
    expect(system.replay.requestCount()).toBe(calls);
  });

  // the cut-short week: docs/aktools-compat.md
  it("keeps AKShare's weekly behaviour for a mid-week end_date: no bar for the cut-short week", async () => {
    // A guard, not a fix: Eastmoney filters klt=102 bars by their date (the week's last session), so
    // AKShare's frame for end_date 2023-01-10 (a Tuesday) ends with the week dated 2023-01-06.
    const api = await system.api();
    const { status, body } = await api.get(
      "/api/public/stock_zh_a_hist?symbol=600519&period=weekly&start_date=20221201&end_date=20230110&adjust=qfq",
    );
    expect(status).toBe(200);
    expect(body.at(-1)["日期"]).toBe("2023-01-06T00:00:00.000");
    expect(body.every((row: Row) => String(row["日期"]) <= "2023-01-10")).toBe(true);
  });

  it("serves stock_hk_hist without 股票代码 and with volume in shares", async () => {
    const api = await system.api();
    const response = await fetch(
      `${api.url}/api/public/stock_hk_hist?symbol=00700&period=daily&start_date=20210301&end_date=20210331&adjust=`,
    );
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(system.replay.requests.map((r) => r.secid)).toEqual(["116.00700"]);
    const expected = akshareRows(await klines(system, "116.00700", "0", "20210301", "20210331"), {});
    expect(expected.length).toBeGreaterThan(15);
    const body = JSON.parse(text) as Row[];
    expect(body).toEqual(expected);
    for (const row of body) expect(Object.keys(row)).toEqual(HK_COLUMNS);
    expect(text).toBe(pythonJson(expected));
    expect(Number(body[0]!["成交量"])).toBeGreaterThan(1_000_000); // shares, not lots
    const calls = system.replay.requestCount();
    await api.get("/api/public/stock_hk_hist?symbol=0700.HK&start_date=20210301&end_date=20210331");
    expect(system.replay.requestCount()).toBe(calls);
  });

  it("serves index_zh_a_hist: 日期 as AKShare has it (YYYY-MM-DD), volume in lots; 000001 = SSE Composite", async () => {
    const api = await system.api();
    const response = await fetch(
      `${api.url}/api/public/index_zh_a_hist?symbol=000300&period=daily&start_date=20240102&end_date=20240329`,
    );
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(system.replay.requests.map((r) => r.secid)).toEqual(["1.000300"]);
    const expected = akshareRows(await klines(system, "1.000300", "0", "20240102", "20240329"), { dateText: true });
    const body = JSON.parse(text) as Row[];
    expect(body).toEqual(expected);
    for (const row of body) expect(Object.keys(row)).toEqual(HK_COLUMNS);
    expect(text).toBe(pythonJson(expected));
    expect(body[0]!["日期"]).toBe("2024-01-02");

    const sse = await api.get("/api/public/index_zh_a_hist?symbol=000001&start_date=20240812&end_date=20240830");
    expect(sse.status).toBe(200);
    expect(system.replay.requests.at(-1)?.secid).toBe("1.000001");
    expect(sse.body[0]["收盘"]).toBeGreaterThan(2000);
    const calls = system.replay.requestCount();
    await api.get("/api/v1/index/historical/000001?start_date=20240812&end_date=20240830");
    expect(system.replay.requestCount()).toBe(calls);
  });

  it("serves stock_zh_a_spot_em from the SH, SZ, BJ lists by 涨跌幅, volume in lots; no call on a repeat", async () => {
    // The recorded lists have no f10, f11, f22, f24, f25 (振幅 f7 comes from 600519's last recorded
    // bar): these values are the test's own, set on the replay, to check each column's source field.
    system.replay.setListFields("600519", { f10: 0.67, f11: -0.45, f22: -0.14, f24: 12.5, f25: -3.2 });
    const api = await system.api();
    const response = await fetch(`${api.url}/api/public/stock_zh_a_spot_em`);
    const text = await response.text();
    expect(response.status).toBe(200);
    const scans = system.replay.requestCount({ path: CLIST_PATH });
    // every page asks for the fields AKShare's stock_zh_a_spot_em reads
    for (const request of system.replay.requests.filter((r) => r.path === CLIST_PATH)) {
      expect(request.query.fields!.split(",")).toEqual(
        expect.arrayContaining(["f7", "f10", "f11", "f22", "f24", "f25"]),
      );
    }
    const upstream = [
      ...(await clistRows(system, "SH")),
      ...(await clistRows(system, "SZ")),
      ...(await clistRows(system, "BJ")),
    ];
    expect(scans).toBe(Math.ceil(2268 / 100) + Math.ceil((upstream.length - 2268 - 249) / 100) + Math.ceil(249 / 100));
    const expected = ranked(upstream).map((r, i) => ({
      序号: i + 1,
      代码: r["f12"],
      名称: storedName(r),
      最新价: field(r, "f2"),
      涨跌幅: field(r, "f3"),
      涨跌额: field(r, "f4"),
      成交量: field(r, "f5"),
      成交额: field(r, "f6"),
      振幅: field(r, "f7"),
      最高: field(r, "f15"),
      最低: field(r, "f16"),
      今开: field(r, "f17"),
      昨收: field(r, "f18"),
      量比: field(r, "f10"),
      换手率: field(r, "f8"),
      "市盈率-动态": field(r, "f9"),
      市净率: field(r, "f23"),
      总市值: field(r, "f20"),
      流通市值: field(r, "f21"),
      涨速: field(r, "f22"),
      "5分钟涨跌": field(r, "f11"),
      "60日涨跌幅": field(r, "f24"),
      年初至今涨跌幅: field(r, "f25"),
    }));
    const body = JSON.parse(text) as Row[];
    expect(body).toEqual(expected);
    expect(Object.keys(body[0]!)).toEqual(Object.keys(expected[0]!));
    // 603381 is listed upstream with the name "-", which AKShare keeps as text
    expect(body.find((r) => r["代码"] === "603381")).toMatchObject({ 名称: "-" });
    // the volume column has gaps ("-" → NaN), so pandas makes it float64: lots with ".0"
    expect(text).toContain(
      '"代码":"600519","名称":"贵州茅台","最新价":1697.71,"涨跌幅":-0.43,"涨跌额":-7.29,"成交量":20286.0,"成交额":3443977767.0,"振幅":1.11,' +
        '"最高":1709.96,"最低":1691.0,"今开":1703.0,"昨收":1705.0,"量比":0.67,"换手率":0.16,"市盈率-动态":null,"市净率":null,' +
        '"总市值":1870754887716,"流通市值":1870754887716,"涨速":-0.14,"5分钟涨跌":-0.45,"60日涨跌幅":12.5,"年初至今涨跌幅":-3.2}',
    );
    const calls = system.replay.requestCount();
    const again = await fetch(`${api.url}/api/public/stock_zh_a_spot_em`);
    expect(await again.text()).toBe(text);
    expect(system.replay.requestCount()).toBe(calls);
  }, 60_000);

  it("serves stock_hk_spot_em from the HK snapshot with volume in shares", async () => {
    const api = await system.api();
    const { status, body } = await api.get("/api/public/stock_hk_spot_em");
    expect(status).toBe(200);
    const scans = system.replay.requestCount({ path: CLIST_PATH });
    expect(scans).toBe(Math.ceil(2497 / 100));
    const expected = ranked(await clistRows(system, "HK")).map((r, i) => ({
      序号: i + 1,
      代码: r["f12"],
      名称: storedName(r),
      最新价: field(r, "f2"),
      涨跌额: field(r, "f4"),
      涨跌幅: field(r, "f3"),
      今开: field(r, "f17"),
      最高: field(r, "f15"),
      最低: field(r, "f16"),
      昨收: field(r, "f18"),
      成交量: field(r, "f5"),
      成交额: field(r, "f6"),
    }));
    expect(body).toEqual(expected);
    expect(Object.keys(body[0])).toEqual([
      "序号",
      "代码",
      "名称",
      "最新价",
      "涨跌额",
      "涨跌幅",
      "今开",
      "最高",
      "最低",
      "昨收",
      "成交量",
      "成交额",
    ]);
    expect(body.find((r: Row) => r["代码"] === "00700")).toMatchObject({
      名称: "腾讯控股",
      最新价: 290,
      成交量: 11929044,
    });
    const calls = system.replay.requestCount();
    await api.get("/api/public/stock_hk_spot_em");
    expect(system.replay.requestCount()).toBe(calls);
  }, 60_000);

  it("serves stock_individual_info_em as item/value rows in AKShare's order, values as Python types", async () => {
    const api = await system.api();
    const response = await fetch(`${api.url}/api/public/stock_individual_info_em?symbol=600519`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(system.replay.requestCount({ path: "/api/qt/stock/get" })).toBe(1);
    expect(system.replay.requestCount({ path: "/api/qt/ulist.np/get" })).toBe(1);
    const info = (
      (await (
        await fetch(
          `${system.replay.url}/api/qt/stock/get?secid=1.600519&fltt=2&invt=2` +
            "&fields=f57,f58,f84,f85,f116,f117,f127,f189",
        )
      ).json()) as { data: Record<string, string | number> }
    ).data;
    const quote = (
      (await (
        await fetch(`${system.replay.url}/api/qt/ulist.np/get?secids=1.600519&fltt=2&invt=2&fields=f2,f12`)
      ).json()) as { data: { diff: Record<string, number>[] } }
    ).data.diff[0]!;
    // Eastmoney sends share counts and caps as JSON floats (the recorded 688635 response: 93670000.0), so Python prints
    // ".0"
    const float = (v: string | number) =>
      v === "-" ? '"-"' : Number.isInteger(Number(v)) ? Number(v).toFixed(1) : String(v);
    const items: [string, string][] = [
      ["最新", float(quote["f2"]!)],
      ["股票代码", JSON.stringify(info["f57"])],
      ["股票简称", JSON.stringify(info["f58"])],
      ["总股本", float(info["f84"]!)],
      ["流通股", float(info["f85"]!)],
      ["总市值", float(info["f116"]!)],
      ["流通市值", float(info["f117"]!)],
      ["行业", JSON.stringify(info["f127"])],
      ["上市时间", info["f189"] === "-" ? '"-"' : String(info["f189"])],
    ];
    expect(text).toBe(
      `[${items.map(([item, value]) => `{"item":${JSON.stringify(item)},"value":${value}}`).join(",")}]`,
    );
    expect(JSON.parse(text)[2]).toEqual({ item: "股票简称", value: "贵州茅台" });
    const calls = system.replay.requestCount();
    expect(await (await fetch(`${api.url}/api/public/stock_individual_info_em?symbol=600519`)).text()).toBe(text);
    expect(system.replay.requestCount()).toBe(calls);

    // the recorded real stock/get response of 688635 (akshare issue #7286): floats stay floats; the
    // replay has no quote for it and f189 was elided, so 最新 and 上市时间 are Eastmoney's "-"
    const ipo = await fetch(`${api.url}/api/public/stock_individual_info_em?symbol=688635`);
    expect(ipo.status).toBe(200);
    expect(await ipo.text()).toBe(
      '[{"item":"最新","value":"-"},{"item":"股票代码","value":"688635"},{"item":"股票简称","value":"N长进"},{"item":"总股本",' +
        '"value":93670000.0},{"item":"流通股","value":17756517.0},{"item":"总市值","value":61821263300.0},{"item":"流通市值",' +
        '"value":11719123654.83},{"item":"行业","value":"通信设备"},{"item":"上市时间","value":"-"}]',
    );
  });

  it("serves tool_trade_date_hist_sina from the CN calendar through its horizon, with no upstream call", async () => {
    const api = await system.api();
    const response = await fetch(`${api.url}/api/public/tool_trade_date_hist_sina`);
    const text = await response.text();
    expect(response.status).toBe(200);
    const calendar = getCalendar("CN");
    const sessions = calendar.sessionsBetween("1990-01-01", calendar.knownThrough);
    expect(text).toBe(`[${sessions.map((d) => `{"trade_date":"${d}T00:00:00.000"}`).join(",")}]`);
    const body = JSON.parse(text) as { trade_date: string }[];
    expect(body[0]).toEqual({ trade_date: "1990-12-19T00:00:00.000" });
    expect(body.map((r) => r.trade_date)).toContain("1992-05-04T00:00:00.000");
    expect(body.map((r) => r.trade_date)).not.toContain("2024-02-09T00:00:00.000");
    expect(body.at(-1)).toEqual({ trade_date: "2026-12-31T00:00:00.000" });
    expect(system.replay.requestCount()).toBe(0);
  });

  it("answers a range without sessions with [] and no upstream call", async () => {
    const api = await system.api();
    const response = await fetch(
      `${api.url}/api/public/stock_zh_a_hist?symbol=600519&start_date=20240210&end_date=20240218`,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("[]");
    expect(system.replay.requestCount()).toBe(0);
  });

  it("answers an unsupported function with 404 in the envelope, naming the supported ones", async () => {
    const api = await system.api();
    const { status, body } = await api.get("/api/public/stock_us_hist?symbol=105.MSFT");
    expect(status).toBe(404);
    expect(body).toEqual({
      error: {
        code: "NOT_FOUND",
        message: expect.any(String),
        status: 404,
        details: { function: "stock_us_hist", supported: SUPPORTED },
      },
    });
    for (const name of SUPPORTED) expect(body.error.message).toContain(name);
    const wrong = await api.get("/api/public/stock_zh_a_hist?symbol=600519", { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(system.replay.requestCount()).toBe(0);
  });

  // AKShare's empty DataFrame, which AKTools answers as 200 [] (docs/aktools-compat.md): AKShare asks
  // nothing (its own slice is empty) or Eastmoney answers data:null / no klines for the secid
  // AKShare builds from the text ("1." + code for codes starting with 6, else "0." + code).
  it.each([
    ["stock_zh_a_hist?symbol=600519&start_date=20240430&end_date=20240401", "start after end"],
    ["stock_hk_hist?symbol=00700&start_date=20240430&end_date=20240401", "start after end"],
    ["index_zh_a_hist?symbol=000300&period=weekly&start_date=20240430&end_date=20240401", "start after end"],
    ["stock_zh_a_hist?symbol=&start_date=20240102&end_date=20240131", "empty symbol: secid '0.'"],
    ["stock_zh_a_hist?symbol=ABC", "not a symbol: secid '0.ABC'"],
    ["stock_zh_a_hist?symbol=00700&adjust=qfq", "an HK code: secid '0.00700'"],
  ])("answers /api/public/%s with 200 [] (%s) and no upstream call", async (path) => {
    const api = await system.api();
    const response = await fetch(`${api.url}/api/public/${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.text()).toBe("[]");
    expect(system.replay.requestCount()).toBe(0);
  });

  it("answers a well-formed A-share code upstream does not know with 200 [] after asking upstream", async () => {
    const api = await system.api();
    const response = await fetch(
      `${api.url}/api/public/stock_zh_a_hist?symbol=688999&start_date=20240102&end_date=20240131`,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("[]");
    expect(system.replay.requestCount({ secid: "1.688999" })).toBeGreaterThan(0);
  });

  it("serves AKShare's default symbol (000001) when the call names none (AKTools passes none on)", async () => {
    const api = await system.api();
    const named = await (
      await fetch(`${api.url}/api/public/stock_zh_a_hist?symbol=000001&start_date=20240812&end_date=20240930`)
    ).text();
    const unnamed = await fetch(`${api.url}/api/public/stock_zh_a_hist?start_date=20240812&end_date=20240930`);
    expect(unnamed.status).toBe(200);
    const text = await unnamed.text();
    expect(text).toBe(named);
    const rows = JSON.parse(text) as Row[];
    expect(rows).toHaveLength(getCalendar("CN").sessionsBetween("2024-08-12", "2024-09-30").length);
    expect(rows[0]).toMatchObject({ 日期: "2024-08-12T00:00:00.000", 股票代码: "000001" });
  });

  it.each([
    ["stock_zh_a_hist?symbol=600519&foo=1", "VALIDATION_ERROR", "foo"],
    ["stock_zh_a_hist?symbol=600519&period=hourly&start_date=20240430&end_date=20240401", "INVALID_PERIOD", "period"],
    ["stock_hk_hist?symbol=", "VALIDATION_ERROR", "symbol"],
    ["stock_zh_a_hist?symbol=600519&period=hourly", "INVALID_PERIOD", "period"],
    ["stock_zh_a_hist?symbol=600519&adjust=xyz", "INVALID_ADJUST", "adjust"],
    ["stock_zh_a_hist?symbol=600519&start_date=20240231", "INVALID_DATE", "start_date"],
    ["stock_zh_a_hist?symbol=600519&end_date=2024%2F01%2F01", "INVALID_DATE", "end_date"],
    ["stock_hk_hist?symbol=600519", "INVALID_SYMBOL", "symbol"],
    ["index_zh_a_hist?symbol=000300&adjust=qfq", "VALIDATION_ERROR", "adjust"],
    ["index_zh_a_hist?symbol=HSI", "INVALID_SYMBOL", "symbol"],
    ["tool_trade_date_hist_sina?symbol=600519", "VALIDATION_ERROR", "symbol"],
    ["stock_zh_a_spot_em?symbol=600519", "VALIDATION_ERROR", "symbol"],
    ["stock_individual_info_em", "VALIDATION_ERROR", "symbol"],
    ["stock_individual_info_em?symbol=00700", "INVALID_SYMBOL", "symbol"],
  ])("answers /api/public/%s with 400 %s naming %s", async (path, code, param) => {
    const api = await system.api();
    const { status, body } = await api.get(`/api/public/${path}`);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String), status: 400, details: expect.any(Object) } });
    expect(body.error.message).toContain(param);
    expect(system.replay.requestCount()).toBe(0);
  });

  it("documents the path, its functions, parameters and columns in the OpenAPI document", async () => {
    const api = await system.api();
    const { body } = await api.get("/openapi.json");
    const operation = body.paths["/api/public/{function}"].get;
    expect(operation.operationId).toBe("getAktoolsPublic");
    for (const name of SUPPORTED) expect(operation.description).toContain(name);
    for (const column of A_COLUMNS) expect(operation.description).toContain(column);
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["function", "symbol", "period", "start_date", "end_date", "adjust"]),
    );
  });
});
