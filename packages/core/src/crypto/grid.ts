/**
 * The time grid of crypto bars: open times are multiples of the timeframe since the Unix epoch
 * (UTC; `1d` bars open at 00:00 UTC, `1h` bars on the hour). Spans are inclusive ranges of open
 * times on that grid. Pure functions.
 */
import type { IsoDate } from "../dates.ts";
import { TIMEFRAME_MS, type TimeSpan, type Timeframe } from "./types.ts";

const DAY_MS = 86_400_000;

/** The open time (epoch ms) of the first bar of a UTC day. */
export function dayStartMs(date: IsoDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The UTC day (`YYYY-MM-DD`) of an instant, epoch ms. */
export function utcDate(ms: number): IsoDate {
  return new Date(ms).toISOString().slice(0, 10);
}

/** An instant (epoch ms) as ISO 8601 UTC without milliseconds, e.g. `2026-01-27T18:00:00Z`. */
export function isoTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Whether `ms` is a bar open time of `timeframe`. */
export function onGrid(ms: number, timeframe: Timeframe): boolean {
  return Number.isSafeInteger(ms) && ms % TIMEFRAME_MS[timeframe] === 0;
}

/** The bar open times of the UTC days `start`..`end` (inclusive): from 00:00 of `start` to the last bar of `end`. */
export function daysSpan(start: IsoDate, end: IsoDate, timeframe: Timeframe): TimeSpan {
  return { start: dayStartMs(start), end: dayStartMs(end) + DAY_MS - TIMEFRAME_MS[timeframe] };
}

/**
 * The open time of the last final bar at `now`: a bar is final once its period has ended plus
 * `graceMs` (the exchange may still amend it until then). The bar after it is provisional.
 */
export function lastFinalOpen(now: number, timeframe: Timeframe, graceMs: number): number {
  const step = TIMEFRAME_MS[timeframe];
  return Math.floor((now - graceMs) / step) * step - step;
}

/** The open time of the bar in progress at `now`. */
export function currentOpen(now: number, timeframe: Timeframe): number {
  const step = TIMEFRAME_MS[timeframe];
  return Math.floor(now / step) * step;
}

/** Number of bars in a span (0 when it is empty, `end < start`). */
export function barsIn(span: TimeSpan, timeframe: Timeframe): number {
  return span.end < span.start ? 0 : (span.end - span.start) / TIMEFRAME_MS[timeframe] + 1;
}

/**
 * The parts of `range` no span of `covered` covers, ascending, each one contiguous run of grid
 * times (each is one fetch, paged).
 */
export function uncovered(range: TimeSpan, covered: readonly TimeSpan[], timeframe: Timeframe): TimeSpan[] {
  const step = TIMEFRAME_MS[timeframe];
  const spans = [...covered].sort((a, b) => a.start - b.start);
  const gaps: TimeSpan[] = [];
  let cursor = range.start;
  for (const span of spans) {
    if (cursor > range.end) break;
    if (span.end < cursor) continue;
    if (span.start > range.end) break;
    if (span.start > cursor) gaps.push({ start: cursor, end: Math.min(span.start - step, range.end) });
    cursor = Math.max(cursor, span.end + step);
  }
  if (cursor <= range.end) gaps.push({ start: cursor, end: range.end });
  return gaps;
}

/** The overlap of two spans, or null. */
export function intersect(a: TimeSpan, b: TimeSpan): TimeSpan | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start <= end ? { start, end } : null;
}

/**
 * The runs of `span` that hold no bar of `times` (ascending open times inside `span`): where the
 * exchange answered with nothing (before listing, after delisting, an outage).
 */
export function emptyRuns(span: TimeSpan, times: readonly number[], timeframe: Timeframe): TimeSpan[] {
  return uncovered(
    span,
    times.map((t) => ({ start: t, end: t })),
    timeframe,
  );
}

/** Split a span into pages of at most `limit` bars, ascending. */
export function pages(span: TimeSpan, timeframe: Timeframe, limit: number): TimeSpan[] {
  const step = TIMEFRAME_MS[timeframe];
  const out: TimeSpan[] = [];
  for (let start = span.start; start <= span.end; start += limit * step) {
    out.push({ start, end: Math.min(span.end, start + (limit - 1) * step) });
  }
  return out;
}
