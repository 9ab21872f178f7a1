/**
 * Verifying the held series against upstream: the anchor re-fetched next to each gap and the
 * daily check of an adjusted series (a difference means upstream rebased the series: it is
 * replaced whole), and empty answers, held only once a later request's answer is empty too.
 */
import { instrumentKey } from "../markets/instrument-key.ts";
import type { ExchangeCalendar } from "../calendar/index.ts";
import type { IsoDate } from "../dates.ts";
import { maxDate, minDate, priceDecimals, recordReplacement, type Progress, type SeriesContext } from "./context.ts";
import { checkDue, type RequestWindow, type SeriesPlan } from "./plan.ts";
import { missingRuns, type Span } from "./planner.ts";
import type { PendingEmptySpan, SeriesReplacement } from "./service.ts";
import type { DailyBar, UpstreamBars } from "./types.ts";

/**
 * Whether two bars quote different prices (open, high, low or close) beyond half a tick of `decimals`;
 * a missing bar differs from a present one.
 */
export function pricesDiffer(a: DailyBar | undefined, b: DailyBar | undefined, decimals: number): boolean {
  if (!a || !b) return a !== b;
  const tolerance = 0.5 * 10 ** -decimals + 1e-9;
  return (["open", "high", "low", "close"] as const).some((k) => Math.abs(a[k] - b[k]) > tolerance);
}

/**
 * The held session next to a run used as its anchor: the session just before the run if held,
 * else the one just after it; null when the run touches nothing held.
 */
export function anchorFor(run: Span, held: readonly Span[], calendar: ExchangeCalendar): IsoDate | null {
  const isHeld = (date: IsoDate | null) => date !== null && held.some((span) => span.start <= date && date <= span.end);
  const before = calendar.previousSession(run.start);
  if (before && isHeld(before)) return before;
  const after = calendar.nextSession(run.end);
  if (after && isHeld(after)) return after;
  return null;
}

/**
 * Split a fetched span into what becomes held and what upstream answered empty for the first time.
 * Sessions of `run` before the answer's first bar or after its last (all of them when it has no
 * bar) may be a glitch upstream rather than a suspension or a listing date: they are held only if
 * an earlier request's answer was empty for them too (`earlier`); otherwise they are returned as
 * `pending`, to be remembered unconfirmed and asked again. Gaps between bars are suspensions
 * upstream vouches for and are held at once.
 * @param whole the span fetched (run plus anchor), clipped to the last final date
 * @param bars the answer's final bars inside `whole`, ascending
 * @returns `span`: what becomes held (null when nothing does); `pending`: at most two spans, lead and trail
 */
export function confirmEmpty(
  whole: Span,
  run: Span,
  bars: readonly DailyBar[],
  earlier: readonly Span[],
  calendar: ExchangeCalendar,
): { span: Span | null; pending: Span[] } {
  const runSessions = calendar.sessionsBetween(run.start, minDate(run.end, whole.end));
  const first = bars[0]?.date;
  const last = bars.at(-1)?.date;
  const lead = first === undefined ? [] : runSessions.filter((date) => date < first);
  const trail = last === undefined ? runSessions : runSessions.filter((date) => date > last);
  const seen = (date: IsoDate) => earlier.some((span) => span.start <= date && date <= span.end);
  // The part of each edge an earlier answer was empty for too (next to the bars) is confirmed.
  let t = 0;
  while (t < trail.length && seen(trail[t]!)) t++;
  let l = lead.length;
  while (l > 0 && seen(lead[l - 1]!)) l--;
  const pendingLead = lead.slice(0, l);
  const pendingTrail = trail.slice(t);
  const pending = [pendingLead, pendingTrail]
    .filter((dates) => dates.length > 0)
    .map((dates) => ({ start: dates[0]!, end: dates.at(-1)! }));
  const start = pendingLead.length > 0 ? calendar.nextSession(pendingLead.at(-1)!) : whole.start;
  const end = pendingTrail.length > 0 ? calendar.previousSession(pendingTrail[0]!) : whole.end;
  return { span: start !== null && end !== null && start <= end ? { start, end } : null, pending };
}

/**
 * Take in the empty answers another request got while this one waited for the lock: concurrent
 * requests make one call, so those sessions are served empty (unconfirmed) instead of asked again.
 * Only the empty answers seen before this request began (`seenBefore`) count as the first of two.
 * Reads the store only when the plan has an instrument and missing runs.
 * @returns the runs still to fetch; the earlier empty answers that confirm; the shared spans, clipped to the window
 */
export async function shareEmptyAnswers(
  series: SeriesContext,
  window: RequestWindow,
  plan: SeriesPlan,
  seenBefore: readonly PendingEmptySpan[],
): Promise<{ runs: Span[]; earlierEmpty: PendingEmptySpan[]; unconfirmed: Span[] }> {
  const { instrument, held, runs } = plan;
  if (!instrument || runs.length === 0) return { runs, earlierEmpty: [...seenBefore], unconfirmed: [] };
  const before = new Set(seenBefore.map((span) => span.id));
  const pending = await series.store.pendingEmpty(instrument.id, series.adjust, window.start, window.knownEnd);
  const shared = pending.filter((span) => !before.has(span.id));
  const earlierEmpty = pending.filter((span) => before.has(span.id));
  if (shared.length === 0) return { runs, earlierEmpty, unconfirmed: [] };
  return {
    runs: missingRuns(window.sessions, [...held, ...shared]),
    earlierEmpty,
    unconfirmed: shared.map((span) => clipTo(window, span)),
  };
}

/** The part of `span` inside [window.start, window.knownEnd] (may be empty: start after end). */
export function clipTo(window: Pick<RequestWindow, "start" | "knownEnd">, span: Span): Span {
  return { start: maxDate(span.start, window.start), end: minDate(span.end, window.knownEnd) };
}

