#!/usr/bin/env node
/**
 * Build the bundled exchange-calendar data for `@quantdb/core/calendar`.
 *
 * Reads the two source files in /work/shared/data/calendar (override the folder with the first
 * argument or QUANTDB_CALENDAR_SOURCE) and writes
 *   packages/core/src/calendar/data/cn.json   A-shares (SSE = SZSE = BSE)
 *   packages/core/src/calendar/data/hk.json   HKEX securities market
 *
 * Output format (one decoder, `packages/core/src/calendar/bundled-data.ts`, reads both):
 *   {
 *     id, timeZone, firstSession, knownThrough, source: [...],
 *     hours:   [{ open, close, breakStart, breakEnd, halfDay }, ...]   exchange-local HH:MM
 *     hoursFrom: [["YYYY-MM-DD", i], ...]   hours[i] applies to every session from that date on,
 *                                            until the next entry (run-length encoding)
 *     sessions: { "YYYY": "MMDD MMDD ...", ... }   every session, ascending
 *   }
 *
 * Plain Node, no dependencies. Usage: `node scripts/build-calendars.mjs [sourceDir]`.
 * Every derived value is asserted, so a changed source fails loudly instead of producing a wrong
 * calendar.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = resolve(process.argv[2] ?? process.env.QUANTDB_CALENDAR_SOURCE ?? "/work/shared/data/calendar");
const outDir = join(repoRoot, "packages/core/src/calendar/data");

const CN_SOURCE = "akshare_calendar.json";
const HK_SOURCE = "xhkg_sessions_1990-2026_generated.csv";

/**
 * Full-day HKEX closures that the XHKG source (exchange_calendars @ 5308ce20, generated schedule)
 * wrongly lists as sessions. HKEX cancelled all trading on both days:
 *   2023-09-01  Typhoon Signal No. 8 (Saola) in force all day
 *   2023-09-08  Black Rainstorm warning / "extreme conditions"
 * Every Yahoo HK series lacks both dates; upstream fixed it later (exchange_calendars issue #600,
 * PR #603), after the snapshot the source file was generated from. Remove this list entry by entry
 * once the source contains the fix (the script only notes entries already absent).
 */
const HK_EXTRA_CLOSURES = ["2023-09-01", "2023-09-08"];

/** A-share hours: identical every session, no half days (SSE/SZSE rules; exchange_calendars XSHG). */
const CN_HOURS = { open: "09:30", close: "15:00", breakStart: "11:30", breakEnd: "13:00", halfDay: false };

const HK_UTC_OFFSET_MINUTES = 8 * 60; // Asia/Hong_Kong is UTC+8 with no DST since 1979.

function fail(message) {
  throw new Error(`build-calendars: ${message}`);
}

/** Day of week (0 = Sunday) of a `YYYY-MM-DD` date, via Date.UTC (a build-time check only). */
function weekday(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Check that `dates` are real `YYYY-MM-DD` dates, strictly ascending and never on a weekend. */
function checkDates(name, dates) {
  for (let i = 0; i < dates.length; i++) {
    const date = dates[i];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) fail(`${name}: bad date ${JSON.stringify(date)}`);
    const [y, m, d] = date.split("-").map(Number);
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
      fail(`${name}: impossible date ${date}`);
    }
    if (i > 0 && !(dates[i - 1] < date)) fail(`${name}: not strictly ascending at ${date}`);
    const dow = weekday(date);
    if (dow === 0 || dow === 6) fail(`${name}: weekend session ${date}`);
  }
}

