/**
 * The fields a screen filters and ranks by (issue 18, docs/screener.md), each computed at one
 * symbol's last bar on or before `as_of`:
 * - `close`: that bar's close (the requested adjustment's);
 * - `pct_change_{N}` = `(C_t / C_{t−N} − 1) · 100`, percent, N sessions back;
 * - `volatility_{N}`: the sample standard deviation (n − 1) of the last N daily returns
 *   `C_i / C_{i−1} − 1`, annualised by `√242` (CN, HK) or `√365` (crypto), in percent;
 * - `amount_avg_{N}`: mean traded value (成交额; a crypto pair's quote volume) of the last N bars,
 *   trading or quote currency; `turnover_avg_{N}`: mean turnover rate of the last N bars, percent;
 * - any indicator column (`ma{N}`, `ema{N}`, `macd_dif`, `macd_dea`, `macd`, `kdj_k|d|j`,
 *   `rsi{N}`, `boll_mid|upper|lower`, `atr{N}`) by the Tongdaxin formulas with default parameters
 *   (or the period the name carries), settled over `max(250, 15 × period)` bars as in `/indicators`;
 * - from the market's stored stock-list snapshot (Eastmoney clist): `market_cap`, `float_market_cap`
 *   (trading currency), `pe_ttm`, `pb` (ratios).
 */
import { InputError } from "../errors.ts";
import {
  computeIndicators,
  type IndicatorBar,
  MAX_PERIOD,
  warmupSessions,
  type IndicatorSpec,
} from "../indicators/spec.ts";

/** Sessions a year, for annualising daily volatility: CN and HK trade ~242 sessions, crypto every day. */
export const SESSIONS_PER_YEAR = { stock: 242, crypto: 365 } as const;

/** A field read from the stock-list snapshot rather than from bars. */
export type SnapshotField = "market_cap" | "float_market_cap" | "pe_ttm" | "pb";

/** The snapshot fields, as they are named in requests. */
export const SNAPSHOT_FIELDS: readonly SnapshotField[] = ["market_cap", "float_market_cap", "pe_ttm", "pb"];

/** A parsed field name. */
export type ScreenField =
  | { name: string; kind: "close" }
  | { name: string; kind: "pct_change" | "volatility" | "amount_avg" | "turnover_avg"; n: number }
  | { name: string; kind: "indicator"; spec: IndicatorSpec; column: string }
  | { name: string; kind: "snapshot"; field: SnapshotField };

/** The field forms, as 400 messages and the docs state them. */
export const FIELD_FORMS =
  "close, pct_change_N, volatility_N, amount_avg_N, turnover_avg_N, ma{N}, ema{N}, macd_dif, macd_dea, macd, " +
  "kdj_k, kdj_d, kdj_j, rsi{N}, boll_mid, boll_upper, boll_lower, atr{N}, market_cap, float_market_cap, pe_ttm, pb";

function invalidField(name: string, why: string): InputError {
  return new InputError("VALIDATION_ERROR", `field ${JSON.stringify(name)}: ${why} (fields: ${FIELD_FORMS})`);
}

function period(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > MAX_PERIOD)
    throw invalidField(name, `the period must be an integer from ${min} to ${MAX_PERIOD}`);
  return n;
}

/**
 * Parse one field name.
 * @throws {InputError} `VALIDATION_ERROR` naming the field and the accepted forms
 */
export function parseField(name: string): ScreenField {
  if (name === "close") return { name, kind: "close" };
  if ((SNAPSHOT_FIELDS as readonly string[]).includes(name))
    return { name, kind: "snapshot", field: name as SnapshotField };
  const windowed = /^(pct_change|volatility|amount_avg|turnover_avg)_(\d+)$/.exec(name);
  if (windowed) {
    const kind = windowed[1] as "pct_change" | "volatility" | "amount_avg" | "turnover_avg";
    return { name, kind, n: period(name, windowed[2]!, kind === "volatility" ? 2 : 1) };
  }
  const fixed: Record<string, IndicatorSpec> = {
    macd_dif: { kind: "macd", fast: 12, slow: 26, signal: 9 },
    macd_dea: { kind: "macd", fast: 12, slow: 26, signal: 9 },
    macd: { kind: "macd", fast: 12, slow: 26, signal: 9 },
    kdj_k: { kind: "kdj", n: 9, m1: 3, m2: 3 },
    kdj_d: { kind: "kdj", n: 9, m1: 3, m2: 3 },
    kdj_j: { kind: "kdj", n: 9, m1: 3, m2: 3 },
    boll_mid: { kind: "boll", n: 20, k: 2 },
    boll_upper: { kind: "boll", n: 20, k: 2 },
    boll_lower: { kind: "boll", n: 20, k: 2 },
  };
  const spec = fixed[name];
  if (spec) return { name, kind: "indicator", spec, column: name };
  const periodic = /^(ma|ema|rsi|atr)(\d+)$/.exec(name);
  if (periodic) {
    const kind = periodic[1] as "ma" | "ema" | "rsi" | "atr";
    const n = period(name, periodic[2]!, kind === "ma" || kind === "ema" ? 1 : 2);
    return { name, kind: "indicator", spec: { kind, n }, column: name };
  }
  if (name === "obv")
    throw invalidField(
      name,
      "OBV is a running sum from an answer's first bar, not a value of one day; use /indicators",
    );
  throw invalidField(name, "unknown field");
}

