/**
 * The main job: serve a stock's daily bars for a date range, fetching from upstream only the
 * trading sessions not yet held, as decided by the exchange calendar. The steps of a request live
 * in plan.ts, verify.ts, fetch.ts and assemble.ts; this class holds the state they share across
 * requests (locks, counters, provisional bars) and runs them in order.
 */
import type { CalendarHorizonHook, Calendars } from "../calendar/index.ts";
import { instrumentKey } from "../markets/instrument-key.ts";
import type { Clock } from "../clock.ts";
import { localTime, type IsoDate } from "../dates.ts";
import type { DailyBarSource } from "./source.ts";
import { UpstreamError } from "../errors.ts";
import type { Instrument } from "../symbols/index.ts";
import { remainingMs, withLazyDeadline } from "../upstream/deadline.ts";
import { HistoryActivity, type ActivitySnapshot } from "./activity.ts";
import { assembleDaily, type HeldForAnswer } from "./assemble.ts";
import { maxDate, minDate, momentOf, newProgress, priceDecimals, seriesKey } from "./context.ts";
import type { Moment, SeriesContext } from "./context.ts";
import { fetchChecked, fetchMissing } from "./fetch.ts";
import { KeyedLock } from "./keyed-lock.ts";
import { aggregateBars, periodEnd, periodStart, type Period } from "./periods.ts";
import { checkDayOn, firstLook, needsUpstream, planWindow } from "./plan.ts";
import type { Span } from "./planner.ts";
import { ProvisionalBars } from "./provisional.ts";
import type { HistoryQuery } from "./request.ts";
import type { Adjust, DailyBar } from "./types.ts";
import { pricesDiffer } from "./verify.ts";

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

/**
 * Sessions upstream answered empty once (see {@link HistoryStore.pendingEmpty}); `id` orders observations across
 * processes.
 */
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
  barsJson?(
    instrumentId: number,
    adjust: Adjust,
    start: IsoDate,
    end: IsoDate,
  ): Promise<{ json: string; count: number }>;
  /**
   * Optional: {@link findInstrument}, {@link coverage} over [start, coverageEnd] and
   * {@link barsJson} over [start, end] at once (one database round trip): the whole read of a
   * request whose range is already held.
   */
  snapshot?(
    symbol: Instrument,
    adjust: Adjust,
    range: { start: IsoDate; end: IsoDate; coverageEnd: IsoDate },
  ): Promise<SeriesSnapshot>;
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
  run<T>(
    key: string,
    task: () => Promise<T>,
    options?: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
  ): Promise<T>;
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
  /** The system's calendars (a `CalendarRegistry`, extended at run time); requests are planned on them. */
  calendars: Calendars;
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

/**
 * The session day on which a held adjusted (qfq/hfq) series is due for its daily check against
 * upstream at `now`: the latest session of the instrument's exchange on or before today
 * (exchange-local), or today itself past the calendar's known horizon. A series checked on this day
 * or later is not checked again until the next session day.
 * @param calendars the system's calendars
 */
