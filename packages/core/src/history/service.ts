/**
 * The main job: serve a stock's daily bars for a date range, fetching from upstream only the
 * trading sessions not yet held, as decided by the exchange calendar.
 */
import { calendarFor, finalThroughOn, type CalendarHorizonHook, type ExchangeCalendar } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { addCalendarDays, localTime, type IsoDate } from "../dates.ts";
import type { DailyBarSource } from "./source.ts";
import { UpstreamError } from "../errors.ts";
import { instrumentKey } from "../markets/instrument-key.ts";
import { priceDecimalsOf } from "../markets/registry.ts";
import type { Instrument } from "../symbols/index.ts";
import { remainingMs, withLazyDeadline } from "../upstream/deadline.ts";
import { HistoryActivity, type ActivitySnapshot } from "./activity.ts";
import { KeyedLock } from "./keyed-lock.ts";
import { missingRuns, type Span } from "./planner.ts";
import { aggregateBars, periodEnd, periodStart, type Period } from "./periods.ts";
import { checkBars } from "./quality.ts";
import type { HistoryQuery } from "./request.ts";
import type { Adjust, DailyBar } from "./types.ts";

/** A stored instrument as the history service sees it. */
export interface StoredInstrument {
  id: number;
  /** Name as upstream last reported it (e.g. 贵州茅台); null until a fetch has named it. */
  name: string | null;
}

/** What {@link HistoryStore.snapshot} reads in one go. */
export interface SeriesSnapshot {
  instrument: StoredInstrument | null;
  /** Held spans overlapping the coverage range (empty when the instrument is not stored). */
  held: HeldSpan[];
  /** Stored bars of the range as a JSON array text (see {@link HistoryStore.barsJson}) and how many. */
  bars: { json: string; count: number };
  /** Session day the series was last checked against upstream (see {@link HistoryStore.checkedOn}); null if never. */
  checkedOn: IsoDate | null;
}

/** Sessions upstream answered empty once (see {@link HistoryStore.pendingEmpty}); `id` orders observations across processes. */
export interface PendingEmptySpan extends Span {
  id: number;
}

/** A held span and when it was fetched (spans that came back empty are held too). */
export interface HeldSpan extends Span {
  fetchedAt: Date;
}

/** What one completed upstream fetch contributes to the store, written atomically. */
export interface FetchedSpan {
  symbol: Instrument;
  /** Instrument name reported by upstream, or null to keep the stored one. */
  name: string | null;
  adjust: Adjust;
  /**
   * The sessions now held: every session in it is covered, with or without a bar. null when the
   * call covered only a session that is not final yet (nothing becomes covered).
   */
  span: Span | null;
  /** Final bars inside `span`, ascending. */
  bars: DailyBar[];
  fetchedAt: Date;
  /**
   * Sessions upstream answered empty for the first time, to remember as unconfirmed (not held):
   * see {@link HistoryStore.pendingEmpty}. Unconfirmed spans inside `span` are dropped.
   */
  pendingEmpty?: Span[];
  /** Record that the series was checked against upstream on this session day (see {@link HistoryStore.checkedOn}). */
  checkedOn?: IsoDate;
}

/**
 * Storage the history service needs (implemented by `@quantdb/db` for PGlite and PostgreSQL).
 * Dates are exchange-local `YYYY-MM-DD`; ranges are inclusive.
 */
