/**
 * The calendar horizon maintains itself: days after the bundled calendars' 2026-12-31, up to
 * today, are learnt from the benchmark index's bars (CN: 1.000001, HK: 100.HSI) with one kline call
 * per market, stored, and then planned and cached like any known day. The replay has no recorded
 * bars after 2026, so these tests add SYNTHETIC bars (made up; see packages/replay/fixtures/README.md).
 */
import { ManualClock } from "@quantdb/core/clock";
import { parseStockSymbol } from "@quantdb/core/symbols";
import { deleteCalendarExtensions, schema } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDailyIngest } from "../src/jobs/index.ts";
import { createSystem, replayUrls } from "../src/system.ts";
import { systemSuite } from "./harness.ts";

const HISTORY = "/api/v1/historical/stock";
const CALENDAR = "/api/v1/calendar";
const INDEX_CN = "1.000001";
const INDEX_HK = "100.HSI";

/** CN sessions 2026-12-28 … 2027-01-08: 2027-01-01 (Friday, New Year) is closed. */
const CN_DAYS = [
  "2026-12-28",
  "2026-12-29",
  "2026-12-30",
  "2026-12-31",
  "2027-01-04",
  "2027-01-05",
  "2027-01-06",
  "2027-01-07",
  "2027-01-08",
];
/** HK sessions of the same days (2026-12-31 is a half day). */
const HK_DAYS = CN_DAYS;

/** Made-up closes drifting from `from`, one per date. */
const bars = (dates: readonly string[], from: number) =>
  dates.map((date, i) => ({ date, close: Number((from * (1 + 0.003 * ((i % 3) - 1))).toFixed(2)) }));

/** 2027-01-08 16:00 in Shanghai: after the CN close + 30 min (final), before HK's 16:30. */
const AFTER_CN_CLOSE = "2027-01-08T16:00:00+08:00";

