/**
 * The calendar endpoints over real HTTP, against the calendar fixtures of @quantdb/core
 * (packages/core/test/fixtures/calendar), read here independently of the bundled calendar data.
 * The endpoints never touch the database, so one PGlite system is enough.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ManualClock } from "@quantdb/core/clock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type Api, type TestSystem } from "./harness.ts";

const CALENDAR = "/api/v1/calendar";

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../../packages/core/test/fixtures/calendar/${name}`, import.meta.url));

interface WireSession {
  date: string;
  open: string;
  close: string;
  break_start: string | null;
  break_end: string | null;
  half_day: boolean;
}

/** CN: akshare's A-share trading dates; every session 09:30-15:00 with a break 11:30-13:00. */
const cnSessions: WireSession[] = (JSON.parse(fixture("akshare_calendar.json").toString("utf8")) as string[]).map(
  (d) => ({
    date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
    open: "09:30",
    close: "15:00",
    break_start: "11:30",
    break_end: "13:00",
    half_day: false,
  }),
);

/** HK: exchange_calendars' XHKG schedule, UTC → HKT (+8 h, no DST), without the two closures it misses. */
const HK_MISSING_CLOSURES = ["2023-09-01", "2023-09-08"];
const toHkt = (stamp: string): string => {
  const hh = Number(stamp.slice(11, 13)) + 8;
  if (hh >= 24) throw new Error(`HKT time past midnight: ${stamp}`);
  return `${String(hh).padStart(2, "0")}:${stamp.slice(14, 16)}`;
};
const hkRowsAll: WireSession[] = gunzipSync(fixture("xhkg_sessions_1990-2026_generated.csv.gz"))
  .toString("utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [date, open, close, breakStart, breakEnd] = line.split(",") as [string, string, string, string, string];
    const session = {
      date,
      open: toHkt(open),
      close: toHkt(close),
      break_start: breakStart ? toHkt(breakStart) : null,
      break_end: breakEnd ? toHkt(breakEnd) : null,
    };
    return { ...session, half_day: session.break_start === null && session.close < "16:00" };
  });
const hkSessions = hkRowsAll.filter((s) => !HK_MISSING_CLOSURES.includes(s.date));

const FIXTURES = { CN: cnSessions, HK: hkSessions } as const;
/** HK's schedule computed by HKEX's rules runs to the end of the year after today (2026-11-20 here); CN has none. */
const PROVISIONAL_THROUGH = { CN: null, HK: "2027-12-31" } as const;
type Market = keyof typeof FIXTURES;
const byDate = { CN: new Map(cnSessions.map((s) => [s.date, s])), HK: new Map(hkSessions.map((s) => [s.date, s])) };

/** What the one-date endpoint must answer for a known date, from the fixture alone. */
function expectedDate(market: Market, date: string) {
  const sessions = FIXTURES[market];
  let lo = 0; // first index with sessions[i].date >= date
  for (let hi = sessions.length; lo < hi; ) {
    const mid = (lo + hi) >>> 1;
    if (sessions[mid]!.date < date) lo = mid + 1;
    else hi = mid;
  }
  const session = byDate[market].get(date) ?? null;
  return {
    market,
    timezone: market === "CN" ? "Asia/Shanghai" : "Asia/Hong_Kong",
    date,
    known: true,
    is_session: session !== null,
    session,
    previous: sessions[lo - 1]?.date ?? null,
    next: sessions[session ? lo + 1 : lo]?.date ?? null,
    known_through: "2026-12-31",
    provisional: null,
    provisional_through: PROVISIONAL_THROUGH[market],
  };
}

/** Deterministic PRNG (mulberry32), so a failing random date is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const FIRST_DAY = Date.UTC(1990, 0, 1);
const LAST_DAY = Date.UTC(2026, 11, 31);
function randomDates(seed: number, count: number): string[] {
  const random = mulberry32(seed);
  const span = (LAST_DAY - FIRST_DAY) / 86_400_000 + 1;
  return Array.from({ length: count }, () =>
    new Date(FIRST_DAY + Math.floor(random() * span) * 86_400_000).toISOString().slice(0, 10),
  );
}

/** One system for the whole file: nothing here writes to the database. */
let system: TestSystem;
let api: Api;
beforeAll(async () => {
  system = await startSystem("pglite");
  api = await system.api();
}, 60_000);
afterAll(async () => system?.close());

