import { describe, expect, it } from "vitest";
import {
  annualisedVolatility,
  drawdownSeries,
  lastChange,
  maxDrawdown,
  movingAverage,
  periodReturn,
} from "../src/lib/figures.ts";

const bars = [100, 110, 99, 121, 121].map((close, i) => ({
  date: `2024-01-0${i + 2}`,
  open: close,
  high: close,
  low: close,
  close,
}));

describe("key figures", () => {
  it("measures return, change and drawdown from closes", () => {
    expect(periodReturn(bars)).toBeCloseTo(21, 10); // percent
    expect(lastChange(bars)).toEqual({ abs: 0, pct: 0 });
    expect(maxDrawdown(bars)).toBeCloseTo(-10, 10); // 110 → 99
    expect(drawdownSeries(bars).map((d) => Math.round(d.drawdown * 100) / 100)).toEqual([0, 0, -10, 0, 0]);
  });

  it("averages over a window, null until the window is full", () => {
    expect(movingAverage(bars, 2)).toEqual([null, 105, 104.5, 110, 121]);
  });

  it("annualises the stdev of daily log returns by √242, in percent", () => {
    const logs = [110 / 100, 99 / 110, 121 / 99, 1].map(Math.log);
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
    expect(annualisedVolatility(bars)).toBeCloseTo(sd * Math.sqrt(242) * 100, 8);
    expect(annualisedVolatility(bars.slice(0, 1))).toBeNull();
  });
});
