/**
 * Calendar requests as users send them (market ids, date ranges, one date) and the answers, as
 * pure functions of their input, the calendar and the clock.
 */
import type { Clock } from "../clock.ts";
import { localTime, type IsoDate } from "../dates.ts";
import { InputError } from "../errors.ts";
import { anyMarket, MARKET_IDS } from "../markets/registry.ts";
import { parseDateParam } from "../params.ts";
import type { Calendars } from "./registry.ts";
import type { CalendarId, ExchangeCalendar, Session } from "./types.ts";

/** The calendar ids a caller may name, in the order error messages list them. */
export const CALENDAR_MARKETS: readonly [CalendarId, ...CalendarId[]] = MARKET_IDS;

/** `CN (A-shares: SSE, SZSE, BSE) or HK (HKEX)`: the calendar ids with what each describes. */
const EXPECTED = CALENDAR_MARKETS.map((id) => {
  const entry = anyMarket(id);
  return entry.calendar.kind === "exchange" ? `${id} (${entry.calendar.description})` : `${id} (${entry.name}, UTC)`;
}).join(" or ");

/**
 * Parse a calendar market id: `CN` (A-shares: SSE, SZSE, BSE) or `HK` (HKEX), case-insensitive,
 * surrounding blanks ignored.
 * @throws {InputError} `VALIDATION_ERROR` naming the accepted values for anything else.
 */
export function parseCalendarMarket(text: string): CalendarId {
  const id = text.trim().toUpperCase();
  if (!(CALENDAR_MARKETS as readonly string[]).includes(id)) {
    throw new InputError("VALIDATION_ERROR", `Invalid market '${text}': expected ${EXPECTED}`, {
      market: text,
      accepted: CALENDAR_MARKETS,
    });
  }
  return id as CalendarId;
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
 * @param calendars the system's calendars; `calendar` of the answer is the one in use now
 * @throws {InputError} `VALIDATION_ERROR` (market), `INVALID_DATE` or `INVALID_RANGE` (start after end).
 */
export function parseCalendarRange(input: CalendarRangeInput, clock: Clock, calendars: Calendars): CalendarRange {
  const calendar = calendars.get(parseCalendarMarket(input.market));
  const year = localTime(clock.now(), calendar.timeZone).date.slice(0, 4);
  const end = input.end_date ? parseDateParam("end_date", input.end_date) : `${year}-12-31`;
  const start = input.start_date ? parseDateParam("start_date", input.start_date) : `${end.slice(0, 4)}-01-01`;
  if (start > end) {
    throw new InputError("INVALID_RANGE", `start_date ${start} is after end_date ${end}`, {
      start_date: start,
      end_date: end,
    });
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
