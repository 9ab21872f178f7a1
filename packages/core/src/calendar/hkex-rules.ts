/**
 * HKEX's regular schedule for a year, computed from Hong Kong's general-holiday rules: the
 * provisional HK calendar for years no published list covers yet.
 *
 * The rules are the ones `docs/calendars.md` §2 lists (exchange_calendars' XHKG model):
 * New Year's Day, Lunar New Year days 1–3, Ching Ming, Good Friday and Easter Monday, Labour Day,
 * Buddha's Birthday, Tuen Ng, HKSAR Establishment Day, the day after Mid-Autumn, National Day,
 * Chung Yeung, Christmas Day and the first weekday after it. A holiday that falls on a Sunday, or
 * on a day already taken by another holiday (Ching Ming on Easter Monday, the day after Mid-Autumn
 * on 1 October), moves to the next day that is neither. Under the 2011 amendment of the General
 * Holidays Ordinance (applied from 2013) a Sunday among Lunar New Year days 1–3 makes the 4th day a
 * holiday, which the same "next free day" step yields; before 2013 Lunar New Year's Eve was the
 * substitute, and a Saturday Mid-Autumn was itself the holiday when the day following it was a
 * Sunday. HKEX trades a morning-only session on the weekday eves of Christmas, New Year and
 * Lunar New Year (the last from 2013).
 *
 * Lunisolar dates come from `lunar-typescript` (6tail's lunar calendar library). What no rule can
 * give: weather closures (typhoon signal 8, black rainstorm: none since HKEX's Severe Weather
 * Trading of 2024-09-23) and one-off closures (e.g. 2015-09-03). A computed year is therefore only
 * provisional: observed index bars decide (see `./horizon.ts`).
 */
import { Lunar } from "lunar-typescript";
import { addCalendarDays, type IsoDate } from "../dates.ts";

/** HKEX's closures and half days of one year, as computed by {@link hkexSchedule}. */
export interface HkexSchedule {
  year: number;
  /** Weekdays (Monday–Friday) of the year on which HKEX is closed, ascending. */
  holidays: IsoDate[];
  /** Weekdays with a morning-only session (close 12:00), ascending. */
  halfDays: IsoDate[];
}

const pad = (n: number): string => String(n).padStart(2, "0");
const iso = (y: number, m: number, d: number): IsoDate => `${y}-${pad(m)}-${pad(d)}`;
/** 0 = Sunday … 6 = Saturday, computed in UTC (no local time involved). */
const dayOfWeek = (date: IsoDate): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/** The Gregorian date of lunar `month`/`day` in lunar year `year` (the one starting in Gregorian `year`). */
function lunar(year: number, month: number, day: number): IsoDate {
  return Lunar.fromYmd(year, month, day).getSolar().toYmd();
}

/** Ching Ming (清明, a solar term) in Gregorian `year`. */
function chingMing(year: number): IsoDate {
  const term = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"];
  if (term === undefined || !term.toYmd().startsWith(`${year}-`))
    throw new Error(`hkex rules: no Ching Ming found for ${year}`);
  return term.toYmd();
}

/** Easter Sunday (Gregorian computus, the "anonymous" algorithm in Meeus, Astronomical Algorithms ch. 8). */
function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

/** The first day on or after `date` that is not a Sunday (a "weekday" in Hong Kong's holiday law). */
function notSunday(date: IsoDate): IsoDate {
  return dayOfWeek(date) === 0 ? addCalendarDays(date, 1) : date;
}

/**
 * HKEX's regular closures and half days of `year` by Hong Kong's holiday rules (see the module
 * comment). Weekend days are left out of both lists: HKEX never trades on them.
 * @param year a Gregorian year the lunar library covers; checked against the bundled HKEX
 *   calendar for 2013–2026 in `test/hkex-rules.test.ts`
 * @example hkexSchedule(2027).holidays[0] // "2027-01-01"
 */
export function hkexSchedule(year: number): HkexSchedule {
  const taken = new Set<IsoDate>();
  /** Add a holiday, moved to the next day that is neither a Sunday nor already a holiday. */
  const add = (date: IsoDate): void => {
    let day = date;
    while (dayOfWeek(day) === 0 || taken.has(day)) day = addCalendarDays(day, 1);
    taken.add(day);
  };
  const easter = easterSunday(year);
  const newYear = lunar(year, 1, 1);
  const lunarNewYearsEve = addCalendarDays(newYear, -1);
  const christmas = iso(year, 12, 25);

  add(iso(year, 1, 1));
  const lunarDays = [newYear, addCalendarDays(newYear, 1), addCalendarDays(newYear, 2)];
  for (const day of lunarDays) taken.add(day); // the three days themselves; a Sunday among them is substituted below
  if (lunarDays.some((day) => dayOfWeek(day) === 0)) {
    if (year >= 2013) add(addCalendarDays(newYear, 3));
    else add(lunarNewYearsEve);
  }
  add(addCalendarDays(easter, -2)); // Good Friday
  add(addCalendarDays(easter, 1)); // Easter Monday
  add(chingMing(year));
  add(iso(year, 5, 1));
  add(lunar(year, 4, 8)); // Buddha's Birthday
  add(lunar(year, 5, 5)); // Tuen Ng
  add(iso(year, 7, 1));
  add(iso(year, 10, 1));
  const midAutumn = lunar(year, 8, 15);
  // The day following Mid-Autumn; before 2013, when that was a Sunday, Mid-Autumn itself instead.
  add(year < 2013 && dayOfWeek(midAutumn) === 6 ? midAutumn : addCalendarDays(midAutumn, 1));
  add(lunar(year, 9, 9)); // Chung Yeung
  add(christmas);
  // "The first weekday after Christmas Day"; when Christmas fell on a Sunday it moves one day further.
  add(notSunday(addCalendarDays(christmas, 1)));

  const weekday = (date: IsoDate): boolean =>
    date.startsWith(`${year}-`) && dayOfWeek(date) !== 0 && dayOfWeek(date) !== 6;
  const holidays = [...taken].filter(weekday).sort();
  const eves = [iso(year, 12, 24), iso(year, 12, 31), ...(year >= 2013 ? [lunarNewYearsEve] : [])];
  const halfDays = [...new Set(eves)].filter((date) => weekday(date) && !taken.has(date)).sort();
  return { year, holidays, halfDays };
}
