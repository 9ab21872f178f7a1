/**
 * How far back a computation over N sessions has to read: shared by the indicators' warm-up and the
 * screener's look-back, so both count sessions the same way.
 */
import { addCalendarDays, type IsoDate } from "../dates.ts";
import type { ExchangeCalendar } from "./types.ts";

/** Calendar days that surely hold `sessions` sessions of a 5-day week with holidays (CN has ~242 a year). */
function calendarDaysFor(sessions: number): number {
  return Math.ceil(sessions * 1.6) + 30;
}

/**
 * The first of the `n` sessions strictly before `date`, or the earliest session before it when there are
 * fewer (`fallback` when there is none), never before the calendar's first session.
 */
export function firstOfSessionsBefore(
  calendar: ExchangeCalendar,
  date: IsoDate,
  n: number,
  fallback: IsoDate,
): IsoDate {
  const before = addCalendarDays(date, -1);
  const sessions = calendar.sessionsBetween(addCalendarDays(date, -calendarDaysFor(n)), before);
  const first = (sessions.length >= n ? sessions[sessions.length - n] : sessions[0]) ?? fallback;
  return first < calendar.firstSession ? calendar.firstSession : first;
}
