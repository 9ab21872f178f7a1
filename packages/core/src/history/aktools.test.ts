import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import { QuantDbError } from "../errors.ts";
import {
  AKTOOLS_COLUMNS,
  aktoolsJson,
  aktoolsTradeDateFrame,
  parseAktoolsHistoryCall,
  pythonFloatRepr,
  unsupportedAktoolsFunction,
} from "./aktools.ts";

const clock = new ManualClock("2026-11-20T12:00:00Z");

describe("aktoolsJson", () => {
  it("writes exactly what pandas 1.5 to_json + json.loads + Starlette JSONResponse write for stock_zh_a_hist", () => {
    // Expected bytes produced by running AKShare's dtype conversions on these kline strings through
    // `df.to_json(orient="records", date_format="iso")`, `json.loads` and Starlette's
    // `json.dumps(ensure_ascii=False, separators=(",", ":"))` (Debian python3-pandas 1.5.3).
    const frame = {
      columns: AKTOOLS_COLUMNS.stock_zh_a_hist,
      rows: [
        ["2024-01-02", "600519", 1715.0, 1685.01, 1718.19, 1678.1, 32156, 5440082548.0, 2.32, -2.37, -40.99, 0.26],
        ["2024-01-03", "600519", 1681.11, 1694.0, 1695.22, 1676.33, 20211, 3398648000.0, 1.12, 0.53, 8.99, null],
      ],
    };
    expect(aktoolsJson(frame)).toBe(
      '[{"日期":"2024-01-02T00:00:00.000","股票代码":"600519","开盘":1715.0,"收盘":1685.01,"最高":1718.19,"最低":1678.1,' +
        '"成交量":32156,"成交额":5440082548.0,"振幅":2.32,"涨跌幅":-2.37,"涨跌额":-40.99,"换手率":0.26},' +
        '{"日期":"2024-01-03T00:00:00.000","股票代码":"600519","开盘":1681.11,"收盘":1694.0,"最高":1695.22,"最低":1676.33,' +
        '"成交量":20211,"成交额":3398648000.0,"振幅":1.12,"涨跌幅":0.53,"涨跌额":8.99,"换手率":null}]',
    );
  });

  it("leaves index_zh_a_hist dates as text and turns a volume column with a gap into floats", () => {
    const frame = {
      columns: AKTOOLS_COLUMNS.index_zh_a_hist,
      rows: [
        ["2024-01-02", 3386.35, 3342.89, 3391.07, 3339.02, 12, null, 1.5, -1.3, -44.63, null],
        ["2024-01-03", 1, 1, 1, 1, null, 2, 0, 0, 0, 0],
      ],
    };
    const json = aktoolsJson(frame);
    expect(json.startsWith('[{"日期":"2024-01-02","开盘":3386.35,')).toBe(true);
    expect(json).toContain('"成交量":12.0,"成交额":null');
    expect(json).toContain('"成交量":null,"成交额":2.0');
  });

  it("answers an empty frame with []", () => {
    expect(aktoolsJson({ columns: AKTOOLS_COLUMNS.stock_hk_hist, rows: [] })).toBe("[]");
  });
});

