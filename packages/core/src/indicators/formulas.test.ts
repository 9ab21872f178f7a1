/**
 * Each indicator against a second, deliberately different implementation written in this file from
 * the textbook definitions: windows re-sliced for every bar (O(n·N)) instead of running sums, and the
 * recursive tdx averages in their closed form `Y_t = Σ_k w(1−w)^k·X_{t−k} + (1−w)^{t−s}·X_s` instead
 * of the recursion. Compared on one year of real 600519 qfq bars, plus hand-computed tiny inputs.
 */
import { describe, expect, it } from "vitest";
import { load600519 } from "../../test/fixtures/indicators/load.ts";
import { atr, boll, ema, hhv, kdj, llv, ma, macd, obv, rsi, sma, std } from "./index.ts";

const bars = load600519();
const H = bars.map((b) => b.high);
const L = bars.map((b) => b.low);
const C = bars.map((b) => b.close);
const V = bars.map((b) => b.volume);

// ---- the reference implementations -------------------------------------------------------------

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Closed form of `Y = w·X + (1 − w)·Y′` started at index `s` with `Y_s = X_s`; null before `s`. */
function closedForm(x: number[], w: number, s = 0): (number | null)[] {
  return x.map((_, t) => {
    if (t < s) return null;
    let y = (1 - w) ** (t - s) * x[s]!;
    for (let k = 0; k < t - s; k++) y += w * (1 - w) ** k * x[t - k]!;
    return y;
  });
}

function refMa(x: number[], n: number): (number | null)[] {
  return x.map((_, i) => (i + 1 < n ? null : mean(x.slice(i + 1 - n, i + 1))));
}

function refStd(x: number[], n: number): (number | null)[] {
  return x.map((_, i) => {
    if (i + 1 < n) return null;
    const w = x.slice(i + 1 - n, i + 1);
    const m = mean(w);
    return Math.sqrt(w.reduce((a, v) => a + (v - m) * (v - m), 0) / (n - 1));
  });
}

function refEma(x: number[], n: number): (number | null)[] {
  return closedForm(x, 2 / (n + 1));
}

function refMacd(c: number[], f: number, s: number, g: number) {
  const ef = refEma(c, f);
  const es = refEma(c, s);
  const dif = c.map((_, i) => ef[i]! - es[i]!);
  const dea = refEma(dif, g);
  return { dif, dea, macd: dif.map((d, i) => 2 * (d - dea[i]!)) };
}

function refKdj(h: number[], l: number[], c: number[], n: number, m1: number, m2: number) {
  const rsv = c.map((ci, i) => {
    const from = Math.max(0, i - n + 1);
    const hi = Math.max(...h.slice(from, i + 1));
    const lo = Math.min(...l.slice(from, i + 1));
    return hi === lo ? 50 : (100 * (ci - lo)) / (hi - lo);
  });
  const k = closedForm(rsv, 1 / m1) as number[];
  const d = closedForm(k, 1 / m2) as number[];
  return { k, d, j: k.map((ki, i) => 3 * ki - 2 * d[i]!) };
}

function refRsi(c: number[], n: number): (number | null)[] {
  // Index 0 has no change; the averages start at index 1 with their first value.
  const diff = c.map((ci, i) => (i === 0 ? 0 : ci - c[i - 1]!));
  const up = closedForm(
    diff.map((d) => Math.max(d, 0)),
    1 / n,
    1,
  );
  const all = closedForm(
    diff.map((d) => (d < 0 ? -d : d)),
    1 / n,
    1,
  );
  return c.map((_, i) => (i === 0 || all[i] === 0 ? null : (100 * up[i]!) / all[i]!));
}

function refAtr(h: number[], l: number[], c: number[], n: number): (number | null)[] {
  return c.map((_, i) => {
    if (i < n) return null; // bars i−n+1..i must all have a previous close
    let sum = 0;
    for (let j = i - n + 1; j <= i; j++) {
      sum += Math.max(h[j]! - l[j]!, Math.abs(c[j - 1]! - h[j]!), Math.abs(c[j - 1]! - l[j]!));
    }
    return sum / n;
  });
}

