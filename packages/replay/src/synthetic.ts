/**
 * SYNTHETIC bars for tests: made-up daily klines appended after a dataset's last recorded bar, so a
 * test can ask for dates the recordings do not reach (e.g. the days after the bundled calendars'
 * 2026-12-31 horizon). Nothing here is recorded data; `fixtures/README.md` ("Synthetic klines")
 * says so too. Only tests add them (`ReplayServer.addSyntheticKlines`), and `reset()` drops them.
 */
import type { Bar } from "./data.ts";

/** One made-up bar: a date and a close; the other fields are derived from them. */
export interface SyntheticBarSpec {
  /** Exchange-local date, `YYYY-MM-DD`. */
  date: string;
  /** Close in the dataset's currency (index points for an index). */
  close: number;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Eastmoney kline strings (f51..f61) for `specs`, internally consistent: open = the previous
 * close, high/low the larger/smaller of open and close ±0.5 %, volume 100,000 (lots for A-shares
 * and CN indices, shares for HK), amount `"-"`, change/pct/amplitude against the previous close,
 * turnover `"-"`.
 * @param previousClose the close before the first spec (the dataset's last recorded close)
 * @param decimals price decimals (2 for A-shares and indices, 3 for HK stocks)
 * @throws Error for a bad date, dates not ascending, or a non-positive close
 */
export function syntheticBars(specs: readonly SyntheticBarSpec[], previousClose: number, decimals: number): Bar[] {
  const bars: Bar[] = [];
  let previous = previousClose;
  let lastDate = "";
  for (const { date, close } of specs) {
    if (!DATE_RE.test(date) || date <= lastDate)
      throw new Error(
        `synthetic klines: dates must be ascending YYYY-MM-DD, got ${date} after ${lastDate || "nothing"}`,
      );
    if (!(close > 0)) throw new Error(`synthetic klines: close must be positive, got ${close} on ${date}`);
    const round = (x: number): number => Number(x.toFixed(decimals));
    const open = round(previous);
    const c = round(close);
    const high = round(Math.max(open, c) * 1.005);
    const low = round(Math.min(open, c) * 0.995);
    const change = c - previous;
    const fields = [
      date,
      open.toFixed(decimals),
      c.toFixed(decimals),
      high.toFixed(decimals),
      low.toFixed(decimals),
      "100000",
      "-",
      (((high - low) / previous) * 100).toFixed(2),
      ((change / previous) * 100).toFixed(2),
      change.toFixed(decimals),
      "-",
    ];
    bars.push({ date, key: date.replaceAll("-", ""), open, close: c, kline: fields.join(",") });
    previous = c;
    lastDate = date;
  }
  return bars;
}