describe("GET /api/v1/calendar/{market}", () => {
  it("reads consistent fixtures", () => {
    expect(cnSessions).toHaveLength(8797);
    expect(hkRowsAll).toHaveLength(9128);
    expect(hkSessions).toHaveLength(9126);
    // a session without a lunch break is exactly an early close
    expect(
      hkSessions.every(
        (s) => (s.break_start === null) === (s.break_end === null) && (s.break_start === null) === s.half_day,
      ),
    ).toBe(true);
    expect(hkSessions.filter((s) => s.half_day).length).toBeGreaterThan(50);
  });

  it.each([
    ["CN", "Asia/Shanghai"],
    ["HK", "Asia/Hong_Kong"],
  ] as const)(
    "lists exactly the %s fixture sessions with their hours over 1990-01-01..2026-12-31",
    async (market, timezone) => {
      const { status, body } = await api.get(`${CALENDAR}/${market}?start_date=19900101&end_date=20261231`);
      expect(status).toBe(200);
      expect(body).toEqual({
        market,
        timezone,
        start_date: "1990-01-01",
        end_date: "2026-12-31",
        known_through: "2026-12-31",
        sessions: FIXTURES[market],
        provisional_through: PROVISIONAL_THROUGH[market],
        provisional_sessions: [],
      });
    },
  );

  it("never lists the HK closures the source misses, and keeps half days without a break", async () => {
    const { body } = await api.get(`${CALENDAR}/HK?start_date=2023-08-28&end_date=2023-09-15`);
    const dates = body.sessions.map((s: WireSession) => s.date);
    expect(dates).not.toContain("2023-09-01");
    expect(dates).not.toContain("2023-09-08");
    expect(dates).toContain("2023-08-31");
    expect(dates).toContain("2023-09-04");
    const christmasEve = await api.get(`${CALENDAR}/hk?start_date=20251224&end_date=20251224`);
    expect(christmasEve.body.sessions).toEqual([
      { date: "2025-12-24", open: "09:30", close: "12:00", break_start: null, break_end: null, half_day: true },
    ]);
  });

  it("defaults to the current year on the exchange", async () => {
    const { body } = await api.get(`${CALENDAR}/CN`);
    expect(body).toMatchObject({
      market: "CN",
      start_date: "2026-01-01",
      end_date: "2026-12-31",
      known_through: "2026-12-31",
    });
    expect(body.sessions).toEqual(cnSessions.filter((s) => s.date >= "2026-01-01"));
    // 16:30Z on 2025-12-31 is already 2026-01-01 in Shanghai and Hong Kong
    const newYear = await system.api({ clock: new ManualClock("2025-12-31T16:30:00Z") });
    expect((await newYear.get(`${CALENDAR}/HK`)).body).toMatchObject({
      start_date: "2026-01-01",
      end_date: "2026-12-31",
    });
    const eve = await system.api({ clock: new ManualClock("2025-12-31T15:30:00Z") });
    expect((await eve.get(`${CALENDAR}/HK`)).body).toMatchObject({ start_date: "2025-01-01", end_date: "2025-12-31" });
  });

  it("defaults a missing start to 1 January of end_date's year, a missing end to 31 December this year", async () => {
    const onlyEnd = await api.get(`${CALENDAR}/CN?end_date=2020-06-30`);
    expect(onlyEnd.status).toBe(200);
    expect(onlyEnd.body).toMatchObject({ start_date: "2020-01-01", end_date: "2020-06-30" });
    expect(onlyEnd.body.sessions).toEqual(cnSessions.filter((s) => s.date >= "2020-01-01" && s.date <= "2020-06-30"));
    const onlyStart = await api.get(`${CALENDAR}/HK?start_date=20250601`);
    expect(onlyStart.body).toMatchObject({ start_date: "2025-06-01", end_date: "2026-12-31" });
    expect(onlyStart.body.sessions).toEqual(hkSessions.filter((s) => s.date >= "2025-06-01"));
  });

  it("clips a range reaching past known_through instead of inventing sessions", async () => {
    const { status, body } = await api.get(`${CALENDAR}/CN?start_date=20261201&end_date=20271231`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ end_date: "2027-12-31", known_through: "2026-12-31" });
    expect(body.sessions.at(-1).date).toBe("2026-12-31");
    expect(body.sessions).toEqual(cnSessions.filter((s) => s.date >= "2026-12-01"));
    const beyond = await api.get(`${CALENDAR}/HK?start_date=20270101&end_date=20271231`);
    expect(beyond.status).toBe(200);
    expect(beyond.body.sessions).toEqual([]);
    // HKEX's rules predict 2027 (13 weekday holidays), served apart from the known sessions
    expect(beyond.body).toMatchObject({ known_through: "2026-12-31", provisional_through: "2027-12-31" });
    expect(beyond.body.provisional_sessions).toHaveLength(261 - 13);
    expect(body.provisional_sessions).toEqual([]);
  });

  it("accepts the market in any case and both date forms, and answers an empty range with no sessions", async () => {
    const a = await api.get(`${CALENDAR}/cn?start_date=2024-02-01&end_date=2024-02-29`);
    const b = await api.get(`${CALENDAR}/Cn?start_date=20240201&end_date=20240229`);
    expect(a.body).toEqual(b.body);
    expect(a.body.market).toBe("CN");
    expect(a.body.sessions).toEqual(cnSessions.filter((s) => s.date >= "2024-02-01" && s.date <= "2024-02-29"));
    const festival = await api.get(`${CALENDAR}/CN?start_date=20240210&end_date=20240218`);
    expect(festival.body.sessions).toEqual([]);
  });
});

