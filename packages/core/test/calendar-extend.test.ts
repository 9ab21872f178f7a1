/**
 * Calendar extensions: building them from Sina's date list (CN) and from an HKEX holiday list (HK),
 * refusing anything that would rewrite the known past, and installing them in a registry so its
 * `get` and `forMarket` answer for the new year. Every test starts from a fresh registry (the
 * bundled calendars).
 */
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import {
  applyCalendarExtension,
  calendarFor,
  CalendarRegistry,
  cnExtensionFromSinaDates,
  decodeSinaTradeDates,
  getCalendar,
  hkExtensionFromHolidays,
  type CalendarExtension,
  type Session,
} from "../src/calendar/index.ts";
import { addCalendarDays, type IsoDate } from "../src/dates.ts";

let calendars: CalendarRegistry;
beforeEach(() => {
  calendars = new CalendarRegistry();
});

const bundledCn = getCalendar("CN");
const bundledHk = getCalendar("HK");
const CN_HOURS = { open: "09:30", close: "15:00", breakStart: "11:30", breakEnd: "13:00", halfDay: false };
const HK_REGULAR = { open: "09:30", close: "16:00", breakStart: "12:00", breakEnd: "13:00", halfDay: false };
const HK_HALF = { open: "09:30", close: "12:00", breakStart: null, breakEnd: null, halfDay: true };

/** Every CN session the bundled calendar knows, as a Sina-style list (without 1992-05-04). */
const cnPast = bundledCn.sessionsBetween("1990-12-19", "2026-12-31").filter((d) => d !== "1992-05-04");
/** A few 2027 trading dates: 2027-01-01 (Fri) and the Spring Festival week are left out. */
const CN_2027 = ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-02-15", "2027-12-31"];

const isWeekday = (d: IsoDate): boolean => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
function weekdaysOf(year: number): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = `${year}-01-01`; d <= `${year}-12-31`; d = addCalendarDays(d, 1)) if (isWeekday(d)) out.push(d);
  return out;
}