/** `HH:MM` wall-clock time in HKT of a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` on session day `date`. */
function utcToHkt(stamp, date, column) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):00Z$/.exec(stamp);
  if (!m) fail(`${HK_SOURCE}: ${date} ${column}: unexpected timestamp ${JSON.stringify(stamp)}`);
  const [, day, hh, mm] = m;
  const minutes = Number(hh) * 60 + Number(mm) + HK_UTC_OFFSET_MINUTES;
  // Sessions run 09:30–16:00 HKT = 01:30–08:00 UTC, so the UTC and HKT dates must coincide.
  if (day !== date || minutes >= 24 * 60) fail(`${HK_SOURCE}: ${date} ${column}: ${stamp} is not on the session day`);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function groupByYear(dates) {
  const years = {};
  for (const date of dates) {
    const year = date.slice(0, 4);
    const mmdd = date.slice(5, 7) + date.slice(8, 10);
    years[year] = years[year] === undefined ? mmdd : `${years[year]} ${mmdd}`;
  }
  return years;
}

/** Serialise with one line per year / hours entry, so diffs of the bundled data stay readable. */
function serialise(calendar) {
  const { sessions, hours, hoursFrom, ...header } = calendar;
  const lines = ["{"];
  for (const [key, value] of Object.entries(header)) lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  lines.push(`  "hours": [\n${hours.map((h) => `    ${JSON.stringify(h)}`).join(",\n")}\n  ],`);
  lines.push(`  "hoursFrom": [\n${hoursFrom.map((e) => `    ${JSON.stringify(e)}`).join(",\n")}\n  ],`);
  const years = Object.entries(sessions).map(([y, s]) => `    ${JSON.stringify(y)}: ${JSON.stringify(s)}`);
  lines.push(`  "sessions": {\n${years.join(",\n")}\n  }`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Run-length encode per-session hours into a table of distinct hours plus change points. */
function encodeHours(sessions) {
  const hours = [];
  const index = new Map();
  const hoursFrom = [];
  let previous = -1;
  for (const { date, ...h } of sessions) {
    const key = JSON.stringify(h);
    let i = index.get(key);
    if (i === undefined) {
      i = hours.length;
      hours.push(h);
      index.set(key, i);
    }
    if (i !== previous) hoursFrom.push([date, i]);
    previous = i;
  }
  return { hours, hoursFrom };
}

function buildCn() {
  const raw = JSON.parse(readFileSync(join(sourceDir, CN_SOURCE), "utf8"));
  if (!Array.isArray(raw) || raw.length === 0) fail(`${CN_SOURCE}: expected a non-empty array`);
  const dates = raw.map((d) => {
    if (typeof d !== "string" || !/^\d{8}$/.test(d)) fail(`${CN_SOURCE}: bad entry ${JSON.stringify(d)}`);
    return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  });
  checkDates(CN_SOURCE, dates);
  const first = dates[0];
  const last = dates.at(-1);
  if (first !== "1990-12-19") fail(`${CN_SOURCE}: expected the first SSE session 1990-12-19, got ${first}`);
  return {
    id: "CN",
    timeZone: "Asia/Shanghai",
    firstSession: first,
    // The SSE/SZSE publish closures per calendar year, and the source covers whole years: it is
    // known through the end of the year of its last session (asserted to be late December).
    knownThrough: knownThroughFromLast(CN_SOURCE, last),
    source: [
      `${CN_SOURCE}: akfamily/akshare akshare/file_fold/calendar.json @ 0e7db00cb98ac6709e2b553efb5a79629aca7a72`,
      "hours: SSE/SZSE continuous trading 09:30-11:30, 13:00-15:00 Asia/Shanghai; no half days",
    ],
    ...encodeHours(dates.map((date) => ({ date, ...CN_HOURS }))),
    sessions: groupByYear(dates),
  };
}

function knownThroughFromLast(name, last) {
  if (last.slice(5) < "12-24") fail(`${name}: last session ${last} does not look like the end of a calendar year`);
  return `${last.slice(0, 4)}-12-31`;
}

function buildHk() {
  const text = readFileSync(join(sourceDir, HK_SOURCE), "utf8");
  const lines = text.split(/\r?\n/).filter((line) => line !== "");
  const header = lines.shift();
  if (header !== "session,open_utc,close_utc,break_start_utc,break_end_utc")
    fail(`${HK_SOURCE}: unexpected header ${header}`);
  let sessions = lines.map((line) => {
    const cols = line.split(",");
    if (cols.length !== 5) fail(`${HK_SOURCE}: bad row ${line}`);
    const [date, openUtc, closeUtc, breakStartUtc, breakEndUtc] = cols;
    if ((breakStartUtc === "") !== (breakEndUtc === "")) fail(`${HK_SOURCE}: ${date}: half a break`);
    const session = {
      date,
      open: utcToHkt(openUtc, date, "open_utc"),
      close: utcToHkt(closeUtc, date, "close_utc"),
      breakStart: breakStartUtc === "" ? null : utcToHkt(breakStartUtc, date, "break_start_utc"),
      breakEnd: breakEndUtc === "" ? null : utcToHkt(breakEndUtc, date, "break_end_utc"),
    };
    if (!(session.open < session.close)) fail(`${HK_SOURCE}: ${date}: open not before close`);
    if (
      session.breakStart !== null &&
      !(session.open < session.breakStart && session.breakStart < session.breakEnd && session.breakEnd < session.close)
    ) {
      fail(`${HK_SOURCE}: ${date}: break not inside the session`);
    }
    return session;
  });
  checkDates(
    HK_SOURCE,
    sessions.map((s) => s.date),
  );

  for (const date of HK_EXTRA_CLOSURES) {
    const before = sessions.length;
    sessions = sessions.filter((s) => s.date !== date);
    if (sessions.length === before)
      console.warn(`build-calendars: ${date} is already absent from ${HK_SOURCE}; drop it from HK_EXTRA_CLOSURES`);
  }

  // Half days, derived rather than assumed: a session without a lunch break that closes earlier
  // than the regular (with-break) sessions of the same era, an era being a run of sessions that
  // share one opening time. Every full session of an era must share one close.
  const regularClose = new Map();
  for (const s of sessions) {
    if (s.breakStart === null) continue;
    const seen = regularClose.get(s.open);
    if (seen !== undefined && seen !== s.close)
      fail(`${HK_SOURCE}: ${s.date}: regular close ${s.close} differs from ${seen} in the same era`);
    regularClose.set(s.open, s.close);
  }
  for (const s of sessions) {
    const regular = regularClose.get(s.open);
    if (regular === undefined) fail(`${HK_SOURCE}: ${s.date}: no regular session opens at ${s.open}`);
    s.halfDay = s.breakStart === null && s.close < regular;
    if (s.breakStart === null && !s.halfDay) fail(`${HK_SOURCE}: ${s.date}: no break but a full-length session`);
  }

  return {
    id: "HK",
    timeZone: "Asia/Hong_Kong",
    // The generated schedule starts at the first session of its requested range, 1990-01-02.
    firstSession: sessions[0].date,
    knownThrough: knownThroughFromLast(HK_SOURCE, sessions.at(-1).date),
    source: [
      `${HK_SOURCE}: exchange_calendars XHKG schedule generated at ` +
        "gerrymanoim/exchange_calendars@5308ce20578422fce74b10b43cc7d913a17e7a88 (start 1990-01-02, end " +
        "2026-12-31); UTC times converted to HKT",
      `removed (full-day closures missing from the source): ${HK_EXTRA_CLOSURES.join(", ")}`,
    ],
    ...encodeHours(sessions),
    sessions: groupByYear(sessions.map((s) => s.date)),
  };
}

mkdirSync(outDir, { recursive: true });
for (const [file, calendar] of [
  ["cn.json", buildCn()],
  ["hk.json", buildHk()],
]) {
  const body = serialise(calendar);
  JSON.parse(body); // the hand-rolled serialiser must still emit valid JSON
  writeFileSync(join(outDir, file), body);
  const count = Object.values(calendar.sessions).reduce((n, s) => n + s.split(" ").length, 0);
  console.log(
    `${file}: ${count} sessions ${calendar.firstSession}..${calendar.knownThrough}, ` +
      `${calendar.hours.length} hours regimes, ${calendar.hoursFrom.length} change points, ${body.length} bytes`,
  );
}
