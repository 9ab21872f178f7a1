/**
 * Key figures of a bar series: pure functions of the bars the API returned (no I/O, no React).
 * Percentages are in percent (1.5 = 1.5 %); prices in the series' currency.
 */

/** The fields of a bar the figures need (a subset of the SDK's DailyBar). */
export interface PriceBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  change?: number | null;
  pct_change?: number | null;
}

/** Trading sessions per year used to annualise daily volatility. */
const SESSIONS_PER_YEAR = 242;

/** Close of the last bar, or null for no bars. */
function lastClose(bars: readonly PriceBar[]): number | null {
  return bars.length ? bars[bars.length - 1]!.close : null;
}

/**
 * Change of the last bar against the previous bar's close (absolute and percent). With a single bar,
 * the API's own `change` / `pct_change` of that bar. Null for no bars.
 */
export function lastChange(bars: readonly PriceBar[]): { abs: number; pct: number } | null {
  const last = bars[bars.length - 1];
  if (!last) return null;
  const prev = bars[bars.length - 2];
  if (prev) return { abs: last.close - prev.close, pct: (last.close / prev.close - 1) * 100 };
  if (last.change != null && last.pct_change != null) return { abs: last.change, pct: last.pct_change };
  return null;
}

/** Return over the view, first close to last close, in percent. Null for fewer than 1 bar. */
export function periodReturn(bars: readonly PriceBar[]): number | null {
  const first = bars[0];
  const last = bars[bars.length - 1];
  if (!first || !last) return null;
  return (last.close / first.close - 1) * 100;
}

/** Highest high of the view. */
function periodHigh(bars: readonly PriceBar[]): number | null {
  if (!bars.length) return null;
  let max = -Infinity;
  for (const bar of bars) if (bar.high > max) max = bar.high;
  return max;
}

/** Lowest low of the view. */
function periodLow(bars: readonly PriceBar[]): number | null {
  if (!bars.length) return null;
  let min = Infinity;
  for (const bar of bars) if (bar.low < min) min = bar.low;
  return min;
}

/** Log returns ln(close_t / close_{t-1}), one per bar after the first. */
function logReturns(bars: readonly PriceBar[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < bars.length; i++) out.push(Math.log(bars[i]!.close / bars[i - 1]!.close));
  return out;
}

/** Simple returns close_t / close_{t-1} - 1 in percent, dated on bar t. */
export function simpleReturns(bars: readonly PriceBar[]): { date: string; pct: number }[] {
  const out: { date: string; pct: number }[] = [];
  for (let i = 1; i < bars.length; i++)
    out.push({ date: bars[i]!.date, pct: (bars[i]!.close / bars[i - 1]!.close - 1) * 100 });
  return out;
}

/** Sample standard deviation (n - 1); null for fewer than 2 values. */
function stdev(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sq = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return Math.sqrt(sq / (values.length - 1));
}

/**
 * Annualised volatility in percent: sample stdev of log returns × √periodsPerYear × 100
 * (daily bars: √242). Null for fewer than 3 bars.
 */
export function annualisedVolatility(bars: readonly PriceBar[], periodsPerYear = SESSIONS_PER_YEAR): number | null {
  const sd = stdev(logReturns(bars));
  return sd == null ? null : sd * Math.sqrt(periodsPerYear) * 100;
}

/** Drawdown of each close from the running maximum close, in percent (≤ 0). */
export function drawdownSeries(bars: readonly PriceBar[]): { date: string; drawdown: number }[] {
  let peak = -Infinity;
  return bars.map((bar) => {
    if (bar.close > peak) peak = bar.close;
    return { date: bar.date, drawdown: (bar.close / peak - 1) * 100 };
  });
}

/** Maximum drawdown of the closes in percent (≤ 0; 0 when never below a previous peak). Null for no bars. */
export function maxDrawdown(bars: readonly PriceBar[]): number | null {
  if (!bars.length) return null;
  let min = 0;
  for (const point of drawdownSeries(bars)) if (point.drawdown < min) min = point.drawdown;
  return min;
}

/** Simple moving average of closes over `window` bars; null until the window is full. */
export function movingAverage(bars: readonly PriceBar[], window: number): (number | null)[] {
  const out: (number | null)[] = [];
  let sum = 0;
  for (let i = 0; i < bars.length; i++) {
    sum += bars[i]!.close;
    if (i >= window) sum -= bars[i - window]!.close;
    out.push(i >= window - 1 ? sum / window : null);
  }
  return out;
}

/** Days and hours of a year: crypto trades every day, around the clock. */
const DAYS_PER_YEAR = 365;
const HOURS_PER_YEAR = DAYS_PER_YEAR * 24;

/**
 * Periods per year of a bar period, for annualising: sessions of an exchange (daily 242, weekly 52,
 * monthly 12), or a crypto timeframe (1d 365, 1h 8760).
 */
export function periodsPerYear(period: string): number {
  switch (period) {
    case "weekly":
      return 52;
    case "monthly":
      return 12;
    case "1d":
      return DAYS_PER_YEAR;
    case "1h":
      return HOURS_PER_YEAR;
    default:
      return SESSIONS_PER_YEAR;
  }
}

/** Every key figure of a view. */
export function keyFigures(bars: readonly PriceBar[], period = "daily") {
  return {
    lastClose: lastClose(bars),
    change: lastChange(bars),
    periodReturn: periodReturn(bars),
    high: periodHigh(bars),
    low: periodLow(bars),
    volatility: annualisedVolatility(bars, periodsPerYear(period)),
    maxDrawdown: maxDrawdown(bars),
  };
}

/** Pearson correlation of two equally long series; null when undefined. */
export function correlation(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n < 2) return null;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let cov = 0,
    va = 0,
    vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma,
      db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? null : cov / Math.sqrt(va * vb);
}
