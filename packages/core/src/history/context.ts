/**
 * What the steps of one history request share (see service.ts `getDailyBars`: plan, verify, fetch,
 * assemble): the series and the moment it is served at, the gated upstream call, and what the
 * request's upstream work has produced so far.
 */
import { finalThroughOn, type ExchangeCalendar } from "../calendar/index.ts";
import { localTime, type IsoDate } from "../dates.ts";
import type { UpstreamError } from "../errors.ts";
import { instrumentKey } from "../markets/instrument-key.ts";
import { priceDecimalsOf } from "../markets/registry.ts";
import type { Instrument } from "../symbols/index.ts";
import type { Span } from "./planner.ts";
import type { HistoryLogger, HistoryStore, SeriesReplacement } from "./service.ts";
import type { Adjust, DailyBar, UpstreamBars } from "./types.ts";

/** Everything the service derives from the clock and calendar for one request. */
export interface Moment {
  calendar: ExchangeCalendar;
  now: Date;
  /** Exchange-local date of `now`. */
  today: IsoDate;
  /** Last exchange-local date whose bar is final now. */
  finalThrough: IsoDate;
}

/**
 * The {@link Moment} of `now` on `calendar`: a bar is final `marginMs` after its session's close
 * (see `finalThroughOn`).
 */
export function momentOf(calendar: ExchangeCalendar, now: Date, marginMs: number): Moment {
  const today = localTime(now, calendar.timeZone).date;
  return { calendar, now, today, finalThrough: finalThroughOn(calendar, now, marginMs) };
}

/** One series (instrument and adjustment) at one moment, and how the steps reach its store and upstream. */
export interface SeriesContext {
  store: HistoryStore;
  symbol: Instrument;
  adjust: Adjust;
  moment: Moment;
  /**
   * One upstream call for the series over `span` (inclusive), through the quality gate.
   * @throws {UpstreamError} when the call fails or its bars fail the gate; nothing is stored then.
   */
  fetch(span: Span): Promise<UpstreamBars>;
  logger: HistoryLogger;
}

/** The key of a series for its locks and its provisional bar: `instrument key|adjust`, e.g. `stock:SH:600519|qfq`. */
export function seriesKey(symbol: Instrument, adjust: Adjust): string {
  return `${instrumentKey(symbol)}|${adjust}`;
}

/** What a request's upstream work has done so far: written by the verify and fetch steps, read by assemble. */
export interface Progress {
  /** Spans whose bars came from upstream in this request (their bars count as `rows_from_upstream`). */
  fetched: Span[];
  /** Bars to serve that are not final (or past the calendar's horizon): never stored. */
  transient: Map<IsoDate, DailyBar>;
  /** The instrument name upstream last reported in this request, or null. */
  upstreamName: string | null;
  /** Upstream calls that answered (a failed call is not counted). */
  upstreamRequests: number;
  /** Set when the held series was found stale and replaced. */
  replacement: SeriesReplacement | null;
  /** Spans served empty on a first, unconfirmed, empty answer (see `CacheReport.unconfirmed_empty`). */
  unconfirmed: Span[];
  /** Spans not served because upstream failed (only with `allowPartial`). */
  missing: Span[];
  /** The upstream failure an allowed partial answer reports, or null. */
  failure: UpstreamError | null;
}

/** A {@link Progress} of a request that has done nothing yet. */
export function newProgress(): Progress {
  return {
    fetched: [],
    transient: new Map(),
    upstreamName: null,
    upstreamRequests: 0,
    replacement: null,
    unconfirmed: [],
    missing: [],
    failure: null,
  };
}

/** Record a series replacement: one more upstream call, and every bar of its span now came from upstream. */
export function recordReplacement(progress: Progress, replacement: SeriesReplacement): void {
  progress.replacement = replacement;
  progress.upstreamRequests++;
  progress.fetched.push({ start: replacement.start_date, end: replacement.end_date });
}

/** The earlier of two dates. */
export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

/** The later of two dates. */
export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}

/** Decimals upstream quotes prices with: 3 for HK stocks, 2 otherwise (A-shares, index points). */
export function priceDecimals(symbol: Instrument): number {
  return priceDecimalsOf(symbol);
}
