/**
 * Extending the calendars past their horizon: A-shares from Sina's trading-date list (checked
 * against every known date), HKEX from an operator's holiday list; durable across restarts.
 */
import { ManualClock } from "@quantdb/core/clock";
import { deleteCalendarExtensions } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { systemSuite } from "./harness.ts";

// An illustrative 2027 HKEX list (weekday closures and half days), supplied as an operator would.
const HK_2027 = {
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
  half_days: ["2027-02-05", "2027-12-24", "2027-12-31"],
};

describe.each(testDrivers())("calendar extensions on %s", (driver) => {
  const system = systemSuite(driver);
  beforeEach(async () => deleteCalendarExtensions(system.database.db));

  it("checks Sina's recorded list against every known A-share date and adds nothing it cannot vouch for", async () => {
    const api = await system.api();
    const { status, body } = await api.get("/api/v1/calendar/CN/extend", { method: "POST" });
    expect(status).toBe(200);
    // the recorded list ends 2023-12-29: it agrees with the bundled past and adds no sessions
    expect(body).toEqual({ calendar: "CN", known_through: "2026-12-31", added_sessions: 0, source: "sina:klc_td_sh" });
  });

  it("adds next year's HKEX sessions from a holiday list, serves, caches by them, keeps them on restart", async () => {
    const api = await system.api({ clock: new ManualClock("2028-01-10T12:00:00Z") });
    const added = await api.get("/api/v1/calendar/HK/holidays", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(HK_2027),
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      calendar: "HK",
      known_through: "2027-12-31",
      added_sessions: 261 - HK_2027.holidays.length,
      source: "operator",
    });

    const year = await api.get("/api/v1/calendar/HK?start_date=20270101&end_date=20271231");
    expect(year.body.known_through).toBe("2027-12-31");
    expect(year.body.sessions).toHaveLength(248);
    expect(year.body.sessions[0]).toEqual({
      date: "2027-01-04",
      open: "09:30",
      close: "16:00",
      break_start: "12:00",
      break_end: "13:00",
      half_day: false,
    });
    expect(year.body.sessions.find((s: { date: string }) => s.date === "2027-12-24")).toMatchObject({
      close: "12:00",
      half_day: true,
      break_start: null,
    });
    expect((await api.get("/api/v1/calendar/HK/sessions/20270208")).body).toMatchObject({
      is_session: false,
      known: true,
      previous: "2027-02-05",
      next: "2027-02-10",
    });

    // 2027 is now planned from sessions (one call, remembered), not passed through on every request
    // the replay has no 2027 bars: the empty answer is asked once more (confirmed), then held
    await api.get("/api/v1/historical/stock/00700?start_date=20271201&end_date=20271231");
    await api.get("/api/v1/historical/stock/00700?start_date=20271201&end_date=20271231");
    const again = await api.get("/api/v1/historical/stock/00700?start_date=20271201&end_date=20271231");
    expect(again.body.metadata).toMatchObject({
      calendar_known_through: "2027-12-31",
      cache: { hit: true, trading_days: 22 },
    });
    expect(system.replay.requestCount()).toBe(2);

    // a restarted API (a new system: bundled calendars) re-applies the stored extension
    const restarted = await system.api();
    expect((await restarted.get("/api/v1/calendar/HK/sessions/20271231")).body).toMatchObject({
      known: true,
      is_session: true,
    });
  });

  it.each([
    ["a year that is not the next one", { ...HK_2027, year: 2028, holidays: ["2028-01-03"], half_days: [] }],
    ["a weekend holiday", { ...HK_2027, holidays: ["2027-01-02"] }],
    ["a date in both lists", { ...HK_2027, half_days: ["2027-01-01"] }],
  ])("refuses %s with 400 and changes nothing", async (_, list) => {
    const api = await system.api();
    const { status, body } = await api.get("/api/v1/calendar/HK/holidays", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(list),
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect((await api.get("/api/v1/calendar/HK/sessions/20270104")).body).toMatchObject({
      known: false,
      is_session: null,
    });
  });

  it("rejects a malformed holiday body in the envelope", async () => {
    const api = await system.api();
    const { status, body } = await api.get("/api/v1/calendar/HK/holidays", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"year":"x"}',
    });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
  });
});
