/**
 * The bundled calendars against the in-repo fixtures (test/fixtures/calendar), day by day from
 * 1990-01-01 to 2026-12-31, plus the edge cases and spot checks from docs/calendars.md.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { calendarFor, getCalendar, type ExchangeCalendar, type Session } from "../src/calendar/index.ts";
import { addCalendarDays, type IsoDate } from "../src/dates.ts";

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/calendar/${name}`, import.meta.url));

/** CN fixture: akshare's A-share trading dates as YYYY-MM-DD. */
const cnDates: IsoDate[] = (JSON.parse(fixture("akshare_calendar.json").toString("utf8")) as string[]).map(
  (d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
);

/** HK fixture rows with the UTC times converted to HKT `HH:MM` (UTC+8, no DST). */
interface HkRow {
  date: IsoDate;
  open: string;
  close: string;
  breakStart: string | null;
  breakEnd: string | null;
}
const toHkt = (stamp: string): string => {
  const hh = Number(stamp.slice(11, 13)) + 8;
  expect(hh).toBeLessThan(24);
  return `${String(hh).padStart(2, "0")}:${stamp.slice(14, 16)}`;
};
const hkRows: HkRow[] = gunzipSync(fixture("xhkg_sessions_1990-2026_generated.csv.gz"))
  .toString("utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [date, open, close, breakStart, breakEnd] = line.split(",") as [string, string, string, string, string];
    return {
      date,
      open: toHkt(open),
      close: toHkt(close),
      breakStart: breakStart ? toHkt(breakStart) : null,
      breakEnd: breakEnd ? toHkt(breakEnd) : null,
    };
  });
/** Full-day HKEX closures the XHKG fixture misses (typhoon Saola; black rainstorm). */
const HK_MISSING_CLOSURES = new Set(["2023-09-01", "2023-09-08"]);

/** Every calendar day from `start` to `end` inclusive. */
function days(start: IsoDate, end: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = start; d <= end; d = addCalendarDays(d, 1)) out.push(d);
  return out;
}
const ALL_DAYS = days("1990-01-01", "2026-12-31");

const cn = getCalendar("CN");
const hk = getCalendar("HK");

function yearCount(calendar: ExchangeCalendar, year: number): number {
  return calendar.countSessions(`${year}-01-01`, `${year}-12-31`);
}

describe("calendar registry", () => {
  it("memoises one instance per exchange and maps markets to calendars", () => {
    expect(getCalendar("CN")).toBe(cn);
    expect(getCalendar("HK")).toBe(hk);
    expect(calendarFor("SH")).toBe(cn);
    expect(calendarFor("SZ")).toBe(cn);
    expect(calendarFor("BJ")).toBe(cn);
    expect(calendarFor("HK")).toBe(hk);
    expect(() => getCalendar("US" as never)).toThrow(RangeError);
    expect(() => calendarFor("NY" as never)).toThrow(RangeError);
  });
  it("describes each exchange", () => {
    expect([cn.id, cn.timeZone, cn.firstSession, cn.knownThrough]).toEqual([
      "CN",
      "Asia/Shanghai",
      "1990-12-19",
      "2026-12-31",
    ]);
    expect([hk.id, hk.timeZone, hk.firstSession, hk.knownThrough]).toEqual([
      "HK",
      "Asia/Hong_Kong",
      "1990-01-02",
      "2026-12-31",
    ]);
  });
  it("rejects dates that are not YYYY-MM-DD", () => {
    expect(() => cn.isSession("20240102")).toThrow(RangeError);
    expect(() => cn.isSession("2024-1-2")).toThrow(RangeError);
    expect(() => hk.sessionsBetween("2024-01-01", "2024/02/01")).toThrow(RangeError);
  });
});

describe("CN calendar against akshare_calendar.json", () => {
  it("has the fixture's 8,797 sessions", () => {
    expect(cnDates).toHaveLength(8797);
  });
  it("isSession equals fixture membership for every day 1990-01-01..2026-12-31", () => {
    const expected = new Set(cnDates);
    const mismatches = ALL_DAYS.filter((d) => cn.isSession(d) !== expected.has(d));
    expect(mismatches).toEqual([]);
  });
  it("sessionsBetween over the whole range equals the fixture exactly", () => {
    expect(cn.sessionsBetween("1990-01-01", "2026-12-31")).toEqual(cnDates);
    expect(cn.countSessions("1990-01-01", "2026-12-31")).toBe(cnDates.length);
  });
  it("every session runs 09:30-15:00 with an 11:30-13:00 lunch break", () => {
    const odd = cnDates.filter((d) => {
      const s = cn.session(d);
      return (
        s?.open !== "09:30" ||
        s.close !== "15:00" ||
        s.breakStart !== "11:30" ||
        s.breakEnd !== "13:00" ||
        s.halfDay ||
        s.date !== d
      );
    });
    expect(odd).toEqual([]);
    expect(cn.session("2024-02-09")).toBeNull();
  });
  it("matches the yearly session counts 2018-2026", () => {
    const counts = [2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026].map((y) => yearCount(cn, y));
    expect(counts).toEqual([243, 244, 243, 243, 242, 242, 242, 243, 242]);
  });
});

