/**
 * Run-time calendar extensions: sessions for years after the bundled data's `knownThrough`, from
 * Sina's A-share trading-date list or from an operator-supplied HKEX holiday list.
 *
 * An extension only ever adds days after what a calendar already knows. Its builders first check
 * that the source agrees with the known past and refuse it otherwise, so a newer or broken source
 * can never silently rewrite history; to correct the past, rebuild the bundled data instead.
 *
 * @example
 * const calendars = new CalendarRegistry();
 * const ext = cnExtensionFromSinaDates(decodeSinaTradeDates(body), calendars.get("CN"));
 * applyCalendarExtension(calendars, ext);
 * calendars.get("CN").knownThrough; // e.g. "2027-12-31"
 */
import { addCalendarDays, type IsoDate } from "../dates.ts";
import { market, STOCK_MARKET_IDS } from "../markets/registry.ts";
import type { DecodedCalendar, SessionHours } from "./bundled-data.ts";
import { SessionCalendar } from "./exchange-calendar.ts";
import { getCalendar, type CalendarRegistry } from "./registry.ts";
import { addSinaMissingTradeDates } from "./sina.ts";
import type { CalendarId, ExchangeCalendar, Session } from "./types.ts";

/**
 * Sessions that extend a calendar past its `knownThrough`.
 *
 * All dates are exchange-local `YYYY-MM-DD` and all times exchange-local `HH:MM`. Build one with
 * {@link cnExtensionFromSinaDates} or {@link hkExtensionFromHolidays}; install it with
 * {@link applyCalendarExtension}.
 */
export interface CalendarExtension {
  /** The calendar extended. */
  readonly id: CalendarId;
  /**
   * The new sessions with their hours, ascending, all strictly after the extended calendar's
   * `knownThrough` and on or before this extension's {@link knownThrough}. Weekdays between those
   * two dates that are not listed are closed.
   */
  readonly sessions: readonly Session[];
  /** The extended calendar's new `knownThrough` (the last day this extension vouches for). */
  readonly knownThrough: IsoDate;
  /**
   * Where the sessions came from, e.g. `"sina:klc_td_sh"`, `"operator"` or
   * `"observed:1.000001"` (learnt from the benchmark index's bars, see `./horizon.ts`); for logs.
   */
  readonly source: string;
  /**
   * The `knownThrough` of the calendar the extension was built against: it vouches for every day
   * in (`startsAfter`, `knownThrough`], sessions and closed days alike. Lets an extension built by
   * another process against an older horizon be applied over a newer one (the overlap must agree)
   * and refuses one built against a horizon this calendar has not reached (a gap). Absent on
   * extensions stored before it existed: they are applied as built against the current horizon.
   */
  readonly startsAfter?: IsoDate;
}

type Hours = Omit<Session, "date">;

/** The calendar whose official schedule a source publishes (the market's `calendar.officialSchedule`). */
function calendarOfSchedule(schedule: "sina-trade-dates" | "hkex-holidays"): CalendarId {
  const id = STOCK_MARKET_IDS.find((m) => {
    const calendar = market(m).calendar;
    return calendar.kind === "exchange" && calendar.officialSchedule === schedule;
  });
  if (id === undefined) throw new Error(`calendar extension: no market publishes its schedule as ${schedule}`);
  return id;
}

/** The calendar Sina's trading-date list describes (A-shares). */
export const SINA_CALENDAR = calendarOfSchedule("sina-trade-dates");
/** The calendar HKEX's holiday list describes. */
export const HKEX_CALENDAR = calendarOfSchedule("hkex-holidays");

/**
 * A market's regular hours (A-shares: 09:30–15:00, break 11:30–13:00; HKEX now 09:30–16:00, break
 * 12:00–13:00).
 */
function regularHours(id: CalendarId): Hours {
  if (id === "CRYPTO") return { open: "00:00", close: "24:00", breakStart: null, breakEnd: null, halfDay: false };
  return { ...market(id).hours, halfDay: false };
}

/**
 * A market's half-day hours: morning only, no break (HKEX since 2011-03-07: 09:30–12:00), or null
 * for a market without half days.
 */
