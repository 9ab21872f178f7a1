/**
 * {@link ExchangeCalendar} over a sorted array of session dates. Every query is a binary search on
 * `YYYY-MM-DD` strings, which order like the dates they name.
 */
import { addCalendarDays, type IsoDate } from "../dates.ts";
import type { DecodedCalendar } from "./bundled-data.ts";
import type { CalendarId, ExchangeCalendar, Session } from "./types.ts";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(date: IsoDate, name = "date"): void {
  if (typeof date !== "string" || !ISO_DATE.test(date)) {
    throw new RangeError(`calendar: ${name} must be an exchange-local YYYY-MM-DD date, got ${JSON.stringify(date)}`);
  }
}

/** Index of the first element `>= date` (`sorted.length` if none). */
function lowerBound(sorted: readonly IsoDate[], date: IsoDate): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as IsoDate) < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element `> date` (`sorted.length` if none). */
function upperBound(sorted: readonly IsoDate[], date: IsoDate): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as IsoDate) <= date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A calendar backed by decoded bundled data. Construct it through `getCalendar`, which shares one
 * instance per exchange.
 */
export class SessionCalendar implements ExchangeCalendar {
  readonly id: CalendarId;
  readonly timeZone: string;
  readonly firstSession: IsoDate;
  readonly knownThrough: IsoDate;
  readonly #data: DecodedCalendar;
  /** The first unknown day; a "previous session" search from beyond it would have to guess. */
  readonly #firstUnknown: IsoDate;

  constructor(data: DecodedCalendar) {
    this.#data = data;
    this.id = data.id;
    this.timeZone = data.timeZone;
    this.firstSession = data.firstSession;
    this.knownThrough = data.knownThrough;
    this.#firstUnknown = addCalendarDays(data.knownThrough, 1);
  }

  isKnown(date: IsoDate): boolean {
    checkDate(date);
    return date <= this.knownThrough;
  }

  isSession(date: IsoDate): boolean {
    checkDate(date);
    return this.#indexOf(date) >= 0;
  }

  session(date: IsoDate): Session | null {
    checkDate(date);
    const i = this.#indexOf(date);
    if (i < 0) return null;
    const hours = this.#data.hours[this.#data.hoursIndex[i] as number];
    if (hours === undefined) throw new Error(`calendar ${this.id}: no hours for ${date}`);
    return {
      date,
      open: hours.open,
      close: hours.close,
      breakStart: hours.breakStart,
      breakEnd: hours.breakEnd,
      halfDay: hours.halfDay,
    };
  }

  sessionsBetween(start: IsoDate, end: IsoDate): IsoDate[] {
    checkDate(start, "start");
    checkDate(end, "end");
    const sessions = this.#data.sessions;
    const from = lowerBound(sessions, start);
    const to = upperBound(sessions, end);
    return from < to ? sessions.slice(from, to) : [];
  }

  countSessions(start: IsoDate, end: IsoDate): number {
    checkDate(start, "start");
    checkDate(end, "end");
    const sessions = this.#data.sessions;
    return Math.max(0, upperBound(sessions, end) - lowerBound(sessions, start));
  }

  nextSession(date: IsoDate): IsoDate | null {
    checkDate(date);
    return this.#data.sessions[upperBound(this.#data.sessions, date)] ?? null;
  }

  previousSession(date: IsoDate): IsoDate | null {
    checkDate(date);
    if (date > this.#firstUnknown) return null;
    return this.#data.sessions[lowerBound(this.#data.sessions, date) - 1] ?? null;
  }

  sessionOnOrAfter(date: IsoDate): IsoDate | null {
    checkDate(date);
    return this.#data.sessions[lowerBound(this.#data.sessions, date)] ?? null;
  }

  sessionOnOrBefore(date: IsoDate): IsoDate | null {
    checkDate(date);
    if (date > this.knownThrough) return null;
    return this.#data.sessions[upperBound(this.#data.sessions, date) - 1] ?? null;
  }

  /** Index of `date` in the session array, or -1. */
  #indexOf(date: IsoDate): number {
    const i = lowerBound(this.#data.sessions, date);
    return this.#data.sessions[i] === date ? i : -1;
  }
}
