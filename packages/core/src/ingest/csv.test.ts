import { describe, expect, it } from "vitest";
import { bundledCalendars, getCalendar } from "../calendar/index.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import {
  csvAdjust,
  csvRowsToBars,
  detectCsvLayout,
  finalThroughAt,
  importSpan,
  prepareImport,
  symbolFromFileName,
} from "./csv.ts";
import { dueSession } from "./daily.ts";

const AKSHARE = ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"];
// two real rows of 600519 qfq (AKShare stock_zh_a_hist, tszlam/trading @ 7434e50)
const ROWS = [
  ["2024-05-21", "1708.0", "1705.0", "1709.73", "1698.16", "16293", "2776847499.0", "0.68", "-0.23", "-4.0", "0.13"],
  ["2024-05-22", "1703.0", "1697.71", "1709.96", "1691.0", "20286", "3443977767.0", "1.11", "-0.43", "-7.29", "0.16"],
];

describe("CSV layouts", () => {
  it("detects AKShare's Chinese header (with a BOM and extra columns) and QuantDB's own", () => {
    expect(detectCsvLayout(AKSHARE)).toBe("akshare");
    expect(detectCsvLayout([`\uFEFF${AKSHARE[0]}`, ...AKSHARE.slice(1), "MA5"])).toBe("akshare");
    expect(detectCsvLayout(["symbol", "market", "adjust", "date", "open", "high", "low", "close", "volume"])).toBe(
      "quantdb",
    );
    expect(() => detectCsvLayout(["Date", "Open", "High", "Low", "Close", "Volume"])).toThrow(
      /matches no known layout/,
    );
  });

  it("maps AKShare rows to bars in QuantDB units: A-share lots become shares, HK volumes stay shares", () => {
    const [bar] = csvRowsToBars("akshare", AKSHARE, ROWS, "SH");
    expect(bar).toEqual({
      line: 2,
      symbol: undefined,
      adjust: undefined,
      bar: {
        date: "2024-05-21",
        open: 1708,
        close: 1705,
        high: 1709.73,
        low: 1698.16,
        volume: 1_629_300,
        amount: 2776847499,
        amplitude: 0.68,
        pct_change: -0.23,
        change: -4,
        turnover_rate: 0.13,
      },
    });
    expect(csvRowsToBars("akshare", AKSHARE, ROWS, "HK")[0]!.bar.volume).toBe(16293);
  });

  it("reads QuantDB rows with their symbol and adjust, empty cells as null, and names the bad line", () => {
    const header = ["symbol", "adjust", "date", "open", "high", "low", "close", "volume", "amount"];
    const [row] = csvRowsToBars("quantdb", header, [["600519", "qfq", "20240521", "1", "2", "0.5", "1.5", "100", ""]]);
    expect(row).toMatchObject({
      symbol: "600519",
      adjust: "qfq",
      bar: { date: "2024-05-21", amount: null, turnover_rate: null },
    });
    expect(() =>
      csvRowsToBars("quantdb", header, [["600519", "", "2024-02-30", "1", "2", "0.5", "1.5", "100", ""]]),
    ).toThrow(/line 2: date/);
    expect(() =>
      csvRowsToBars("quantdb", header, [["600519", "", "2024-05-21", "x", "2", "0.5", "1.5", "100", ""]]),
    ).toThrow(/line 2: open 'x'/);
    expect(csvAdjust("none", "qfq")).toBe("");
    expect(csvAdjust(undefined, "qfq")).toBe("qfq");
    expect(() => csvAdjust("fq", "")).toThrow(/expected none, qfq or hfq/);
  });

  it("finds the symbol in a file name", () => {
    expect(symbolFromFileName("600519.csv")).toBe("600519");
    expect(symbolFromFileName("sh600519_qfq.csv")).toBe("sh600519");
    expect(symbolFromFileName("0700.HK.csv")).toBe("0700.HK");
    expect(symbolFromFileName("bars.csv")).toBeNull();
  });
});

describe("import span and quality gate", () => {
  const symbol = parseStockSymbol("600519");
  const bars = csvRowsToBars("akshare", AKSHARE, ROWS, "SH").map((r) => r.bar);

  it("holds first to last bar, clipped to the last final session", () => {
    expect(importSpan(bars, "2026-11-20")).toEqual({ start: "2024-05-21", end: "2024-05-22" });
    expect(importSpan(bars, "2024-05-21")).toEqual({ start: "2024-05-21", end: "2024-05-21" });
    expect(importSpan(bars, "2024-05-20")).toBeNull();
    // 2024-05-22 (a Wednesday) is final 30 minutes after the 15:00 close in Shanghai
    expect(finalThroughAt(symbol, new Date("2024-05-22T07:29:00Z"), bundledCalendars)).toBe("2024-05-21");
    expect(finalThroughAt(symbol, new Date("2024-05-22T07:30:00Z"), bundledCalendars)).toBe("2024-05-22");
  });

  it("passes real bars and rejects a series that fails the gate, whole", () => {
    const now = new Date("2026-11-20T12:00:00Z");
    const prepared = prepareImport(symbol, "qfq", [...bars].reverse(), now, bundledCalendars);
    expect(prepared).toMatchObject({ ok: true, span: { start: "2024-05-21", end: "2024-05-22" } });
    const broken = [bars[0]!, { ...bars[1]!, high: 1600 }];
    const result = prepareImport(symbol, "qfq", broken, new Date("2026-11-20T12:00:00Z"), bundledCalendars);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.rule)).toContain("ohlc_order");
    const weekend = [{ ...bars[0]!, date: "2024-05-25" }];
    const rejected = prepareImport(symbol, "", weekend, new Date("2026-11-20T12:00:00Z"), bundledCalendars);
    expect(rejected.ok ? [] : rejected.problems.map((p) => p.rule)).toEqual(["not_a_session"]);
  });
});

describe("dueSession", () => {
  const cn = getCalendar("CN");
  const hk = getCalendar("HK");
  it("is today's session from 30 minutes after its close, and nothing on holidays and weekends", () => {
    expect(dueSession(cn, new Date("2025-04-03T07:29:00Z"))).toBeNull(); // 15:29 Shanghai
    expect(dueSession(cn, new Date("2025-04-03T07:30:00Z"))).toBe("2025-04-03");
    expect(dueSession(cn, new Date("2025-04-03T15:59:00Z"))).toBe("2025-04-03"); // 23:59
    expect(dueSession(cn, new Date("2025-04-04T12:00:00Z"))).toBeNull(); // Qingming
    expect(dueSession(cn, new Date("2025-04-05T12:00:00Z"))).toBeNull(); // Saturday
    expect(dueSession(hk, new Date("2025-04-03T08:29:00Z"))).toBeNull(); // 16:29 Hong Kong
    expect(dueSession(hk, new Date("2025-04-03T08:30:00Z"))).toBe("2025-04-03");
    // HK half day (Christmas Eve 2025 closes at 12:00)
    expect(dueSession(hk, new Date("2025-12-24T04:30:00Z"))).toBe("2025-12-24");
    // beyond the calendar's horizon nothing is known to be a session
    expect(dueSession(cn, new Date("2027-03-01T12:00:00Z"))).toBeNull();
  });
});
