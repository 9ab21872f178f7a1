/**
 * The quality gate every upstream response passes before anything from it is stored.
 */
import type { ExchangeCalendar } from "../calendar/index.ts";
import type { Adjust, DailyBar } from "./types.ts";

/** One rule a bar broke. */
export interface QualityProblem {
  date: string;
  /** Stable rule id, e.g. `not_a_session`, `ohlc_order`. */
  rule:
    | "not_a_session"
    | "non_positive_price"
    | "ohlc_order"
    | "negative_volume"
    | "negative_amount"
    | "duplicate_date"
    | "change_inconsistent"
    | "pct_inconsistent";
  message: string;
}

/** How strict the gate is for an instrument. */
export interface QualityContext {
  calendar: ExchangeCalendar;
  adjust: Adjust;
  /** Decimals upstream quotes prices with: 2 for A-shares, 3 for HK. */
  priceDecimals: number;
}

/**
 * Check a response's bars (ascending) and list every problem; an empty list means the response may
 * be stored. Rules:
 * - the date is a session of the instrument's exchange (dates beyond the calendar's horizon are not judged);
 * - open, high, low and close are positive, and low ≤ open, close ≤ high;
 * - volume ≥ 0 and amount ≥ 0 (when reported); no date appears twice;
 * - `change` and `pct_change` agree with each other (pct = change / (close − change) × 100, within
 *   the rounding of 2-decimal percentages and quoted prices);
 * - in an adjusted series (qfq, hfq), close − change equals the previous bar's close within rounding.
 *   Unadjusted series are exempt from this one: on an ex-dividend day upstream measures the change
 *   against the ex-rights reference price, not the previous close.
 */
export function checkBars(bars: readonly DailyBar[], context: QualityContext): QualityProblem[] {
  const { calendar, adjust, priceDecimals } = context;
  const halfTick = 0.5 * 10 ** -priceDecimals;
  const priceTolerance = 2 * halfTick + 1e-9;
  const problems: QualityProblem[] = [];
  const seen = new Set<string>();
  bars.forEach((bar, i) => {
    const add = (rule: QualityProblem["rule"], message: string) => problems.push({ date: bar.date, rule, message });
    if (seen.has(bar.date)) add("duplicate_date", "date appears more than once");
    seen.add(bar.date);
    if (calendar.isKnown(bar.date) && !calendar.isSession(bar.date))
      add("not_a_session", `${bar.date} is not a ${calendar.id} trading session`);
    if (!(bar.open > 0 && bar.high > 0 && bar.low > 0 && bar.close > 0))
      add("non_positive_price", "a price is zero or negative");
    const eps = 1e-9;
    if (
      bar.low > Math.min(bar.open, bar.close) + eps ||
      bar.high < Math.max(bar.open, bar.close) - eps ||
      bar.low > bar.high + eps
    ) {
      add(
        "ohlc_order",
        `expected low ≤ open, close ≤ high; got open ${bar.open} high ${bar.high} low ${bar.low} close ${bar.close}`,
      );
    }
    if (bar.volume < 0) add("negative_volume", `volume ${bar.volume}`);
    if (bar.amount !== null && bar.amount < 0) add("negative_amount", `amount ${bar.amount}`);
    if (bar.change === null) return;
    const reference = bar.close - bar.change;
    if (bar.pct_change !== null && reference > 0) {
      const implied = (bar.change / reference) * 100;
      const tolerance = 0.006 + ((halfTick * 100) / reference) * 1.01;
      if (Math.abs(implied - bar.pct_change) > tolerance) {
        add(
          "pct_inconsistent",
          `pct_change ${bar.pct_change} but change ${bar.change} on a reference of ` +
            `${reference.toFixed(priceDecimals)} implies ${implied.toFixed(2)}`,
        );
      }
    }
    const previous = bars[i - 1];
    if (adjust !== "" && previous && Math.abs(reference - previous.close) > priceTolerance) {
      add(
        "change_inconsistent",
        `close − change = ${reference.toFixed(priceDecimals)} but the previous close (${previous.date}) is ` +
          `${previous.close}`,
      );
    }
  });
  return problems;
}
