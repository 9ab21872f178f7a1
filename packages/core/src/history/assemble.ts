/**
 * Assembling a daily answer: the stored bars of the range, today's provisional bar and the days
 * past the horizon, and the request's cache accounting.
 */
import type { IsoDate } from "../dates.ts";
import type { UpstreamError } from "../errors.ts";
import type { Progress, SeriesContext } from "./context.ts";
import type { RequestWindow } from "./plan.ts";
import type { CacheReport, HistoryResult, ServedBar, StoredInstrument } from "./service.ts";
import type { DailyBar } from "./types.ts";

/** `Retry-After` seconds an upstream error suggests (503 unavailable errors carry one), or null. */
function retryAfterOf(error: UpstreamError): number | null {
  const seconds = error.details?.retry_after_seconds;
  return typeof seconds === "number" ? seconds : null;
}

/** What the store holds for the answer, as known after the upstream work. */
export interface HeldForAnswer {
  /** The stored instrument, or null when it is not stored (nothing is then read). */
  instrument: StoredInstrument | null;
  /**
   * The range's stored bars as JSON text, read with the plan (`HistoryStore.snapshot`), when nothing
   * may have been written since (no upstream work); null to read them now.
   */
  barsJson: { json: string; count: number } | null;
}

/**
 * The answer to a daily request. When nothing was fetched, nothing is live and every date of the
 * range is final, the stored JSON text is served as it is (`barsJson`, with `provisional` and
 * `partial` false; `bars` parsed from it on first access). Otherwise the stored bars and the
 * request's transient bars (not final, or past the horizon; a stored bar wins a date) are merged,
 * ascending, each flagged `provisional` when dated after the last final date.
 * `cache.rows_from_upstream` counts the served bars inside the spans fetched now.
 */
export async function assembleDaily(
  series: Pick<SeriesContext, "store" | "symbol" | "adjust" | "moment">,
  window: RequestWindow,
  held: HeldForAnswer,
  progress: Progress,
): Promise<HistoryResult> {
  const { store, symbol, adjust, moment } = series;
  const { start, end } = window;
  const { instrument } = held;
  const { failure, fetched, transient, upstreamRequests } = progress;
  const result = {
    symbol,
    name: progress.upstreamName ?? instrument?.name ?? null,
    adjust,
    period: "daily" as const,
    start,
    end,
    calendarKnownThrough: moment.calendar.knownThrough,
    complete: progress.missing.length === 0,
    missing: progress.missing,
    upstreamError: failure
      ? { code: failure.code, message: failure.message, retry_after_seconds: retryAfterOf(failure) }
      : null,
  };
  const report = (rowsFromCache: number, rowsFromUpstream: number): CacheReport => ({
    hit: upstreamRequests === 0,
    rows_from_cache: rowsFromCache,
    rows_from_upstream: rowsFromUpstream,
    upstream_requests: upstreamRequests,
    trading_days: window.sessions.length,
    series_replaced: progress.replacement,
    unconfirmed_empty: progress.unconfirmed,
  });

  // Fast path: everything held, nothing fetched or live, every bar final: the stored JSON as is.
  const untouched = fetched.length === 0 && transient.size === 0;
  if (instrument && (held.barsJson || store.barsJson) && untouched && end <= moment.finalThrough) {
    const stored = held.barsJson ?? (await store.barsJson!(instrument.id, adjust, start, end));
    const text = stored.count === 0 ? "[]" : stored.json.replaceAll("}", ',"provisional":false,"partial":false}');
    let parsed: ServedBar[] | undefined;
    return {
      ...result,
      get bars(): ServedBar[] {
        parsed ??= JSON.parse(text) as ServedBar[];
        return parsed;
      },
      barsJson: { text, count: stored.count },
      cache: report(stored.count, 0),
    };
  }

  const stored = held.barsJson
    ? (JSON.parse(held.barsJson.json) as DailyBar[])
    : instrument
      ? await store.bars(instrument.id, adjust, start, end)
      : [];
  const byDate = new Map<IsoDate, DailyBar>();
  for (const bar of stored) byDate.set(bar.date, bar);
  for (const [date, bar] of transient) if (date >= start && date <= end && !byDate.has(date)) byDate.set(date, bar);
  const bars = [...byDate.values()]
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .map((bar) => ({ ...bar, provisional: bar.date > moment.finalThrough, partial: false }));

  const isFetched = (date: IsoDate) => fetched.some((span) => date >= span.start && date <= span.end);
  const fromUpstream = bars.filter((bar) => isFetched(bar.date)).length;
  return { ...result, bars, cache: report(bars.length - fromUpstream, fromUpstream) };
}