function refObv(c: number[], v: number[], a: number): (number | null)[] {
  return c.map((_, i) => {
    if (i < a) return null;
    let total = 0;
    for (let j = a + 1; j <= i; j++) total += (c[j]! > c[j - 1]! ? 1 : c[j]! < c[j - 1]! ? -1 : 0) * v[j]!;
    return total;
  });
}

/** Same nulls, and values equal to 1e-9 relative (1e-9 absolute near 0). */
function expectClose(actual: readonly (number | null)[], expected: readonly (number | null)[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] ?? null;
    const e = expected[i] ?? null;
    if (e === null || a === null) {
      expect({ i, value: a }).toEqual({ i, value: e });
      continue;
    }
    if (Math.abs(a - e) > 1e-9 * Math.max(1, Math.abs(e))) expect({ i, value: a }).toEqual({ i, value: e });
  }
}

// ---- real data ---------------------------------------------------------------------------------

describe("indicators on 600519 qfq (243 sessions) agree with the reference implementations", () => {
  it("has the fixture it expects", () => {
    expect(bars.length).toBe(243);
    expect(bars[0]!.date).toBe("2023-05-22");
    expect(bars.at(-1)!.date).toBe("2024-05-22");
  });

  it.each([1, 5, 20, 60, 120])("MA(C,%i)", (n) => expectClose(ma(C, n), refMa(C, n)));

  it.each([1, 5, 12, 26, 120])("EMA(C,%i)", (n) => expectClose(ema(C, n), refEma(C, n)));

  it.each([
    [3, 1],
    [6, 1],
    [10, 3],
  ])("SMA(C,%i,%i)", (n, m) => expectClose(sma(C, n, m), closedForm(C, m / n)));

  it.each([
    [12, 26, 9],
    [5, 35, 5],
  ])("MACD(%i,%i,%i)", (f, s, g) => {
    const got = macd(C, f, s, g);
    const want = refMacd(C, f, s, g);
    expectClose(got.dif, want.dif);
    expectClose(got.dea, want.dea);
    expectClose(got.macd, want.macd);
  });

  it.each([
    [9, 3, 3],
    [20, 5, 4],
  ])("KDJ(%i,%i,%i)", (n, m1, m2) => {
    const got = kdj(H, L, C, n, m1, m2);
    const want = refKdj(H, L, C, n, m1, m2);
    expectClose(got.k, want.k);
    expectClose(got.d, want.d);
    expectClose(got.j, want.j);
  });

  it.each([6, 12, 24])("RSI(C,%i)", (n) => {
    const got = rsi(C, n);
    expect(got[0]).toBeNull();
    expectClose(got, refRsi(C, n));
  });

  it.each([
    [20, 2],
    [10, 1.5],
  ])("BOLL(C,%i,%f)", (n, k) => {
    const got = boll(C, n, k);
    const mid = refMa(C, n);
    const sd = refStd(C, n);
    expectClose(got.mid, mid);
    expectClose(
      got.upper,
      mid.map((m, i) => (m === null ? null : m + k * sd[i]!)),
    );
    expectClose(
      got.lower,
      mid.map((m, i) => (m === null ? null : m - k * sd[i]!)),
    );
    expectClose(std(C, n), sd);
  });

  it.each([1, 14, 30])("ATR(%i)", (n) => {
    const got = atr(H, L, C, n);
    expect(got.findIndex((v) => v !== null)).toBe(n);
    expectClose(got, refAtr(H, L, C, n));
  });

  it.each([0, 1, 100, 242])("OBV from answer start %i", (a) => {
    const got = obv(C, V, a);
    expect(got[a]).toBe(0);
    expect(got).toEqual(refObv(C, V, a));
  });

  it("HHV/LLV use the bars available when fewer than the window", () => {
    expect(hhv(H, 9)[0]).toBe(H[0]);
    expect(llv(L, 9)[3]).toBe(Math.min(...L.slice(0, 4)));
    expect(hhv(H, 9)[100]).toBe(Math.max(...H.slice(92, 101)));
  });
});

// ---- hand-computed tiny inputs -----------------------------------------------------------------

