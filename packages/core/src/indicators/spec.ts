/**
 * The `indicators` request parameter (a comma list of `name:param:…`), the warm-up an answer needs,
 * and the computation of every requested column over a run of bars.
 */
import { InputError } from "../errors.ts";
import { atr, boll, ema, kdj, ma, macd, obv, rsi, type Series } from "./formulas.ts";

/** One requested indicator with its parameters (periods in bars/sessions; `k` in standard deviations). */
export type IndicatorSpec =
  | { kind: "ma"; n: number }
  | { kind: "ema"; n: number }
  | { kind: "macd"; fast: number; slow: number; signal: number }
  | { kind: "kdj"; n: number; m1: number; m2: number }
  | { kind: "rsi"; n: number }
  | { kind: "boll"; n: number; k: number }
  | { kind: "atr"; n: number }
  | { kind: "obv" };

/** The indicator kinds, in the order the docs list them. */
export const INDICATOR_KINDS = ["ma", "ema", "macd", "kdj", "rsi", "boll", "atr", "obv"] as const;

/** One of {@link INDICATOR_KINDS}. */
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

/** The accepted forms, defaults in brackets, as the 400 messages and the docs state them. */
export const ACCEPTED_FORMS = "ma:N, ema:N, macd:[12]:[26]:[9], kdj:[9]:[3]:[3], rsi:[6], boll:[20]:[2], atr:[14], obv";

/** The longest period (in sessions) a parameter may ask for. */
export const MAX_PERIOD = 500;

/** The largest BOLL width, in standard deviations. */
const MAX_BOLL_K = 10;

/** Parameter names and defaults (`undefined` = required) of each kind, in the order they are written. */
const PARAMS: Record<IndicatorKind, readonly (readonly [string, number | undefined])[]> = {
  ma: [["n", undefined]],
  ema: [["n", undefined]],
  macd: [
    ["fast", 12],
    ["slow", 26],
    ["signal", 9],
  ],
  kdj: [
    ["n", 9],
    ["m1", 3],
    ["m2", 3],
  ],
  rsi: [["n", 6]],
  boll: [
    ["n", 20],
    ["k", 2],
  ],
  atr: [["n", 14]],
  obv: [],
};

function invalid(message: string, details: Record<string, unknown> = {}): InputError {
  return new InputError("VALIDATION_ERROR", `${message}; accepted: ${ACCEPTED_FORMS}`, {
    parameter: "indicators",
    ...details,
  });
}

function isKind(name: string): name is IndicatorKind {
  return (INDICATOR_KINDS as readonly string[]).includes(name);
}

/** One `name:param:…` item; an empty parameter (`macd::30`) takes its default. */
function parseOne(item: string): IndicatorSpec {
  const [rawName = "", ...args] = item.split(":").map((s) => s.trim());
  const name = rawName.toLowerCase();
  if (!isKind(name)) throw invalid(`unknown indicator "${rawName}"`, { indicator: rawName });
  const params = PARAMS[name];
  if (args.length > params.length) {
    throw invalid(`"${item}": ${name} takes at most ${params.length} parameter(s)`, { indicator: name });
  }
  const values: Record<string, number> = {};
  params.forEach(([param, fallback], i) => {
    const text = args[i] ?? "";
    if (text === "") {
      if (fallback === undefined) throw invalid(`"${item}": ${name} needs its period N`, { indicator: name });
      values[param] = fallback;
      return;
    }
    if (param === "k") {
      const k = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
      if (!(k > 0 && k <= MAX_BOLL_K)) {
        throw invalid(`"${item}": boll's width k must be a number in (0, ${MAX_BOLL_K}]`, { indicator: name });
      }
      values[param] = k;
      return;
    }
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const min = name === "boll" ? 2 : 1;
    if (!(Number.isSafeInteger(n) && n >= min && n <= MAX_PERIOD)) {
      throw invalid(`"${item}": ${name}'s ${param} must be an integer from ${min} to ${MAX_PERIOD}`, {
        indicator: name,
      });
    }
    values[param] = n;
  });
  const spec = { kind: name, ...values } as IndicatorSpec;
  if (spec.kind === "macd" && spec.fast >= spec.slow) {
    throw invalid(`"${item}": macd's fast period must be shorter than its slow period`, { indicator: name });
  }
  return spec;
}

