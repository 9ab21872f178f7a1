/**
 * CalendarHorizon in isolation (an in-memory store, a counting fake upstream): concurrent callers
 * share one index call; an observation made by another process is read instead of asked again; an
 * operator's HKEX list for a year partly learnt from bars must agree with what was observed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CalendarExtensions, CalendarHorizon, getCalendar, hkExtensionFromHolidays, resetCalendars, type CalendarExtension, type CalendarExtensionStore } from "../src/calendar/index.ts";
import { ManualClock } from "../src/clock.ts";
import type { DailyBarsRequest, DailyBarSource } from "../src/eastmoney/kline.ts";
import type { DailyBar } from "../src/history/types.ts";

afterEach(() => resetCalendars());

const SESSIONS = ["2026-12-31", "2027-01-04", "2027-01-05"];
const bar = (date: string): DailyBar => ({ date, open: 1, high: 1, low: 1, close: 1, volume: 1, amount: null, amplitude: null, pct_change: null, change: null, turnover_rate: null });

function memoryStore(): CalendarExtensionStore & { rows: CalendarExtension[] } {
  const rows: CalendarExtension[] = [];
  return {
    rows,
    async saveExtension(extension) {
      if (!rows.some((r) => r.id === extension.id && r.knownThrough === extension.knownThrough)) rows.push(extension);
    },
    async loadExtensions(filter) {
      return rows.filter((r) => !filter || (r.id === filter.calendar && r.knownThrough > filter.after)).sort((a, b) => (a.knownThrough < b.knownThrough ? -1 : 1));
    },
  };
}

function countingUpstream(): DailyBarSource & { calls: DailyBarsRequest[] } {
  const calls: DailyBarsRequest[] = [];
  return {
    calls,
    async fetchDailyBars(request) {
      calls.push(request);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { name: null, bars: SESSIONS.filter((d) => d >= request.start && d <= request.end).map(bar) };
    },
  };
}

describe("CalendarHorizon", () => {
  it("shares one index call between concurrent callers and learns sessions and closed days", async () => {
    const upstream = countingUpstream();
    const horizon = new CalendarHorizon({ store: memoryStore(), upstream, clock: new ManualClock("2027-01-05T08:00:00Z") });
    await Promise.all([horizon.ensureThrough("CN", "2027-01-05"), horizon.ensureThrough("CN", "2027-01-31"), horizon.ensureThrough("CN", "2027-01-04")]);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]).toMatchObject({ symbol: { secid: "1.000001" }, adjust: "", start: "2026-12-31", end: "2027-01-05" });
    const cn = getCalendar("CN");
    expect(cn.knownThrough).toBe("2027-01-05");
    expect(cn.sessionsBetween("2026-12-30", "2027-01-05")).toEqual(["2026-12-30", ...SESSIONS]);
    // a date within the horizon, or after today, asks nothing
    await horizon.ensureThrough("CN", "2027-01-04");
    await horizon.ensureThrough("CN", "2027-02-01");
    expect(upstream.calls).toHaveLength(1);
  });

  it("reads what another process stored instead of asking upstream again", async () => {
    const store = memoryStore();
    const clock = new ManualClock("2027-01-05T08:00:00Z");
    await new CalendarHorizon({ store, upstream: countingUpstream(), clock }).ensureThrough("CN", "2027-01-05");
    resetCalendars(); // a second process: bundled calendars, the same database
    const upstream = countingUpstream();
    await new CalendarHorizon({ store, upstream, clock }).ensureThrough("CN", "2027-01-05");
    expect(upstream.calls).toHaveLength(0);
    expect(getCalendar("CN").isSession("2027-01-04")).toBe(true);
  });

  it("restores a run of daily observations at start-up as one extension, after the official ones", async () => {
    const store = memoryStore();
    const clock = new ManualClock("2027-01-04T08:00:00Z"); // Monday 16:00 in Shanghai
    const horizon = new CalendarHorizon({ store, upstream: countingUpstream(), clock });
    await horizon.ensureThrough("CN", "2027-01-04");
    await horizon.ensureThrough("HK", "2027-01-01");
    clock.set("2027-01-05T08:00:00Z");
    await horizon.ensureThrough("CN", "2027-01-05");
    expect(store.rows.map((r) => [r.id, r.startsAfter, r.knownThrough])).toEqual([
      ["CN", "2026-12-31", "2027-01-04"],
      ["HK", "2026-12-31", "2027-01-03"],
      ["CN", "2027-01-04", "2027-01-05"],
    ]);
    const known = getCalendar("CN");
    resetCalendars();
    expect(await new CalendarExtensions({ store }).restore()).toBe(3);
    expect(getCalendar("CN").sessionsBetween("2026-12-25", "2027-01-05")).toEqual(known.sessionsBetween("2026-12-25", "2027-01-05"));
    expect(getCalendar("CN").knownThrough).toBe("2027-01-05");
    expect(getCalendar("HK").knownThrough).toBe("2027-01-03");
  });

  it("lets an operator add the rest of an HK year that bars partly taught, if the list agrees with them", async () => {
    const upstream = countingUpstream();
    await new CalendarHorizon({ store: memoryStore(), upstream, clock: new ManualClock("2027-01-05T09:00:00Z") }).ensureThrough("HK", "2027-01-05");
    expect(upstream.calls[0]).toMatchObject({ symbol: { secid: "100.HSI" } });
    expect(getCalendar("HK").knownThrough).toBe("2027-01-05");
    const spec = { year: 2027, holidays: ["2027-01-01", "2027-02-08", "2027-02-09"], halfDays: ["2027-12-24"] };
    const extension = hkExtensionFromHolidays(spec);
    expect(extension).toMatchObject({ startsAfter: "2027-01-05", knownThrough: "2027-12-31" });
    expect(extension.sessions[0]?.date).toBe("2027-01-06");
    expect(() => hkExtensionFromHolidays({ ...spec, holidays: ["2027-01-04"] })).toThrow(/2027-01-01 \(not listed, but closed\).*2027-01-04 \(listed closed, but a session\)/);
  });
});
