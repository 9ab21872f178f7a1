/**
 * Public types of the exchange trading calendars.
 *
 * All dates are exchange-local `YYYY-MM-DD` strings ({@link IsoDate}) and all times are
 * exchange-local `HH:MM` wall-clock readings; both exchanges are UTC+8 with no daylight saving.
 */
import type { MarketId } from "../markets/types.ts";
import type { IndexMarket, Market } from "../symbols/index.ts";
import type { IsoDate } from "../dates.ts";

/** Which exchange calendar: a market's id (`"CN"` = A-shares, SSE, SZSE and BSE share it; `"HK"` = HKEX). */
export type CalendarId = MarketId;

/** A market code whose trading days a calendar describes; SH, SZ and BJ all use the CN calendar. */
export type CalendarMarket = Market | IndexMarket;

/** One trading session; times are exchange-local `HH:MM` (24-hour, zero-padded). */
export interface Session {
  /** The session's exchange-local date, `YYYY-MM-DD`. */
  date: IsoDate;
  /** Start of continuous trading, e.g. `"09:30"`. */
  open: string;
  /** End of continuous trading, e.g. `"15:00"` (CN) or `"16:00"` (HK; `"12:00"` on half days). */
  close: string;
  /** Start of the lunch break, or `null` when the session has none (HK half days). */
  breakStart: string | null;
  /** End of the lunch break, or `null` when the session has none. */
  breakEnd: string | null;
  /** `true` for an early-close session (HK: Christmas Eve, New Year's Eve, Lunar New Year's Eve). */
  halfDay: boolean;
}

/**
 * A trading calendar for one exchange, answering only for dates it has data for.
 *
 * Every argument is an exchange-local `YYYY-MM-DD` date; any other shape throws a `RangeError`.
 * Dates after {@link ExchangeCalendar.knownThrough} are *unknown*: they are never reported as
 * sessions, and questions whose answer would depend on them return `null`. Dates before
 * {@link ExchangeCalendar.firstSession} are treated as closed.
 */
export interface ExchangeCalendar {
  /** Which calendar this is. */
  readonly id: CalendarId;
  /** The exchange's IANA time zone, in which all dates and times of this calendar are local. */
  readonly timeZone: string;
  /** First date the calendar has data for (CN: `"1990-12-19"`, the first SSE session; HK: `"1990-01-02"`). */
  readonly firstSession: IsoDate;
  /**
   * Last date the calendar is known through (`"2026-12-31"` for both now). Beyond it a day is unknown, not a weekday.
   */
  readonly knownThrough: IsoDate;
  /** Whether the calendar can answer for `date`, i.e. `date <= knownThrough`. */
  isKnown(date: IsoDate): boolean;
  /**
   * Whether `date` is a session; `false` for unknown dates (beyond `knownThrough`) and for dates before `firstSession`.
   */
  isSession(date: IsoDate): boolean;
  /** The session's hours, or `null` if `date` is not a (known) session. Returns a fresh object each call. */
  session(date: IsoDate): Session | null;
  /**
   * All sessions with `start <= date <= end` (inclusive, ascending), clipped to what is known.
   * Empty if `start > end`. O(log n + k) for k results.
   */
  sessionsBetween(start: IsoDate, end: IsoDate): IsoDate[];
  /** Number of sessions with `start <= date <= end`, with the same semantics as {@link sessionsBetween}; O(log n). */
  countSessions(start: IsoDate, end: IsoDate): number;
  /**
   * The first session strictly after `date`, or `null` if none is known (`date` at or beyond the last known session).
   */
  nextSession(date: IsoDate): IsoDate | null;
  /**
   * The last session strictly before `date`, or `null` if there is none, or if a day between it
   * and `date` lies beyond `knownThrough` (so the answer would be a guess).
   */
  previousSession(date: IsoDate): IsoDate | null;
  /** `date` itself if it is a session, else the next session after it; `null` if none is known. */
  sessionOnOrAfter(date: IsoDate): IsoDate | null;
  /**
   * `date` itself if it is a session, else the last session before it; `null` if none, or if `date` is beyond
   * `knownThrough`.
   */
  sessionOnOrBefore(date: IsoDate): IsoDate | null;
}
