/**
 * Technical indicators by the Tongdaxin (通达信, "tdx") formulas, as pure functions over series.
 *
 * A series is an array aligned with the bars, oldest first; `null` marks a value that cannot be
 * computed (fewer bars than a window, the first bar's missing previous close, 0/0). Every output has
 * the length of its input and is in the unit of its input (prices for MA/EMA/BOLL/ATR/MACD, percent
 * 0–100 for RSI and KDJ's K/D, the volume's unit for OBV) unless stated.
 *
 * Recursive indicators (EMA, SMA and what is built on them) start at the first bar whose input exists,
 * with `first Y = X`, so their values depend on where the series starts; see `warmupSessions` in
 * `./spec.ts` for how many bars before an answer make them agree with a computation over the whole history.
 */

/** A series aligned with the bars, oldest first; `null` where a value cannot be computed. */
export type Series = readonly (number | null)[];

/** `MA(X,N)`: the simple mean of the last `n` values; `null` until `n` values exist or when one of them is `null`. */
export function ma(x: Series, n: number): (number | null)[] {
  const out: (number | null)[] = new Array(x.length).fill(null);
  let sum = 0;
  let nulls = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === null || v === undefined) nulls++;
    else sum += v;
    if (i >= n) {
      const old = x[i - n];
      if (old === null || old === undefined) nulls--;
      else sum -= old;
    }
    if (i >= n - 1 && nulls === 0) out[i] = sum / n;
  }
  return out;
}

/**
 * The tdx recursion `Y = (w·X + (1 − w)·Y′)`, started at the first non-null `X` with `Y = X`.
 * A `null` input after the start gives `null` and leaves `Y′` as it was.
 */
function recursive(x: Series, w: number): (number | null)[] {
  const out: (number | null)[] = new Array(x.length).fill(null);
  let y: number | null = null;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === null || v === undefined) continue;
    y = y === null ? v : w * v + (1 - w) * y;
    out[i] = y;
  }
  return out;
}

/** `EMA(X,N)`: `Y = (2·X + (N−1)·Y′)/(N+1)`, first `Y = X` (at the first non-null input). */
export function ema(x: Series, n: number): (number | null)[] {
  return recursive(x, 2 / (n + 1));
}

/** `SMA(X,N,M)`: `Y = (M·X + (N−M)·Y′)/N`, first `Y = X` (at the first non-null input); needs `N ≥ M > 0`. */
export function sma(x: Series, n: number, m: number): (number | null)[] {
  return recursive(x, m / n);
}

/** `HHV(X,N)`: the highest of the last `n` values, over the bars available when fewer than `n`; nulls skipped. */
export function hhv(x: Series, n: number): (number | null)[] {
  return extreme(x, n, (a, b) => a > b);
}

/** `LLV(X,N)`: the lowest of the last `n` values, over the bars available when fewer than `n`; nulls skipped. */
export function llv(x: Series, n: number): (number | null)[] {
  return extreme(x, n, (a, b) => a < b);
}

function extreme(x: Series, n: number, better: (a: number, b: number) => boolean): (number | null)[] {
  const out: (number | null)[] = new Array(x.length).fill(null);
  for (let i = 0; i < x.length; i++) {
    let best: number | null = null;
    for (let j = Math.max(0, i - n + 1); j <= i; j++) {
      const v = x[j];
      if (v !== null && v !== undefined && (best === null || better(v, best))) best = v;
    }
    out[i] = best;
  }
  return out;
}

/**
 * `STD(X,N)`: the sample standard deviation (divisor `n − 1`) of the last `n` values; `null` until
 * `n` values exist, when one is `null`, or when `n < 2`.
 */
export function std(x: Series, n: number): (number | null)[] {
  const mean = ma(x, n);
  const out: (number | null)[] = new Array(x.length).fill(null);
  if (n < 2) return out;
  for (let i = n - 1; i < x.length; i++) {
    const m = mean[i];
    if (m === null || m === undefined) continue;
    let ss = 0;
    for (let j = i - n + 1; j <= i; j++) ss += ((x[j] as number) - m) ** 2;
    out[i] = Math.sqrt(ss / (n - 1));
  }
  return out;
}

/** `REF(X,1)`: the previous bar's value; `null` on the first bar. */
function previous(x: Series): (number | null)[] {
  return x.map((_, i) => (i === 0 ? null : (x[i - 1] ?? null)));
}

/** MACD lines, in price units. */
export interface Macd {
  /** `DIF = EMA(C,fast) − EMA(C,slow)`. */
  dif: (number | null)[];
  /** `DEA = EMA(DIF,signal)`. */
  dea: (number | null)[];
  /** `MACD = 2·(DIF − DEA)` (the histogram, doubled as tdx draws it). */
  macd: (number | null)[];
}

