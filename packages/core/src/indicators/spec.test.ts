import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import {
  computeIndicators,
  ema,
  type IndicatorBar,
  indicatorColumns,
  obv,
  parseIndicators,
  rsi,
  warmupSessions,
} from "./index.ts";

/**
 * 0700.HK, 2004-06-16 → 2022-09-19 (4,514 sessions, Yahoo, split-adjusted closes): the longest real
 * daily series the replay holds, long enough for ema:120's 1,800-session warm-up with an answer after it.
 */
function load0700(): IndicatorBar[] {
  const gz = readFileSync(new URL("../../../replay/fixtures/hk_yahoo_raw/0700.HK.csv.gz", import.meta.url));
  return gunzipSync(gz)
    .toString("utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [, high, low, open, close, volume] = line.split(",").map(Number);
      return { open: open!, high: high!, low: low!, close: close!, volume: volume! };
    });
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

describe("parseIndicators", () => {
  it("fills the defaults in brackets and keeps the request order", () => {
    expect(parseIndicators("ma:5,ema:20,macd,kdj,rsi,boll,atr,obv")).toEqual([
      { kind: "ma", n: 5 },
      { kind: "ema", n: 20 },
      { kind: "macd", fast: 12, slow: 26, signal: 9 },
      { kind: "kdj", n: 9, m1: 3, m2: 3 },
      { kind: "rsi", n: 6 },
      { kind: "boll", n: 20, k: 2 },
      { kind: "atr", n: 14 },
      { kind: "obv" },
    ]);
  });

  it("takes explicit parameters, an empty one meaning its default, and spaces and case leniently", () => {
    expect(parseIndicators(" MACD:5:35:5 , kdj::5 ,boll:10:2.5,rsi:24")).toEqual([
      { kind: "macd", fast: 5, slow: 35, signal: 5 },
      { kind: "kdj", n: 9, m1: 5, m2: 3 },
      { kind: "boll", n: 10, k: 2.5 },
      { kind: "rsi", n: 24 },
    ]);
  });

  it("names the columns as the issue does: ma{N}, ema{N}, rsi{N}, atr{N} carry their period", () => {
    expect(indicatorColumns(parseIndicators("ma:5,ema:12,rsi:24,atr:20,macd:5:35:5,kdj,boll:10,obv"))).toEqual([
      "ma5",
      "ema12",
      "rsi24",
      "atr20",
      "macd_dif",
      "macd_dea",
      "macd",
      "kdj_k",
      "kdj_d",
      "kdj_j",
      "boll_mid",
      "boll_upper",
      "boll_lower",
      "obv",
    ]);
  });

  it("rejects a second instance of a kind with 400 VALIDATION_ERROR naming it", () => {
    const e = inputError(() => parseIndicators("ma:5,rsi,ma:10"));
    expect(e.code).toBe("VALIDATION_ERROR");
    expect(e.status).toBe(400);
    expect(e.message).toContain('"ma" is requested more than once');
    expect(e.details).toMatchObject({ parameter: "indicators", indicator: "ma" });
  });

  it.each([
    ["", "indicators is empty"],
    [" , ", "indicators is empty"],
    ["sar", 'unknown indicator "sar"'],
    ["ma", "ma needs its period N"],
    ["ema:", "ema needs its period N"],
    ["ma:0", "ma's n must be an integer from 1 to 500"],
    ["ma:501", "ma's n must be an integer from 1 to 500"],
    ["ma:5.5", "ma's n must be an integer from 1 to 500"],
    ["rsi:-3", "rsi's n must be an integer from 1 to 500"],
    ["boll:1", "boll's n must be an integer from 2 to 500"],
    ["boll:20:0", "boll's width k must be a number in (0, 10]"],
    ["boll:20:x", "boll's width k must be a number in (0, 10]"],
    ["macd:26:12", "macd's fast period must be shorter than its slow period"],
    ["atr:14:3", "atr takes at most 1 parameter(s)"],
    ["obv:5", "obv takes at most 0 parameter(s)"],
  ])("rejects %j with 400 naming the accepted forms", (param, message) => {
    const e = inputError(() => parseIndicators(param));
    expect(e.code).toBe("VALIDATION_ERROR");
    expect(e.status).toBe(400);
    expect(e.message).toContain(message);
    expect(e.message).toContain("accepted: ma:N, ema:N, macd:[12]:[26]:[9], kdj:[9]:[3]:[3], rsi:[6]");
  });
});

describe("warmupSessions", () => {
  it("is max(250, 15 × the longest period requested)", () => {
    expect(warmupSessions(parseIndicators("obv"))).toBe(250);
    expect(warmupSessions(parseIndicators("ma:5,rsi"))).toBe(250);
    expect(warmupSessions(parseIndicators("macd"))).toBe(390);
    expect(warmupSessions(parseIndicators("rsi:24"))).toBe(360);
    expect(warmupSessions(parseIndicators("ema:120,kdj"))).toBe(1800);
    expect(warmupSessions(parseIndicators("boll:20:3"))).toBe(300);
  });
});

