/**
 * The calendar of a market that never closes (crypto, `market("CRYPTO")`): every UTC day is a
 * session, all day. Dates are UTC `YYYY-MM-DD`; hours are `00:00`–`24:00` (the end of the day).
 * Whether a bar is final depends on its timeframe and is decided by the crypto service
 * (`../crypto/grid.ts`), not by this calendar.
 */
import { addCalendarDays, type IsoDate } from "../dates.ts";
import type { ExchangeCalendar, Session } from "./types.ts";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** The first Bitcoin block (2009-01-03): no crypto pair traded before it. */
const FIRST_SESSION = "2009-01-03";
/**
 * A continuous market has no horizon: every future day is a session. The last date `YYYY-MM-DD`
 * can spell stands for "always".
 */
const KNOWN_THROUGH = "9999-12-31";

function checkDate(date: IsoDate): void {
  if (typeof date !== "string" || !ISO_DATE.test(date)) {
    throw new RangeError(`calendar: date must be a UTC YYYY-MM-DD date, got ${JSON.stringify(date)}`);
  }
}

function dayNumber(date: IsoDate): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** The crypto market's calendar: every UTC day from 2009-01-03 on is a session, 00:00–24:00. */
class ContinuousCalendar implements ExchangeCalendar {
  readonly id = "CRYPTO" as const;
  readonly timeZone = "UTC";
  readonly firstSession: IsoDate = FIRST_SESSION;
  readonly knownThrough: IsoDate = KNOWN_THROUGH;

  isKnown(date: IsoDate): boolean {
    checkDate(date);
    return true;
  }

  isSession(date: IsoDate): boolean {
    checkDate(date);
    return date >= FIRST_SESSION;
  }

  session(date: IsoDate): Session | null {
    if (!this.isSession(date)) return null;
    return { date, open: "00:00", close: "24:00", breakStart: null, breakEnd: null, halfDay: false };
  }

  sessionsBetween(start: IsoDate, end: IsoDate): IsoDate[] {
    checkDate(start);
    checkDate(end);
    const sessions: IsoDate[] = [];
    for (let day = start < FIRST_SESSION ? FIRST_SESSION : start; day <= end; day = addCalendarDays(day, 1)) {
      sessions.push(day);
    }
    return sessions;
  }

  countSessions(start: IsoDate, end: IsoDate): number {
    checkDate(start);
    checkDate(end);
    const from = start < FIRST_SESSION ? FIRST_SESSION : start;
    return from > end ? 0 : dayNumber(end) - dayNumber(from) + 1;
  }

  nextSession(date: IsoDate): IsoDate | null {
    checkDate(date);
    if (date < FIRST_SESSION) return FIRST_SESSION;
    return date >= KNOWN_THROUGH ? null : addCalendarDays(date, 1);
  }

  previousSession(date: IsoDate): IsoDate | null {
    checkDate(date);
    return date <= FIRST_SESSION ? null : addCalendarDays(date, -1);
  }

  sessionOnOrAfter(date: IsoDate): IsoDate | null {
    checkDate(date);
    return date < FIRST_SESSION ? FIRST_SESSION : date;
  }

  sessionOnOrBefore(date: IsoDate): IsoDate | null {
    checkDate(date);
    return date < FIRST_SESSION ? null : date;
  }
}

/** The one crypto calendar (immutable). */
export const CRYPTO_CALENDAR: ExchangeCalendar = Object.freeze(new ContinuousCalendar());