describe("CN edges", () => {
  it("Spring Festival 2024: 2024-02-09 is a closed weekday", () => {
    expect(cn.isSession("2024-02-08")).toBe(true);
    expect(cn.isSession("2024-02-09")).toBe(false);
    expect(cn.isKnown("2024-02-09")).toBe(true);
    expect(cn.nextSession("2024-02-08")).toBe("2024-02-19");
    expect(cn.nextSession("2024-02-09")).toBe("2024-02-19");
    expect(cn.previousSession("2024-02-19")).toBe("2024-02-08");
    expect(cn.previousSession("2024-02-12")).toBe("2024-02-08");
    expect(cn.sessionOnOrAfter("2024-02-09")).toBe("2024-02-19");
    expect(cn.sessionOnOrAfter("2024-02-19")).toBe("2024-02-19");
    expect(cn.sessionOnOrBefore("2024-02-18")).toBe("2024-02-08");
    expect(cn.sessionOnOrBefore("2024-02-08")).toBe("2024-02-08");
    expect(cn.sessionsBetween("2024-02-07", "2024-02-20")).toEqual([
      "2024-02-07",
      "2024-02-08",
      "2024-02-19",
      "2024-02-20",
    ]);
    expect(cn.countSessions("2024-02-09", "2024-02-18")).toBe(0);
  });
  it("weekend make-up working days are closed (2026-02-14, 2026-02-28)", () => {
    expect(cn.isSession("2026-02-14")).toBe(false);
    expect(cn.isSession("2026-02-28")).toBe(false);
    expect(cn.isKnown("2026-02-14")).toBe(true);
  });
  it("the first session", () => {
    expect(cn.isSession("1990-12-19")).toBe(true);
    expect(cn.isSession("1990-12-18")).toBe(false);
    expect(cn.previousSession("1990-12-19")).toBeNull();
    expect(cn.sessionOnOrBefore("1990-12-18")).toBeNull();
    expect(cn.sessionOnOrBefore("1990-12-19")).toBe("1990-12-19");
    expect(cn.nextSession("1980-01-01")).toBe("1990-12-19");
    expect(cn.sessionOnOrAfter("1990-12-01")).toBe("1990-12-19");
    expect(cn.nextSession("1990-12-19")).toBe("1990-12-20");
  });
  it("knownThrough and beyond", () => {
    expect(cn.isKnown("2026-12-31")).toBe(true);
    expect(cn.isSession("2026-12-31")).toBe(true);
    expect(cn.nextSession("2026-12-31")).toBeNull();
    expect(cn.previousSession("2026-12-31")).toBe("2026-12-30");
    expect(cn.previousSession("2027-01-01")).toBe("2026-12-31");
    expect(cn.sessionOnOrAfter("2026-12-31")).toBe("2026-12-31");
    for (const d of ["2027-01-01", "2027-01-04", "2030-06-03"]) {
      expect(cn.isKnown(d)).toBe(false);
      expect(cn.isSession(d)).toBe(false);
      expect(cn.session(d)).toBeNull();
      expect(cn.nextSession(d)).toBeNull();
      expect(cn.sessionOnOrAfter(d)).toBeNull();
      expect(cn.sessionOnOrBefore(d)).toBeNull();
    }
    expect(cn.previousSession("2027-01-04")).toBeNull();
    expect(cn.sessionsBetween("2026-12-30", "2027-12-31")).toEqual(["2026-12-30", "2026-12-31"]);
    expect(cn.sessionsBetween("2027-01-01", "2027-12-31")).toEqual([]);
    expect(cn.countSessions("2026-12-30", "2030-01-01")).toBe(2);
  });
});

