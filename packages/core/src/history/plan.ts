/**
 * Planning a history request: the range's sessions per the exchange calendar, which of them the
 * store holds (verified), and what is left to fetch.
 */
import { addCalendarDays, localTime, type IsoDate } from "../dates.ts";
import { minDate, type Moment, type SeriesContext } from "./context.ts";
import { missingRuns, type Span } from "./planner.ts";
import type { HeldSpan, PendingEmptySpan, StoredInstrument } from "./service.ts";
import type { Adjust } from "./types.ts";

/** The dates a request covers, as the calendar and the clock divide them. Dates are exchange-local. */
export interface RequestWindow {
  start: IsoDate;
  end: IsoDate;
  /** min(end, today, the calendar's horizon): the last date the calendar can plan. */
  knownEnd: IsoDate;
  /** Sessions of [start, knownEnd], ascending; empty when start > knownEnd. */
  sessions: IsoDate[];
  /** Days after the calendar's horizon up to min(end, today): fetched every time, never stored; null if none. */
  passThrough: Span | null;
  /** The session day a held adjusted series is checked against upstream for; null when unadjusted (never checked). */
  checkDay: IsoDate | null;
}

/** What the store holds of a request's sessions, and the runs of sessions it lacks. */
export interface SeriesPlan {
  instrument: StoredInstrument | null;
  /** Held spans overlapping the window, minus sessions due for re-verification (see {@link verifiedPart}). */
  held: Span[];
  /** Runs of consecutive sessions not held, ascending: one upstream call each. */
  runs: Span[];
}

/** The first read of a request (before any lock): its plan and what else the store answered with it. */
export interface FirstLook {
  instrument: StoredInstrument | null;
  runs: Span[];
  /** Stored bars of [start, end] as JSON text when the store read them with the plan (`snapshot`), else null. */
  bars: { json: string; count: number } | null;
  /** The day the series was last checked against upstream; read only for adjusted series of a stored instrument. */
  checkedOn: IsoDate | null;
  /** Unconfirmed empty answers seen before this request began (read only when runs are missing). */
  earlierEmpty: PendingEmptySpan[];
}

/** The session day a held adjusted series is due for its daily check on: today's session, or today past the horizon. */
export function checkDayOn(calendar: Moment["calendar"], today: IsoDate): IsoDate {
  return today > calendar.knownThrough ? today : (calendar.sessionOnOrBefore(today) ?? today);
}

/**
 * Divide a request's range at `moment`: nothing after today is fetched; sessions up to the calendar's
 * horizon are planned; days after it are passed through.
 */
export function planWindow(range: { adjust: Adjust; start: IsoDate; end: IsoDate }, moment: Moment): RequestWindow {
  const { calendar, today } = moment;
  const { start, end } = range;
  const fetchEnd = minDate(end, today);
  const knownEnd = minDate(fetchEnd, calendar.knownThrough);
  const sessions = start <= knownEnd ? calendar.sessionsBetween(start, knownEnd) : [];
  const afterHorizon = start > calendar.knownThrough ? start : addCalendarDays(calendar.knownThrough, 1);
  const passThrough: Span | null = fetchEnd > calendar.knownThrough ? { start: afterHorizon, end: fetchEnd } : null;
  const checkDay = range.adjust === "" ? null : checkDayOn(calendar, today);
  return { start, end, knownEnd, sessions, passThrough, checkDay };
}

/**
 * The part of a held span that counts as held now. A bar fetched on its own session day (or
 * before the next session) may still be revised: from the next session day on, that one
 * session is due for re-verification, and drops out until a later fetch covers it again.
 * @returns the span itself, or the one or two parts around the session due (none when it was all)
 */
export function verifiedPart(span: HeldSpan, moment: Moment): Span[] {
  const { calendar, today } = moment;
  const fetchedDate = localTime(span.fetchedAt, calendar.timeZone).date;
  const pending = calendar.sessionOnOrBefore(minDate(fetchedDate, calendar.knownThrough));
  if (!pending || pending < span.start || pending > span.end) return [span];
  const next = calendar.nextSession(pending);
  if (!next || next > today) return [span];
  const parts: Span[] = [];
  const before = calendar.previousSession(pending);
  if (before && before >= span.start) parts.push({ start: span.start, end: before });
  if (next <= span.end) parts.push({ start: next, end: span.end });
  return parts;
}

/** The verified parts of `held` and the window's sessions they lack, as runs. */
function heldAndMissing(
  window: RequestWindow,
  held: readonly HeldSpan[],
  moment: Moment,
): Omit<SeriesPlan, "instrument"> {
  const verified = held.flatMap((span) => verifiedPart(span, moment));
  return { held: verified, runs: missingRuns(window.sessions, verified) };
}

/** Read the series' plan from the store: its instrument and its coverage of the window. */
export async function readPlan(series: SeriesContext, window: RequestWindow): Promise<SeriesPlan> {
  const { store, symbol, adjust, moment } = series;
  const instrument = await store.findInstrument(symbol);
  const { start, knownEnd, sessions } = window;
  const held = instrument && sessions.length > 0 ? await store.coverage(instrument.id, adjust, start, knownEnd) : [];
  return { instrument, ...heldAndMissing(window, held, moment) };
}

/**
 * A request's first read, outside any lock. With the store's `snapshot` it reads the bars too, in one
 * round trip: for a range already held (the common case) that is the whole request. Unconfirmed
 * empty answers are read only when something is missing.
 */
export async function firstLook(series: SeriesContext, window: RequestWindow): Promise<FirstLook> {
  const { store, symbol, adjust, moment } = series;
  let look: Omit<FirstLook, "earlierEmpty">;
  if (store.snapshot) {
    const range = { start: window.start, end: window.end, coverageEnd: window.knownEnd };
    const snapshot = await store.snapshot(symbol, adjust, range);
    const { runs } = heldAndMissing(window, window.sessions.length > 0 ? snapshot.held : [], moment);
    look = { instrument: snapshot.instrument, runs, bars: snapshot.bars, checkedOn: snapshot.checkedOn };
  } else {
    const { instrument, runs } = await readPlan(series, window);
    const checkedOn = instrument && window.checkDay ? await store.checkedOn(instrument.id, adjust) : null;
    look = { instrument, runs, bars: null, checkedOn };
  }
  const { instrument, runs } = look;
  const earlierEmpty =
    runs.length > 0 && instrument ? await store.pendingEmpty(instrument.id, adjust, window.start, window.knownEnd) : [];
  return { ...look, earlierEmpty };
}

/** Whether an adjusted series last checked on `checkedOn` is due for its check on `checkDay` (null: never due). */
export function checkDue(checkDay: IsoDate | null, checkedOn: IsoDate | null): boolean {
  return checkDay !== null && (checkedOn === null || checkedOn < checkDay);
}

/**
 * Whether the request needs upstream, and so the series lock: sessions are missing, days lie past the
 * horizon, or the daily check of a stored adjusted series is due.
 */
export function needsUpstream(window: RequestWindow, look: FirstLook): boolean {
  const checkIsDue = look.instrument !== null && checkDue(window.checkDay, look.checkedOn);
  return look.runs.length > 0 || window.passThrough !== null || checkIsDue;
}
