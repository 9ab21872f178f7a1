/**
 * Weekly and monthly bars, derived from cached daily bars (never fetched separately).
 */
import { endOfMonth, endOfISOWeek, format, startOfISOWeek, startOfMonth } from "date-fns";
import { UTCDate } from "@date-fns/utc";
import type { ExchangeCalendar } from "../calendar/index.ts";
import { addCalendarDays, type IsoDate } from "../dates.ts";
import { InputError } from "../errors.ts";
import type { ServedBar } from "./service.ts";

/** Bar period: one bar per session, per calendar week (Monday–Sunday) or per calendar month. */
export type Period = "daily" | "weekly" | "monthly";

/** The accepted periods. */
export const PERIODS: readonly Period[] = ["daily", "weekly", "monthly"];

/**
 * Validate a period; omitted means daily.
 * @throws {InputError} `INVALID_PERIOD` naming the accepted values.
 */
export function parsePeriod(value: string | undefined): Period {
  const period = (value ?? "daily").trim().toLowerCase();
  if (!(PERIODS as readonly string[]).includes(period)) {
    throw new InputError("INVALID_PERIOD", `Invalid period '${value}': expected daily, weekly or monthly`, {
      period: value,
      accepted: PERIODS,
    });
  }
  return period as Period;
}

const utc = (date: IsoDate) => new UTCDate(`${date}T00:00:00Z`);
const iso = (date: Date) => format(date, "yyyy-MM-dd");

/** First calendar day of the period holding `date` (Monday for weeks). */
export function periodStart(date: IsoDate, period: Exclude<Period, "daily">): IsoDate {
  return iso(period === "weekly" ? startOfISOWeek(utc(date)) : startOfMonth(utc(date)));
}

/** Last calendar day of the period holding `date` (Sunday for weeks). */
export function periodEnd(date: IsoDate, period: Exclude<Period, "daily">): IsoDate {
  return iso(period === "weekly" ? endOfISOWeek(utc(date)) : endOfMonth(utc(date)));
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function sumOrNull(values: readonly (number | null)[]): number | null {
  let total = 0;
  for (const value of values) {
    if (value === null) return null;
    total += value;
  }
  return total;
}

/** Whether a calendar day of [from, to] may be a session: a known session, or an unknown weekday past the horizon. */
function maySession(calendar: ExchangeCalendar, from: IsoDate, to: IsoDate): boolean {
  if (from > to) return false;
  if (calendar.sessionsBetween(from, to).length > 0) return true;
  // Past the horizon a weekday is unknown, so it may be a session; weekends never are (CN, HK).
  for (
    let day = from > calendar.knownThrough ? from : addCalendarDays(calendar.knownThrough, 1);
    day <= to;
    day = addCalendarDays(day, 1)
  ) {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) return true;
  }
  return false;
}

/**
 * Aggregate ascending daily bars into weekly or monthly bars. Each bar is dated on the period's last
 * session with a bar; open is the first open, close the last close, high the maximum, low the
 * minimum; volume, amount and turnover rate are summed (null if any day lacks them). Change, percent
 * change and amplitude are measured from the previous period's close (for the first period, from
 * the reference price of its first day, `close − change`).
 *
 * `window` is the date range the daily bars were read from (exchange-local, inclusive; its end is
 * already clipped to today). A period with a session outside it (cut short by the request's
 * `end_date` or by today, or begun before its `start_date`) is `partial: true`; nothing outside the
 * window is used, so a partial bar holds no data from after the window's end. A period is
 * provisional while any of its days is.
 * @param priceDecimals decimals to round `change` to (2 for A-shares, 3 for HK)
 */
export function aggregateBars(
  daily: readonly ServedBar[],
  period: Exclude<Period, "daily">,
  context: { calendar: ExchangeCalendar; window: { start: IsoDate; end: IsoDate }; priceDecimals: number },
): ServedBar[] {
  const { calendar, window } = context;
  const groups = new Map<IsoDate, ServedBar[]>();
  for (const bar of daily) {
    if (bar.date < window.start || bar.date > window.end) continue;
    const key = periodStart(bar.date, period);
    const group = groups.get(key);
    if (group) group.push(bar);
    else groups.set(key, [bar]);
  }
  const out: ServedBar[] = [];
  let previousClose: number | null = null;
  let first = true;
  for (const [start, bars] of groups) {
    const head = bars[0]!;
    const last = bars.at(-1)!;
    if (first) previousClose = head.change === null ? null : head.close - head.change;
    first = false;
    const high = Math.max(...bars.map((b) => b.high));
    const low = Math.min(...bars.map((b) => b.low));
    const end = periodEnd(start, period);
    const partial =
      (start < window.start && maySession(calendar, start, addCalendarDays(window.start, -1))) ||
      (end > window.end && maySession(calendar, addCalendarDays(window.end, 1), end));
    const amount = sumOrNull(bars.map((b) => b.amount));
    const turnover = sumOrNull(bars.map((b) => b.turnover_rate));
    out.push({
      date: last.date,
      open: head.open,
      high,
      low,
      close: last.close,
      volume: bars.reduce((total, b) => total + b.volume, 0),
      amount: amount === null ? null : round(amount, 2),
      amplitude: previousClose ? round(((high - low) / previousClose) * 100, 2) : null,
      pct_change: previousClose ? round(((last.close - previousClose) / previousClose) * 100, 2) : null,
      change: previousClose === null ? null : round(last.close - previousClose, context.priceDecimals),
      turnover_rate: turnover === null ? null : round(turnover, 2),
      provisional: bars.some((b) => b.provisional),
      partial,
    });
    previousClose = last.close;
  }
  return out;
}