describe("cnExtensionFromSinaDates", () => {
  it("accepts the recorded 2023 Sina list: it agrees with the past and adds nothing", () => {
    const body = readFileSync(new URL("./fixtures/calendar/sina_klc_td_sh_2023.txt", import.meta.url), "utf8");
    const extension = cnExtensionFromSinaDates(decodeSinaTradeDates(body));
    expect(extension).toEqual({
      id: "CN",
      sessions: [],
      knownThrough: "2026-12-31",
      source: "sina:klc_td_sh",
      startsAfter: "2026-12-31",
    });
    expect(applyCalendarExtension(calendars, extension)).toBe(bundledCn); // nothing to do
    expect(calendars.get("CN")).toBe(bundledCn);
  });

  it("takes the dates after knownThrough as sessions with A-share hours, through Dec 31 of the last year", () => {
    const extension = cnExtensionFromSinaDates([...cnPast, ...CN_2027], bundledCn, "test");
    expect(extension.id).toBe("CN");
    expect(extension.source).toBe("test");
    expect(extension.knownThrough).toBe("2027-12-31");
    expect(extension.sessions).toEqual(CN_2027.map((date) => ({ date, ...CN_HOURS })));
  });

  it("ends its knownThrough at Dec 31 even when the last listed date is earlier", () => {
    const extension = cnExtensionFromSinaDates([...cnPast, "2027-01-04", "2027-01-05"]);
    expect(extension.knownThrough).toBe("2027-12-31");
    expect(extension.sessions.map((s) => s.date)).toEqual(["2027-01-04", "2027-01-05"]);
  });

  it("accepts the list in any order, with duplicates, and with 1992-05-04 already in it", () => {
    const shuffled = [...CN_2027, ...cnPast].reverse().concat(["1992-05-04", "2027-01-04"]);
    expect(cnExtensionFromSinaDates(shuffled).sessions.map((s) => s.date)).toEqual(CN_2027);
  });

  it("refuses a list that drops a past session: it would rewrite the past", () => {
    const dropped = [...cnPast.filter((d) => d !== "2015-07-08"), ...CN_2027];
    expect(() => cnExtensionFromSinaDates(dropped)).toThrow(
      /would rewrite the past.*2015-07-08 \(a session, but not listed\)/,
    );
  });

  it("refuses a list that adds a past weekend (a make-up workday, closed) or a past holiday", () => {
    const weekend = [...cnPast, "2024-02-04", ...CN_2027].sort();
    expect(() => cnExtensionFromSinaDates(weekend)).toThrow(
      /would rewrite the past.*2024-02-04 \(listed, but not a session\)/,
    );
    const holiday = [...cnPast, "2024-02-09", ...CN_2027].sort();
    expect(() => cnExtensionFromSinaDates(holiday)).toThrow(/2024-02-09 \(listed, but not a session\)/);
  });

  it("lists the first few differences and their count", () => {
    const list = [...cnPast.filter((d) => !d.startsWith("2020-")), ...CN_2027];
    expect(() => cnExtensionFromSinaDates(list)).toThrow(
      /on 243 date\(s\) through 2026-12-31: 2020-01-02 .*, … \(243 in all\)/,
    );
  });

  it("refuses dates before the first session", () => {
    expect(() => cnExtensionFromSinaDates(["1990-12-18", ...cnPast])).toThrow(
      /1990-12-18 \(listed, but not a session\)/,
    );
  });

  it("refuses a list that starts late (it does not cover the past)", () => {
    expect(() => cnExtensionFromSinaDates(cnPast.filter((d) => d >= "2000-01-01"))).toThrow(
      /would rewrite the past.*1990-12-19/,
    );
  });

  it("refuses new dates on a weekend, malformed dates, an empty list and a non-CN base", () => {
    expect(() => cnExtensionFromSinaDates([...cnPast, "2027-01-02"])).toThrow(/weekend dates: 2027-01-02/);
    expect(() => cnExtensionFromSinaDates([...cnPast, "2027-02-30"])).toThrow(/not YYYY-MM-DD dates: "2027-02-30"/);
    expect(() => cnExtensionFromSinaDates([...cnPast, "20270104"])).toThrow(/not YYYY-MM-DD/);
    expect(() => cnExtensionFromSinaDates([])).toThrow(/empty/);
    expect(() => cnExtensionFromSinaDates(cnPast, bundledHk)).toThrow(/CN calendar, not HK/);
  });
});

