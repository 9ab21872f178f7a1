/**
 * When a session's bar is final: upstream keeps revising it through the closing auction, so a bar
 * counts as final only some minutes after the close (HistoryService, the calendar horizon and CSV
 * imports all use this one rule).
 */
import { addCalendarDays, instantAt, localTime, type IsoDate } from "../dates.ts";
import { market, STOCK_MARKET_IDS, MARKETS } from "../markets/registry.ts";
import type { ExchangeCalendar } from "./types.ts";

/**
 * Minutes after the close before a bar is final, unless a caller configures another margin (every
 * market's `finalAfterCloseMinutes`; one default because the margin is one setting).
 */
export const DEFAULT_FINALIZE_AFTER_CLOSE_MINUTES = Math.max(
  ...STOCK_MARKET_IDS.map((id) => MARKETS[id].finalAfterCloseMinutes),
);

/**
 * The last exchange-local date whose bar is final at `now`: today once its close (the session's own,
 * half days included; the regular close past the horizon) plus `marginMs` has passed, or when today
 * is a known non-session day; otherwise yesterday.
 */
export function finalThroughOn(
  calendar: ExchangeCalendar,
  now: Date,
  marginMs: number = DEFAULT_FINALIZE_AFTER_CLOSE_MINUTES * 60_000,
): IsoDate {
  const today = localTime(now, calendar.timeZone).date;
  const close = calendar.isKnown(today)
    ? calendar.session(today)?.close
    : calendar.id === "CRYPTO"
      ? "24:00"
      : market(calendar.id).hours.close;
  if (close === undefined) return today; // a known non-session day: everything up to today is final
  const finalAt = instantAt(today, close, calendar.timeZone).getTime() + marginMs;
  return now.getTime() >= finalAt ? today : addCalendarDays(today, -1);
}