describe.each(testDrivers())("the calendar horizon on %s", (driver) => {
  const system = systemSuite(driver);
  beforeEach(async () => deleteCalendarExtensions(system.database.db));
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const serveCn = (days: readonly string[] = CN_DAYS) => {
    system.replay.addSyntheticKlines("1.600519", "0", bars(days, 1500));
    system.replay.addSyntheticKlines(INDEX_CN, "0", bars(days, 3400));
  };

  it("learns 2027's sessions from the index in one call, caches the range; calendars agree; Sina down", async () => {
    serveCn();
    const api = await system.api({
      clock: new ManualClock(AFTER_CN_CLOSE),
      urls: { sinaCalendar: `${system.replay.url}/no-such-list.txt` },
    });

    const first = await api.get(`${HISTORY}/600519?start_date=20261228&end_date=20270108`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((b: { date: string }) => b.date)).toEqual(CN_DAYS);
    expect(first.body.data.every((b: { provisional: boolean }) => !b.provisional)).toBe(true);
    expect(first.body.metadata).toMatchObject({ calendar_known_through: "2027-01-08", cache: { trading_days: 9 } });
    // one index call from the last known session through today, one call for the stock
    expect(system.replay.requests.map((r) => [r.secid, r.beg, r.end])).toEqual([
      [INDEX_CN, "20261231", "20270108"],
      ["1.600519", "20261228", "20270108"],
    ]);

    const again = await api.get(`${HISTORY}/600519?start_date=20261228&end_date=20270108`);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });

    const monday = await api.get(`${CALENDAR}/CN/sessions/20270104`);
    expect(monday.body).toMatchObject({
      date: "2027-01-04",
      known: true,
      is_session: true,
      previous: "2026-12-31",
      next: "2027-01-05",
      known_through: "2027-01-08",
    });
    expect(monday.body.session).toMatchObject({ open: "09:30", close: "15:00" });
    // a weekday holiday with no index bar is a non-session once observed
    expect((await api.get(`${CALENDAR}/CN/sessions/20270101`)).body).toMatchObject({
      known: true,
      is_session: false,
      session: null,
      previous: "2026-12-31",
      next: "2027-01-04",
    });
    const range = await api.get(`${CALENDAR}/CN?start_date=20261228&end_date=20270108`);
    expect(range.body).toMatchObject({
      known_through: "2027-01-08",
      provisional_through: null,
      provisional_sessions: [],
    });
    expect(range.body.sessions.map((s: { date: string }) => s.date)).toEqual(CN_DAYS);
    // after today: still unknown, and no upstream call to find out
    expect((await api.get(`${CALENDAR}/CN/sessions/20270111`)).body).toMatchObject({
      known: false,
      is_session: null,
      next: null,
    });
    expect(system.replay.requestCount()).toBe(2);

    // Sina's list is unreachable: the official extension fails, the observed horizon stands
    expect((await api.get(`${CALENDAR}/CN/extend`, { method: "POST" })).status).toBeGreaterThanOrEqual(500);

    // stored: a restarted process knows 2027-01-04 and serves the range from the cache, without upstream
    const restarted = await system.api({ clock: new ManualClock(AFTER_CN_CLOSE) });
    expect((await restarted.get(`${CALENDAR}/CN/sessions/20270104`)).body).toMatchObject({
      known: true,
      is_session: true,
    });
    expect(
      (await restarted.get(`${HISTORY}/600519?start_date=20261228&end_date=20270108`)).body.metadata.cache,
    ).toMatchObject({ hit: true, upstream_requests: 0 });
    expect(system.replay.requestCount()).toBe(2);
  });

  it("observes at most once per day and finality state: before the close to yesterday, after it to today", async () => {
    serveCn();
    const clock = new ManualClock("2027-01-08T10:00:00+08:00"); // trading, not final
    const api = await system.api({ clock });
    const [a, b] = await Promise.all([
      api.get(`${HISTORY}/600519?start_date=20270104&end_date=20270108`),
      api.get(`${CALENDAR}/CN/sessions/20270107`),
    ]);
    expect(a.body.metadata.calendar_known_through).toBe("2027-01-07");
    // today's bar is served, provisional, passed through; the day itself is not settled yet
    expect(
      a.body.data.map((bar: { date: string; provisional: boolean }) => [bar.date, bar.provisional]).at(-1),
    ).toEqual(["2027-01-08", true]);
    expect(b.body).toMatchObject({ known: true, is_session: true });
    expect((await api.get(`${CALENDAR}/CN/sessions/20270108`)).body).toMatchObject({ known: false, is_session: null });
    expect(system.replay.requestCount({ secid: INDEX_CN })).toBe(1);
    expect(system.replay.requests.find((r) => r.secid === INDEX_CN)).toMatchObject({
      beg: "20261231",
      end: "20270107",
    });

    clock.set(new Date("2027-01-08T15:40:00+08:00")); // final now: one more call, for today
    expect((await api.get(`${CALENDAR}/CN/sessions/20270108`)).body).toMatchObject({
      known: true,
      is_session: true,
      known_through: "2027-01-08",
    });
    await api.get(`${HISTORY}/600519?start_date=20270104&end_date=20270108`);
    expect(system.replay.requestCount({ secid: INDEX_CN })).toBe(2);
    expect(system.replay.requests.filter((r) => r.secid === INDEX_CN).at(-1)).toMatchObject({
      beg: "20270107",
      end: "20270108",
    });

    // the weekend is learnt without a call: no weekday is missing
    clock.set(new Date("2027-01-10T18:00:00+08:00"));
    expect((await api.get(`${CALENDAR}/CN/sessions/20270110`)).body).toMatchObject({
      known: true,
      is_session: false,
      known_through: "2027-01-10",
    });
    expect(system.replay.requestCount({ secid: INDEX_CN })).toBe(2);
  });

  it("trusts no index answer lacking the last known session: nothing learnt, days pass through as before", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    system.replay.addSyntheticKlines("1.600519", "0", bars(CN_DAYS, 1500));
    system.replay.injectFault({ kind: "data-null", secid: INDEX_CN });
    const clock = new ManualClock(AFTER_CN_CLOSE);
    const api = await system.api({ clock });
    const first = await api.get(`${HISTORY}/600519?start_date=20261228&end_date=20270108`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((b: { date: string }) => b.date)).toEqual(CN_DAYS);
    expect(first.body.metadata.calendar_known_through).toBe("2026-12-31");
    expect((await api.get(`${CALENDAR}/CN/sessions/20270104`)).body).toMatchObject({ known: false, is_session: null });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining("calendar observation failed"),
      expect.stringContaining("UPSTREAM_INVALID"),
    );
    // not retried on every request (once per 10 minutes after a failure)
    await api.get(`${HISTORY}/600519?start_date=20261228&end_date=20270108`);
    expect(system.replay.requestCount({ secid: INDEX_CN })).toBe(1);

    system.replay.clearFaults();
    system.replay.addSyntheticKlines(INDEX_CN, "0", bars(CN_DAYS, 3400));
    clock.set(new Date(clock.now().getTime() + 11 * 60_000));
    const later = await api.get(`${HISTORY}/600519?start_date=20261228&end_date=20270108`);
    expect(later.body.metadata.calendar_known_through).toBe("2027-01-08");
    expect(system.replay.requestCount({ secid: INDEX_CN })).toBe(2);
  });

  it("the daily ingest runs past the bundled calendar: the session is learnt first, in one index call", async () => {
    await system.database.db.delete(schema.jobRuns);
    serveCn(CN_DAYS.slice(0, 5)); // through Monday 2027-01-04
    const clock = new ManualClock("2026-12-31T12:00:00Z"); // 20:00 in Shanghai
    const { services } = await createSystem({
      database: system.database,
      clock,
      urls: replayUrls(system.replay),
      timeoutMs: 5000,
      listPageDelayMs: 0,
    });
    await services.history.getDailyBars({
      symbol: parseStockSymbol("600519"),
      adjust: "",
      start: "2026-12-28",
      end: "2026-12-31",
    });
    const ingest = createDailyIngest(services);

    clock.set("2027-01-04T12:00:00Z");
    const before = system.replay.requestCount();
    expect(await ingest.run("CN")).toMatchObject({
      ran: true,
      run: { scope: "CN", sessionDate: "2027-01-04", status: "succeeded", instrumentsUpdated: 1 },
    });
    // the index call first; then the stock's one call (re-verifying 2026-12-31, fetched on its own day, from an anchor
    // before it)
    expect(system.replay.requests.slice(before).map((r) => [r.secid, r.end])).toEqual([
      [INDEX_CN, "20270104"],
      ["1.600519", "20270104"],
    ]);
    expect(system.replay.requests.at(before)).toMatchObject({ beg: "20261231" });
    expect(
      (
        await services.history.getDailyBars({
          symbol: parseStockSymbol("600519"),
          adjust: "",
          start: "2026-12-28",
          end: "2027-01-04",
        })
      ).cache,
    ).toMatchObject({ hit: true, trading_days: 5 });
  });

  it("learns HK days from the Hang Seng Index; bars beat HKEX's computed schedule; the rest provisional", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // 2027-01-01 is a computed HKEX holiday; say the index traded anyway: the bar decides
    const traded = [...HK_DAYS.slice(0, 4), "2027-01-01", ...HK_DAYS.slice(4)];
    system.replay.addSyntheticKlines(INDEX_HK, "0", bars(traded, 25000));
    system.replay.addSyntheticKlines("116.00700", "0", bars(HK_DAYS, 400));
    const api = await system.api({ clock: new ManualClock("2027-01-08T17:00:00+08:00") });

    const history = await api.get(`${HISTORY}/00700?start_date=20261228&end_date=20270108`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((b: { date: string }) => b.date)).toEqual(HK_DAYS);
    expect(history.body.metadata.calendar_known_through).toBe("2027-01-08");
    expect((await api.get(`${HISTORY}/00700?start_date=20261228&end_date=20270108`)).body.metadata.cache).toMatchObject(
      { hit: true, upstream_requests: 0 },
    );
    expect(system.replay.requestCount({ secid: INDEX_HK })).toBe(1);

    expect((await api.get(`${CALENDAR}/HK/sessions/20270101`)).body).toMatchObject({
      known: true,
      is_session: true,
      provisional: null,
    });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining("computed schedule"),
      expect.stringContaining("2027-01-01 (traded)"),
    );
    expect((await api.get(`${CALENDAR}/HK/sessions/20270104`)).body).toMatchObject({
      known: true,
      is_session: true,
      session: { close: "16:00", half_day: false },
    });

    // after today: unknown, with HKEX's rules as a separate, provisional answer
    const eve = await api.get(`${CALENDAR}/HK/sessions/20270205`);
    expect(eve.body).toMatchObject({
      known: false,
      is_session: null,
      session: null,
      provisional_through: "2028-12-31",
    });
    expect(eve.body.provisional).toMatchObject({
      is_session: true,
      session: { close: "12:00", half_day: true },
      next: "2027-02-10",
    });
    expect((await api.get(`${CALENDAR}/HK/sessions/20270208`)).body.provisional).toMatchObject({
      is_session: false,
      session: null,
      previous: "2027-02-05",
    });
    const year = await api.get(`${CALENDAR}/HK?start_date=20270101&end_date=20271231`);
    expect(year.body.sessions.map((s: { date: string }) => s.date)).toEqual(traded.filter((d) => d >= "2027-01-01"));
    expect(year.body.provisional_sessions[0].date).toBe("2027-01-11");
    // 261 weekdays, 13 computed holidays, 2027-01-01 traded
    expect(year.body.sessions.length + year.body.provisional_sessions.length).toBe(249);
    expect(system.replay.requestCount({ secid: INDEX_HK })).toBe(1);
  });
});