/** MACD by tdx: `DIF = EMA(C,12) − EMA(C,26)`, `DEA = EMA(DIF,9)`, `MACD = 2·(DIF − DEA)`. */
export function macd(close: Series, fast = 12, slow = 26, signal = 9): Macd {
  const f = ema(close, fast);
  const s = ema(close, slow);
  const dif = f.map((a, i) => (a === null || s[i] === null ? null : a - (s[i] as number)));
  const dea = ema(dif, signal);
  const hist = dif.map((a, i) => (a === null || dea[i] === null ? null : 2 * (a - (dea[i] as number))));
  return { dif, dea, macd: hist };
}

/** KDJ lines, in percent (K and D within 0–100; J can leave that range). */
export interface Kdj {
  k: (number | null)[];
  d: (number | null)[];
  j: (number | null)[];
}

/**
 * KDJ by tdx: `RSV = (C − LLV(L,N)) / (HHV(H,N) − LLV(L,N)) · 100` (50 when the range is 0; the bars
 * available when fewer than `N`), `K = SMA(RSV,M1,1)`, `D = SMA(K,M2,1)`, `J = 3K − 2D`.
 */
export function kdj(high: Series, low: Series, close: Series, n = 9, m1 = 3, m2 = 3): Kdj {
  const hh = hhv(high, n);
  const ll = llv(low, n);
  const rsv = close.map((c, i) => {
    const h = hh[i];
    const l = ll[i];
    if (c === null || h === null || l === null || h === undefined || l === undefined) return null;
    return h === l ? 50 : ((c - l) / (h - l)) * 100;
  });
  const k = sma(rsv, m1, 1);
  const d = sma(k, m2, 1);
  const j = k.map((a, i) => (a === null || d[i] === null ? null : 3 * a - 2 * (d[i] as number)));
  return { k, d, j };
}

/**
 * RSI by tdx, in percent: `SMA(MAX(C − C₋₁, 0), N, 1) / SMA(|C − C₋₁|, N, 1) · 100`. `null` on the
 * first bar (no previous close) and where both averages are 0 (no move since the start).
 */
export function rsi(close: Series, n = 6): (number | null)[] {
  const prev = previous(close);
  const change = close.map((c, i) => (c === null || prev[i] === null ? null : c - (prev[i] as number)));
  const up = sma(
    change.map((d) => (d === null ? null : Math.max(d, 0))),
    n,
    1,
  );
  const all = sma(
    change.map((d) => (d === null ? null : Math.abs(d))),
    n,
    1,
  );
  return up.map((u, i) => {
    const a = all[i];
    return u === null || a === null || a === undefined || a === 0 ? null : (u / a) * 100;
  });
}

/** Bollinger bands, in price units. */
export interface Boll {
  mid: (number | null)[];
  upper: (number | null)[];
  lower: (number | null)[];
}

/** BOLL by tdx: `MID = MA(C,N)`, `UPPER/LOWER = MID ± k·STD(C,N)` with the sample standard deviation (n − 1). */
export function boll(close: Series, n = 20, k = 2): Boll {
  const mid = ma(close, n);
  const sd = std(close, n);
  const band = (sign: number) =>
    mid.map((m, i) => (m === null || sd[i] === null ? null : m + sign * k * (sd[i] as number)));
  return { mid, upper: band(1), lower: band(-1) };
}

/**
 * True range `MAX(H − L, |C₋₁ − H|, |C₋₁ − L|)` in price units; `null` on the first bar (no previous close).
 */
export function trueRange(high: Series, low: Series, close: Series): (number | null)[] {
  const prev = previous(close);
  return high.map((h, i) => {
    const l = low[i];
    const p = prev[i];
    if (h === null || l === null || l === undefined || p === null || p === undefined) return null;
    return Math.max(h - l, Math.abs(p - h), Math.abs(p - l));
  });
}

/** ATR by tdx: `MA(TR, N)` in price units; the first bar's TR is `null`, so the first value is at bar `N`. */
export function atr(high: Series, low: Series, close: Series, n = 14): (number | null)[] {
  return ma(trueRange(high, low, close), n);
}

/**
 * OBV: the running sum of `sign(C − C₋₁)·V`, 0 on bar `start` (the first bar of the answer), `null`
 * before it; in the volume's unit (the answer's: shares). A `null` close or volume adds nothing.
 */
export function obv(close: Series, volume: Series, start = 0): (number | null)[] {
  const out: (number | null)[] = new Array(close.length).fill(null);
  if (start < 0 || start >= close.length) return out;
  let total = 0;
  out[start] = 0;
  for (let i = start + 1; i < close.length; i++) {
    const c = close[i];
    const p = close[i - 1];
    const v = volume[i];
    if (c !== null && c !== undefined && p !== null && p !== undefined && v !== null && v !== undefined) {
      total += Math.sign(c - p) * v;
    }
    out[i] = total;
  }
  return out;
}