describe("applyCalendarExtension (CN)", () => {
  const extension = (): CalendarExtension => cnExtensionFromSinaDates([...cnPast, ...CN_2027], bundledCn);

  it("makes getCalendar and calendarFor answer for 2027", () => {
    const cn = applyCalendarExtension(calendars, extension());
    expect(calendars.get("CN")).toBe(cn);
    expect(calendars.forMarket("SH")).toBe(cn);
    expect(calendars.forMarket("SZ")).toBe(cn);
    expect(calendars.forMarket("BJ")).toBe(cn);
    expect(cn).not.toBe(bundledCn);

    expect(cn.knownThrough).toBe("2027-12-31");
    expect(cn.firstSession).toBe("1990-12-19");
    expect(cn.timeZone).toBe("Asia/Shanghai");
    expect(cn.isKnown("2027-06-30")).toBe(true);
    expect(cn.isKnown("2028-01-03")).toBe(false);
    expect(cn.isSession("2027-01-04")).toBe(true);
    expect(cn.isSession("2027-01-01")).toBe(false); // a weekday not listed: closed
    expect(cn.isSession("2027-02-08")).toBe(false);
    expect(cn.session("2027-02-15")).toEqual({ date: "2027-02-15", ...CN_HOURS });
    expect(cn.nextSession("2026-12-31")).toBe("2027-01-04");
    expect(cn.previousSession("2027-01-04")).toBe("2026-12-31");
    expect(cn.sessionOnOrAfter("2027-01-01")).toBe("2027-01-04");
    expect(cn.sessionOnOrBefore("2027-01-03")).toBe("2026-12-31");
    expect(cn.sessionsBetween("2026-12-28", "2027-01-06")).toEqual([
      "2026-12-28",
      "2026-12-29",
      "2026-12-30",
      "2026-12-31",
      "2027-01-04",
      "2027-01-05",
      "2027-01-06",
    ]);
    expect(cn.countSessions("2026-12-28", "2027-01-06")).toBe(7);
    expect(cn.nextSession("2027-02-15")).toBe("2027-12-31");
    expect(cn.nextSession("2027-12-31")).toBeNull(); // 2028 is unknown
    expect(cn.previousSession("2028-01-03")).toBeNull();
    expect(cn.sessionOnOrBefore("2028-01-03")).toBeNull();
  });

  it("keeps the past and the earlier calendar object unchanged", () => {
    const cn = applyCalendarExtension(calendars, extension());
    expect(cn.sessionsBetween("1990-01-01", "2026-12-31")).toEqual(
      bundledCn.sessionsBetween("1990-01-01", "2026-12-31"),
    );
    expect(cn.session("2024-02-08")).toEqual(bundledCn.session("2024-02-08"));
    expect(bundledCn.knownThrough).toBe("2026-12-31");
    expect(bundledCn.isSession("2027-01-04")).toBe(false);
    expect(bundledCn.nextSession("2026-12-31")).toBeNull();
  });

  it("is idempotent: applying the same extension twice changes nothing", () => {
    const ext = extension();
    const first = applyCalendarExtension(calendars, ext);
    expect(applyCalendarExtension(calendars, ext)).toBe(first);
    const copy = extension();
    expect(copy.sessions).toHaveLength(CN_2027.length);
    expect(applyCalendarExtension(calendars, copy)).toBe(first); // an equal copy
    // against the extended calendar
    const nothingNew = cnExtensionFromSinaDates([...cnPast, ...CN_2027], calendars.get("CN"));
    expect(nothingNew).toMatchObject({ sessions: [], knownThrough: "2027-12-31" });
    expect(applyCalendarExtension(calendars, nothingNew)).toBe(first);
    expect(applyCalendarExtension(calendars, { ...ext, source: "other" })).toBe(first); // same content, other source
    expect(calendars.get("CN")).toBe(first);
    expect(first.countSessions("2027-01-01", "2027-12-31")).toBe(CN_2027.length);
  });

  it("throws on a conflicting extension for a year already added, and keeps the first", () => {
    const first = applyCalendarExtension(calendars, extension());
    const other = cnExtensionFromSinaDates([...cnPast, ...CN_2027, "2027-01-11"], bundledCn);
    expect(() => applyCalendarExtension(calendars, other)).toThrow(/conflicts with the calendar in use.*rewrite known/);
    const otherHours: CalendarExtension = {
      ...extension(),
      sessions: extension().sessions.map((s) => (s.date === "2027-01-05" ? { ...s, close: "14:00" } : s)),
    };
    expect(() => applyCalendarExtension(calendars, otherHours)).toThrow(/conflicts/);
    expect(calendars.get("CN")).toBe(first);
  });

  it("stacks: the next year is built against the extended calendar", () => {
    applyCalendarExtension(calendars, extension());
    const list2028 = [...cnPast, ...CN_2027, "2028-01-03", "2028-01-04"];
    const next = cnExtensionFromSinaDates(list2028, calendars.get("CN")); // base = the extended calendar
    expect(next.sessions.map((s) => s.date)).toEqual(["2028-01-03", "2028-01-04"]);
    expect(next.knownThrough).toBe("2028-12-31");
    const cn = applyCalendarExtension(calendars, next);
    expect(cn.knownThrough).toBe("2028-12-31");
    expect(cn.sessionsBetween("2027-12-30", "2028-01-05")).toEqual(["2027-12-31", "2028-01-03", "2028-01-04"]);
    // The extended calendar's 2027 must match too: a list missing a 2027 date now rewrites the past.
    const missing2027 = () => cnExtensionFromSinaDates([...cnPast, "2028-01-03"], calendars.get("CN"));
    expect(missing2027).toThrow(/2027-01-04 \(a session, but not listed\)/);
  });

  it("applies an older calendar's extension only with startsAfter and where it agrees with the known range", () => {
    const current = applyCalendarExtension(calendars, extension());
    const stale = cnExtensionFromSinaDates([...cnPast, ...CN_2027, "2028-01-03"], bundledCn);
    const { startsAfter: _, ...legacy } = stale;
    expect(() => applyCalendarExtension(calendars, legacy)).toThrow(
      /sessions within the known range \(through 2027-12-31\): 2027-01-04/,
    );
    const disagreeing = cnExtensionFromSinaDates([...cnPast, ...CN_2027.slice(1), "2028-01-03"], bundledCn);
    expect(() => applyCalendarExtension(calendars, disagreeing)).toThrow(
      /conflicts with the calendar in use on 2027-01-04 \(a session in the calendar, not in the extension\)/,
    );
    expect(calendars.get("CN")).toBe(current);
    // the overlap (2027) agrees: only 2028 is added
    const cn = applyCalendarExtension(calendars, stale);
    expect(cn.knownThrough).toBe("2028-12-31");
    expect(cn.sessionsBetween("2027-12-30", "2028-01-05")).toEqual(["2027-12-31", "2028-01-03"]);
  });

  it("refuses an extension built on a horizon the calendar has not reached (the days between would be unknown)", () => {
    const ahead: CalendarExtension = {
      id: "CN",
      sessions: [{ date: "2028-01-03", ...CN_HOURS }],
      knownThrough: "2028-12-31",
      source: "test",
      startsAfter: "2027-12-31",
    };
    expect(() => applyCalendarExtension(calendars, ahead)).toThrow(
      /built against a calendar known through 2027-12-31, but this one is known only through 2026-12-31/,
    );
    expect(calendars.get("CN")).toBe(bundledCn);
  });

  it("validates the extension's own shape", () => {
    const session = (date: IsoDate): Session => ({ date, ...CN_HOURS });
    const apply = (sessions: Session[], knownThrough = "2027-12-31"): unknown =>
      applyCalendarExtension(calendars, { id: "CN", sessions, knownThrough, source: "test" });
    expect(() => apply([session("2027-01-05"), session("2027-01-04")])).toThrow(/must be ascending/);
    expect(() => apply([session("2027-01-04"), session("2027-01-04")])).toThrow(/must be ascending/);
    expect(() => apply([session("2028-01-03")])).toThrow(/after the extension's knownThrough/);
    expect(() => apply([session("2026-12-31"), session("2027-01-04")])).toThrow(/within the known range/);
    expect(() => apply([session("2027-13-01")])).toThrow(/not a YYYY-MM-DD date/);
    expect(() => apply([session("2027-01-04")], "2027-12-32")).toThrow(/knownThrough "2027-12-32"/);
    expect(() => apply([{ ...session("2027-01-04"), close: "3pm" }])).toThrow(/invalid hours/);
    expect(() => apply([{ ...session("2027-01-04"), breakEnd: null }])).toThrow(/invalid hours/);
    const unknown = { id: "US" as "CN", sessions: [], knownThrough: "2027-12-31", source: "x" };
    expect(() => applyCalendarExtension(calendars, unknown)).toThrow(RangeError);
    expect(calendars.get("CN")).toBe(bundledCn);
  });

  it("an empty extension past knownThrough only moves knownThrough (every weekday closed)", () => {
    const cn = applyCalendarExtension(calendars, { id: "CN", sessions: [], knownThrough: "2027-01-31", source: "t" });
    expect(cn.knownThrough).toBe("2027-01-31");
    expect(cn.isKnown("2027-01-15")).toBe(true);
    expect(cn.isSession("2027-01-15")).toBe(false);
    expect(cn.sessionOnOrBefore("2027-01-31")).toBe("2026-12-31");
  });
});

describe("hkExtensionFromHolidays", () => {
  /** An illustrative 2027 list, not HKEX's published one. */
  const HOLIDAYS_2027 = ["2027-01-01", "2027-02-08", "2027-02-09", "2027-03-26", "2027-03-29", "2027-12-27"];
  const HALF_DAYS_2027 = ["2027-02-05", "2027-12-24", "2027-12-31"];
  const spec = { year: 2027, holidays: HOLIDAYS_2027, halfDays: HALF_DAYS_2027 };

  it("makes every other weekday of the year a session, with the latest regular and half-day hours", () => {
    const extension = hkExtensionFromHolidays(spec);
    expect(extension.id).toBe("HK");
    expect(extension.source).toBe("operator");
    expect(extension.knownThrough).toBe("2027-12-31");
    const dates = extension.sessions.map((s) => s.date);
    expect(dates).toEqual(weekdaysOf(2027).filter((d) => !HOLIDAYS_2027.includes(d)));
    expect(dates).toHaveLength(261 - HOLIDAYS_2027.length);
    for (const s of extension.sessions) {
      expect(s).toEqual({ date: s.date, ...(HALF_DAYS_2027.includes(s.date) ? HK_HALF : HK_REGULAR) });
    }
  });

  it("copies the hours from the base calendar's last regular session and last half day", () => {
    expect(bundledHk.session("2026-12-30")).toEqual({ date: "2026-12-30", ...HK_REGULAR });
    expect(bundledHk.session("2026-12-31")).toEqual({ date: "2026-12-31", ...HK_HALF });
  });

  it("installs: getCalendar and calendarFor answer for 2027, CN is untouched", () => {
    const hk = applyCalendarExtension(calendars, hkExtensionFromHolidays(spec));
    expect(calendars.get("HK")).toBe(hk);
    expect(calendars.forMarket("HK")).toBe(hk);
    expect(calendars.get("CN")).toBe(bundledCn);
    expect(hk.knownThrough).toBe("2027-12-31");
    expect(hk.timeZone).toBe("Asia/Hong_Kong");
    expect(hk.isSession("2027-01-01")).toBe(false);
    expect(hk.isSession("2027-01-02")).toBe(false);
    expect(hk.nextSession("2026-12-31")).toBe("2027-01-04");
    expect(hk.previousSession("2027-01-04")).toBe("2026-12-31");
    expect(hk.sessionsBetween("2026-12-30", "2027-01-05")).toEqual([
      "2026-12-30",
      "2026-12-31",
      "2027-01-04",
      "2027-01-05",
    ]);
    expect(hk.session("2027-12-24")).toEqual({ date: "2027-12-24", ...HK_HALF });
    expect(hk.session("2027-12-23")).toEqual({ date: "2027-12-23", ...HK_REGULAR });
    expect(hk.session("2026-12-31")).toEqual(bundledHk.session("2026-12-31"));
    expect(hk.session("2010-12-24")).toEqual(bundledHk.session("2010-12-24")); // old regime kept
    expect(hk.countSessions("2027-01-01", "2027-12-31")).toBe(255);
    expect(hk.isSession("2023-09-01")).toBe(false);
    expect(hk.nextSession("2027-12-31")).toBeNull();
  });

  it("is idempotent, refuses a conflicting list for the same year, and wants 2028 next", () => {
    const hk = applyCalendarExtension(calendars, hkExtensionFromHolidays(spec, bundledHk));
    expect(applyCalendarExtension(calendars, hkExtensionFromHolidays(spec, bundledHk))).toBe(hk);
    const fewer = hkExtensionFromHolidays({ ...spec, holidays: HOLIDAYS_2027.slice(1) }, bundledHk);
    expect(() => applyCalendarExtension(calendars, fewer)).toThrow(/conflicts/);
    const otherHalfDays = hkExtensionFromHolidays({ ...spec, halfDays: [] }, bundledHk);
    expect(() => applyCalendarExtension(calendars, otherHalfDays)).toThrow(/conflicts/);
    expect(() => hkExtensionFromHolidays(spec, calendars.get("HK"))).toThrow(/next year to add is 2028, not 2027/);
    const list2028 = { year: 2028, holidays: ["2028-01-03"], halfDays: [] };
    const hk2028 = applyCalendarExtension(calendars, hkExtensionFromHolidays(list2028, calendars.get("HK")));
    expect(hk2028.knownThrough).toBe("2028-12-31");
    expect(hk2028.nextSession("2027-12-31")).toBe("2028-01-04");
    expect(hk2028.session("2028-01-04")).toEqual({ date: "2028-01-04", ...HK_REGULAR });
  });

  it("throws on the wrong year, dates outside it, weekends, dates in both lists, bad dates, a CN base", () => {
    expect(() => hkExtensionFromHolidays({ ...spec, year: 2028 })).toThrow(/next year to add is 2027, not 2028/);
    expect(() => hkExtensionFromHolidays({ ...spec, year: 2026 })).toThrow(/not 2026/);
    expect(() => hkExtensionFromHolidays({ ...spec, holidays: ["2028-01-03"] })).toThrow(
      /holidays not YYYY-MM-DD dates in 2027: "2028-01-03"/,
    );
    expect(() => hkExtensionFromHolidays({ ...spec, halfDays: ["2026-12-24"] })).toThrow(
      /half days not YYYY-MM-DD dates in 2027/,
    );
    expect(() => hkExtensionFromHolidays({ ...spec, holidays: ["2027-02-30"] })).toThrow(/not YYYY-MM-DD/);
    expect(() => hkExtensionFromHolidays({ ...spec, holidays: ["2027-12-25"] })).toThrow(
      /holidays on a weekend.*2027-12-25/,
    );
    expect(() => hkExtensionFromHolidays({ ...spec, halfDays: ["2027-01-02"] })).toThrow(/half days on a weekend/);
    expect(() => hkExtensionFromHolidays({ ...spec, halfDays: ["2027-02-08", "2027-12-24"] })).toThrow(
      /both holidays and half days: 2027-02-08/,
    );
    expect(() => hkExtensionFromHolidays(spec, bundledCn)).toThrow(/HK calendar, not CN/);
  });
});

describe("CalendarRegistry", () => {
  it("reset drops applied extensions and restores the bundled instances", () => {
    applyCalendarExtension(calendars, cnExtensionFromSinaDates([...cnPast, ...CN_2027]));
    applyCalendarExtension(calendars, hkExtensionFromHolidays({ year: 2027, holidays: ["2027-01-01"], halfDays: [] }));
    expect(calendars.get("CN").knownThrough).toBe("2027-12-31");
    expect(calendars.get("HK").knownThrough).toBe("2027-12-31");
    calendars.reset();
    expect(calendars.get("CN")).toBe(bundledCn);
    expect(calendars.get("HK")).toBe(bundledHk);
    expect(calendars.forMarket("SH").knownThrough).toBe("2026-12-31");
  });

  it("is one system's: an extension applied to one registry leaves another and the bundled calendars alone", () => {
    const other = new CalendarRegistry();
    const cn = applyCalendarExtension(calendars, cnExtensionFromSinaDates([...cnPast, ...CN_2027]));
    expect(calendars.get("CN")).toBe(cn);
    expect(other.get("CN")).toBe(bundledCn);
    expect(getCalendar("CN")).toBe(bundledCn);
    expect(calendarFor("SH")).toBe(bundledCn);
  });
});
