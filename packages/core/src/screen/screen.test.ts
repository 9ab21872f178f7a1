import { describe, expect, it } from "vitest";
import { load600519 } from "../../test/fixtures/indicators/load.ts";
import { InputError } from "../errors.ts";
import { computeFields, lookbackSessions, parseField, type ScreenBar, SESSIONS_PER_YEAR } from "./fields.ts";
import { passes, percentileRanks, scores } from "./score.ts";

/** 600519 qfq, 2023-05-22 → 2024-05-22 (243 sessions), volume in shares. */
function load(): ScreenBar[] {
  return load600519().map((bar) => ({ ...bar, volume: bar.volume * 100 }));
}

const bars = load();

describe("screen fields", () => {
  it("parses every documented form and refuses the rest with the accepted forms", () => {
    expect(parseField("pct_change_20")).toEqual({ name: "pct_change_20", kind: "pct_change", n: 20 });
    expect(parseField("rsi14")).toMatchObject({ kind: "indicator", spec: { kind: "rsi", n: 14 } });
    expect(parseField("macd_dif")).toMatchObject({ spec: { kind: "macd", fast: 12, slow: 26, signal: 9 } });
    expect(parseField("pe_ttm")).toEqual({ name: "pe_ttm", kind: "snapshot", field: "pe_ttm" });
    for (const bad of ["obv", "ma", "pct_change_0", "volatility_1", "ma501", "price", "rsi1"]) {
      expect(() => parseField(bad)).toThrow(InputError);
    }
    expect(() => parseField("price")).toThrow(/pct_change_N/);
  });

  it("computes pct_change, volatility and averages as a plain re-computation over the real 600519 bars does", () => {
    const fields = ["close", "pct_change_20", "volatility_20", "amount_avg_5", "turnover_avg_5"].map(parseField);
    const values = computeFields(bars, fields, SESSIONS_PER_YEAR.stock);
    const closes = bars.map((b) => b.close);
    const t = closes.length - 1;
    // Independent arithmetic: log-free simple returns, two-pass sample variance.
    const rets = closes.slice(t - 20, t + 1).flatMap((c, i, a) => (i === 0 ? [] : [c / a[i - 1]! - 1]));
    const avg = rets.reduce((a, b) => a + b) / 20;
    const sd = Math.sqrt(rets.map((r) => (r - avg) ** 2).reduce((a, b) => a + b) / 19);
    expect(values.get("close")).toEqual({ value: closes[t] });
    expect(values.get("pct_change_20")?.value).toBeCloseTo((closes[t]! / closes[t - 20]! - 1) * 100, 10);
    expect(values.get("volatility_20")?.value).toBeCloseTo(sd * Math.sqrt(242) * 100, 10);
    const last5 = bars.slice(-5);
    expect(values.get("amount_avg_5")?.value).toBeCloseTo(last5.reduce((a, b) => a + b.amount!, 0) / 5, 3);
    expect(values.get("turnover_avg_5")?.value).toBeCloseTo(last5.reduce((a, b) => a + b.turnover_rate!, 0) / 5, 10);
    // the real series (the fixture file): 2024-05-22 and 20 sessions back, 2024-04-19 (May Day holiday between)
    expect(bars[t]!.date).toBe("2024-05-22");
    expect(bars[t - 20]!.date).toBe("2024-04-19");
  });

  it("gives a reason instead of a value when the bars are too few or a value was not reported", () => {
    const few = bars.slice(0, 10);
    const values = computeFields(few, ["pct_change_20", "ma20", "amount_avg_5"].map(parseField), 242);
    expect(values.get("pct_change_20")).toEqual({ value: null, reason: "needs 21 bars up to as_of, 10 held" });
    expect(values.get("ma20")?.value).toBeNull();
    const gap = few.map((b, i) => (i === 9 ? { ...b, amount: null } : b));
    expect(computeFields(gap, [parseField("amount_avg_5")], 242).get("amount_avg_5")).toMatchObject({ value: null });
    expect(computeFields([], [parseField("close")], 242).get("close")).toMatchObject({ value: null });
  });

  it("evaluates indicator columns at the last bar as the indicator endpoint's formulas do, each period apart", () => {
    const values = computeFields(bars, ["ma5", "ma20", "rsi6"].map(parseField), 242);
    const closes = bars.map((b) => b.close);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    expect(values.get("ma5")?.value).toBeCloseTo(mean(closes.slice(-5)), 9);
    expect(values.get("ma20")?.value).toBeCloseTo(mean(closes.slice(-20)), 9);
    expect(values.get("rsi6")?.value).toBeGreaterThan(0);
    expect(lookbackSessions(["pct_change_60"].map(parseField))).toBe(60);
    expect(lookbackSessions(["pct_change_60", "ema120"].map(parseField))).toBe(1800);
  });
});

describe("screen scoring", () => {
  it("ranks percentiles with ties averaged, rank 1 the worst, in either order", () => {
    expect(percentileRanks([10, 30, 20], "desc")).toEqual([0, 1, 0.5]);
    expect(percentileRanks([10, 30, 20], "asc")).toEqual([1, 0, 0.5]);
    // ties: 5, 5 share ranks 1 and 2 → 1.5 → (1.5 − 1)/3
    expect(percentileRanks([5, 5, 7, 9], "desc")).toEqual([1 / 6, 1 / 6, 2 / 3, 1]);
    expect(percentileRanks([42], "desc")).toEqual([1]);
  });

  it("scores as the weighted mean of the factors' percentile ranks", () => {
    const rows = [
      { m: 1, v: 30 },
      { m: 2, v: 20 },
      { m: 3, v: 10 },
    ];
    // momentum desc weight 2, volatility asc weight 1
    const s = scores(rows, [
      { field: "m", order: "desc", weight: 2 },
      { field: "v", order: "asc", weight: 1 },
    ]);
    expect(s).toEqual([(2 * 0 + 1 * 0) / 3, (2 * 0.5 + 0.5) / 3, (2 * 1 + 1 * 1) / 3]);
  });

  it("filters with each operator, between inclusive", () => {
    expect(passes(5, { field: "x", op: "<", value: 5 })).toBe(false);
    expect(passes(5, { field: "x", op: "<=", value: 5 })).toBe(true);
    expect(passes(5, { field: "x", op: ">", value: 4 })).toBe(true);
    expect(passes(5, { field: "x", op: ">=", value: 6 })).toBe(false);
    expect(passes(5, { field: "x", op: "==", value: 5 })).toBe(true);
    expect(passes(5, { field: "x", op: "between", value: [5, 6] })).toBe(true);
    expect(passes(7, { field: "x", op: "between", value: [5, 6] })).toBe(false);
  });
});
