/**
 * Whether an exchange is trading at an instant, and since when a quote taken now holds the final
 * state of the last trading segment, from the exchange calendar's session hours.
 */
import type { ExchangeCalendar } from "../calendar/index.ts";
import { instantAt, localTime } from "../dates.ts";

/** An exchange's trading state at one instant. */
export interface MarketPhase {
  /**
   * `true` during continuous trading (between a session's open and close, the lunch break
   * excluded), `false` outside it, `null` when the calendar cannot tell (the local date is beyond
   * its known horizon).
   */
  open: boolean | null;
  /**
   * Set when the exchange is closed and its last trading segment (a session, or a session's
   * morning before the lunch break) ended at least the settle margin ago: a quote fetched at or
   * after this instant holds that segment's final state until trading resumes. `null` while
   * trading, within the settle margin after a segment, or when the calendar cannot tell.
   */
  settledSince: Date | null;
}

/**
 * The trading state of `calendar`'s exchange at `now`.
 * @param settleMs how long after a segment ends upstream's quote can still change (closing
 *   auction, delayed feed); the segment counts as settled only from its end + `settleMs`
 */
export function marketPhase(calendar: ExchangeCalendar, now: Date, settleMs: number): MarketPhase {
  const tz = calendar.timeZone;
  const today = localTime(now, tz).date;
  if (!calendar.isKnown(today)) return { open: null, settledSince: null };
  const t = now.getTime();
  let lastEnd: number | null = null;
  const session = calendar.session(today);
  if (session) {
    const segments: Array<[string, string]> =
      session.breakStart !== null && session.breakEnd !== null
        ? [
            [session.open, session.breakStart],
            [session.breakEnd, session.close],
          ]
        : [[session.open, session.close]];
    for (const [start, end] of segments) {
      const from = instantAt(today, start, tz).getTime();
      const to = instantAt(today, end, tz).getTime();
      if (t >= from && t < to) return { open: true, settledSince: null };
      if (to <= t) lastEnd = to;
    }
  }
  if (lastEnd === null) {
    const previous = calendar.previousSession(today);
    const hours = previous === null ? null : calendar.session(previous);
    if (previous === null || hours === null) return { open: false, settledSince: null };
    lastEnd = instantAt(previous, hours.close, tz).getTime();
  }
  const settled = lastEnd + settleMs;
  return { open: false, settledSince: t >= settled ? new Date(settled) : null };
}