export interface HistoryStore {
  /** The stored instrument for a symbol, or null if it was never fetched. */
  findInstrument(symbol: Instrument): Promise<StoredInstrument | null>;
  /** Held spans for (instrument, adjust) that overlap [start, end], with their fetch times. */
  coverage(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<HeldSpan[]>;
  /** Every held span for (instrument, adjust). */
  allCoverage(instrumentId: number, adjust: Adjust): Promise<HeldSpan[]>;
  /** Stored bars with start <= date <= end, ascending. */
  bars(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<DailyBar[]>;
  /**
   * Optional: the same bars as {@link bars} as one JSON array text (`JSON.stringify` of each
   * DailyBar, keys in DailyBar order; rows stored before this existed may differ in spacing), and
   * how many. Lets a fully held range be served without building an object per bar.
   */
  barsJson?(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<{ json: string; count: number }>;
  /**
   * Optional: {@link findInstrument}, {@link coverage} over [start, coverageEnd] and
   * {@link barsJson} over [start, end] at once (one database round trip): the whole read of a
   * request whose range is already held.
   */
  snapshot?(symbol: Instrument, adjust: Adjust, range: { start: IsoDate; end: IsoDate; coverageEnd: IsoDate }): Promise<SeriesSnapshot>;
  /**
   * Persist one fetch in a single transaction: create or rename the instrument, upsert the bars
   * (unique per instrument, adjust and date) and record the span as covered. Either all of it is
   * stored or none of it.
   */
  saveFetched(fetched: FetchedSpan): Promise<void>;
  /**
   * Replace everything held for (instrument, adjust) with one fetch, in a single transaction:
   * every stored bar and span of that series is deleted, then the new bars and span are written.
   * Used when a forward-adjusted series was rebased upstream after an ex-dividend date.
   */
  replaceSeries(fetched: FetchedSpan & { span: Span }): Promise<void>;
  /**
   * Unconfirmed empty answers of (instrument, adjust) overlapping [start, end], ascending: sessions
   * upstream once answered with no bar, not held until a later request's answer is empty again.
   */
  pendingEmpty(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<PendingEmptySpan[]>;
  /** The exchange-local session day (instrument, adjust) was last checked against upstream, or null. */
  checkedOn(instrumentId: number, adjust: Adjust): Promise<IsoDate | null>;
  /** Record that (instrument, adjust) was checked against upstream on `day` (later days only move it forward). */
  markChecked(instrumentId: number, adjust: Adjust, day: IsoDate): Promise<void>;
  /** The latest stored bar of (instrument, adjust) dated on or before `onOrBefore`, or null. */
  lastBar(instrumentId: number, adjust: Adjust, onOrBefore: IsoDate): Promise<DailyBar | null>;
  /**
   * Optional: the instrument's data version, which changes (in the same transaction) with every
   * write to its row, bars or coverage, by any process; "none" when it is not stored. Enables
   * {@link HistoryService.responseCacheKey}.
   */
  dataVersion?(symbol: Instrument): Promise<string>;
}

/**
 * A lock shared by every process on one database (PostgreSQL advisory locks in `@quantdb/db`):
 * held while a series is planned and fetched, so replicas asked for the same missing span at once
 * make one upstream call. The in-process lock is always taken first.
 */
export interface SeriesLock {
  /**
   * Run `task` while holding the lock for `key` (instrument id and adjustment). The wait ends
   * when `options.signal` aborts (rejecting with its reason) or after `options.timeoutMs` (the
   * request's time left; rejecting with the signal's deadline error); the task then never runs.
   */
  run<T>(key: string, task: () => Promise<T>, options?: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }): Promise<T>;
}

/** Options of one history request. */
export interface HistoryRequestOptions {
  signal?: AbortSignal;
  /**
   * When upstream fails for a needed span: answer with what is held (`complete: false`, the spans
   * not served in `missing`) instead of throwing. Default false: the upstream error is thrown.
   */
  allowPartial?: boolean;
}

/**
 * A bar as served: `provisional` is true for today's bar before the session is final; `partial` is
 * true for a weekly or monthly bar that covers only part of its period (cut short by the request's
 * `end_date` or by today, or begun at its `start_date`), always false for daily bars.
 */
export interface ServedBar extends DailyBar {
  /** True when the bar may still change (today's live bar before close + margin); never stored. */
  provisional: boolean;
  /** True when a weekly/monthly bar holds only the sessions of its period inside the requested range. */
  partial: boolean;
}

/** Why and how a cached series was replaced during a request. */
export interface SeriesReplacement {
  /**
   * `anchor_mismatch`: a held bar re-fetched as an anchor (next to a gap being filled) came back with
   * different prices; `daily_check`: the once-per-session-day check of a held adjusted series (its
   * latest held bar, re-fetched) found upstream's prices changed (a dividend rewrote qfq/hfq history).
   */
  reason: "anchor_mismatch" | "daily_check";
  /** The held session compared. */
  anchor_date: IsoDate;
  /** Close held before the replacement (null if no bar was held for the anchor). */
  cached_close: number | null;
  /** Close upstream sent for the anchor now (null if it sent none). */
  upstream_close: number | null;
  /** The span re-fetched in one call and now held. */
  start_date: IsoDate;
  end_date: IsoDate;
}

/** Cache accounting for one request, computed while serving it. */
export interface CacheReport {
  /** True when no upstream call was made. */
  hit: boolean;
  rows_from_cache: number;
  rows_from_upstream: number;
  upstream_requests: number;
  /** Sessions in [start, min(end, today)] per the exchange calendar (within its known horizon). */
  trading_days: number;
  /** Set when this request found the cached series stale (rebased upstream) and replaced it whole. */
  series_replaced: SeriesReplacement | null;
  /**
   * Spans of sessions served empty because upstream answered them with no bar, not yet remembered:
   * a first empty answer is confirmed only by a second one from a later request (a glitch upstream
   * is not cached). Empty when nothing unconfirmed was served.
   */
  unconfirmed_empty: Span[];
}

/** The answer to a history request. */
export interface HistoryResult {
  symbol: Instrument;
  name: string | null;
  adjust: Adjust;
  period: Period;
  start: IsoDate;
  end: IsoDate;
  /** The bars, ascending (built from `barsJson` on first access when that is set). */
  bars: ServedBar[];
  /**
   * Set when the answer came straight from stored JSON (a fully held daily range of final bars):
   * `bars` as a JSON array text, equal to `JSON.stringify(bars)` up to the spacing of rows stored
   * before bar_json existed, and its length. Serve it instead of serialising `bars`.
   */
  barsJson?: { text: string; count: number };
  cache: CacheReport;
  /** Last date the instrument's exchange calendar is known through. */
  calendarKnownThrough: IsoDate;
  /** False when upstream failed and the answer (allowed partial) lacks the spans in `missing`. */
  complete: boolean;
  /** Date spans (exchange-local, inclusive) the answer lacks because upstream failed; empty when complete. */
  missing: Span[];
  /** The upstream failure that made the answer partial, or null. */
  upstreamError: { code: string; message: string; retry_after_seconds: number | null } | null;
}

/** One adjustment's outcome in {@link HistoryService.refresh}. */
export interface RefreshedSeries {
  adjust: Adjust;
  /** The span re-fetched and now held. */
  start: IsoDate;
  end: IsoDate;
  /** Final bars now held for the span. */
  bars: number;
  /** Whether any held price differed from what upstream sent now. */
  changed: boolean;
}

/** Counters since the service started (this process). */
export interface HistoryStats {
  /** History requests answered (weekly/monthly count once). */
  requests: number;
  /** Requests answered without any upstream call. */
  hits: number;
  /** hits / requests, 0 when there were none. */
  hit_ratio: number;
  /** Upstream calls made. */
  upstream_calls: number;
  /** When counting started, ISO 8601 UTC. */
  since: string;
}

/** Where the service reports rejected upstream data. */
export interface HistoryLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

/** Options for {@link HistoryService}. */
export interface HistoryServiceOptions {
  store: HistoryStore;
  upstream: DailyBarSource;
  clock: Clock;
  /**
   * Minutes after a session's close before its bar is treated as final and stored. Upstream keeps
   * revising the bar through the closing auction (HK runs one until about 16:10).
   * @default 30
   */
  finalizeAfterCloseMinutes?: number;
  /**
   * How long a provisional (today's, not yet final) bar fetched from upstream is reused before
   * the next request fetches it again.
   * @default 60_000
   */
  provisionalTtlMs?: number;
  /** @default console */
  logger?: HistoryLogger;
  /** Cross-process lock per series (PostgreSQL replicas); default: in-process only. */
  seriesLock?: SeriesLock;
  /**
   * Learns sessions after the calendar's horizon, up to today, before a request is planned
   * (`CalendarHorizon`); without it such days are passed through to upstream on every request.
   */
  calendarHorizon?: CalendarHorizonHook;
  /**
   * Longest time one history request may spend on upstream work, waiting for another request's
   * fetch of the same series included (`QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS`), ms; then 503
   * `UPSTREAM_UNAVAILABLE` (reason `total_timeout`) with Retry-After. Default: no bound beyond the
   * upstream policy's per-host one.
   */
  requestTimeoutMs?: number;
}

interface ProvisionalEntry {
  date: IsoDate;
  bar: DailyBar | undefined;
  fetchedAt: number;
}

/** Everything the service derives from the clock and calendar for one request. */
interface Moment {
  calendar: ExchangeCalendar;
  now: Date;
  today: IsoDate;
  /** Last exchange-local date whose bar is final now. */
  finalThrough: IsoDate;
}

/** `Retry-After` seconds an upstream error suggests (503 unavailable errors carry one), or null. */
function retryAfterOf(error: UpstreamError): number | null {
  const seconds = error.details?.retry_after_seconds;
  return typeof seconds === "number" ? seconds : null;
}

function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}

/** Decimals upstream quotes prices with: the market's (3 for HK stocks, 2 for A-shares and index points). */
function priceDecimals(symbol: Instrument): number {
  return priceDecimalsOf(symbol);
}

/** Whether two bars quote different prices beyond upstream's rounding. */
function pricesDiffer(a: DailyBar | undefined, b: DailyBar | undefined, decimals: number): boolean {
  if (!a || !b) return a !== b;
  const tolerance = 0.5 * 10 ** -decimals + 1e-9;
  return (["open", "high", "low", "close"] as const).some((k) => Math.abs(a[k] - b[k]) > tolerance);
}

/**
 * The session day on which a held adjusted (qfq/hfq) series is due for its daily check against
 * upstream at `now`: the latest session of the instrument's exchange on or before today
 * (exchange-local), or today itself past the calendar's known horizon. A series checked on this day
 * or later is not checked again until the next session day.
 */
export function seriesCheckDay(symbol: Instrument, now: Date): IsoDate {
  const calendar = calendarFor(symbol.market);
  return checkDayOn(calendar, localTime(now, calendar.timeZone).date);
}

/** {@link seriesCheckDay} on `calendar` for the exchange-local `today`. */
function checkDayOn(calendar: ExchangeCalendar, today: IsoDate): IsoDate {
  return today > calendar.knownThrough ? today : (calendar.sessionOnOrBefore(today) ?? today);
}

/**
 * Serves daily bars from the store, filling gaps from upstream.
 *
 * - Gaps are computed from the exchange calendar: only sessions not covered by a held span are
 *   fetched, each contiguous run with one upstream call; a range with no sessions makes no call.
 * - Spans where upstream had no bar (suspension, before listing, after delisting) stay covered,
 *   so they are not refetched. A failed call covers nothing.
 * - Each extension re-fetches one held session next to the gap (the anchor). If upstream now
 *   quotes it differently, the held series was rebased upstream (qfq after an ex-dividend date):
 *   the whole held span is fetched again in one call and replaces the series atomically.
 * - Today's bar is final only `finalizeAfterCloseMinutes` after the close: before that it is served
 *   with `provisional: true` and never stored or marked covered. A bar stored on its own session
 *   day is re-verified once from the next session day on (volumes get revised), then frozen.
 * - Dates beyond the calendar's known horizon are passed through to upstream every time and never
 *   stored: the calendar cannot say whether they are sessions.
 * - Every response passes the quality gate ({@link checkBars}) before anything is stored.
 * - Concurrent requests for the same instrument and adjustment fetch a missing span once.
 */
export class HistoryService {
  readonly #store: HistoryStore;
  readonly #upstream: DailyBarSource;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #provisionalTtlMs: number;
  readonly #logger: HistoryLogger;
  readonly #lock = new KeyedLock();
  readonly #seriesLock: SeriesLock | undefined;
  readonly #calendarHorizon: CalendarHorizonHook | undefined;
  readonly #requestTimeoutMs: number | undefined;
  readonly #provisional = new Map<string, ProvisionalEntry>();
  readonly #counters = { requests: 0, hits: 0, upstreamCalls: 0, since: new Date() };
  readonly #activity: HistoryActivity;

  constructor(options: HistoryServiceOptions) {
    this.#store = options.store;
    this.#upstream = options.upstream;
    this.#clock = options.clock;
    this.#marginMs = (options.finalizeAfterCloseMinutes ?? 30) * 60_000;
    this.#provisionalTtlMs = options.provisionalTtlMs ?? 60_000;
    this.#seriesLock = options.seriesLock;
    this.#calendarHorizon = options.calendarHorizon;
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#counters.since = this.#clock.now();
    this.#activity = new HistoryActivity({ clock: this.#clock });
    this.#logger = options.logger ?? { warn: (message, details) => console.warn(`[quantdb] ${message}`, JSON.stringify(details)) };
  }

  /**
   * Daily bars for a validated query (see `parseHistoryQuery`).
   * @throws {UpstreamError} when a needed upstream call fails or its data fails the quality gate
   *   (503 `UpstreamUnavailableError` with a Retry-After when the host's circuit is open or retries
   *   are exhausted); spans fetched before the failure stay stored (each atomically), nothing from
   *   the failed call is. With `allowPartial` nothing is thrown for an upstream failure: the answer
   *   has `complete: false` and the spans not served in `missing`. A fully held range needs no call.
   */
  async getDailyBars(query: HistoryQuery, options: HistoryRequestOptions = {}): Promise<HistoryResult> {
    const { symbol, adjust, start, end } = query;
    const startedAt = performance.now();
    await this.#calendarHorizon?.ensureThrough(calendarFor(symbol.market).id, end, options.signal);
    options = withLazyDeadline(options, this.#requestTimeoutMs); // one bound for the whole request, made when upstream work starts
    const moment = this.#moment(symbol);
    const { calendar, today, finalThrough } = moment;
    const fetchEnd = minDate(end, today);
    const knownEnd = minDate(fetchEnd, calendar.knownThrough);
    const sessions = start <= knownEnd ? calendar.sessionsBetween(start, knownEnd) : [];
    const passThrough: Span | null =
      fetchEnd > calendar.knownThrough
        ? { start: start > calendar.knownThrough ? start : addCalendarDays(calendar.knownThrough, 1), end: fetchEnd }
        : null;

    /** The session day a held adjusted series is checked against upstream for (null: unadjusted, never checked). */
    const checkDay = adjust === "" ? null : checkDayOn(calendar, today);
    const verify = (held: readonly HeldSpan[]) => {
      const verified = held.flatMap((span) => this.#verifiedPart(span, moment));
      return { held: verified, runs: missingRuns(sessions, verified) };
    };
    const plan = async () => {
      const instrument = await this.#store.findInstrument(symbol);
      const held = instrument && sessions.length > 0 ? await this.#store.coverage(instrument.id, adjust, start, knownEnd) : [];
      return { instrument, ...verify(held) };
    };

    // The first look reads the bars too when the store can do it in one round trip: for a range
    // already held (the common case) that is the whole request.
    let instrument: StoredInstrument | null;
    let runs: Span[];
    let snapshotBars: { json: string; count: number } | null = null;
    let checkedOn: IsoDate | null = null;
    if (this.#store.snapshot) {
      const snapshot = await this.#store.snapshot(symbol, adjust, { start, end, coverageEnd: knownEnd });
      instrument = snapshot.instrument;
      ({ runs } = verify(sessions.length > 0 ? snapshot.held : []));
      snapshotBars = snapshot.bars;
      checkedOn = snapshot.checkedOn;
    } else {
      ({ instrument, runs } = await plan());
      if (instrument && checkDay) checkedOn = await this.#store.checkedOn(instrument.id, adjust);
    }
    const checkDue = (on: IsoDate | null) => checkDay !== null && (on === null || on < checkDay);
    // Empty answers seen before this request began: a second empty answer confirms them.
    let earlierEmpty: PendingEmptySpan[] = runs.length > 0 && instrument ? await this.#store.pendingEmpty(instrument.id, adjust, start, knownEnd) : [];
    const fetched: Span[] = [];
    const transient = new Map<IsoDate, DailyBar>();
    let upstreamName: string | null = null;
    let upstreamRequests = 0;
    let replacement: SeriesReplacement | null = null;
    const missing: Span[] = [];
    const unconfirmed: Span[] = [];
    /** The upstream failure an allowed partial answer reports (set inside the locked section). */
    const failure: { error: UpstreamError | null } = { error: null };

    const key = `${instrumentKey(symbol)}|${adjust}`;
    if (runs.length > 0 || passThrough || (instrument !== null && checkDue(checkedOn))) {
      snapshotBars = null; // read again after the locked section: it may write, and others may have
      await this.#locked(key, options.signal, async () => {
        let held: Span[];
        ({ instrument, held, runs } = await plan());
        if (instrument && runs.length > 0) {
          // Empty answers another request got while this one waited are shared, not asked again:
          // concurrent requests make one call. Only those seen before this request began count as
          // the first of two empty answers.
          const before = new Set(earlierEmpty.map((span) => span.id));
          const pending = await this.#store.pendingEmpty(instrument.id, adjust, start, knownEnd);
          const shared = pending.filter((span) => !before.has(span.id));
          earlierEmpty = pending.filter((span) => before.has(span.id));
          if (shared.length > 0) {
            runs = missingRuns(sessions, [...held, ...shared]);
            unconfirmed.push(...shared.map((span) => ({ start: maxDate(span.start, start), end: minDate(span.end, knownEnd) })));
          }
        }
        let passThroughDone = false;
        let current: Span | undefined;
        try {
          // The once-per-session-day check of a held adjusted series (a dividend rewrites qfq/hfq
          // history upstream): one call for its latest held bar, unless the first gap's anchor
          // compares a held bar anyway. A series with no bar yet is made by this request's fetches.
          let newSeries = checkDay !== null && !instrument;
          if (instrument && checkDay && checkDue(await this.#store.checkedOn(instrument.id, adjust))) {
            const last = await this.#store.lastBar(instrument.id, adjust, finalThrough);
            if (!last) {
              newSeries = true;
              if (runs.length === 0) await this.#store.markChecked(instrument.id, adjust, checkDay);
            } else if (!(runs.length > 0 && this.#anchorFor(runs[0]!, held, calendar))) {
              const checked = await this.#fetch(symbol, adjust, { start: last.date, end: last.date }, moment, options.signal);
              upstreamRequests++;
              upstreamName = checked.name ?? upstreamName;
              const fresh = checked.bars.find((bar) => bar.date === last.date);
              if (fresh && pricesDiffer(last, fresh, priceDecimals(symbol))) {
                replacement = await this.#replaceSeries(symbol, adjust, instrument.id, { start: last.date, end: last.date }, moment, transient, options.signal, {
                  anchor: last.date,
                  cached: last,
                  fresh,
                  reason: "daily_check",
                  checkedOn: checkDay,
                });
                upstreamRequests++;
                fetched.push({ start: replacement.start_date, end: replacement.end_date });
                ({ instrument, held, runs } = await plan());
              } else {
                if (!fresh) this.#logger.warn("daily check: upstream sent no bar for the latest held session; series kept", { instrument: instrumentKey(symbol), adjust, date: last.date });
                await this.#store.markChecked(instrument.id, adjust, checkDay);
              }
            }
          }
          for (let run = runs.shift(); run; run = runs.shift()) {
            current = run;
            if (run.start > finalThrough && this.#reuseProvisional(key, run, transient, moment.now)) continue;
            const anchor = this.#anchorFor(run, held, calendar);
            const request = anchor ? { start: minDate(anchor, run.start), end: maxDate(anchor, run.end) } : run;
            const result = await this.#fetch(symbol, adjust, request, moment, options.signal);
            upstreamRequests++;
            fetched.push(run);
            upstreamName = result.name ?? upstreamName;

            if (anchor && instrument) {
              const [cached] = await this.#store.bars(instrument.id, adjust, anchor, anchor);
              const fresh = result.bars.find((bar) => bar.date === anchor);
              if (pricesDiffer(cached, fresh, priceDecimals(symbol))) {
                replacement = await this.#replaceSeries(symbol, adjust, instrument.id, run, moment, transient, options.signal, {
                  anchor,
                  cached,
                  fresh,
                  reason: "anchor_mismatch",
                  ...(checkDay ? { checkedOn: checkDay } : {}),
                });
                upstreamRequests++;
                fetched.push({ start: replacement.start_date, end: replacement.end_date });
                ({ instrument, held, runs } = await plan());
                continue;
              }
            }
            this.#keepLive(key, run, result.bars, moment, transient);
            const spanEnd = minDate(request.end, finalThrough);
            const bars = result.bars.filter((bar) => bar.date <= finalThrough);
            const { span, pending } =
              request.start <= spanEnd ? this.#confirmEmpty({ start: request.start, end: spanEnd }, run, bars, earlierEmpty, calendar) : { span: null, pending: [] };
            unconfirmed.push(...pending.map((p) => ({ start: maxDate(p.start, start), end: minDate(p.end, knownEnd) })).filter((p) => p.start <= p.end));
            // A matching anchor is a held bar compared with upstream: the series' check for the day.
            const checked = checkDay && (newSeries || anchor) ? { checkedOn: checkDay } : {};
            if (span || result.name || pending.length > 0) {
              await this.#store.saveFetched({ symbol, name: result.name, adjust, span, bars, fetchedAt: moment.now, pendingEmpty: pending, ...checked });
            }
            if (!instrument) instrument = await this.#store.findInstrument(symbol);
          }
          current = undefined;
          if (passThrough) {
            const result = await this.#fetch(symbol, adjust, passThrough, moment, options.signal);
            upstreamRequests++;
            fetched.push(passThrough);
            upstreamName = result.name ?? upstreamName;
            for (const bar of result.bars) transient.set(bar.date, bar);
            passThroughDone = true;
          }
        } catch (error) {
          // Never a silent partial answer: without allowPartial the failure is the answer.
          if (!options.allowPartial || !(error instanceof UpstreamError)) throw error;
          failure.error = error;
          if (current) missing.push(current);
          missing.push(...runs);
          if (passThrough && !passThroughDone) missing.push(passThrough);
        }
        if (fetched.length > 0 && !instrument) instrument = await this.#store.findInstrument(symbol);
      });
    }

    const result = {
      symbol,
      name: upstreamName ?? instrument?.name ?? null,
      adjust,
      period: "daily" as const,
      start,
      end,
      calendarKnownThrough: calendar.knownThrough,
      complete: missing.length === 0,
      missing,
      upstreamError: failure.error ? { code: failure.error.code, message: failure.error.message, retry_after_seconds: retryAfterOf(failure.error) } : null,
    };
    const report = (rowsFromCache: number, rowsFromUpstream: number): CacheReport => ({
      hit: upstreamRequests === 0,
      rows_from_cache: rowsFromCache,
      rows_from_upstream: rowsFromUpstream,
      upstream_requests: upstreamRequests,
      trading_days: sessions.length,
      series_replaced: replacement,
      unconfirmed_empty: unconfirmed,
    });
    this.#counters.requests++;
    if (upstreamRequests === 0) this.#counters.hits++;

    // Fast path: everything held, nothing fetched or live, every bar final: the stored JSON as is.
    if (instrument && (snapshotBars || this.#store.barsJson) && fetched.length === 0 && transient.size === 0 && end <= finalThrough) {
      const stored = snapshotBars ?? (await this.#store.barsJson!(instrument.id, adjust, start, end));
      const text = stored.count === 0 ? "[]" : stored.json.replaceAll("}", ',"provisional":false,"partial":false}');
      let parsed: ServedBar[] | undefined;
      this.#activity.recordRequest({ hit: upstreamRequests === 0, latencyMs: performance.now() - startedAt });
      return {
        ...result,
        get bars(): ServedBar[] {
          return (parsed ??= JSON.parse(text) as ServedBar[]);
        },
        barsJson: { text, count: stored.count },
        cache: report(stored.count, 0),
      };
    }

    const stored = snapshotBars ? (JSON.parse(snapshotBars.json) as DailyBar[]) : instrument ? await this.#store.bars(instrument.id, adjust, start, end) : [];
    const byDate = new Map<IsoDate, DailyBar>();
    for (const bar of stored) byDate.set(bar.date, bar);
    for (const [date, bar] of transient) if (date >= start && date <= end && !byDate.has(date)) byDate.set(date, bar);
    const bars = [...byDate.values()]
      .sort((a, b) => (a.date < b.date ? -1 : 1))
      .map((bar) => ({ ...bar, provisional: bar.date > finalThrough, partial: false }));

    const fromUpstream = bars.filter((bar) => fetched.some((span) => bar.date >= span.start && bar.date <= span.end)).length;
    this.#activity.recordRequest({ hit: upstreamRequests === 0, latencyMs: performance.now() - startedAt });
    return { ...result, bars, cache: report(bars.length - fromUpstream, fromUpstream) };
  }

  /**
   * Run `task` under the in-process lock for `key`, then the cross-process one when configured.
   * Both waits end when `signal` aborts: at the request's deadline that is a 503 with Retry-After,
   * so no request waits for another's fetch longer than its own bound. Upstream failures inside
   * `task` are shared with the requests waiting meanwhile (see {@link #fetch}).
   */
  #locked<T>(key: string, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    const seriesLock = this.#seriesLock;
    const inner = seriesLock ? () => seriesLock.run(key, task, { signal, timeoutMs: remainingMs(signal) }) : task;
    return this.#lock.run(key, inner, { signal });
  }

  /**
   * Bars of the query's period: daily bars as {@link getDailyBars}; weekly and monthly bars derived
   * from the daily bars of [start, min(end, today)] (see {@link aggregateBars}), so a week or month
   * is fetched and cached as daily sessions, and nothing after `end` is fetched or used: a period cut
   * short by `end` (or today) is dated on its last included session and flagged `partial`. `cache`
   * counts daily rows.
   * @param options.wholePeriods read and aggregate every period touching [start, end] whole, sessions
   *   after `end` included (AKShare's behaviour, kept for the AKTools-compatible endpoint only)
   * @param options.forceRefresh first re-fetch the series' whole held history and replace it (see
   *   {@link refresh}); the answer then reports `hit: false` and counts those calls
   * @throws {UpstreamError} as {@link getDailyBars}, and when a forced refresh fails (nothing replaced)
   */
  async getBars(query: HistoryQuery, options: HistoryRequestOptions & { wholePeriods?: boolean; forceRefresh?: boolean } = {}): Promise<HistoryResult> {
    if (options.forceRefresh) {
      // Replace the held series from upstream first (see refresh), then answer; the answer's cache
      // report counts the refresh's calls, and every bar of the refreshed span came from upstream now.
      const refreshed = (await this.refresh(query.symbol, [query.adjust], options.signal ? { signal: options.signal } : {})).length;
      const { forceRefresh: _force, ...rest } = options;
      const result = await this.getBars(query, rest);
      if (refreshed === 0) return result;
      const { rows_from_cache, rows_from_upstream, upstream_requests } = result.cache;
      result.cache = { ...result.cache, hit: false, rows_from_cache: 0, rows_from_upstream: rows_from_upstream + rows_from_cache, upstream_requests: upstream_requests + refreshed };
      return result;
    }
    const period = query.period ?? "daily";
    if (period === "daily") return this.getDailyBars(query, options);
    const range = options.wholePeriods ? { start: periodStart(query.start, period), end: periodEnd(query.end, period) } : { start: query.start, end: query.end };
    const daily = await this.getDailyBars({ ...query, ...range, period: "daily" }, options);
    const { calendar, today } = this.#moment(query.symbol);
    const window = { start: range.start, end: minDate(range.end, today) };
    const bars = aggregateBars(daily.bars, period, { calendar, window, priceDecimals: priceDecimals(query.symbol) });
    const { barsJson: _dailyJson, ...rest } = daily; // that text holds the daily bars
    return { ...rest, start: query.start, end: query.end, period, bars };
  }

  /**
   * A key under which the serialised answer to `query` may be reused, or null when it must not be:
   * when the daily range it reads reaches a session that is not final yet or beyond the calendar's
   * known horizon (such answers depend on upstream every time). The key holds everything the answer
   * depends on besides the query: the stored data's version (see {@link HistoryStore.dataVersion}),
   * today, the last final session and the calendar horizon. Reuse an answer only if it made no
   * upstream call (`cache.upstream_requests === 0`); then, while the key is unchanged, the service
   * would answer exactly alike.
   */
  async responseCacheKey(query: HistoryQuery): Promise<string | null> {
    if (!this.#store.dataVersion) return null;
    const period = query.period ?? "daily";
    const { calendar, today, finalThrough } = this.#moment(query.symbol);
    const fetchEnd = minDate(query.end, today);
    if (fetchEnd > finalThrough || fetchEnd > calendar.knownThrough) return null;
    const version = await this.#store.dataVersion(query.symbol);
    return `${instrumentKey(query.symbol)}|${query.adjust}|${period}|${query.start}|${query.end}|${today}|${finalThrough}|${calendar.knownThrough}|v${version}`;
  }

  /** Count a request answered from a reused serialised answer (see {@link responseCacheKey}): a hit. */
  recordReusedAnswer(latencyMs = 0): void {
    this.#counters.requests++;
    this.#counters.hits++;
    this.#activity.recordRequest({ hit: true, latencyMs });
  }

  /** Requests, hits and upstream calls since this service started. */
  stats(): HistoryStats {
    const { requests, hits, upstreamCalls, since } = this.#counters;
    return { requests, hits, hit_ratio: requests === 0 ? 0 : hits / requests, upstream_calls: upstreamCalls, since: since.toISOString() };
  }

  /** Requests, hits, upstream calls and request latency per minute over the last hour (this process). */
  activity(): ActivitySnapshot {
    return this.#activity.snapshot();
  }

  /**
   * Re-fetch every held series of a symbol (one upstream call per adjustment, over its whole held
   * span) and replace it atomically: the corporate-action refresh. Series never fetched are skipped.
   * @param adjusts which adjustments to refresh; default all three
   * @throws {UpstreamError} when a call fails or fails the quality gate; that series is left as it was.
   */
  async refresh(symbol: Instrument, adjusts: readonly Adjust[] = ["", "qfq", "hfq"], options: { signal?: AbortSignal } = {}): Promise<RefreshedSeries[]> {
    const moment = this.#moment(symbol);
    const instrument = await this.#store.findInstrument(symbol);
    if (!instrument) return [];
    const refreshed: RefreshedSeries[] = [];
    for (const adjust of adjusts) {
      const result = await this.#locked(`${instrumentKey(symbol)}|${adjust}`, options.signal, async () => {
        const held = await this.#store.allCoverage(instrument.id, adjust);
        if (held.length === 0) return null;
        const start = held.reduce((min, span) => minDate(min, span.start), held[0]!.start);
        const end = held.reduce((max, span) => maxDate(max, span.end), held[0]!.end);
        const before = await this.#store.bars(instrument.id, adjust, start, end);
        const fetched = await this.#fetch(symbol, adjust, { start, end }, moment, options.signal);
        const bars = fetched.bars.filter((bar) => bar.date <= moment.finalThrough);
        const spanEnd = minDate(end, moment.finalThrough);
        const checkedOn = adjust === "" ? {} : { checkedOn: checkDayOn(moment.calendar, moment.today) };
        await this.#store.replaceSeries({ symbol, name: fetched.name, adjust, span: { start, end: spanEnd }, bars, fetchedAt: moment.now, ...checkedOn });
        const old = new Map(before.map((bar) => [bar.date, bar]));
        const changed = bars.length !== before.length || bars.some((bar) => pricesDiffer(old.get(bar.date), bar, priceDecimals(symbol)));
        return { adjust, start, end: spanEnd, bars: bars.length, changed };
      });
      if (result) refreshed.push(result);
    }
    return refreshed;
  }

  #moment(symbol: Instrument): Moment {
    const calendar = calendarFor(symbol.market);
    const now = this.#clock.now();
    const today = localTime(now, calendar.timeZone).date;
    return { calendar, now, today, finalThrough: finalThroughOn(calendar, now, this.#marginMs) };
  }

  /**
   * One upstream call for the series, unless this request waited for the lock while the holder's
   * call failed: then that same failure, without calling (waiters share the holder's failure, no
   * retry stampede). A caller that went away (`reason: "aborted"`) shares nothing.
   */
  #fetch(symbol: Instrument, adjust: Adjust, span: Span, moment: Moment, signal: AbortSignal | undefined) {
    const shareable = (error: unknown) => error instanceof UpstreamError && error.details?.reason !== "aborted";
    return this.#lock.share(`${instrumentKey(symbol)}|${adjust}`, () => this.#fetchOnce(symbol, adjust, span, moment, signal), shareable);
  }

  /** One upstream call, through the quality gate. */
  async #fetchOnce(symbol: Instrument, adjust: Adjust, span: Span, moment: Moment, signal: AbortSignal | undefined) {
    this.#counters.upstreamCalls++;
    this.#activity.recordUpstreamCall();
    const result = await this.#upstream.fetchDailyBars({ symbol, adjust, start: span.start, end: span.end, ...(signal ? { signal } : {}) });
    const problems = checkBars(result.bars, { calendar: moment.calendar, adjust, priceDecimals: priceDecimals(symbol) });
    if (problems.length > 0) {
      this.#logger.warn("upstream bars rejected by the quality gate", { instrument: instrumentKey(symbol), adjust, ...span, problems });
      throw new UpstreamError(
        "UPSTREAM_INVALID",
        `Upstream sent ${problems.length} bar(s) that fail the quality gate (first: ${problems[0]!.date} ${problems[0]!.rule}); nothing was stored`,
        { problems: problems.slice(0, 10) },
      );
    }
    return result;
  }