export function seriesCheckDay(symbol: Instrument, now: Date, calendars: Calendars): IsoDate {
  const calendar = calendars.forMarket(symbol.market);
  return checkDayOn(calendar, localTime(now, calendar.timeZone).date);
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
 * - Every response passes the quality gate (`checkBars`, see {@link fetchChecked}) before anything
 *   is stored.
 * - Concurrent requests for the same instrument and adjustment fetch a missing span once.
 */
export class HistoryService {
  readonly #store: HistoryStore;
  readonly #upstream: DailyBarSource;
  readonly #clock: Clock;
  readonly #calendars: Calendars;
  readonly #marginMs: number;
  readonly #logger: HistoryLogger;
  readonly #lock = new KeyedLock();
  readonly #seriesLock: SeriesLock | undefined;
  readonly #calendarHorizon: CalendarHorizonHook | undefined;
  readonly #requestTimeoutMs: number | undefined;
  readonly #provisional: ProvisionalBars;
  readonly #counters = { requests: 0, hits: 0, upstreamCalls: 0, since: new Date() };
  readonly #activity: HistoryActivity;

  constructor(options: HistoryServiceOptions) {
    this.#store = options.store;
    this.#upstream = options.upstream;
    this.#clock = options.clock;
    this.#calendars = options.calendars;
    this.#marginMs = (options.finalizeAfterCloseMinutes ?? 30) * 60_000;
    this.#provisional = new ProvisionalBars(options.provisionalTtlMs ?? 60_000);
    this.#seriesLock = options.seriesLock;
    this.#calendarHorizon = options.calendarHorizon;
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#counters.since = this.#clock.now();
    this.#activity = new HistoryActivity({ clock: this.#clock });
    this.#logger = options.logger ?? {
      warn: (message, details) => console.warn(`[quantdb] ${message}`, JSON.stringify(details)),
    };
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
    const { symbol, adjust, end } = query;
    const startedAt = performance.now();
    // Sessions past the calendar's horizon up to today are learnt before the request is planned.
    await this.#calendarHorizon?.ensureThrough(this.#calendars.forMarket(symbol.market).id, end, options.signal);
    // One bound for the whole request, made when upstream work starts.
    const bounded = withLazyDeadline(options, this.#requestTimeoutMs);
    const moment = this.#moment(symbol);
    const series: SeriesContext = {
      store: this.#store,
      symbol,
      adjust,
      moment,
      fetch: (span) => this.#fetch(symbol, adjust, span, moment, bounded.signal),
      logger: this.#logger,
    };

    // Plan: the range's sessions, which of them are held (verified), what is missing.
    const window = planWindow(query, moment);
    const look = await firstLook(series, window);
    const progress = newProgress();
    let held: HeldForAnswer = { instrument: look.instrument, barsJson: look.bars };
    if (needsUpstream(window, look)) {
      // Under the series lock: plan again, verify the series, fetch and store what is missing. The
      // bars are read again after it: it may write, and others may have.
      const fetchOptions = { allowPartial: options.allowPartial === true, provisional: this.#provisional };
      const work = () => fetchMissing(series, window, look.earlierEmpty, progress, fetchOptions);
      held = { instrument: await this.#locked(seriesKey(symbol, adjust), bounded.signal, work), barsJson: null };
    }

    // Assemble the answer from the store and what this request fetched.
    this.#counters.requests++;
    if (progress.upstreamRequests === 0) this.#counters.hits++;
    const result = await assembleDaily(series, window, held, progress);
    this.#activity.recordRequest({ hit: progress.upstreamRequests === 0, latencyMs: performance.now() - startedAt });
    return result;
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
  async getBars(
    query: HistoryQuery,
    options: HistoryRequestOptions & { wholePeriods?: boolean; forceRefresh?: boolean } = {},
  ): Promise<HistoryResult> {
    if (options.forceRefresh) {
      // Replace the held series from upstream first (see refresh), then answer; the answer's cache
      // report counts the refresh's calls, and every bar of the refreshed span came from upstream now.
      const refreshed = (
        await this.refresh(query.symbol, [query.adjust], options.signal ? { signal: options.signal } : {})
      ).length;
      const { forceRefresh: _force, ...rest } = options;
      const result = await this.getBars(query, rest);
      if (refreshed === 0) return result;
      const { rows_from_cache, rows_from_upstream, upstream_requests } = result.cache;
      result.cache = {
        ...result.cache,
        hit: false,
        rows_from_cache: 0,
        rows_from_upstream: rows_from_upstream + rows_from_cache,
        upstream_requests: upstream_requests + refreshed,
      };
      return result;
    }
    const period = query.period ?? "daily";
    if (period === "daily") return this.getDailyBars(query, options);
    const range = options.wholePeriods
      ? { start: periodStart(query.start, period), end: periodEnd(query.end, period) }
      : { start: query.start, end: query.end };
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
    return (
      `${instrumentKey(query.symbol)}|${query.adjust}|${period}|${query.start}|${query.end}|${today}|` +
      `${finalThrough}|${calendar.knownThrough}|v${version}`
    );
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
    return {
      requests,
      hits,
      hit_ratio: requests === 0 ? 0 : hits / requests,
      upstream_calls: upstreamCalls,
      since: since.toISOString(),
    };
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
  async refresh(
    symbol: Instrument,
    adjusts: readonly Adjust[] = ["", "qfq", "hfq"],
    options: { signal?: AbortSignal } = {},
  ): Promise<RefreshedSeries[]> {
    const moment = this.#moment(symbol);
    const instrument = await this.#store.findInstrument(symbol);
    if (!instrument) return [];
    const refreshed: RefreshedSeries[] = [];
    for (const adjust of adjusts) {
      const result = await this.#locked(seriesKey(symbol, adjust), options.signal, async () => {
        const held = await this.#store.allCoverage(instrument.id, adjust);
        if (held.length === 0) return null;
        const start = held.reduce((min, span) => minDate(min, span.start), held[0]!.start);
        const end = held.reduce((max, span) => maxDate(max, span.end), held[0]!.end);
        const before = await this.#store.bars(instrument.id, adjust, start, end);
        const fetched = await this.#fetch(symbol, adjust, { start, end }, moment, options.signal);
        const bars = fetched.bars.filter((bar) => bar.date <= moment.finalThrough);
        const spanEnd = minDate(end, moment.finalThrough);
        const checkedOn = adjust === "" ? {} : { checkedOn: checkDayOn(moment.calendar, moment.today) };
        await this.#store.replaceSeries({
          symbol,
          name: fetched.name,
          adjust,
          span: { start, end: spanEnd },
          bars,
          fetchedAt: moment.now,
          ...checkedOn,
        });
        const old = new Map(before.map((bar) => [bar.date, bar]));
        const changed =
          bars.length !== before.length ||
          bars.some((bar) => pricesDiffer(old.get(bar.date), bar, priceDecimals(symbol)));
        return { adjust, start, end: spanEnd, bars: bars.length, changed };
      });
      if (result) refreshed.push(result);
    }
    return refreshed;
  }

  #moment(symbol: Instrument): Moment {
    return momentOf(this.#calendars.forMarket(symbol.market), this.#clock.now(), this.#marginMs);
  }

  /**
   * One upstream call for the series, unless this request waited for the lock while the holder's
   * call failed: then that same failure, without calling (waiters share the holder's failure, no
   * retry stampede). A caller that went away (`reason: "aborted"`) shares nothing.
   */
  #fetch(symbol: Instrument, adjust: Adjust, span: Span, moment: Moment, signal: AbortSignal | undefined) {
    const shareable = (error: unknown) => error instanceof UpstreamError && error.details?.reason !== "aborted";
    const call = () => this.#fetchOnce(symbol, adjust, span, moment, signal);
    return this.#lock.share(seriesKey(symbol, adjust), call, shareable);
  }

  /** One upstream call, through the quality gate (see {@link fetchChecked}), counted. */
  async #fetchOnce(symbol: Instrument, adjust: Adjust, span: Span, moment: Moment, signal: AbortSignal | undefined) {
    this.#counters.upstreamCalls++;
    this.#activity.recordUpstreamCall();
    const request = { symbol, adjust, start: span.start, end: span.end, ...(signal ? { signal } : {}) };
    return fetchChecked(this.#upstream, request, { calendar: moment.calendar, logger: this.#logger });
  }
}