function halfDayHours(id: CalendarId): Hours | null {
  if (id === "CRYPTO") return null;
  const { hours, calendar } = market(id);
  if (calendar.kind !== "exchange" || calendar.halfDayClose === null) return null;
  return { open: hours.open, close: calendar.halfDayClose, breakStart: null, breakEnd: null, halfDay: true };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
/** How many differing dates an error message lists. */
const SHOW = 5;

/** A `YYYY-MM-DD` string naming a real calendar date (a UTC round trip; cheap enough for 10k dates). */
function isRealDate(date: unknown): date is IsoDate {
  if (typeof date !== "string" || !ISO_DATE.test(date)) return false;
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/** Day of the week of an ISO date, 0 = Sunday … 6 = Saturday (computed in UTC, no local time). */
function dayOfWeek(date: IsoDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function isWeekend(date: IsoDate): boolean {
  const day = dayOfWeek(date);
  return day === 0 || day === 6;
}

function endOfYear(date: IsoDate): IsoDate {
  return `${date.slice(0, 4)}-12-31`;
}

function hoursOf(session: Hours): Hours {
  const { open, close, breakStart, breakEnd, halfDay } = session;
  return { open, close, breakStart, breakEnd, halfDay };
}

function sameHours(a: Hours, b: Hours): boolean {
  return (
    a.open === b.open &&
    a.close === b.close &&
    a.breakStart === b.breakStart &&
    a.breakEnd === b.breakEnd &&
    a.halfDay === b.halfDay
  );
}

function listDates(dates: readonly string[]): string {
  return dates.slice(0, SHOW).join(", ") + (dates.length > SHOW ? `, … (${dates.length} in all)` : "");
}

/**
 * Build a CN (A-share) extension from Sina's trading-date list (the output of
 * `decodeSinaTradeDates`).
 *
 * First adds the date Sina is known to lack (1992-05-04, see `addSinaMissingTradeDates`), then
 * checks the list against `base` day by day: for every date from `base.firstSession` through the
 * end of what both know (`base.knownThrough`, or Dec 31 of the list's last year if that is
 * earlier), being in the list must equal `base.isSession`. Listed dates before `base.firstSession`
 * count as differences too. The dates after `base.knownThrough` become the new sessions, with
 * A-share hours (09:30–15:00, break 11:30–13:00), and the new `knownThrough` is Dec 31 of the year
 * of the last listed date, since Sina publishes whole years.
 *
 * @param dates exchange-local `YYYY-MM-DD` trading dates, in any order (duplicates ignored)
 * @param base the calendar to extend (a system's is `calendars.get("CN")`); the bundled CN calendar by default
 * @param source recorded in the extension
 * @returns the extension; with no sessions and `base.knownThrough` unchanged when the list has no
 *   date after `base.knownThrough` (e.g. a list that ends before it)
 * @throws Error if the list disagrees with `base` on any date it covers ("would rewrite the past";
 *   the message lists the first differing dates), if it is empty, holds something that is not a
 *   real `YYYY-MM-DD` date, or a new date on a weekend, or if `base` is not the CN calendar.
 */
export function cnExtensionFromSinaDates(
  dates: readonly IsoDate[],
  base: ExchangeCalendar = getCalendar(SINA_CALENDAR),
  source = "sina:klc_td_sh",
): CalendarExtension {
  if (base.id !== SINA_CALENDAR)
    throw new Error(`calendar extension: Sina dates extend the ${SINA_CALENDAR} calendar, not ${base.id}`);
  const bad = dates.filter((d) => !isRealDate(d));
  if (bad.length > 0)
    throw new Error(`calendar extension: not YYYY-MM-DD dates: ${listDates(bad.map((d) => JSON.stringify(d)))}`);
  if (dates.length === 0) throw new Error("calendar extension: the Sina date list is empty");

  const listed = addSinaMissingTradeDates(dates);
  const last = listed.at(-1) as IsoDate;
  const sinaKnownThrough = endOfYear(last);
  const checkThrough = sinaKnownThrough < base.knownThrough ? sinaKnownThrough : base.knownThrough;

  // Merge the two ascending lists over the common range: a date in exactly one of them differs.
  const known = base.sessionsBetween(base.firstSession, checkThrough);
  const past = listed.filter((d) => d <= checkThrough);
  const differences: string[] = [];
  let i = 0;
  let j = 0;
  while (i < past.length || j < known.length) {
    const a = past[i];
    const b = known[j];
    if (a !== undefined && a === b) {
      i++;
      j++;
    } else if (b === undefined || (a !== undefined && a < b)) {
      differences.push(`${a} (listed, but not a session)`);
      i++;
    } else {
      differences.push(`${b} (a session, but not listed)`);
      j++;
    }
  }
  if (differences.length > 0) {
    throw new Error(
      `calendar extension: the Sina date list would rewrite the past: it disagrees with the ${SINA_CALENDAR} ` +
        `calendar on ${differences.length} date(s) through ${checkThrough}: ${listDates(differences)}`,
    );
  }

  const fresh = listed.filter((d) => d > base.knownThrough);
  if (fresh.length === 0)
    return { id: SINA_CALENDAR, sessions: [], knownThrough: base.knownThrough, source, startsAfter: base.knownThrough };
  const weekends = fresh.filter(isWeekend);
  if (weekends.length > 0) throw new Error(`calendar extension: Sina lists weekend dates: ${listDates(weekends)}`);
  return {
    id: SINA_CALENDAR,
    sessions: fresh.map((date) => ({ date, ...regularHours(SINA_CALENDAR) })),
    knownThrough: sinaKnownThrough,
    source,
    startsAfter: base.knownThrough,
  };
}

/** The hours of `base`'s last regular session and last half day (the market's hours if it has none). */
function latestHours(base: ExchangeCalendar): { regular: Hours; halfDay: Hours } {
  let regular: Hours | undefined;
  let halfDay: Hours | undefined;
  const sessions = base.sessionsBetween(base.firstSession, base.knownThrough);
  for (let i = sessions.length - 1; i >= 0 && (regular === undefined || halfDay === undefined); i--) {
    const session = base.session(sessions[i] as IsoDate);
    if (session === null) continue;
    if (session.halfDay) halfDay ??= hoursOf(session);
    else regular ??= hoursOf(session);
  }
  const fallback = regularHours(base.id);
  return { regular: regular ?? fallback, halfDay: halfDay ?? halfDayHours(base.id) ?? fallback };
}

/**
 * Build an HK extension for one year from an operator-supplied HKEX holiday list (HKEX publishes
 * the next year's list; nothing upstream provides it).
 *
 * Every weekday of `year` not in `holidays` becomes a session. Sessions in `halfDays` get the
 * hours of `base`'s last half day (now 09:30–12:00, no break), all others the hours of its last
 * regular session (now 09:30–16:00, break 12:00–13:00). The new `knownThrough` is Dec 31 of `year`.
 * Weekend holidays are not listed: weekends are closed anyway.
 *
 * When the calendar already knows part of `year` (days learnt from index bars, see
 * `./horizon.ts`), the list must agree with it on those days, and only the days after
 * `base.knownThrough` are added.
 *
 * @param spec.year the year to add: the year of the day after `base.knownThrough`
 * @param spec.holidays exchange-local `YYYY-MM-DD` weekdays of `year` on which HKEX is closed
 * @param spec.halfDays exchange-local `YYYY-MM-DD` weekdays of `year` that close at noon
 * @param base the calendar to extend (a system's is `calendars.get("HK")`); the bundled HK calendar by default
 * @param source recorded in the extension
 * @throws Error if `base` is not the HK calendar, if `year` is not the year of the day after
 *   `base.knownThrough`, if the list disagrees with a day of `year` the calendar already knows, or
 *   if a date is not a real `YYYY-MM-DD` date, lies outside `year`, falls on a weekend, or is both a
 *   holiday and a half day.
 */
export function hkExtensionFromHolidays(
  { year, holidays, halfDays }: { year: number; holidays: readonly IsoDate[]; halfDays: readonly IsoDate[] },
  base: ExchangeCalendar = getCalendar(HKEX_CALENDAR),
  source = "operator",
): CalendarExtension {
  if (base.id !== HKEX_CALENDAR)
    throw new Error(`calendar extension: HKEX holidays extend the ${HKEX_CALENDAR} calendar, not ${base.id}`);
  const firstUnknown = addCalendarDays(base.knownThrough, 1);
  const nextYear = Number(firstUnknown.slice(0, 4));
  if (year !== nextYear) {
    throw new Error(
      `calendar extension: ${HKEX_CALENDAR} is known through ${base.knownThrough}; the next year to add is ` +
        `${nextYear}, not ${year}`,
    );
  }
  const check = (list: readonly IsoDate[], name: string): Set<IsoDate> => {
    const wrong = list.filter((d) => !isRealDate(d) || !d.startsWith(`${year}-`));
    if (wrong.length > 0)
      throw new Error(
        `calendar extension: ${name} not YYYY-MM-DD dates in ${year}: ` +
          `${listDates(wrong.map((d) => JSON.stringify(d)))}`,
      );
    const weekends = list.filter(isWeekend);
    if (weekends.length > 0)
      throw new Error(`calendar extension: ${name} on a weekend (list weekdays only): ${listDates(weekends)}`);
    return new Set(list);
  };
  const closed = check(holidays, "holidays");
  const half = check(halfDays, "half days");
  const both = [...half].filter((d) => closed.has(d)).sort();
  if (both.length > 0) throw new Error(`calendar extension: dates both holidays and half days: ${listDates(both)}`);

  const hours = latestHours(base);
  const sessions: Session[] = [];
  const knownThrough = `${year}-12-31`;
  const differences: string[] = [];
  for (let date = `${year}-01-01`; date <= knownThrough; date = addCalendarDays(date, 1)) {
    if (isWeekend(date)) continue;
    if (date <= base.knownThrough) {
      if (base.isSession(date) === closed.has(date))
        differences.push(`${date} (${closed.has(date) ? "listed closed, but a session" : "not listed, but closed"})`);
      continue;
    }
    if (closed.has(date)) continue;
    sessions.push({ date, ...(half.has(date) ? hours.halfDay : hours.regular) });
  }
  if (differences.length > 0) {
    throw new Error(
      `calendar extension: the holiday list would rewrite the past: it disagrees with the ${HKEX_CALENDAR} ` +
        `calendar on ${listDates(differences)}`,
    );
  }
  return { id: HKEX_CALENDAR, sessions, knownThrough, source, startsAfter: base.knownThrough };
}

/**
 * An extension from observed sessions: the days in (`base.knownThrough`, `knownThrough`] on which
 * the market's benchmark index has a bar are sessions, every other day is closed (see
 * `./horizon.ts`). Sessions get the market's current hours: A-share hours for CN; for HK the hours
 * of `base`'s last regular session, or of its last half day for the dates in `halfDays` (the
 * computed HKEX schedule's eves: a bar cannot tell a half day).
 * @param observed dates with a benchmark bar, any order; dates outside the window are ignored
 * @throws Error if an observed date in the window falls on a weekend (upstream data error) or
 *   `knownThrough` is not after `base.knownThrough`.
 */
export function observedExtension(
  base: ExchangeCalendar,
  observed: readonly IsoDate[],
  knownThrough: IsoDate,
  source: string,
  halfDays: ReadonlySet<IsoDate> = new Set(),
): CalendarExtension {
  if (!(knownThrough > base.knownThrough))
    throw new Error(`calendar observation ${base.id}: ${knownThrough} is not after the horizon ${base.knownThrough}`);
  const dates = [...new Set(observed)].filter((d) => d > base.knownThrough && d <= knownThrough).sort();
  const weekends = dates.filter(isWeekend);
  if (weekends.length > 0)
    throw new Error(`calendar observation ${base.id}: index bars on weekend dates ${listDates(weekends)}`);
  // Markets with half days copy the base's latest hours (they have changed over time); others keep their regular hours.
  const latest = halfDayHours(base.id) !== null ? latestHours(base) : null;
  const hoursOn = (date: IsoDate) => {
    if (latest === null) return regularHours(base.id);
    return halfDays.has(date) ? latest.halfDay : latest.regular;
  };
  const sessions = dates.map((date) => ({ date, ...hoursOn(date) }));
  return { id: base.id, sessions, knownThrough, source, startsAfter: base.knownThrough };
}

/**
 * A calendar that is `base` plus the HKEX sessions {@link hkexSchedule}-style holiday lists give
 * for the days after its horizon, through Dec 31 of the last listed year: the provisional view the
 * calendar endpoints serve beside the known one. Never installed; never used for caching.
 * @param years one computed schedule per year, consecutive, the first covering the day after `base.knownThrough`
 */
export function provisionalHkCalendar(
  base: ExchangeCalendar,
  years: readonly { year: number; holidays: readonly IsoDate[]; halfDays: readonly IsoDate[] }[],
): ExchangeCalendar {
  const last = years.at(-1);
  if (base.id !== HKEX_CALENDAR || last === undefined) return base;
  const hours = latestHours(base);
  const sessions: Session[] = [];
  for (const { year, holidays, halfDays } of years) {
    const closed = new Set(holidays);
    const half = new Set(halfDays);
    for (let date = `${year}-01-01`; date <= `${year}-12-31`; date = addCalendarDays(date, 1)) {
      if (date <= base.knownThrough || isWeekend(date) || closed.has(date)) continue;
      sessions.push({ date, ...(half.has(date) ? hours.halfDay : hours.regular) });
    }
  }
  const knownThrough = `${last.year}-12-31`;
  return knownThrough > base.knownThrough ? extendedCalendar(base, sessions, knownThrough) : base;
}

/** Checks an extension's own shape; returns the sessions as plain copies. */
function validSessions(extension: CalendarExtension): Session[] {
  const { id, knownThrough, startsAfter } = extension;
  if (!isRealDate(knownThrough))
    throw new Error(`calendar extension ${id}: knownThrough ${JSON.stringify(knownThrough)} is not a YYYY-MM-DD date`);
  if (startsAfter !== undefined && (!isRealDate(startsAfter) || startsAfter > knownThrough)) {
    throw new Error(
      `calendar extension ${id}: startsAfter ${JSON.stringify(startsAfter)} is not a YYYY-MM-DD date on or ` +
        `before knownThrough ${knownThrough}`,
    );
  }
  const sessions = extension.sessions.map((s) => ({ date: s.date, ...hoursOf(s) }));
  let previous = "";
  for (const s of sessions) {
    const what = `calendar extension ${id}: session ${JSON.stringify(s.date)}`;
    if (!isRealDate(s.date)) throw new Error(`${what} is not a YYYY-MM-DD date`);
    if (s.date <= previous)
      throw new Error(`${what} is not after ${previous} (sessions must be ascending, without duplicates)`);
    if (s.date > knownThrough) throw new Error(`${what} is after the extension's knownThrough ${knownThrough}`);
    if (extension.startsAfter !== undefined && s.date <= extension.startsAfter)
      throw new Error(`${what} is not after the extension's startsAfter ${extension.startsAfter}`);
    const hasBreak = s.breakStart !== null && s.breakEnd !== null;
    const times = [s.open, s.close, ...(hasBreak ? [s.breakStart, s.breakEnd] : [])];
    if (
      !times.every((t) => typeof t === "string" && TIME.test(t)) ||
      (!hasBreak && (s.breakStart !== null || s.breakEnd !== null))
    ) {
      throw new Error(`${what} has invalid hours ${JSON.stringify(hoursOf(s))}`);
    }
    if (typeof s.halfDay !== "boolean") throw new Error(`${what} has a non-boolean halfDay`);
    previous = s.date;
  }
  return sessions;
}

/** Whether `calendar` already says exactly what `sessions` say, from their first date through `knownThrough`. */
function agrees(calendar: ExchangeCalendar, sessions: readonly Session[], knownThrough: IsoDate): boolean {
  const first = sessions[0];
  if (first === undefined) return true;
  const known = calendar.sessionsBetween(first.date, knownThrough);
  return (
    known.length === sessions.length &&
    sessions.every((s, k) => {
      const current = calendar.session(s.date);
      return known[k] === s.date && current !== null && sameHours(current, s);
    })
  );
}

/** A new calendar: every session of `current` plus `sessions`, known through `knownThrough`. */
function extendedCalendar(
  current: ExchangeCalendar,
  sessions: readonly Session[],
  knownThrough: IsoDate,
): ExchangeCalendar {
  const hours: SessionHours[] = [];
  const dates: IsoDate[] = [];
  const indexes: number[] = [];
  const add = (session: Session): void => {
    let index = hours.findIndex((h) => sameHours(h, session));
    if (index < 0) index = hours.push(Object.freeze(hoursOf(session))) - 1;
    dates.push(session.date);
    indexes.push(index);
  };
  for (const date of current.sessionsBetween(current.firstSession, current.knownThrough)) {
    const session = current.session(date);
    if (session === null) throw new Error(`calendar ${current.id}: no hours for ${date}`);
    add(session);
  }
  for (const session of sessions) add(session);
  if (hours.length > 255)
    throw new Error(`calendar extension ${current.id}: too many distinct session hours (${hours.length})`);
  const data: DecodedCalendar = {
    id: current.id,
    timeZone: current.timeZone,
    firstSession: current.firstSession,
    knownThrough,
    sessions: dates,
    hours,
    hoursIndex: Uint8Array.from(indexes),
  };
  return new SessionCalendar(data);
}

/**
 * Where an extension's sessions disagree with `calendar` on the days in (after, through], described for an error
 * message.
 */
function sessionDifferences(
  calendar: ExchangeCalendar,
  sessions: readonly Session[],
  after: IsoDate,
  through: IsoDate,
): string[] {
  const theirs = new Map(sessions.filter((s) => s.date > after && s.date <= through).map((s) => [s.date, s]));
  const ours = calendar.sessionsBetween(addCalendarDays(after, 1), through);
  const differences = ours
    .filter((d) => !theirs.has(d))
    .map((d) => `${d} (a session in the calendar, not in the extension)`);
  for (const [date, session] of theirs) {
    const current = calendar.session(date);
    if (current === null) differences.push(`${date} (a session in the extension, not in the calendar)`);
    else if (!sameHours(current, session)) differences.push(`${date} (other hours)`);
  }
  return differences.sort();
}

/**
 * Install an extension in `calendars`: from now on `calendars.get(extension.id)` and
 * `calendars.forMarket(...)` return a new, immutable calendar holding every session of the current
 * one plus the extension's, known through `extension.knownThrough`. Calendars obtained earlier are
 * unchanged, and so is every other registry. Extensions stack (a 2027 one, then a 2028 one built
 * against the extended calendar).
 *
 * Idempotent: an extension the current calendar already agrees with (the same one applied twice,
 * or an empty one from {@link cnExtensionFromSinaDates} when there was nothing new) changes
 * nothing and returns the current calendar.
 *
 * An extension with {@link CalendarExtension.startsAfter} before the current horizon (built by
 * another process, or stored before a later one) must agree with the current calendar on every
 * day of the overlap (sessions and their hours); only the days after the horizon are added. One whose `startsAfter`
 * lies after the current horizon is refused: the days between would be unknown.
 *
 * @returns the calendar now in use for `extension.id`
 * @throws RangeError for an unknown calendar id
 * @throws Error if the extension is malformed (dates not `YYYY-MM-DD`, not ascending, after its
 *   `knownThrough`, invalid hours), if it ends within the known range but disagrees with the
 *   current calendar (a conflict: it would rewrite known days), or if it reaches beyond the known
 *   range but also has sessions on or before the current `knownThrough`.
 */
export function applyCalendarExtension(calendars: CalendarRegistry, extension: CalendarExtension): ExchangeCalendar {
  const current = calendars.get(extension.id);
  const sessions = validSessions(extension);
  const { startsAfter } = extension;
  if (startsAfter !== undefined && startsAfter !== current.knownThrough) {
    const what =
      `calendar extension ${extension.id} (${extension.source}) ` + `of (${startsAfter}, ${extension.knownThrough}]`;
    if (startsAfter > current.knownThrough) {
      throw new Error(
        `${what} was built against a calendar known through ${startsAfter}, but this one is known only through ` +
          `${current.knownThrough}: the days between would be unknown`,
      );
    }
    const overlapEnd = extension.knownThrough < current.knownThrough ? extension.knownThrough : current.knownThrough;
    const differences = sessionDifferences(current, sessions, startsAfter, overlapEnd);
    if (differences.length > 0)
      throw new Error(
        `${what} conflicts with the calendar in use on ${listDates(differences)}; it would rewrite known days`,
      );
    if (extension.knownThrough <= current.knownThrough) return current;
    const calendar = extendedCalendar(
      current,
      sessions.filter((s) => s.date > current.knownThrough),
      extension.knownThrough,
    );
    calendars.install(calendar);
    return calendar;
  }
  if (extension.knownThrough <= current.knownThrough) {
    if (agrees(current, sessions, extension.knownThrough)) return current;
    throw new Error(
      `calendar extension ${extension.id} (${extension.source}) conflicts with the calendar in use, which is ` +
        `already known through ${current.knownThrough}; it would rewrite known days`,
    );
  }
  const early = sessions.filter((s) => s.date <= current.knownThrough).map((s) => s.date);
  if (early.length > 0) {
    throw new Error(
      `calendar extension ${extension.id} (${extension.source}) has sessions within the known range (through ` +
        `${current.knownThrough}): ${listDates(early)}; build it against the current calendar`,
    );
  }
  const calendar = extendedCalendar(current, sessions, extension.knownThrough);
  calendars.install(calendar);
  return calendar;
}