  /** Fetch the whole held span plus `run` in one call and replace the series with it. */
  async #replaceSeries(
    symbol: Instrument,
    adjust: Adjust,
    instrumentId: number,
    run: Span,
    moment: Moment,
    transient: Map<IsoDate, DailyBar>,
    signal: AbortSignal | undefined,
    evidence: { anchor: IsoDate; cached: DailyBar | undefined; fresh: DailyBar | undefined; reason: SeriesReplacement["reason"]; checkedOn?: IsoDate },
  ): Promise<SeriesReplacement> {
    const all = await this.#store.allCoverage(instrumentId, adjust);
    const start = all.reduce((min, span) => minDate(min, span.start), run.start);
    const end = all.reduce((max, span) => maxDate(max, span.end), run.end);
    const result = await this.#fetch(symbol, adjust, { start, end }, moment, signal);
    for (const bar of result.bars) if (bar.date > moment.finalThrough) transient.set(bar.date, bar);
    const spanEnd = minDate(end, moment.finalThrough);
    const bars = result.bars.filter((bar) => bar.date <= moment.finalThrough);
    const checked = evidence.checkedOn ? { checkedOn: evidence.checkedOn } : {};
    await this.#store.replaceSeries({ symbol, name: result.name, adjust, span: { start, end: spanEnd }, bars, fetchedAt: moment.now, ...checked });
    this.#logger.warn("cached series was rebased upstream and has been replaced", { instrument: instrumentKey(symbol), adjust, reason: evidence.reason, anchor: evidence.anchor, start, end });
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
   * Split a fetched span into what becomes held and what upstream answered empty for the first time.
   * Sessions of `run` before the answer's first bar or after its last (all of them when it has no
   * bar) may be a glitch upstream rather than a suspension or a listing date: they are held only if
   * an earlier request's answer was empty for them too (`earlier`); otherwise they are returned as
   * `pending`, to be remembered unconfirmed and asked again. Gaps between bars are suspensions
   * upstream vouches for and are held at once.
   * @param bars the answer's final bars inside `whole`, ascending
   */
  #confirmEmpty(whole: Span, run: Span, bars: readonly DailyBar[], earlier: readonly Span[], calendar: ExchangeCalendar): { span: Span | null; pending: Span[] } {
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
    const pending = [pendingLead, pendingTrail].filter((dates) => dates.length > 0).map((dates) => ({ start: dates[0]!, end: dates.at(-1)! }));
    const start = pendingLead.length > 0 ? calendar.nextSession(pendingLead.at(-1)!) : whole.start;
    const end = pendingTrail.length > 0 ? calendar.previousSession(pendingTrail[0]!) : whole.end;
    return { span: start !== null && end !== null && start <= end ? { start, end } : null, pending };
  }

  /**
   * The held session next to a run used as its anchor: the session just before the run if held,
   * else the one just after it; null when the run touches nothing held.
   */
  #anchorFor(run: Span, held: readonly Span[], calendar: ExchangeCalendar): IsoDate | null {
    const isHeld = (date: IsoDate | null) => date !== null && held.some((span) => span.start <= date && date <= span.end);
    const before = calendar.previousSession(run.start);
    if (before && isHeld(before)) return before;
    const after = calendar.nextSession(run.end);
    if (after && isHeld(after)) return after;
    return null;
  }

  /**
   * The part of a held span that counts as held now. A bar fetched on its own session day (or
   * before the next session) may still be revised: from the next session day on, that one
   * session is due for re-verification, and drops out until a later fetch covers it again.
   */
  #verifiedPart(span: HeldSpan, moment: Moment): Span[] {
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

  /** Keep a run's not-yet-final bar for the response and for reuse within the TTL. */
  #keepLive(key: string, run: Span, bars: readonly DailyBar[], moment: Moment, transient: Map<IsoDate, DailyBar>): void {
    const live = bars.filter((bar) => bar.date > moment.finalThrough);
    for (const bar of live) transient.set(bar.date, bar);
    if (run.end > moment.finalThrough) {
      this.#provisional.set(key, { date: run.end, bar: live.find((b) => b.date === run.end), fetchedAt: moment.now.getTime() });
    }
  }

  /** Serve a not-yet-final run from a recent provisional fetch instead of calling upstream again. */
  #reuseProvisional(key: string, run: Span, transient: Map<IsoDate, DailyBar>, now: Date): boolean {
    const entry = this.#provisional.get(key);
    if (!entry || entry.date !== run.end || run.start !== run.end) return false;
    if (now.getTime() - entry.fetchedAt >= this.#provisionalTtlMs) return false;
    if (entry.bar) transient.set(entry.bar.date, entry.bar);
    return true;
  }
}
