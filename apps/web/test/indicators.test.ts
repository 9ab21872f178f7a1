import type { Indicators } from "@quantdb/sdk";
import { describe, expect, it } from "vitest";
import {
  indicatorsParam,
  paneColumns,
  paneOf,
  parseIndicators,
  togglePane,
  valuesByDate,
} from "../src/lib/indicators.ts";
import { parseView, viewQuery } from "../src/lib/view.ts";

const answer = {
  symbol: "600519",
  market: "SH",
  adjust: "qfq",
  period: "daily",
  start_date: "2024-01-02",
  end_date: "2024-01-04",
  indicators: ["macd_dif", "macd_dea", "macd", "rsi14", "boll_mid", "boll_upper", "boll_lower"],
  data: [
    { date: "2024-01-02", close: 1, macd_dif: 1.5, macd_dea: 1, macd: 1, rsi14: null, boll_mid: null },
    { date: "2024-01-03", close: 2, macd_dif: -1, macd_dea: 0, macd: -2, rsi14: 55.5, boll_mid: 2 },
  ],
  metadata: { count: 2, warmup_sessions: 250, convention: "tdx", cache: {} },
} satisfies Indicators;

describe("indicator panes in the URL", () => {
  it("parses the list: trimmed, empty entries dropped, each once, parameters kept", () => {
    expect(parseIndicators(undefined)).toEqual([]);
    expect(parseIndicators("")).toEqual([]);
    expect(parseIndicators(" macd, rsi:14,,macd ,boll")).toEqual(["macd", "rsi:14", "boll"]);
  });

  it("names the pane of an entry, with or without parameters", () => {
    expect(paneOf("macd")).toBe("macd");
    expect(paneOf("RSI:14")).toBe("rsi");
    expect(paneOf("boll:20:2")).toBe("boll");
    expect(paneOf("ma:5")).toBeNull();
  });

  it("toggles a pane on (default parameters, once) and off (every entry of it)", () => {
    expect(togglePane([], "macd", true)).toEqual(["macd"]);
    expect(togglePane(["macd", "rsi:14"], "rsi", true)).toEqual(["macd", "rsi:14"]);
    expect(togglePane(["macd", "rsi:14", "kdj"], "rsi", false)).toEqual(["macd", "kdj"]);
    expect(togglePane(["macd"], "kdj", false)).toEqual(["macd"]);
  });

  it("keeps the list readable in the URL and reads back what it wrote", () => {
    expect(indicatorsParam(["macd", "rsi:14", "a b"])).toBe("macd,rsi:14,a%20b");
    const view = parseView({ start: "2024-01-02", end: "2024-03-29", indicators: "macd,rsi:14" });
    expect(view.indicators).toEqual(["macd", "rsi:14"]);
    const query = viewQuery(view, "stock");
    expect(query).toBe("start=2024-01-02&end=2024-03-29&adjust=&period=daily&indicators=macd,rsi:14");
    const params = Object.fromEntries(new URLSearchParams(query));
    expect(parseView(params)).toEqual(view);
    expect(viewQuery({ ...view, indicators: [] }, "index")).toBe("start=2024-01-02&end=2024-03-29&period=daily");
  });
});

describe("the answer's columns for the panes", () => {
  it("picks each pane's columns from the answer's column list", () => {
    expect(paneColumns(answer, "macd")).toEqual(["macd_dif", "macd_dea", "macd"]);
    expect(paneColumns(answer, "rsi")).toEqual(["rsi14"]);
    expect(paneColumns(answer, "boll")).toEqual(["boll_mid", "boll_upper", "boll_lower"]);
    expect(paneColumns(answer, "kdj")).toEqual([]);
  });

  it("lines the values up with the price chart's dates; a date the answer lacks has none", () => {
    const values = valuesByDate(answer, ["2024-01-02", "2024-01-03", "2024-01-04"]);
    expect(values[0]).toMatchObject({ macd: 1, rsi14: null, boll_mid: null, boll_upper: null });
    expect(values[1]).toMatchObject({ macd_dif: -1, macd: -2, rsi14: 55.5, boll_mid: 2 });
    expect(values[2]).toEqual({});
  });
});
