/**
 * Shapes shared by the history service, its upstream adapters and its store.
 */
import type { IsoDate } from "../dates.ts";
import type { Currency } from "../markets/types.ts";

/**
 * Price adjustment: `""` unadjusted, `"qfq"` forward-adjusted (前复权, rebased on the latest
 * price; rewritten by upstream after every ex-dividend), `"hfq"` backward-adjusted (后复权).
 * Each is fetched and stored separately: Eastmoney's qfq and hfq are not derivable from each other.
 */
export type Adjust = "" | "qfq" | "hfq";

/** The accepted adjust values, in the order they are documented. */
export const ADJUSTS: readonly Adjust[] = ["", "qfq", "hfq"];

/**
 * One daily OHLCV bar as QuantDB stores and serves it.
 * Prices are in the trading currency (CNY for A-shares, HKD for HK), adjusted per the request's
 * `adjust`; `volume` is in **shares** (Eastmoney's A-share lots ×100); `amount` (成交额) is the
 * traded value in the trading currency and is never adjusted; `amplitude`, `pct_change` and
 * `turnover_rate` are in **percent** (1.5 means 1.5 %). A field upstream did not report is `null`.
 */
export interface DailyBar {
  /** Exchange-local trading date, `YYYY-MM-DD`. */
  date: IsoDate;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Shares traded. */
  volume: number;
  /** Traded value, trading currency (成交额). */
  amount: number | null;
  /** (high − low) / previous close, percent. */
  amplitude: number | null;
  /** Change against the previous close, percent. */
  pct_change: number | null;
  /** Change against the previous close, trading currency. */
  change: number | null;
  /** Volume / free-float shares, percent. */
  turnover_rate: number | null;
}

/**
 * The fields of a {@link DailyBar} in the order QuantDB writes and serves them: the keys of every
 * stored bar's JSON text, of served bars (then `provisional`), and the CSV and column order.
 */
export const DAILY_BAR_FIELDS = [
  "date",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "amount",
  "amplitude",
  "pct_change",
  "change",
  "turnover_rate",
] as const satisfies readonly (keyof DailyBar)[];

/** Compile-time check that {@link DAILY_BAR_FIELDS} names every field of {@link DailyBar}. */
type MissingBarFields = Exclude<keyof DailyBar, (typeof DAILY_BAR_FIELDS)[number]>;
const _everyBarField: [MissingBarFields] extends [never] ? true : MissingBarFields = true;
void _everyBarField;

/** What one upstream daily-bar call returned. */
export interface UpstreamBars {
  /** Instrument name as upstream reports it (e.g. 贵州茅台), or null when it sent none. */
  name: string | null;
  /** Bars in ascending date order; empty when upstream had none (suspension, before listing, unknown code). */
  bars: DailyBar[];
}

/** Units of every field of a served bar, stated in each response. */
export interface BarUnits {
  currency: Currency;
  /** Stock prices are in the trading currency; index levels are points. */
  price: Currency | "points";
  volume: "shares";
  amount: Currency;
  amplitude: "percent";
  pct_change: "percent";
  change: Currency | "points";
  turnover_rate: "percent";
}

/** Units of the bars served for an instrument: a stock trading in `currency`, or an index (points). */
export function barUnits(instrument: { kind: "stock" | "index"; currency: Currency }): BarUnits {
  const price = instrument.kind === "index" ? "points" : instrument.currency;
  return {
    currency: instrument.currency,
    price,
    volume: "shares",
    amount: instrument.currency,
    amplitude: "percent",
    pct_change: "percent",
    change: price,
    turnover_rate: "percent",
  };
}