describe("computeIndicators", () => {
  const bars: IndicatorBar[] = [
    { open: 1, high: 2, low: 1, close: 2, volume: 10 },
    { open: 2, high: 3, low: 1, close: 3, volume: 20 },
    { open: 3, high: 6, low: 5, close: 5, volume: 30 },
    { open: 5, high: 5, low: 4, close: 4, volume: 40 },
  ];

  it("returns one column per name, aligned with the bars, OBV 0 at the answer's first bar", () => {
    const out = computeIndicators(bars, parseIndicators("ma:2,atr:2,obv,rsi:2"), 2);
    expect(Object.keys(out)).toEqual(["ma2", "atr2", "obv", "rsi2"]);
    expect(out.ma2).toEqual([null, 2.5, 4, 4.5]);
    expect(out.atr2).toEqual([null, null, 2.5, 2]);
    expect(out.obv).toEqual([null, null, 0, -40]);
    for (const column of Object.values(out)) expect(column).toHaveLength(bars.length);
  });

  it("gives the multi-column kinds their fixed names", () => {
    const out = computeIndicators(bars, parseIndicators("macd,kdj,boll:2"), 0);
    expect(Object.keys(out)).toEqual([
      "macd_dif",
      "macd_dea",
      "macd",
      "kdj_k",
      "kdj_d",
      "kdj_j",
      "boll_mid",
      "boll_upper",
      "boll_lower",
    ]);
    expect(out.macd_dif![0]).toBe(0);
    expect(out.kdj_k![0]).toBe(100); // bar 0: C = H, so RSV = 100, and the first K is the first RSV
    expect(out.boll_mid).toEqual([null, 2.5, 4, 4.5]);
  });
});

describe("warm-up agreement on 0700.HK (4,514 sessions)", () => {
  const all = load0700();
  const close = all.map((b) => b.close);
  // The answer is the last 250 sessions; ema:120's warm-up (1,800) then still starts inside the series
  // (at bar 2,464), so "the whole history" really starts 2,464 bars earlier than the warm-up does.
  const answerStart = all.length - 250;

  /** Largest relative difference over the answer between a whole-history and a warmed-up computation. */
  function worst(f: (x: number[]) => (number | null)[], warmup: number): number {
    const whole = f(close).slice(answerStart);
    const warm = f(close.slice(answerStart - warmup)).slice(warmup);
    expect(warm).toHaveLength(whole.length);
    let max = 0;
    whole.forEach((w, i) => {
      const v = warm[i];
      if (w === null || v === null || v === undefined) {
        expect(v ?? null).toBe(w);
        return;
      }
      max = Math.max(max, Math.abs(v - w) / Math.max(Math.abs(w), Number.MIN_VALUE));
    });
    return max;
  }

  it("has the long series it expects", () => {
    expect(all).toHaveLength(4514);
    expect(answerStart - warmupSessions(parseIndicators("ema:120"))).toBeGreaterThan(0);
  });

  it("ema:120 from warmupSessions (1,800) bars before the answer agrees with the whole history to 1e-6", () => {
    const warmup = warmupSessions(parseIndicators("ema:120"));
    expect(warmup).toBe(1800);
    expect(worst((x) => ema(x, 120), warmup)).toBeLessThan(1e-6);
  });

  it("rsi:24 from warmupSessions (360) bars before the answer agrees with the whole history to 1e-6", () => {
    const warmup = warmupSessions(parseIndicators("rsi:24"));
    expect(warmup).toBe(360);
    expect(worst((x) => rsi(x, 24), warmup)).toBeLessThan(1e-6);
  });

  it("a short warm-up (50 bars) does not agree, so the check above can fail", () => {
    expect(worst((x) => ema(x, 120), 50)).toBeGreaterThan(1e-6);
    expect(worst((x) => rsi(x, 24), 50)).toBeGreaterThan(1e-6);
  });

  it("computeIndicators agrees too, and OBV is 0 on the answer's first bar either way", () => {
    const specs = parseIndicators("ema:120,rsi:24,macd,kdj,obv");
    const warmup = warmupSessions(specs);
    const whole = computeIndicators(all, specs, answerStart);
    const warm = computeIndicators(all.slice(answerStart - warmup), specs, warmup);
    for (const name of Object.keys(whole)) {
      const a = whole[name]!.slice(answerStart);
      const b = warm[name]!.slice(warmup);
      a.forEach((x, i) => {
        const y = b[i]!;
        expect(Math.abs(y - x!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x!)));
      });
    }
    expect(whole.obv![answerStart]).toBe(0);
    expect(whole.obv).toEqual([...new Array(answerStart).fill(null), ...warm.obv!.slice(warmup)]);
    expect(
      obv(
        close,
        all.map((b) => b.volume),
        answerStart,
      ),
    ).toEqual(whole.obv);
  });
});