describe("pythonFloatRepr", () => {
  it.each([
    [8686920192, "8686920192.0"],
    [1685.01, "1685.01"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [9999999999999998, "9999999999999998.0"],
    [123456789012345680, "1.2345678901234568e+17"],
    [2.5e-7, "2.5e-07"],
    [-3.5, "-3.5"],
    [-0, "-0.0"],
    [1 / 3, "0.3333333333333333"],
  ])("repr(%s) is %s (checked against CPython 3.11)", (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});

describe("parseAktoolsHistoryCall", () => {
  it("applies AKShare's defaults: the whole 1970 → 2050 range, daily, unadjusted, and its default symbol", () => {
    expect(parseAktoolsHistoryCall("stock_zh_a_hist", { symbol: "600519" }, clock).query).toMatchObject({
      symbol: { kind: "stock", market: "SH", code: "600519" },
      start: "1970-01-01",
      end: "2050-01-01",
      adjust: "",
      period: "daily",
    });
    expect(parseAktoolsHistoryCall("index_zh_a_hist", { symbol: "000001" }, clock).query).toMatchObject({
      symbol: { kind: "index", secid: "1.000001" },
      end: "2222-01-01",
    });
    expect(
      parseAktoolsHistoryCall("stock_hk_hist", { symbol: "700", period: "weekly", adjust: "qfq" }, clock).query,
    ).toMatchObject({ symbol: { code: "00700" }, period: "weekly", adjust: "qfq" });
    expect(parseAktoolsHistoryCall("stock_zh_a_hist", {}, clock).query).toMatchObject({
      symbol: { market: "SZ", code: "000001" },
    });
    expect(parseAktoolsHistoryCall("stock_hk_hist", {}, clock).query).toMatchObject({
      symbol: { market: "HK", code: "00593" },
    });
    expect(parseAktoolsHistoryCall("index_zh_a_hist", {}, clock).query).toMatchObject({
      symbol: { kind: "index", code: "000859" },
    });
  });

  it.each([
    ["stock_zh_a_hist", { symbol: "600519", start_date: "20240430", end_date: "20240401" }],
    ["stock_hk_hist", { symbol: "00700", start_date: "20240430", end_date: "20240401" }],
    ["index_zh_a_hist", { symbol: "000300", start_date: "20240430", end_date: "20240401" }],
    ["stock_zh_a_hist", { symbol: "" }],
    ["stock_zh_a_hist", { symbol: "ABC" }],
    ["stock_zh_a_hist", { symbol: "00700" }],
  ] as const)("%s %j asks for nothing: AKShare's empty frame", (fn, params) => {
    const call = parseAktoolsHistoryCall(fn, params, clock);
    expect(call.query).toBeUndefined();
    expect(call.empty).toEqual(expect.any(String));
  });

  it.each([
    ["stock_zh_a_hist", { symbol: "600519", foo: "1" }, "VALIDATION_ERROR", "foo"],
    ["index_zh_a_hist", { symbol: "000300", adjust: "qfq" }, "VALIDATION_ERROR", "adjust"],
    ["stock_hk_hist", { symbol: " " }, "VALIDATION_ERROR", "symbol"],
    ["stock_hk_hist", { symbol: "600519" }, "INVALID_SYMBOL", "symbol"],
    ["index_zh_a_hist", { symbol: "HSI" }, "INVALID_SYMBOL", "symbol"],
    ["stock_zh_a_hist", { symbol: "600519", period: "hourly" }, "INVALID_PERIOD", "period"],
    ["stock_zh_a_hist", { symbol: "ABC", period: "hourly" }, "INVALID_PERIOD", "period"],
    ["stock_zh_a_hist", { symbol: "600519", adjust: "xyz" }, "INVALID_ADJUST", "adjust"],
    ["stock_zh_a_hist", { symbol: "600519", start_date: "20240231" }, "INVALID_DATE", "start_date"],
  ] as const)("%s %j fails with %s naming %s", (fn, params, code, param) => {
    let error: unknown;
    try {
      parseAktoolsHistoryCall(fn, params, clock);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QuantDbError);
    expect((error as QuantDbError).code).toBe(code);
    expect((error as QuantDbError).message).toContain(param);
  });
});

describe("aktoolsTradeDateFrame", () => {
  it("lists every CN session from 1990-12-19 through the horizon, 1992-05-04 included", () => {
    const frame = aktoolsTradeDateFrame(getCalendar("CN"));
    const dates = frame.rows.map((row) => row[0]);
    expect(dates[0]).toBe("1990-12-19");
    expect(dates).toContain("1992-05-04");
    expect(dates).not.toContain("2024-02-09");
    expect(dates.at(-1)! <= getCalendar("CN").knownThrough).toBe(true);
    expect(aktoolsJson({ columns: frame.columns, rows: frame.rows.slice(0, 1) })).toBe(
      '[{"trade_date":"1990-12-19T00:00:00.000"}]',
    );
  });
});

describe("unsupportedAktoolsFunction", () => {
  it("is a 404 naming the supported functions", () => {
    const error = unsupportedAktoolsFunction("stock_us_hist", ["stock_zh_a_hist", "tool_trade_date_hist_sina"]);
    expect(error.status).toBe(404);
    expect(error.message).toContain("stock_zh_a_hist, tool_trade_date_hist_sina");
    expect(error.details).toEqual({
      function: "stock_us_hist",
      supported: ["stock_zh_a_hist", "tool_trade_date_hist_sina"],
    });
  });
});
