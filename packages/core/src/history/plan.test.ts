/**
 * Planning a request: the window the calendar and clock give it, the held spans that count, and
 * the first read against an in-memory store (with and without the one-round-trip snapshot).
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { momentOf } from "./context.ts";
import { firstLook, needsUpstream, planWindow, readPlan, verifiedPart, type FirstLook } from "./plan.ts";
import { MemoryHistoryStore, withoutFastReads } from "./testing/memory-store.ts";
import { flatBar, MemoryUpstream, seriesContext } from "./testing/memory-upstream.ts";
import type { HistoryStore } from "./service.ts";
import type { Adjust } from "./types.ts";

const cn = getCalendar("CN");
const SYMBOL = parseStockSymbol("600519");
const at = (instant: string) => momentOf(cn, new Date(instant), 30 * 60_000);
// Friday 2026-11-20, 20:00 in Shanghai: that day's bar is final.
const FRIDAY_EVENING = "2026-11-20T12:00:00Z";
const fetchedAt = new Date("2026-11-01T00:00:00Z");

function context(store: HistoryStore, adjust: Adjust = "qfq", now = FRIDAY_EVENING) {
  return seriesContext({
    store,
    upstream: new MemoryUpstream(),
    symbol: SYMBOL,
    adjust,
    calendar: cn,
    clock: new ManualClock(now),
  });
}

const save = (store: HistoryStore, span: { start: string; end: string }, dates: string[], extra = {}) =>
  store.saveFetched({
    symbol: SYMBOL,
    name: "贵州茅台",
    adjust: "qfq",
    span,
    bars: dates.map((d) => flatBar(d)),
    fetchedAt,
    ...extra,
  });

describe("planWindow", () => {
  it("plans the sessions up to today, and checks an adjusted series on today's session day", () => {
    const saturday = at("2026-11-21T04:00:00Z");
    expect(planWindow({ adjust: "qfq", start: "2026-11-16", end: "2026-12-31" }, saturday)).toEqual({
      start: "2026-11-16",
      end: "2026-12-31",
      knownEnd: "2026-11-21",
      sessions: ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"],
      passThrough: null,
      checkDay: "2026-11-20",
    });
    expect(planWindow({ adjust: "", start: "2026-11-16", end: "2026-11-18" }, saturday).checkDay).toBeNull();
  });

  it("passes the days after the calendar's horizon through, up to today, and plans none of them", () => {
    const moment = at("2027-01-06T12:00:00Z"); // the bundled calendar is known through 2026-12-31
    expect(planWindow({ adjust: "hfq", start: "2026-12-30", end: "2027-02-01" }, moment)).toEqual({
      start: "2026-12-30",
      end: "2027-02-01",
      knownEnd: "2026-12-31",
      sessions: ["2026-12-30", "2026-12-31"],
      passThrough: { start: "2027-01-01", end: "2027-01-06" },
      checkDay: "2027-01-06",
    });
    const after = planWindow({ adjust: "", start: "2027-01-04", end: "2027-01-05" }, moment);
    expect(after).toMatchObject({ sessions: [], passThrough: { start: "2027-01-04", end: "2027-01-05" } });
  });
});

describe("verifiedPart", () => {
  // Fetched at 17:00 in Shanghai on Wednesday 2026-11-18: that session's bar may still be revised.
  const span = { start: "2026-11-16", end: "2026-11-20", fetchedAt: new Date("2026-11-18T09:00:00Z") };

  it("holds a span whole until the session after its fetch day begins", () => {
    expect(verifiedPart(span, at("2026-11-18T15:00:00Z"))).toEqual([span]);
  });

  it("then drops the session fetched on its own day, until a later fetch covers it", () => {
    expect(verifiedPart(span, at("2026-11-19T01:00:00Z"))).toEqual([
      { start: "2026-11-16", end: "2026-11-17" },
      { start: "2026-11-19", end: "2026-11-20" },
    ]);
    const later = { ...span, end: "2026-11-18", fetchedAt: new Date("2026-11-19T01:00:00Z") };
    expect(verifiedPart(later, at("2026-11-20T01:00:00Z"))).toEqual([later]);
  });
});

describe("readPlan", () => {
  it("reads the instrument and its coverage, and plans the runs of sessions not held", async () => {
    const store = new MemoryHistoryStore();
    const series = context(store);
    const window = planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-12" }, series.moment);
    expect(await readPlan(series, window)).toEqual({
      instrument: null,
      held: [],
      runs: [{ start: "2024-01-02", end: "2024-01-12" }],
    });

    await save(store, { start: "2024-01-04", end: "2024-01-08" }, ["2024-01-04", "2024-01-05", "2024-01-08"]);
    expect(await readPlan(series, window)).toEqual({
      instrument: { id: 1, name: "贵州茅台" },
      held: [{ start: "2024-01-04", end: "2024-01-08", fetchedAt }],
      runs: [
        { start: "2024-01-02", end: "2024-01-03" },
        { start: "2024-01-09", end: "2024-01-12" },
      ],
    });
  });
});

describe("readPlan and re-verification", () => {
  it("plans a session fetched on its own day again from the next session day on", async () => {
    const store = new MemoryHistoryStore();
    const days = ["2026-11-16", "2026-11-17", "2026-11-18"];
    // fetched at 17:00 in Shanghai on the 18th, read on the evening of the 19th
    await save(store, { start: "2026-11-16", end: "2026-11-18" }, days, {
      fetchedAt: new Date("2026-11-18T09:00:00Z"),
    });
    const series = context(store, "qfq", "2026-11-19T12:00:00Z");
    const plan = await readPlan(
      series,
      planWindow({ adjust: "qfq", start: "2026-11-16", end: "2026-11-19" }, series.moment),
    );
    expect(plan).toMatchObject({
      held: [{ start: "2026-11-16", end: "2026-11-17" }],
      runs: [{ start: "2026-11-18", end: "2026-11-19" }],
    });
  });
});

describe("firstLook", () => {
  const dates = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"];

  it("reads a held range's plan, bars and check day in one snapshot, and nothing more", async () => {
    const store = new MemoryHistoryStore();
    await save(store, { start: "2024-01-02", end: "2024-01-05" }, dates, { checkedOn: "2026-11-20" });
    store.calls.length = 0;
    const series = context(store);
    const look = await firstLook(
      series,
      planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-05" }, series.moment),
    );
    expect(store.calls).toEqual(["snapshot"]);
    expect(look).toMatchObject({ instrument: { id: 1 }, runs: [], checkedOn: "2026-11-20", earlierEmpty: [] });
    expect(JSON.parse(look.bars!.json)).toEqual(dates.map((d) => flatBar(d)));
  });

  it("without a snapshot reads the same plan and check day in separate reads, and no bars", async () => {
    const memory = new MemoryHistoryStore();
    await save(memory, { start: "2024-01-02", end: "2024-01-05" }, dates, { checkedOn: "2026-11-19" });
    memory.calls.length = 0;
    const series = context(withoutFastReads(memory));
    const look = await firstLook(
      series,
      planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-05" }, series.moment),
    );
    expect(memory.calls).toEqual(["findInstrument", "coverage", "checkedOn"]);
    expect(look).toEqual({
      instrument: { id: 1, name: "贵州茅台" },
      runs: [],
      bars: null,
      checkedOn: "2026-11-19",
      earlierEmpty: [],
    });
  });

  it("reads the unconfirmed empty answers seen so far when sessions are missing", async () => {
    const store = new MemoryHistoryStore();
    const pendingEmpty = [{ start: "2024-01-08", end: "2024-01-09" }];
    await save(store, { start: "2024-01-02", end: "2024-01-05" }, dates, { pendingEmpty });
    const series = context(store);
    const look = await firstLook(
      series,
      planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-09" }, series.moment),
    );
    expect(look.runs).toEqual([{ start: "2024-01-08", end: "2024-01-09" }]);
    expect(look.earlierEmpty).toEqual([{ id: 1, start: "2024-01-08", end: "2024-01-09" }]);
  });
});

describe("needsUpstream", () => {
  const moment = at(FRIDAY_EVENING);
  const held: FirstLook = {
    instrument: { id: 1, name: null },
    runs: [],
    bars: null,
    checkedOn: "2026-11-20",
    earlierEmpty: [],
  };
  const window = (adjust: Adjust, end = "2024-01-05") => planWindow({ adjust, start: "2024-01-02", end }, moment);

  it("is false for a held range whose adjusted series was checked today, or an unadjusted one", () => {
    expect(needsUpstream(window("qfq"), held)).toBe(false);
    expect(needsUpstream(window(""), { ...held, checkedOn: null })).toBe(false);
  });

  it("is true when sessions are missing, days lie past the horizon, or the daily check is due", () => {
    expect(needsUpstream(window("qfq"), { ...held, runs: [{ start: "2024-01-05", end: "2024-01-05" }] })).toBe(true);
    expect(needsUpstream(window("qfq"), { ...held, checkedOn: "2026-11-19" })).toBe(true);
    expect(needsUpstream(window("qfq"), { ...held, checkedOn: null })).toBe(true);
    expect(needsUpstream(window("qfq"), { ...held, instrument: null, checkedOn: null })).toBe(false);
    const pastHorizon = planWindow({ adjust: "", start: "2026-12-30", end: "2027-01-05" }, at("2027-01-06T12:00:00Z"));
    expect(needsUpstream(pastHorizon, { ...held, checkedOn: null })).toBe(true);
  });
});
