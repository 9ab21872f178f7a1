/**
 * CalendarHorizon in isolation (an in-memory store, a counting fake upstream): concurrent callers
 * share one index call; an observation made by another process is read instead of asked again; an
 * operator's HKEX list for a year partly learnt from bars must agree with what was observed. Each
 * process is a {@link CalendarRegistry} of its own over a shared store.
 */
import { describe, expect, it } from "vitest";
import {
  CalendarExtensions,
  CalendarHorizon,
  CalendarRegistry,
  getCalendar,
  hkExtensionFromHolidays,
  type CalendarExtension,
  type CalendarExtensionStore,
} from "../src/calendar/index.ts";
import { ManualClock } from "../src/clock.ts";
import type { DailyBarsRequest, DailyBarSource } from "../src/eastmoney/kline.ts";
import { RateLimitedError } from "../src/errors.ts";
import type { DailyBar } from "../src/history/types.ts";
import { currentCallGate, withCallGate, type CallGate } from "../src/upstream/index.ts";

const SESSIONS = ["2026-12-31", "2027-01-04", "2027-01-05"];
const bar = (date: string): DailyBar => ({
  date,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
  amount: null,
  amplitude: null,
  pct_change: null,
  change: null,
  turnover_rate: null,
});

function memoryStore(): CalendarExtensionStore & { rows: CalendarExtension[] } {
  const rows: CalendarExtension[] = [];
  return {
    rows,
    async saveExtension(extension) {
      if (!rows.some((r) => r.id === extension.id && r.knownThrough === extension.knownThrough)) rows.push(extension);
    },
    async loadExtensions(filter) {
      return rows
        .filter((r) => !filter || (r.id === filter.calendar && r.knownThrough > filter.after))
        .sort((a, b) => (a.knownThrough < b.knownThrough ? -1 : 1));
    },
  };
}

function countingUpstream(): DailyBarSource & { calls: DailyBarsRequest[] } {
  const calls: DailyBarsRequest[] = [];
  return {
    calls,
    async fetchDailyBars(request) {
      calls.push(request);
      await new Promise((resolve) => setImmediate(resolve)); // answer later, so concurrent callers overlap
      return { name: null, bars: SESSIONS.filter((d) => d >= request.start && d <= request.end).map(bar) };
    },
  };
}

