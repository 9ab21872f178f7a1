/**
 * Fetching what a request lacks: each missing run in one upstream call (with its anchor), stored
 * with the run as a held span in one transaction; days past the calendar's horizon passed through.
 * Every answer passes the quality gate first.
 */
import { instrumentKey } from "../markets/instrument-key.ts";
import type { ExchangeCalendar } from "../calendar/index.ts";
import type { DailyBarsRequest, DailyBarSource } from "./source.ts";
import { UpstreamError } from "../errors.ts";
import { maxDate, minDate, priceDecimals, recordReplacement, seriesKey } from "./context.ts";
import type { Progress, SeriesContext } from "./context.ts";
import { readPlan, type RequestWindow, type SeriesPlan } from "./plan.ts";
import type { Span } from "./planner.ts";
import type { ProvisionalBars } from "./provisional.ts";
import { checkBars } from "./quality.ts";
import type { HistoryLogger, PendingEmptySpan, StoredInstrument } from "./service.ts";
import type { UpstreamBars } from "./types.ts";
import { anchorFor, checkAnchor, checkSeries, clipTo, confirmEmpty, shareEmptyAnswers } from "./verify.ts";

/**
 * One upstream call through the quality gate ({@link checkBars}): upstream's answer, or nothing.
 * @throws {UpstreamError} whatever the source throws; `UPSTREAM_INVALID` (with the first ten
 *   problems in `details.problems`, all of them logged) when a bar fails the gate.
 */
export async function fetchChecked(
  upstream: DailyBarSource,
  request: DailyBarsRequest,
  gate: { calendar: ExchangeCalendar; logger: HistoryLogger },
): Promise<UpstreamBars> {
  const { symbol, adjust, start, end } = request;
  const result = await upstream.fetchDailyBars(request);
  const problems = checkBars(result.bars, { calendar: gate.calendar, adjust, priceDecimals: priceDecimals(symbol) });
  if (problems.length > 0) {
    const details = { instrument: instrumentKey(symbol), adjust, start, end, problems };
    gate.logger.warn("upstream bars rejected by the quality gate", details);
    const first = problems[0]!;
    throw new UpstreamError(
      "UPSTREAM_INVALID",
      `Upstream sent ${problems.length} bar(s) that fail the quality gate (first: ${first.date} ${first.rule}); ` +
        "nothing was stored",
      { problems: problems.slice(0, 10) },
    );
  }
  return result;
}

/** How {@link fetchRun} ended: served from a recent provisional fetch, fetched (and stored), or the series replaced. */
export type RunOutcome = "reused" | "fetched" | "replaced";

/** What {@link fetchRun} needs besides the run. */
export interface RunOptions {
  provisional: ProvisionalBars;
  /** The series has no held bar yet: this fetch records its daily check (see `checkSeries`). */
  newSeries: boolean;
  /** Unconfirmed empty answers seen before the request began: an empty edge inside them is confirmed now. */
  earlierEmpty: readonly Span[];
}

/**
 * Fetch one missing run. A not-final one-session run is served from a provisional fetch less than
 * its TTL old. Otherwise one call covers the run and its anchor (the held session next to it); an
 * anchor upstream now quotes differently replaces the series (`"replaced"`: plan again). Else the
 * final bars are stored with the span now held, and the empty edges are confirmed or remembered
 * (see `confirmEmpty`); not-final bars go to `progress.transient` only.
 * @param plan the current plan: its held spans give the anchor, its instrument the stored bars
 * @throws {UpstreamError} when a call fails; nothing from it is stored
 */