/**
 * Parses the `indicators` parameter: a comma list of `name:param:…` (see {@link ACCEPTED_FORMS}), at
 * most one of each kind. Throws `InputError` (`VALIDATION_ERROR`, 400) naming the offending item and
 * the accepted forms.
 */
export function parseIndicators(param: string): IndicatorSpec[] {
  const items = param
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw invalid("indicators is empty");
  const specs: IndicatorSpec[] = [];
  for (const item of items) {
    const spec = parseOne(item);
    if (specs.some((s) => s.kind === spec.kind)) {
      throw invalid(`"${spec.kind}" is requested more than once (one of each kind per request)`, {
        indicator: spec.kind,
      });
    }
    specs.push(spec);
  }
  return specs;
}

/**
 * The output column names of one spec: `ma{N}`, `ema{N}`, `rsi{N}`, `atr{N}` carry their period; the
 * others are fixed whatever their parameters.
 */
export function columnsOf(spec: IndicatorSpec): string[] {
  switch (spec.kind) {
    case "ma":
    case "ema":
    case "rsi":
    case "atr":
      return [`${spec.kind}${spec.n}`];
    case "macd":
      return ["macd_dif", "macd_dea", "macd"];
    case "kdj":
      return ["kdj_k", "kdj_d", "kdj_j"];
    case "boll":
      return ["boll_mid", "boll_upper", "boll_lower"];
    case "obv":
      return ["obv"];
  }
}

/** Every output column of the specs, in request order. */
export function indicatorColumns(specs: readonly IndicatorSpec[]): string[] {
  return specs.flatMap(columnsOf);
}

/** The longest period (in sessions) among a spec's parameters; 0 for OBV (BOLL's `k` is not a period). */
function longestPeriod(spec: IndicatorSpec): number {
  switch (spec.kind) {
    case "macd":
      return Math.max(spec.fast, spec.slow, spec.signal);
    case "kdj":
      return Math.max(spec.n, spec.m1, spec.m2);
    case "obv":
      return 0;
    default:
      return spec.n;
  }
}

/**
 * The sessions of history to compute from before an answer's first bar:
 * `max(250, 15 × the longest period requested)`. With it, the recursive indicators agree with a
 * computation over the whole history to within 1e-6 relative (ema:120 needs ~670 sessions, rsi:24 ~350).
 */
export function warmupSessions(specs: readonly IndicatorSpec[]): number {
  return Math.max(250, 15 * Math.max(0, ...specs.map(longestPeriod)));
}

/** One bar's prices (in the answer's price unit) and volume (in its volume unit, shares). */
export interface IndicatorBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Computes every column of `specs` over `bars` (oldest first: warm-up bars, then the answer's).
 * Returns one array per column name, in request order, each aligned with `bars`; the caller keeps the
 * elements from `answerStart` on. `answerStart` is the index of the answer's first bar, where OBV is 0.
 */
export function computeIndicators(
  bars: readonly IndicatorBar[],
  specs: readonly IndicatorSpec[],
  answerStart: number,
): Record<string, (number | null)[]> {
  const high: Series = bars.map((b) => b.high);
  const low: Series = bars.map((b) => b.low);
  const close: Series = bars.map((b) => b.close);
  const out: Record<string, (number | null)[]> = {};
  for (const spec of specs) {
    switch (spec.kind) {
      case "ma":
        out[`ma${spec.n}`] = ma(close, spec.n);
        break;
      case "ema":
        out[`ema${spec.n}`] = ema(close, spec.n);
        break;
      case "rsi":
        out[`rsi${spec.n}`] = rsi(close, spec.n);
        break;
      case "atr":
        out[`atr${spec.n}`] = atr(high, low, close, spec.n);
        break;
      case "macd": {
        const m = macd(close, spec.fast, spec.slow, spec.signal);
        out.macd_dif = m.dif;
        out.macd_dea = m.dea;
        out.macd = m.macd;
        break;
      }
      case "kdj": {
        const m = kdj(high, low, close, spec.n, spec.m1, spec.m2);
        out.kdj_k = m.k;
        out.kdj_d = m.d;
        out.kdj_j = m.j;
        break;
      }
      case "boll": {
        const m = boll(close, spec.n, spec.k);
        out.boll_mid = m.mid;
        out.boll_upper = m.upper;
        out.boll_lower = m.lower;
        break;
      }
      case "obv":
        out.obv = obv(
          close,
          bars.map((b) => b.volume),
          answerStart,
        );
        break;
    }
  }
  return out;
}
