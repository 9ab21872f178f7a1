/**
 * Exchange-local calendar dates.
 *
 * Every trading date in QuantDB is a plain `YYYY-MM-DD` string in the exchange's own time zone
 * (Asia/Shanghai for A-shares, Asia/Hong_Kong for HK), never a UTC-midnight timestamp. Strings of
 * this form sort and compare correctly with `<`/`>`, which the calendar and gap planner rely on.
 */
import { UTCDate } from "@date-fns/utc";
import { TZDate } from "@date-fns/tz";
import { addDays, format, isValid, parse, subYears } from "date-fns";
import { memo } from "./memo.ts";

/** An exchange-local calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

const ISO = /^\d{4}-\d{2}-\d{2}$/;
const COMPACT = /^\d{8}$/;

/**
 * Parse a user-supplied date in `YYYY-MM-DD` or `YYYYMMDD` form.
 * @returns the date as `YYYY-MM-DD`, or `null` when the text is not a real calendar date
 *   (e.g. `20240231`, `2024-13-01`, `2024/01/01`).
 */
export function parseDateInput(text: string): IsoDate | null {
  return parseDateMemo(text);
}

const parseDateMemo = memo((text: string): IsoDate | null => {
  const trimmed = text.trim();
  let pattern: string;
  if (ISO.test(trimmed)) pattern = "yyyy-MM-dd";
  else if (COMPACT.test(trimmed)) pattern = "yyyyMMdd";
  else return null;
  const parsed = parse(trimmed, pattern, new UTCDate(0));
  if (!isValid(parsed)) return null;
  return format(parsed, "yyyy-MM-dd");
});

/** `YYYY-MM-DD` → `YYYYMMDD`, the form Eastmoney's `beg`/`end` parameters take. */
export function toCompact(date: IsoDate): string {
  return date.replaceAll("-", "");
}

/** `YYYYMMDD` → `YYYY-MM-DD` (no validation beyond shape). */
export function fromCompact(compact: string): IsoDate {
  return `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
}

/** Add (or with a negative `days`, subtract) whole calendar days to an ISO date. */
export function addCalendarDays(date: IsoDate, days: number): IsoDate {
  return format(addDays(new UTCDate(`${date}T00:00:00Z`), days), "yyyy-MM-dd");
}

/** The same calendar date one year earlier (29 Feb maps to 28 Feb). */
export function oneYearBefore(date: IsoDate): IsoDate {
  return format(subYears(new UTCDate(`${date}T00:00:00Z`), 1), "yyyy-MM-dd");
}

/** Local wall-clock reading of an instant in an exchange's time zone. */
export interface LocalTime {
  /** Exchange-local date, `YYYY-MM-DD`. */
  date: IsoDate;
  /** Exchange-local time of day, `HH:MM`. */
  time: string;
}

/** Read an instant on an exchange's wall clock, e.g. `localTime(now, "Asia/Shanghai")`. */
export function localTime(instant: Date, timeZone: string): LocalTime {
  // The reading has minute resolution: the same UTC minute reads the same in a given zone.
  return localTimeMemo(`${Math.floor(instant.getTime() / 60_000)}|${timeZone}`);
}

const localTimeMemo = memo((key: string): LocalTime => {
  const [minute, timeZone] = key.split("|") as [string, string];
  const zoned = new TZDate(Number(minute) * 60_000, timeZone);
  return Object.freeze({ date: format(zoned, "yyyy-MM-dd"), time: format(zoned, "HH:mm") });
});

/** The instant at which an exchange's wall clock shows `date` `time` (`HH:MM`). */
export function instantAt(date: IsoDate, time: string, timeZone: string): Date {
  return new Date(instantAtMemo(`${date}|${time}|${timeZone}`));
}

const instantAtMemo = memo((key: string): number => {
  const [date, time, timeZone] = key.split("|") as [string, string, string];
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mm] = time.split(":").map(Number) as [number, number];
  return new TZDate(y, m - 1, d, hh, mm, timeZone).getTime();
});
