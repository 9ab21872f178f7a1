/**
 * Validation and answers of the calendar endpoints, as pure functions of their input, the
 * calendar and the clock.
 *
 * TODO(core): these are domain rules (which market ids exist, the default range, what a date
 * beyond the calendar horizon may claim) and belong in `@quantdb/core/calendar`, next to
 * `parseHistoryQuery` in `@quantdb/core/history`. They live here only until they can move; keep
 * them free of HTTP types so the move is a cut and paste.
 */
import type { Clock } from "@quantdb/core/clock";
import { getCalendar, type CalendarId, type ExchangeCalendar, type Session } from "@quantdb/core/calendar";
import { localTime, parseDateInput, type IsoDate } from "@quantdb/core/dates";
import { InputError } from "@quantdb/core/errors";

/** The calendar ids a caller may name, in the order error messages list them. */
export const CALENDAR_MARKETS = ["CN", "HK"] as const satisfies readonly CalendarId[];

/**
 * Parse a calendar market id: `CN` (A-shares: SSE, SZSE, BSE) or `HK` (HKEX), case-insensitive,
 * surrounding blanks ignored.
 * @throws {InputError} `VALIDATION_ERROR` naming the accepted values for anything else.
 */
export function parseCalendarMarket(text: string): CalendarId {
  const id = text.trim().toUpperCase();
  if (!(CALENDAR_MARKETS as readonly string[]).includes(id)) {
    throw new InputError("VALIDATION_ERROR", `Invalid market '${text}': expected CN (A-shares: SSE, SZSE, BSE) or HK (HKEX)`, {
      market: text,
      accepted: CALENDAR_MARKETS,
    });
  }
  return id as CalendarId;
}

/**
 * Parse a user-supplied date (`YYYYMMDD` or `YYYY-MM-DD`).
 * @throws {InputError} `INVALID_DATE` naming the field when it is not a real date in either form.
 */
export function parseCalendarDate(name: string, value: string): IsoDate {
  const date = parseDateInput(value);
  if (!date) {
    throw new InputError("INVALID_DATE", `Invalid ${name} '${value}': expected a real date as YYYYMMDD or YYYY-MM-DD`, { [name]: value });
  }
  return date;
}

/** A calendar range request as received. */
export interface CalendarRangeInput {
  market: string;
  /** `YYYYMMDD` or `YYYY-MM-DD`; default 1 January of end_date's year. */
  start_date?: string | undefined;
  /** `YYYYMMDD` or `YYYY-MM-DD`; default 31 December of the current year on the exchange. */
  end_date?: string | undefined;
}

/** A validated calendar range request. */
export interface CalendarRange {
  calendar: ExchangeCalendar;
  start: IsoDate;
  end: IsoDate;
}

/**
 * Validate a calendar range request. `end` defaults to 31 December of the current year in the
 * exchange's time zone; `start` defaults to 1 January of `end`'s year (so with neither given, the
 * current year; with only a past `end_date`, that date's year rather than an inverted range).
 * @throws {InputError} `VALIDATION_ERROR` (market), `INVALID_DATE` or `INVALID_RANGE` (start after end).
 */
export function parseCalendarRange(input: CalendarRangeInput, clock: Clock): CalendarRange {
  const calendar = getCalendar(parseCalendarMarket(input.market));
  const year = localTime(clock.now(), calendar.timeZone).date.slice(0, 4);
  const end = input.end_date ? parseCalendarDate("end_date", input.end_date) : `${year}-12-31`;
  const start = input.start_date ? parseCalendarDate("start_date", input.start_date) : `${end.slice(0, 4)}-01-01`;
  if (start > end) {
    throw new InputError("INVALID_RANGE", `start_date ${start} is after end_date ${end}`, { start_date: start, end_date: end });
  }
  return { calendar, start, end };
}

/** Every session with `start <= date <= end` with its hours, ascending, clipped to what the calendar knows. */
export function sessionsWithHours(calendar: ExchangeCalendar, start: IsoDate, end: IsoDate): Session[] {
  return calendar.sessionsBetween(start, end).map((date) => {
    const session = calendar.session(date);
    if (session === null) throw new Error(`calendar ${calendar.id}: ${date} listed as a session without hours`);
    return session;
  });
}

/** What a calendar can say about one date. */
export interface DateStatus {
  date: IsoDate;
  /** Whether the date is within the calendar's horizon (`date <= knownThrough`). */
  known: boolean;
  /** Whether the date is a session; `null` when the date is unknown (beyond the horizon), never a guess. */
  isSession: boolean | null;
  /** The session's hours, or `null` when the date is not a known session. */
  session: Session | null;
  /** The last session strictly before the date, or `null` if none is known. */
  previous: IsoDate | null;
  /** The first session strictly after the date, or `null` if none is known. */
  next: IsoDate | null;
}

/** Describe one date on a calendar without claiming anything beyond its horizon. */
export function describeDate(calendar: ExchangeCalendar, date: IsoDate): DateStatus {
  const known = calendar.isKnown(date);
  return {
    date,
    known,
    isSession: known ? calendar.isSession(date) : null,
    session: calendar.session(date),
    previous: calendar.previousSession(date),
    next: calendar.nextSession(date),
  };
}