describe("GET /api/v1/calendar/{market}/sessions/{date}", () => {
  it("answers a closed working day with its neighbouring sessions (CN, Spring Festival 2024)", async () => {
    for (const date of ["20240209", "2024-02-09"]) {
      const { status, body } = await api.get(`${CALENDAR}/CN/sessions/${date}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        market: "CN",
        timezone: "Asia/Shanghai",
        date: "2024-02-09",
        known: true,
        is_session: false,
        session: null,
        previous: "2024-02-08",
        next: "2024-02-19",
        known_through: "2026-12-31",
        provisional: null,
        provisional_through: null,
      });
    }
  });

  it("answers a session with its hours, and an HK half day without a break", async () => {
    expect((await api.get(`${CALENDAR}/CN/sessions/20240208`)).body).toMatchObject({
      is_session: true,
      session: {
        date: "2024-02-08",
        open: "09:30",
        close: "15:00",
        break_start: "11:30",
        break_end: "13:00",
        half_day: false,
      },
      previous: "2024-02-07",
      next: "2024-02-19",
    });
    expect((await api.get(`${CALENDAR}/hk/sessions/20251224`)).body).toEqual({
      market: "HK",
      timezone: "Asia/Hong_Kong",
      date: "2025-12-24",
      known: true,
      is_session: true,
      session: {
        date: "2025-12-24",
        open: "09:30",
        close: "12:00",
        break_start: null,
        break_end: null,
        half_day: true,
      },
      previous: "2025-12-23",
      next: "2025-12-29",
      known_through: "2026-12-31",
      provisional: null,
      provisional_through: "2027-12-31",
    });
    for (const date of HK_MISSING_CLOSURES) {
      expect((await api.get(`${CALENDAR}/HK/sessions/${date}`)).body).toMatchObject({
        known: true,
        is_session: false,
        session: null,
      });
    }
  });

  it("answers the first sessions and the days before them", async () => {
    expect((await api.get(`${CALENDAR}/CN/sessions/19901219`)).body).toMatchObject({
      is_session: true,
      previous: null,
      next: "1990-12-20",
    });
    expect((await api.get(`${CALENDAR}/CN/sessions/19900101`)).body).toMatchObject({
      known: true,
      is_session: false,
      previous: null,
      next: "1990-12-19",
    });
    expect((await api.get(`${CALENDAR}/HK/sessions/19900102`)).body).toMatchObject({
      is_session: true,
      previous: null,
      next: "1990-01-03",
    });
  });

  it("answers at the horizon: no next after the last known session, no guess beyond it", async () => {
    expect((await api.get(`${CALENDAR}/CN/sessions/20261231`)).body).toMatchObject({
      known: true,
      is_session: true,
      previous: "2026-12-30",
      next: null,
    });
    expect((await api.get(`${CALENDAR}/HK/sessions/20261231`)).body).toMatchObject({
      known: true,
      is_session: true,
      session: { half_day: true },
      next: null,
    });
    for (const market of ["CN", "HK"]) {
      const { status, body } = await api.get(`${CALENDAR}/${market}/sessions/20270104`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        date: "2027-01-04",
        known: false,
        is_session: null,
        session: null,
        previous: null,
        next: null,
        known_through: "2026-12-31",
      });
      // the day right after the horizon: nothing unknown lies between it and the last known session
      expect((await api.get(`${CALENDAR}/${market}/sessions/2027-01-01`)).body).toMatchObject({
        known: false,
        is_session: null,
        previous: "2026-12-31",
        next: null,
      });
    }
    // HK's computed schedule answers beside the unknown, marked provisional; CN has none
    expect((await api.get(`${CALENDAR}/HK/sessions/20270104`)).body.provisional).toEqual({
      is_session: true,
      session: {
        date: "2027-01-04",
        open: "09:30",
        close: "16:00",
        break_start: "12:00",
        break_end: "13:00",
        half_day: false,
      },
      previous: "2026-12-31",
      next: "2027-01-05",
    });
    expect((await api.get(`${CALENDAR}/HK/sessions/20270101`)).body.provisional).toMatchObject({
      is_session: false,
      session: null,
    });
    expect((await api.get(`${CALENDAR}/CN/sessions/20270104`)).body).toMatchObject({
      provisional: null,
      provisional_through: null,
    });
  });

  it.each([
    ["CN", 20240209],
    ["HK", 20251224],
  ] as const)("agrees with the %s fixture on 300 random dates 1990-2026 (seed %i)", async (market, seed) => {
    const dates = randomDates(seed, 300);
    const answers = await Promise.all(
      dates.map((date) => api.get(`${CALENDAR}/${market}/sessions/${date.replaceAll("-", "")}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(300).fill(200));
    expect(answers.map((a) => a.body)).toEqual(dates.map((date) => expectedDate(market, date)));
  });
});

describe("calendar endpoints: bad input, methods, OpenAPI", () => {
  it.each([
    ["/US", "VALIDATION_ERROR"],
    ["/US/sessions/20240209", "VALIDATION_ERROR"],
    ["/CN/sessions/20240231", "INVALID_DATE"],
    ["/HK/sessions/2024-13-01", "INVALID_DATE"],
    ["/CN?start_date=20240231", "INVALID_DATE"],
    ["/CN?end_date=2024%2F01%2F01", "INVALID_DATE"],
    ["/HK?start_date=20240430&end_date=20240401", "INVALID_RANGE"],
    ["/CN?end_date=20240101&start_date=2024-01-02", "INVALID_RANGE"],
  ])("answers %s with 400 %s in the error envelope", async (path, code) => {
    const { status, body } = await api.get(`${CALENDAR}${path}`);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String), status: 400, details: expect.any(Object) } });
    expect(body.error.message).not.toMatch(/at .*\.ts|node_modules/);
  });

  it("names the accepted markets when the market is unknown", async () => {
    const { body } = await api.get(`${CALENDAR}/us`);
    expect(body.error.message).toMatch(/\bCN\b.*\bHK\b.*\bCRYPTO\b/);
    expect(body.error.details).toEqual({ market: "us", accepted: ["CN", "HK", "CRYPTO"] });
  });

  it("answers wrong methods with 405 and unknown paths with 404, in the envelope", async () => {
    for (const path of [`${CALENDAR}/CN`, `${CALENDAR}/CN/sessions/20240209`]) {
      const wrong = await api.get(path, { method: "POST" });
      expect(wrong.status).toBe(405);
      expect(wrong.body.error).toMatchObject({ code: "METHOD_NOT_ALLOWED", status: 405 });
      expect(wrong.headers.get("allow")).toContain("GET");
    }
    const missing = await api.get(`${CALENDAR}/CN/sessions`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("touches neither the database nor upstream", async () => {
    await api.get(`${CALENDAR}/CN?start_date=19900101&end_date=20261231`);
    await api.get(`${CALENDAR}/HK/sessions/20240209`);
    expect(await system.rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
    expect(system.replay.requestCount()).toBe(0);
  });

  it("documents both operations, the horizon and the sources in the OpenAPI document", async () => {
    const { body } = await api.get("/openapi.json");
    const list = body.paths["/api/v1/calendar/{market}"]?.get;
    const one = body.paths["/api/v1/calendar/{market}/sessions/{date}"]?.get;
    expect(list).toMatchObject({ operationId: "getTradingCalendar", tags: ["Calendar"] });
    expect(one).toMatchObject({ operationId: "getCalendarDate", tags: ["Calendar"] });
    for (const op of [list, one]) {
      expect(op.description).toMatch(/known_through/);
      expect(op.description).toMatch(/never caches/);
      expect(op.description).toMatch(/AKShare/);
      expect(op.description).toMatch(/1990-12-19/);
      expect(op.description).toMatch(/exchange_calendars/);
      expect(op.description).toMatch(/2023-09-01/);
      expect(op.description).toMatch(/2023-09-08/);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "405"]));
    }
    expect(body.components.schemas).toHaveProperty("TradingCalendar");
    expect(body.components.schemas).toHaveProperty("CalendarDate");
    expect(body.components.schemas).toHaveProperty("CalendarSession");
  });
});
