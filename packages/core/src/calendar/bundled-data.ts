/**
 * Decoding of the bundled calendar data in `./data/*.json`, written by
 * `scripts/build-calendars.mjs` (see that script for the sources and the format).
 */
import type { IsoDate } from "../dates.ts";
import { isStockMarketId, market } from "../markets/registry.ts";
import type { CalendarId } from "./types.ts";

/** Trading hours shared by a run of sessions; exchange-local `HH:MM`. */
export interface SessionHours {
  readonly open: string;
  readonly close: string;
  readonly breakStart: string | null;
  readonly breakEnd: string | null;
  readonly halfDay: boolean;
}

/** The shape of `./data/cn.json` and `./data/hk.json` as TypeScript infers it from the JSON. */
export interface BundledCalendarJson {
  id: string;
  timeZone: string;
  firstSession: string;
  knownThrough: string;
  source: string[];
  /** Distinct session hours. */
  hours: { open: string; close: string; breakStart: string | null; breakEnd: string | null; halfDay: boolean }[];
  /** `[date, i]`: `hours[i]` applies to the sessions from `date` until the next entry. */
  hoursFrom: (string | number)[][];
  /** Year → that year's sessions as space-separated `MMDD`, ascending. */
  sessions: Record<string, string>;
}

/** Bundled calendar data, decoded and checked. */
export interface DecodedCalendar {
  readonly id: CalendarId;
  readonly timeZone: string;
  readonly firstSession: IsoDate;
  readonly knownThrough: IsoDate;
  /** Every session, ascending. */
  readonly sessions: readonly IsoDate[];
  /** `hours[hoursIndex[i]]` are the hours of `sessions[i]`. */
  readonly hours: readonly SessionHours[];
  readonly hoursIndex: Uint8Array;
}

const TIME = /^\d{2}:\d{2}$/;

function invalid(id: string, message: string): never {
  throw new Error(`bundled ${id} calendar data is invalid: ${message}; rebuild it with scripts/build-calendars.mjs`);
}

/**
 * Expand bundled JSON into a sorted session array plus per-session hours, checking the invariants
 * the calendar relies on (ascending dates within [firstSession, knownThrough], valid hours).
 * @throws Error when the data is malformed.
 */
export function decodeCalendar(json: BundledCalendarJson): DecodedCalendar {
  const { id, timeZone, firstSession, knownThrough } = json;
  if (!isStockMarketId(id)) invalid(id, "unknown id");
  const expectedZone = market(id).timeZone;
  if (timeZone !== expectedZone) invalid(id, `time zone ${timeZone}`);

  const sessions: IsoDate[] = [];
  const years = Object.keys(json.sessions).sort();
  for (const year of years) {
    for (const mmdd of (json.sessions[year] ?? "").split(" ")) {
      sessions.push(`${year}-${mmdd.slice(0, 2)}-${mmdd.slice(2, 4)}`);
    }
  }
  const first = sessions[0];
  const last = sessions.at(-1);
  if (first === undefined || last === undefined) invalid(id, "no sessions");
  if (first < firstSession || last > knownThrough) invalid(id, "sessions outside [firstSession, knownThrough]");
  for (let i = 1; i < sessions.length; i++) {
    if (!((sessions[i - 1] as IsoDate) < (sessions[i] as IsoDate)))
      invalid(id, `sessions not ascending at ${sessions[i]}`);
  }

  const hours: SessionHours[] = json.hours.map((h) => {
    const times = [h.open, h.close, h.breakStart, h.breakEnd].filter((t) => t !== null);
    if (!times.every((t) => TIME.test(t))) invalid(id, `bad hours ${JSON.stringify(h)}`);
    return Object.freeze({
      open: h.open,
      close: h.close,
      breakStart: h.breakStart,
      breakEnd: h.breakEnd,
      halfDay: h.halfDay,
    });
  });
  if (hours.length === 0 || hours.length > 255) invalid(id, "hours table size");

  const hoursIndex = new Uint8Array(sessions.length);
  const changes = json.hoursFrom.map(([date, index]) => {
    if (typeof date !== "string" || typeof index !== "number" || hours[index] === undefined) {
      invalid(id, `bad hoursFrom entry ${JSON.stringify([date, index])}`);
    }
    return { date, index };
  });
  if (changes[0]?.date !== first) invalid(id, "hoursFrom must start at the first session");
  let c = 0;
  for (let i = 0; i < sessions.length; i++) {
    const date = sessions[i] as IsoDate;
    while (c + 1 < changes.length && (changes[c + 1] as { date: string }).date <= date) c++;
    hoursIndex[i] = (changes[c] as { index: number }).index;
  }

  return { id, timeZone: expectedZone, firstSession, knownThrough, sessions, hours, hoursIndex };
}