describe("HK calendar against the XHKG fixture", () => {
  const expectedRows = hkRows.filter((r) => !HK_MISSING_CLOSURES.has(r.date));

  it("the fixture lists the two missed closures, which the calendar closes", () => {
    expect(hkRows).toHaveLength(9128);
    expect(hkRows.filter((r) => HK_MISSING_CLOSURES.has(r.date))).toHaveLength(2);
    expect(hk.isSession("2023-09-01")).toBe(false);
    expect(hk.isSession("2023-09-08")).toBe(false);
    expect(hk.isKnown("2023-09-01")).toBe(true);
    expect(hk.nextSession("2023-08-31")).toBe("2023-09-04");
    expect(hk.previousSession("2023-09-11")).toBe("2023-09-07");
  });
  it("isSession equals fixture membership (minus the two closures) for every day 1990-01-01..2026-12-31", () => {
    const expected = new Set(expectedRows.map((r) => r.date));
    const mismatches = ALL_DAYS.filter((d) => hk.isSession(d) !== expected.has(d));
    expect(mismatches).toEqual([]);
    expect(hk.sessionsBetween("1990-01-01", "2026-12-31")).toEqual(expectedRows.map((r) => r.date));
  });
  it("every session's hours equal the fixture's, converted to HKT", () => {
    // The regular close of an era (a run of sessions sharing an opening time) is the close of its
    // sessions with a lunch break; a half day has no break and closes earlier.
    const regularClose = new Map<string, string>();
    for (const r of expectedRows) if (r.breakStart !== null) regularClose.set(r.open, r.close);
    const actual: (Session | null)[] = expectedRows.map((r) => hk.session(r.date));
    const expected: Session[] = expectedRows.map((r) => ({
      ...r,
      halfDay: r.breakStart === null && r.close < (regularClose.get(r.open) ?? ""),
    }));
    expect(actual).toEqual(expected);
    expect(expected.filter((s) => s.halfDay)).toHaveLength(64);
  });
  it("has 243 sessions in 2023", () => {
    expect(yearCount(hk, 2023)).toBe(243);
  });
  it("half days 2025-2026 close at 12:00 without a break", () => {
    const halfDays = hk.sessionsBetween("2025-01-01", "2026-12-31").filter((d) => hk.session(d)?.halfDay);
    expect(halfDays).toEqual(["2025-01-28", "2025-12-24", "2025-12-31", "2026-02-16", "2026-12-24", "2026-12-31"]);
    expect(hk.session("2025-12-24")).toEqual({
      date: "2025-12-24",
      open: "09:30",
      close: "12:00",
      breakStart: null,
      breakEnd: null,
      halfDay: true,
    });
    expect(hk.session("2025-12-23")).toEqual({
      date: "2025-12-23",
      open: "09:30",
      close: "16:00",
      breakStart: "12:00",
      breakEnd: "13:00",
      halfDay: false,
    });
  });
  it("opened at 10:00 and half days closed at 12:30 before 2011-03-07", () => {
    expect(hk.session("2011-03-04")?.open).toBe("10:00");
    expect(hk.session("2011-03-07")?.open).toBe("09:30");
    expect(hk.session("2010-12-31")).toMatchObject({ open: "10:00", close: "12:30", halfDay: true });
  });
  it("2026 closures (weekdays that are not sessions)", () => {
    // 2026-01-01 is a Thursday, so day i of 2026 has weekday (4 + i) % 7 (0 = Sunday).
    const closed = days("2026-01-01", "2026-12-31").filter((d, i) => {
      const dow = (4 + i) % 7;
      return dow !== 0 && dow !== 6 && !hk.isSession(d);
    });
    expect(closed).toEqual([
      "2026-01-01",
      "2026-02-17",
      "2026-02-18",
      "2026-02-19",
      "2026-04-03",
      "2026-04-06",
      "2026-04-07",
      "2026-05-01",
      "2026-05-25",
      "2026-06-19",
      "2026-07-01",
      "2026-10-01",
      "2026-10-19",
      "2026-12-25",
    ]);
  });
  it("edges: first session, knownThrough and beyond", () => {
    expect(hk.isSession("1990-01-01")).toBe(false);
    expect(hk.sessionOnOrAfter("1990-01-01")).toBe("1990-01-02");
    expect(hk.previousSession("1990-01-02")).toBeNull();
    expect(hk.sessionOnOrBefore("1990-01-01")).toBeNull();
    expect(hk.nextSession("2026-12-31")).toBeNull();
    expect(hk.previousSession("2027-01-01")).toBe("2026-12-31");
    expect(hk.isKnown("2027-01-01")).toBe(false);
    expect(hk.isSession("2027-01-04")).toBe(false);
    expect(hk.session("2027-01-04")).toBeNull();
    expect(hk.sessionOnOrAfter("2027-01-04")).toBeNull();
    expect(hk.sessionOnOrBefore("2027-01-04")).toBeNull();
    expect(hk.previousSession("2027-01-05")).toBeNull();
  });
  it("Stock Connect closures are HKEX sessions (2024-02-14..16)", () => {
    expect(hk.sessionsBetween("2024-02-09", "2024-02-16")).toEqual([
      "2024-02-09",
      "2024-02-14",
      "2024-02-15",
      "2024-02-16",
    ]);
    expect(hk.session("2024-02-09")?.halfDay).toBe(true);
  });
});

describe("countSessions agrees with sessionsBetween", () => {
  it("on random ranges, both calendars", () => {
    // Deterministic LCG so a failure reproduces.
    let seed = 20240209;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const span = days("1989-06-01", "2027-06-30");
    for (const calendar of [cn, hk]) {
      for (let i = 0; i < 500; i++) {
        const start = span[random(span.length)] as IsoDate;
        const end = span[random(span.length)] as IsoDate;
        const between = calendar.sessionsBetween(start, end);
        expect(calendar.countSessions(start, end)).toBe(between.length);
        if (start > end) expect(between).toEqual([]);
        else if (between.length > 0) {
          expect(between[0]).toBe(calendar.sessionOnOrAfter(start));
          expect(between.at(-1)).toBe(
            end > calendar.knownThrough
              ? calendar.sessionOnOrBefore(calendar.knownThrough)
              : calendar.sessionOnOrBefore(end),
          );
        }
      }
    }
  });
});
