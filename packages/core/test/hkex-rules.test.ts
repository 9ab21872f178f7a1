/**
 * The HKEX rule engine against the bundled HK calendar (exchange_calendars' XHKG, corrected for
 * 2023-09-01/08): every weekday closure and half day of 2000–2026 must come out of the rules,
 * except the ad-hoc closures no rule can know (typhoons, black rainstorms, one-offs).
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../src/calendar/index.ts";
import { hkexSchedule } from "../src/calendar/hkex-rules.ts";
import { addCalendarDays, type IsoDate } from "../src/dates.ts";

/** Weather and one-off closures (docs/calendars.md §2, "Ad-hoc closures" and "Known gaps"). */
const AD_HOC_CLOSURES = new Set([
  "2001-07-06",
  "2001-07-25",
  "2008-08-06",
  "2008-08-22",
  "2011-09-29",
  "2013-08-14",
  "2015-09-03",
  "2016-08-02",
  "2016-10-21",
  "2017-08-23",
  "2020-10-13",
  "2021-10-13",
  "2023-07-17",
  "2023-09-01",
  "2023-09-08",
  "2024-09-06",
]);

function bundledYear(year: number): { holidays: IsoDate[]; halfDays: IsoDate[] } {
  const hk = getCalendar("HK");
  const holidays: IsoDate[] = [];
  const halfDays: IsoDate[] = [];
  for (let date = `${year}-01-01`; date <= `${year}-12-31`; date = addCalendarDays(date, 1)) {
    const day = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (day === 0 || day === 6) continue;
    const session = hk.session(date);
    if (session === null) {
      if (!AD_HOC_CLOSURES.has(date)) holidays.push(date);
    } else if (session.halfDay) halfDays.push(date);
  }
  return { holidays, halfDays };
}

describe("hkexSchedule", () => {
  const years = Array.from({ length: 27 }, (_, i) => 2000 + i);
  it.each(years)("reproduces the bundled HKEX closures and half days of %i, ad-hoc closures aside", (year) => {
    expect(hkexSchedule(year)).toEqual({ year, ...bundledYear(year) });
  });

  it("applies the substitution rules (lunar dates from the library, Sunday and collision shifts)", () => {
    // 2026: Ching Ming (Sun 5 Apr) falls the day before Easter Monday, so it moves to Tue 7 Apr.
    expect(hkexSchedule(2026).holidays).toEqual(expect.arrayContaining(["2026-04-03", "2026-04-06", "2026-04-07"]));
    // 2022: Mid-Autumn on Sat 10 Sep, the day following on a Sunday: Monday 12 Sep. Christmas on a
    // Sunday: Mon 26 and Tue 27 Dec. Lunar New Year Tue 1 Feb: days 1–3 on weekdays, no 4th day.
    expect(hkexSchedule(2022).holidays).toEqual(
      expect.arrayContaining(["2022-09-12", "2022-12-26", "2022-12-27", "2022-02-01", "2022-02-03"]),
    );
    expect(hkexSchedule(2022).holidays).not.toContain("2022-02-04");
    // 2023: Lunar New Year Sun 22 Jan: the 4th day, Wed 25 Jan, is a holiday; its eve a Saturday (no half day).
    expect(hkexSchedule(2023).holidays).toEqual(expect.arrayContaining(["2023-01-23", "2023-01-24", "2023-01-25"]));
  });

  it("computes 2027, the first year no bundled list covers", () => {
    expect(hkexSchedule(2027)).toEqual({
      year: 2027,
      holidays: [
        "2027-01-01",
        "2027-02-08",
        "2027-02-09",
        "2027-03-26",
        "2027-03-29",
        "2027-04-05",
        "2027-05-13",
        "2027-06-09",
        "2027-07-01",
        "2027-09-16",
        "2027-10-01",
        "2027-10-08",
        "2027-12-27",
      ],
      halfDays: ["2027-02-05", "2027-12-24", "2027-12-31"],
    });
  });
});