/** One bar as a screen reads it: the indicator inputs, date, traded value, turnover rate (null if not reported). */
export interface ScreenBar extends IndicatorBar {
  /** Exchange-local date (UTC day for crypto). */
  date: string;
  amount: number | null;
  turnover_rate: number | null;
}

/** A field's value at the last bar, or why there is none. */
export type FieldValue = { value: number } | { value: null; reason: string };

/** Bars (ascending, the last one at `as_of` or before) needed before the last bar for every field. */
export function lookbackSessions(fields: readonly ScreenField[]): number {
  let sessions = 0;
  const specs: IndicatorSpec[] = [];
  for (const field of fields) {
    if (field.kind === "indicator") specs.push(field.spec);
    else if (field.kind === "pct_change" || field.kind === "volatility") sessions = Math.max(sessions, field.n);
    else if (field.kind === "amount_avg" || field.kind === "turnover_avg") sessions = Math.max(sessions, field.n - 1);
  }
  return specs.length > 0 ? Math.max(sessions, warmupSessions(specs)) : sessions;
}

function mean(values: readonly (number | null)[]): number | null {
  if (values.some((v) => v === null)) return null;
  return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Every bar-derived field's value at the last bar of `bars` (snapshot fields are not computed here).
 * @param bars ascending; the last one is the bar screened
 * @param annualisation sessions a year ({@link SESSIONS_PER_YEAR})
 */
export function computeFields(
  bars: readonly ScreenBar[],
  fields: readonly ScreenField[],
  annualisation: number,
): Map<string, FieldValue> {
  const out = new Map<string, FieldValue>();
  const t = bars.length - 1;
  const short = (need: number): FieldValue => ({
    value: null,
    reason: `needs ${need} bars up to as_of, ${bars.length} held`,
  });
  // One computation per distinct indicator spec (ma5 and ma20 are two).
  const bySpec = new Map<string, Record<string, (number | null)[]>>();
  for (const field of fields) {
    if (t < 0) {
      out.set(field.name, { value: null, reason: "no bar on or before as_of" });
      continue;
    }
    switch (field.kind) {
      case "close":
        out.set(field.name, { value: bars[t]!.close });
        break;
      case "pct_change": {
        if (t - field.n < 0) out.set(field.name, short(field.n + 1));
        else {
          const base = bars[t - field.n]!.close;
          out.set(field.name, base > 0 ? { value: (bars[t]!.close / base - 1) * 100 } : short(field.n + 1));
        }
        break;
      }
      case "volatility": {
        if (t - field.n < 0) {
          out.set(field.name, short(field.n + 1));
          break;
        }
        const returns: number[] = [];
        for (let i = t - field.n + 1; i <= t; i++) returns.push(bars[i]!.close / bars[i - 1]!.close - 1);
        const m = returns.reduce((a, b) => a + b, 0) / returns.length;
        const variance = returns.reduce((a, r) => a + (r - m) ** 2, 0) / (returns.length - 1);
        out.set(field.name, { value: Math.sqrt(variance) * Math.sqrt(annualisation) * 100 });
        break;
      }
      case "amount_avg":
      case "turnover_avg": {
        if (t - field.n + 1 < 0) {
          out.set(field.name, short(field.n));
          break;
        }
        const window = bars.slice(t - field.n + 1, t + 1);
        const value = mean(window.map((b) => (field.kind === "amount_avg" ? b.amount : b.turnover_rate)));
        out.set(
          field.name,
          value === null
            ? {
                value: null,
                reason: `upstream reported no ${field.kind === "amount_avg" ? "amount" : "turnover rate"} for a bar`,
              }
            : { value },
        );
        break;
      }
      case "indicator": {
        const key = JSON.stringify(field.spec);
        let columns = bySpec.get(key);
        if (!columns) {
          columns = computeIndicators(bars, [field.spec], 0);
          bySpec.set(key, columns);
        }
        const value = columns[field.column]?.[t] ?? null;
        out.set(
          field.name,
          value === null || !Number.isFinite(value)
            ? { value: null, reason: `not computable from the ${bars.length} bars held up to as_of` }
            : { value },
        );
        break;
      }
      case "snapshot":
        break;
    }
  }
  return out;
}