export async function fetchRun(
  series: SeriesContext,
  window: RequestWindow,
  plan: SeriesPlan,
  run: Span,
  progress: Progress,
  options: RunOptions,
): Promise<RunOutcome> {
  const { store, symbol, adjust, moment } = series;
  const { calendar, finalThrough } = moment;
  const key = seriesKey(symbol, adjust);
  if (run.start > finalThrough && options.provisional.reuse(key, run, progress.transient, moment.now)) return "reused";
  const anchor = anchorFor(run, plan.held, calendar);
  const request = anchor ? { start: minDate(anchor, run.start), end: maxDate(anchor, run.end) } : run;
  const result = await series.fetch(request);
  progress.upstreamRequests++;
  progress.fetched.push(run);
  progress.upstreamName = result.name ?? progress.upstreamName;

  if (anchor && plan.instrument) {
    const { transient } = progress;
    const replacement = await checkAnchor(series, plan.instrument.id, run, anchor, result, transient, window.checkDay);
    if (replacement) {
      recordReplacement(progress, replacement);
      return "replaced";
    }
  }
  options.provisional.keep(key, run, result.bars, moment, progress.transient);
  const spanEnd = minDate(request.end, finalThrough);
  const bars = result.bars.filter((bar) => bar.date <= finalThrough);
  const { span, pending } =
    request.start <= spanEnd
      ? confirmEmpty({ start: request.start, end: spanEnd }, run, bars, options.earlierEmpty, calendar)
      : { span: null, pending: [] };
  progress.unconfirmed.push(...pending.map((p) => clipTo(window, p)).filter((p) => p.start <= p.end));
  // A matching anchor is a held bar compared with upstream: the series' check for the day.
  const checked = window.checkDay && (options.newSeries || anchor) ? { checkedOn: window.checkDay } : {};
  if (span || result.name || pending.length > 0) {
    await store.saveFetched({
      symbol,
      name: result.name,
      adjust,
      span,
      bars,
      fetchedAt: moment.now,
      pendingEmpty: pending,
      ...checked,
    });
  }
  return "fetched";
}

/**
 * Fetch the days past the calendar's horizon (`window.passThrough`): served, never stored.
 * @throws {UpstreamError} when the call fails
 */
export async function fetchPassThrough(series: SeriesContext, span: Span, progress: Progress): Promise<void> {
  const result = await series.fetch(span);
  progress.upstreamRequests++;
  progress.fetched.push(span);
  progress.upstreamName = result.name ?? progress.upstreamName;
  for (const bar of result.bars) progress.transient.set(bar.date, bar);
}

/**
 * A request's upstream work, to run under the series lock: plan again (another request may have
 * fetched meanwhile) and take in the empty answers it got; verify the series (its daily check);
 * fetch each missing run, planning again after a replacement; fetch the days past the horizon.
 * @param seenEmpty unconfirmed empty answers read before the lock (`FirstLook.earlierEmpty`)
 * @param options.allowPartial on an upstream failure, record it and the spans not served in
 *   `progress` instead of throwing; what was stored before the failure stays stored
 * @returns the stored instrument after the work, null when it is still not stored
 * @throws {UpstreamError} when a call fails, unless `allowPartial`; any store error
 */
export async function fetchMissing(
  series: SeriesContext,
  window: RequestWindow,
  seenEmpty: readonly PendingEmptySpan[],
  progress: Progress,
  options: { allowPartial: boolean; provisional: ProvisionalBars },
): Promise<StoredInstrument | null> {
  const findInstrument = () => series.store.findInstrument(series.symbol);
  let plan = await readPlan(series, window);
  const empties = await shareEmptyAnswers(series, window, plan, seenEmpty);
  plan.runs = empties.runs;
  progress.unconfirmed.push(...empties.unconfirmed);
  let current: Span | undefined;
  let passThroughDone = false;
  try {
    const { newSeries, replaced } = await checkSeries(series, window, plan, progress);
    if (replaced) plan = await readPlan(series, window);
    const runOptions = { provisional: options.provisional, newSeries, earlierEmpty: empties.earlierEmpty };
    for (let run = plan.runs.shift(); run; run = plan.runs.shift()) {
      current = run;
      const outcome = await fetchRun(series, window, plan, run, progress, runOptions);
      // A replacement rewrote what is held: the rest of the runs is planned again.
      if (outcome === "replaced") plan = await readPlan(series, window);
      else if (outcome === "fetched" && !plan.instrument) plan.instrument = await findInstrument();
    }
    current = undefined;
    if (window.passThrough) {
      await fetchPassThrough(series, window.passThrough, progress);
      passThroughDone = true;
    }
  } catch (error) {
    // Never a silent partial answer: without allowPartial the failure is the answer.
    if (!options.allowPartial || !(error instanceof UpstreamError)) throw error;
    progress.failure = error;
    if (current) progress.missing.push(current);
    progress.missing.push(...plan.runs);
    if (window.passThrough && !passThroughDone) progress.missing.push(window.passThrough);
  }
  if (progress.fetched.length > 0 && !plan.instrument) plan.instrument = await findInstrument();
  return plan.instrument;
}