describe("CalendarHorizon", () => {
  it("shares one index call between concurrent callers and learns sessions and closed days", async () => {
    const upstream = countingUpstream();
    const calendars = new CalendarRegistry();
    const clock = new ManualClock("2027-01-05T08:00:00Z");
    const horizon = new CalendarHorizon({ calendars, store: memoryStore(), upstream, clock });
    await Promise.all([
      horizon.ensureThrough("CN", "2027-01-05"),
      horizon.ensureThrough("CN", "2027-01-31"),
      horizon.ensureThrough("CN", "2027-01-04"),
    ]);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]).toMatchObject({
      symbol: { secid: "1.000001" },
      adjust: "",
      start: "2026-12-31",
      end: "2027-01-05",
    });
    const cn = calendars.get("CN");
    expect(cn.knownThrough).toBe("2027-01-05");
    expect(getCalendar("CN").knownThrough).toBe("2026-12-31"); // the bundled calendar is untouched
    expect(cn.sessionsBetween("2026-12-30", "2027-01-05")).toEqual(["2026-12-30", ...SESSIONS]);
    // a date within the horizon, or after today, asks nothing
    await horizon.ensureThrough("CN", "2027-01-04");
    await horizon.ensureThrough("CN", "2027-02-01");
    expect(upstream.calls).toHaveLength(1);
  });

  it("charges its index call to nobody, not to the request whose budget happened to start it", async () => {
    const upstream = countingUpstream();
    const gates: Array<CallGate | undefined> = [];
    const gated: DailyBarSource = {
      fetchDailyBars(request) {
        gates.push(currentCallGate());
        return upstream.fetchDailyBars(request);
      },
    };
    const spent: CallGate = {
      beforeCall() {
        throw new RateLimitedError("spent", 30);
      },
    };
    const calendars = new CalendarRegistry();
    const clock = new ManualClock("2027-01-05T08:00:00Z");
    const horizon = new CalendarHorizon({ calendars, store: memoryStore(), upstream: gated, clock });
    await withCallGate(spent, () => horizon.ensureThrough("CN", "2027-01-05"));
    expect(gates).toEqual([undefined]);
    expect(calendars.get("CN").knownThrough).toBe("2027-01-05");
  });

  it("reads what another process stored instead of asking upstream again", async () => {
    const store = memoryStore();
    const clock = new ManualClock("2027-01-05T08:00:00Z");
    const calendars = new CalendarRegistry();
    const first = new CalendarHorizon({ calendars, store, upstream: countingUpstream(), clock });
    await first.ensureThrough("CN", "2027-01-05");
    const second = new CalendarRegistry(); // a second process: bundled calendars, the same database
    const upstream = countingUpstream();
    await new CalendarHorizon({ calendars: second, store, upstream, clock }).ensureThrough("CN", "2027-01-05");
    expect(upstream.calls).toHaveLength(0);
    expect(second.get("CN").isSession("2027-01-04")).toBe(true);
  });

  it("restores a run of daily observations at start-up as one extension, after the official ones", async () => {
    const store = memoryStore();
    const clock = new ManualClock("2027-01-04T08:00:00Z"); // Monday 16:00 in Shanghai
    const calendars = new CalendarRegistry();
    const horizon = new CalendarHorizon({ calendars, store, upstream: countingUpstream(), clock });
    await horizon.ensureThrough("CN", "2027-01-04");
    await horizon.ensureThrough("HK", "2027-01-01");
    clock.set("2027-01-05T08:00:00Z");
    await horizon.ensureThrough("CN", "2027-01-05");
    expect(store.rows.map((r) => [r.id, r.startsAfter, r.knownThrough])).toEqual([
      ["CN", "2026-12-31", "2027-01-04"],
      ["HK", "2026-12-31", "2027-01-03"],
      ["CN", "2027-01-04", "2027-01-05"],
    ]);
    const known = calendars.get("CN");
    const restarted = new CalendarRegistry();
    expect(await new CalendarExtensions({ calendars: restarted, store }).restore()).toBe(3);
    const around = (calendar: typeof known) => calendar.sessionsBetween("2026-12-25", "2027-01-05");
    expect(around(restarted.get("CN"))).toEqual(around(known));
    expect(restarted.get("CN").knownThrough).toBe("2027-01-05");
    expect(restarted.get("HK").knownThrough).toBe("2027-01-03");
  });

  it("refresh applies what another process stored after this one started (the replicas' NOTIFY path)", async () => {
    const store = memoryStore();
    const first = new CalendarRegistry();
    const second = new CalendarRegistry();
    const secondExtensions = new CalendarExtensions({ calendars: second, store });
    expect(await secondExtensions.restore()).toBe(0);
    const list2027 = { year: 2027, holidays: ["2027-01-01"], halfDays: [] };
    await new CalendarExtensions({ calendars: first, store }).extendHkFromHolidays(list2027);
    expect(first.get("HK").knownThrough).toBe("2027-12-31");
    expect(second.get("HK").knownThrough).toBe("2026-12-31"); // not told yet
    expect(await secondExtensions.refresh("HK")).toBe(1);
    const early2027 = (calendars: CalendarRegistry) => calendars.get("HK").sessionsBetween("2027-01-01", "2027-01-05");
    expect(early2027(second)).toEqual(early2027(first));
    expect(await secondExtensions.refresh()).toBe(0); // nothing new on either calendar
  });

  it("lets an operator add the rest of an HK year that bars partly taught, if the list agrees with them", async () => {
    const upstream = countingUpstream();
    const calendars = new CalendarRegistry();
    const clock = new ManualClock("2027-01-05T09:00:00Z");
    await new CalendarHorizon({ calendars, store: memoryStore(), upstream, clock }).ensureThrough("HK", "2027-01-05");
    expect(upstream.calls[0]).toMatchObject({ symbol: { secid: "100.HSI" } });
    expect(calendars.get("HK").knownThrough).toBe("2027-01-05");
    const spec = { year: 2027, holidays: ["2027-01-01", "2027-02-08", "2027-02-09"], halfDays: ["2027-12-24"] };
    const extension = hkExtensionFromHolidays(spec, calendars.get("HK"));
    expect(extension).toMatchObject({ startsAfter: "2027-01-05", knownThrough: "2027-12-31" });
    expect(extension.sessions[0]?.date).toBe("2027-01-06");
    expect(() => hkExtensionFromHolidays({ ...spec, holidays: ["2027-01-04"] }, calendars.get("HK"))).toThrow(
      /2027-01-01 \(not listed, but closed\).*2027-01-04 \(listed closed, but a session\)/,
    );
  });
});