/** Why a held series is thought stale: the held session compared and both versions of its bar. */
export interface StaleEvidence {
  anchor: IsoDate;
  cached: DailyBar | undefined;
  fresh: DailyBar | undefined;
  reason: SeriesReplacement["reason"];
  /** Record the series as checked on this session day with the replacement. */
  checkedOn?: IsoDate;
}

/**
 * Fetch the whole held span plus `run` in one call and replace the series with it, atomically
 * (`HistoryStore.replaceSeries`). Bars not final yet go to `transient` only.
 * @throws {UpstreamError} when the call fails; the series is then left as it was.
 */
export async function replaceStaleSeries(
  series: SeriesContext,
  instrumentId: number,
  run: Span,
  transient: Map<IsoDate, DailyBar>,
  evidence: StaleEvidence,
): Promise<SeriesReplacement> {
  const { store, symbol, adjust, moment } = series;
  const all = await store.allCoverage(instrumentId, adjust);
  const start = all.reduce((min, span) => minDate(min, span.start), run.start);
  const end = all.reduce((max, span) => maxDate(max, span.end), run.end);
  const result = await series.fetch({ start, end });
  for (const bar of result.bars) if (bar.date > moment.finalThrough) transient.set(bar.date, bar);
  const spanEnd = minDate(end, moment.finalThrough);
  const bars = result.bars.filter((bar) => bar.date <= moment.finalThrough);
  const checked = evidence.checkedOn ? { checkedOn: evidence.checkedOn } : {};
  const held = { start, end: spanEnd };
  await store.replaceSeries({ symbol, name: result.name, adjust, span: held, bars, fetchedAt: moment.now, ...checked });
  series.logger.warn("cached series was rebased upstream and has been replaced", {
    instrument: instrumentKey(symbol),
    adjust,
    reason: evidence.reason,
    anchor: evidence.anchor,
    start,
    end,
  });
  return {
    reason: evidence.reason,
    anchor_date: evidence.anchor,
    cached_close: evidence.cached?.close ?? null,
    upstream_close: evidence.fresh?.close ?? null,
    start_date: start,
    end_date: spanEnd,
  };
}

/**
 * Compare the held bar of `anchor` with upstream's answer for the run it was fetched with; when they
 * differ, replace the series (one more call, see {@link replaceStaleSeries}).
 * @param checkDay recorded as the series' check for the day with a replacement (null: unadjusted)
 * @returns the replacement, or null when the anchor matches
 * @throws {UpstreamError} when the replacing call fails
 */
export async function checkAnchor(
  series: SeriesContext,
  instrumentId: number,
  run: Span,
  anchor: IsoDate,
  answer: UpstreamBars,
  transient: Map<IsoDate, DailyBar>,
  checkDay: IsoDate | null,
): Promise<SeriesReplacement | null> {
  const [cached] = await series.store.bars(instrumentId, series.adjust, anchor, anchor);
  const fresh = answer.bars.find((bar) => bar.date === anchor);
  if (!pricesDiffer(cached, fresh, priceDecimals(series.symbol))) return null;
  const checked = checkDay ? { checkedOn: checkDay } : {};
  const evidence = { anchor, cached, fresh, reason: "anchor_mismatch" as const, ...checked };
  return replaceStaleSeries(series, instrumentId, run, transient, evidence);
}

/**
 * The once-per-session-day check of a held adjusted series (a dividend rewrites qfq/hfq history
 * upstream), when due (`window.checkDay` after the stored check day): one call for its latest held
 * bar, unless the first missing run's anchor compares a held bar anyway. A changed bar replaces
 * the series (see {@link replaceStaleSeries}); otherwise the check is recorded. A series with no
 * bar yet is made by this request's fetches, which record the check.
 * @returns `newSeries`: the series has no held bar yet; `replaced`: the series was replaced (plan again)
 * @throws {UpstreamError} when a call fails
 */
export async function checkSeries(
  series: SeriesContext,
  window: RequestWindow,
  plan: SeriesPlan,
  progress: Progress,
): Promise<{ newSeries: boolean; replaced: boolean }> {
  const { store, symbol, adjust, moment } = series;
  const { instrument, held, runs } = plan;
  const { checkDay } = window;
  const newSeries = checkDay !== null && !instrument;
  if (!instrument || !checkDay || !checkDue(checkDay, await store.checkedOn(instrument.id, adjust))) {
    return { newSeries, replaced: false };
  }
  const last = await store.lastBar(instrument.id, adjust, moment.finalThrough);
  if (!last) {
    if (runs.length === 0) await store.markChecked(instrument.id, adjust, checkDay);
    return { newSeries: true, replaced: false };
  }
  if (runs.length > 0 && anchorFor(runs[0]!, held, moment.calendar)) return { newSeries, replaced: false };
  const answer = await series.fetch({ start: last.date, end: last.date });
  progress.upstreamRequests++;
  progress.upstreamName = answer.name ?? progress.upstreamName;
  const fresh = answer.bars.find((bar) => bar.date === last.date);
  if (fresh && pricesDiffer(last, fresh, priceDecimals(symbol))) {
    const run = { start: last.date, end: last.date };
    const evidence = { anchor: last.date, cached: last, fresh, reason: "daily_check" as const, checkedOn: checkDay };
    recordReplacement(progress, await replaceStaleSeries(series, instrument.id, run, progress.transient, evidence));
    return { newSeries, replaced: true };
  }
  if (!fresh) {
    const details = { instrument: instrumentKey(symbol), adjust, date: last.date };
    series.logger.warn("daily check: upstream sent no bar for the latest held session; series kept", details);
  }
  await store.markChecked(instrument.id, adjust, checkDay);
  return { newSeries, replaced: false };
}
