import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { parseKlineResponse } from "../eastmoney/kline.ts";
import { checkBars } from "./quality.ts";
import type { DailyBar } from "./types.ts";

const cn = { calendar: getCalendar("CN"), adjust: "qfq" as const, priceDecimals: 2 };
const recorded = readFileSync(
  new URL("../../test/fixtures/eastmoney/000001_qfq_asof_2025-03-05.json", import.meta.url),
  "utf8",
);

const bar = (date: string, over: Partial<DailyBar> = {}): DailyBar => ({
  date,
  open: 10,
  high: 10.5,
  low: 9.8,
  close: 10.2,
  volume: 1000,
  amount: 10200,
  amplitude: 7,
  pct_change: 2,
  change: 0.2,
  turnover_rate: 1,
  ...over,
});

describe("checkBars", () => {
  it("passes all 210 bars of a real recorded qfq response", () => {
    expect(checkBars(parseKlineResponse(recorded, "SZ").bars, cn)).toEqual([]);
  });

  it("passes the same bars as an unadjusted series", () => {
    expect(checkBars(parseKlineResponse(recorded, "SZ").bars, { ...cn, adjust: "" })).toEqual([]);
  });

  it.each([
    ["a bar on a closed day", [bar("2024-02-09")], "not_a_session"],
    ["a weekend bar", [bar("2024-01-06")], "not_a_session"],
    ["a zero price", [bar("2024-01-02", { low: 0 })], "non_positive_price"],
    ["a close above the high", [bar("2024-01-02", { close: 10.6, change: 0.6, pct_change: 6 })], "ohlc_order"],
    ["an open below the low", [bar("2024-01-02", { open: 9.7 })], "ohlc_order"],
    ["a negative volume", [bar("2024-01-02", { volume: -1 })], "negative_volume"],
    ["a negative amount", [bar("2024-01-02", { amount: -5 })], "negative_amount"],
    ["a duplicate date", [bar("2024-01-02"), bar("2024-01-02")], "duplicate_date"],
    ["pct_change disagreeing with change", [bar("2024-01-02", { pct_change: 3 })], "pct_inconsistent"],
    [
      "a change not measured from the previous close",
      [bar("2024-01-02"), bar("2024-01-03", { change: 0.5, pct_change: 5.15, close: 10.2 })],
      "change_inconsistent",
    ],
  ])("flags %s", (_, bars, rule) => {
    expect(checkBars(bars, cn).map((p) => p.rule)).toContain(rule);
  });

  it("allows an ex-rights reference price in an unadjusted series but not in an adjusted one", () => {
    // close 10.2 after a previous close of 10.2 with change +0.5: the reference was 9.7 (dividend 0.5)
    const bars = [bar("2024-01-02"), bar("2024-01-03", { change: 0.5, pct_change: 5.15 })];
    expect(checkBars(bars, { ...cn, adjust: "" })).toEqual([]);
    expect(checkBars(bars, cn).map((p) => p.rule)).toEqual(["change_inconsistent"]);
  });

  it("does not judge dates beyond the calendar's horizon", () => {
    expect(checkBars([bar("2027-01-02")], cn)).toEqual([]);
  });
});