describe("indicators on tiny hand-computed inputs", () => {
  const flat = [10, 10, 10, 10, 10];

  it("a constant series: MA = EMA = SMA = the constant, STD 0, BOLL bands on the mid, RSI null (0/0)", () => {
    expect(ma(flat, 3)).toEqual([null, null, 10, 10, 10]);
    expect(ema(flat, 3)).toEqual(flat);
    expect(sma(flat, 3, 1)).toEqual(flat);
    expect(std(flat, 3)).toEqual([null, null, 0, 0, 0]);
    expect(boll(flat, 3, 2)).toEqual({
      mid: [null, null, 10, 10, 10],
      upper: [null, null, 10, 10, 10],
      lower: [null, null, 10, 10, 10],
    });
    expect(rsi(flat, 6)).toEqual([null, null, null, null, null]);
    expect(macd(flat).macd).toEqual([0, 0, 0, 0, 0]);
  });

  it("a 0-range KDJ window gives RSV 50, so K = D = J = 50", () => {
    expect(kdj(flat, flat, flat)).toEqual({ k: flat.map(() => 50), d: flat.map(() => 50), j: flat.map(() => 50) });
  });

  it("KDJ by hand: RSV 50 (first bar, H = L), then 100", () => {
    // Bar 0: H = L = C = 1 → RSV 50. Bar 1: HHV 2, LLV 1, C 2 → RSV 100.
    // K: 50, (100 + 2·50)/3 = 200/3; D: 50, (200/3 + 2·50)/3 = 500/9; J = 3K − 2D = 200 − 1000/9 = 800/9.
    const { k, d, j } = kdj([1, 2], [1, 1], [1, 2]);
    expect(k[0]).toBe(50);
    expect(k[1]).toBeCloseTo(200 / 3, 12);
    expect(d[1]).toBeCloseTo(500 / 9, 12);
    expect(j[1]).toBeCloseTo(800 / 9, 12);
  });

  it("EMA by hand: first Y = X, then (2·X + (N−1)·Y′)/(N+1)", () => {
    // N = 3: 1, (2·2 + 2·1)/4 = 1.5, (2·3 + 2·1.5)/4 = 2.25.
    expect(ema([1, 2, 3], 3)).toEqual([1, 1.5, 2.25]);
  });

  it("SMA by hand: first Y = X, then (M·X + (N−M)·Y′)/N", () => {
    // N = 4, M = 1: 4, (8 + 3·4)/4 = 5, (0 + 3·5)/4 = 3.75.
    expect(sma([4, 8, 0], 4, 1)).toEqual([4, 5, 3.75]);
  });

  it("RSI by hand: null on the first bar, 100 after a rise, then the averages of gains and moves", () => {
    // N = 2: changes −, +1, −1. Gains SMA: 1, (0 + 1)/2 = 0.5; |change| SMA: 1, (1 + 1)/2 = 1 → 100, 50.
    expect(rsi([1, 2, 1], 2)).toEqual([null, 100, 50]);
    // No move at all after the first bar: 0/0 → null.
    expect(rsi([3, 3, 3, 4], 2)).toEqual([null, null, null, 100]);
  });

  it("ATR by hand: the first bar's TR is null, so ATR(2) starts at bar 2", () => {
    // TR: null, max(3−1, |2−3|, |2−1|) = 2, max(6−5, |3−6|, |3−5|) = 3.
    expect(atr([2, 3, 6], [1, 1, 5], [2, 3, 5], 2)).toEqual([null, null, 2.5]);
  });

  it("OBV is 0 on the answer's first bar, null before, then adds ±V (0 for an unchanged close)", () => {
    expect(obv([1, 2, 1, 1, 3], [10, 20, 30, 40, 50], 1)).toEqual([null, 0, -30, -30, 20]);
    expect(obv([1, 2], [10, 20], 0)).toEqual([0, 20]);
  });

  it("MA and BOLL are null until their window is full; BOLL's sample std uses n − 1", () => {
    // 1, 2, 3: mean 2, Σ(x − m)² = 2, sample variance 1 → std 1.
    expect(boll([1, 2, 3], 3, 2)).toEqual({ mid: [null, null, 2], upper: [null, null, 4], lower: [null, null, 0] });
  });
});
