/**
 * The daily ingest: after each session's close, bring every held series up to date. Rules only;
 * scheduling (a job queue or an in-process timer) and storage live outside core.
 *
 * Whole-market snapshots are NOT used: Eastmoney's clist snapshot carries the latest quote, which
 * after the close equals the session's unadjusted OHLC but not the kline endpoint's final volume,
 * amount and turnover (revised after the closing auction), and nothing for qfq/hfq series. Storing
 * it would make held spans disagree with what the history endpoint returns, so every series is
 * brought up to date through the history service (one call per series with a gap; a series whose
 * held span already reaches the session makes none).
 */
import {
  calendarIdOf,
  type CalendarHorizonHook,
  type CalendarId,
  type Calendars,
  type ExchangeCalendar,
} from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import type { CryptoService } from "../crypto/service.ts";
import { dayStartMs, isoTime, utcDate } from "../crypto/grid.ts";
import { addCalendarDays, instantAt, localTime, type IsoDate } from "../dates.ts";
import type { HistoryService } from "../history/service.ts";
import type { Adjust } from "../history/types.ts";
import { DEFAULT_FINALIZE_AFTER_CLOSE_MINUTES } from "../calendar/finality.ts";
import { CRYPTO_MARKET, INDEX_COMPILERS, MARKET_IDS, marketOfExchange } from "../markets/registry.ts";
import { parseIndexSymbol, parseStockSymbol, type Instrument } from "../symbols/index.ts";

/** Job name of the daily ingest in `job_runs` and the job queue. */
export const DAILY_INGEST_JOB = "daily-ingest";

/**
 * Calendars the daily ingest runs for, each after its own close: CN and HK after their sessions,
 * CRYPTO after 00:00 UTC (the UTC day that just ended).
 */
export const INGEST_SCOPES: readonly CalendarId[] = MARKET_IDS;

/** A run still `running` this long after it started is taken to have died with its process. */
export const STALE_RUN_MS = 2 * 60 * 60_000;

/** Minutes after the close before a session's bar is final (the history service's default). */
export const FINALIZE_AFTER_CLOSE_MINUTES = DEFAULT_FINALIZE_AFTER_CLOSE_MINUTES;

/**
 * The session whose daily ingest is due at `now`: today when it is a session and its close plus
 * the finalisation margin has passed, otherwise null. Holidays and weekends (and dates beyond the
 * calendar's horizon) have no due session, so nothing runs on them.
 */
export function dueSession(
  calendar: ExchangeCalendar,
  now: Date,
  marginMinutes = FINALIZE_AFTER_CLOSE_MINUTES,
): IsoDate | null {
  const today = localTime(now, calendar.timeZone).date;
  const session = calendar.isKnown(today) ? calendar.session(today) : null;
  if (!session) return null;
  const finalAt = instantAt(today, session.close, calendar.timeZone).getTime() + marginMinutes * 60_000;
  return now.getTime() >= finalAt ? today : null;
}

/** One held series (instrument × adjustment) and the last date its coverage reaches. */
export interface HeldSeries {
  kind: "stock" | "index";
  market: string;
  code: string;
  adjust: Adjust;
  /** Last date of its held coverage, `YYYY-MM-DD`. */
  heldThrough: IsoDate;
}

/** The instrument a stored (kind, market, code) names. @throws {InputError} for a row no parser accepts. */
export function instrumentOf(series: Pick<HeldSeries, "kind" | "market" | "code">): Instrument {
  if (series.kind === "index") {
    // Named indices (HSI) parse by name; coded ones with their compiler as prefix (sh000300, csi931151).
    const compiler = INDEX_COMPILERS.find((c) => c === series.market);
    const named = compiler !== undefined && Object.hasOwn(marketOfExchange(compiler).namedIndices, series.code);
    return parseIndexSymbol(named ? series.code : `${series.market}${series.code}`);
  }
  return parseStockSymbol(`${series.code}.${series.market}`);
}

/** An error recorded against a run. */
export interface JobError {
  symbol?: string;
  code: string;
  message: string;
}

/** A recorded run of a job. */
export interface JobRun {
  id: number;
  job: string;
  scope: string;
  sessionDate: IsoDate;
  status: "running" | "succeeded" | "failed";
  attempts: number;
  startedAt: Date;
  finishedAt: Date | null;
  instrumentsUpdated: number;
  upstreamCalls: number;
  errors: JobError[];
}

/** Storage of job runs and the held-series listing (implemented in `@quantdb/db`). */
export interface JobRunStore {
  /**
   * Claim (job, scope, session): insert a `running` row, or take over (attempts + 1, while
   * attempts < maxAttempts) a `failed` one or a `running` one started before `staleBefore` (its
   * process died). Returns null when another run exists (running or succeeded, or failed too
   * often): the unique (job, scope, session_date) row makes this safe across replicas.
   */
  claim(input: {
    job: string;
    scope: string;
    sessionDate: IsoDate;
    startedAt: Date;
    maxAttempts: number;
    staleBefore: Date;
  }): Promise<JobRun | null>;
  /** Record a run's outcome. */
  finish(
    id: number,
    outcome: Pick<JobRun, "status" | "finishedAt" | "instrumentsUpdated" | "upstreamCalls" | "errors">,
  ): Promise<void>;
  /** Most recent runs first. */
  list(options: { limit: number; job?: string }): Promise<JobRun[]>;
  /** Every held series of instruments on the calendar's markets. */
  heldSeries(scope: CalendarId): Promise<HeldSeries[]>;
}

/** The outcome of one {@link DailyIngest.run}. */
export type IngestOutcome =
  | { ran: false; scope: CalendarId; reason: "not_due" | "already_claimed" }
  | { ran: true; run: JobRun };

/** Options of {@link DailyIngest}. */
export interface DailyIngestOptions {
  store: JobRunStore;
  history: HistoryService;
  clock: Clock;
  /** The system's calendars (those the history service plans with). */
  calendars: Calendars;
  /** Claims of a failed day allowed in total (first run plus retries). @default 3 */
  maxAttempts?: number;
  /** @default 30 */
  finalizeAfterCloseMinutes?: number;
  /**
   * Learns today's session from the benchmark index once the bundled or extended calendar has run
   * out (`CalendarHorizon`); without it nothing is due on dates beyond the horizon.
   */
  calendarHorizon?: CalendarHorizonHook;
  /** The crypto service, whose held series the CRYPTO scope brings up to date; without it that scope never runs. */
  crypto?: CryptoService;
}

/**
 * The UTC day whose crypto bars the ingest brings in at `now`: yesterday, once today's first minute of
 * grace has passed (a day bar is final one minute after its period ends); null within that minute.
 */
export function dueCryptoDay(now: Date, graceMinutes = CRYPTO_MARKET.calendar.finalAfterPeriodMinutes): IsoDate | null {
  const today = utcDate(now.getTime());
  return now.getTime() >= dayStartMs(today) + graceMinutes * 60_000 ? addCalendarDays(today, -1) : null;
}

/**
 * The daily ingest job: for each calendar, once per session after its close, bring every held
 * series up to the session through the history service, and record the run. Beyond the
 * calendar's horizon the session is first learnt from the benchmark index (one kline call per
 * market, shared with on-demand requests; see `CalendarHorizon`).
 */
export class DailyIngest {
  readonly #options: DailyIngestOptions;

  constructor(options: DailyIngestOptions) {
    this.#options = options;
  }

  /** Run every scope that is due now (see {@link dueSession}); scopes not due do nothing. */
  async tick(): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = [];
    for (const scope of INGEST_SCOPES) outcomes.push(await this.run(scope));
    return outcomes;
  }

  /**
   * Run one scope's ingest for the session due now, unless it is not due or already claimed.
   * Failures of single series are recorded in the run's errors; the run fails (and is retried by a
   * later tick, up to maxAttempts) when any series failed.
   */
  async run(scope: CalendarId): Promise<IngestOutcome> {
    if (scope === "CRYPTO") return this.#runCrypto();
    const { store, history, clock, calendars, calendarHorizon } = this.#options;
    const now = clock.now();
    await calendarHorizon?.ensureThrough(scope, localTime(now, calendars.get(scope).timeZone).date);
    const calendar = calendars.get(scope); // after ensureThrough: it may have been extended
    const sessionDate = dueSession(calendar, now, this.#options.finalizeAfterCloseMinutes);
    if (!sessionDate) return { ran: false, scope, reason: "not_due" };
    const run = await this.#claim(scope, sessionDate, now);
    if (!run) return { ran: false, scope, reason: "already_claimed" };

    let upstreamCalls = 0;
    const errors: JobError[] = [];
    const updated = new Set<string>();
    for (const series of await store.heldSeries(scope)) {
      if (series.heldThrough >= sessionDate) continue;
      let label = `${series.code}.${series.market}`;
      try {
        const symbol = instrumentOf(series);
        label = symbol.secid;
        if (calendarIdOf(symbol.market) !== scope) continue;
        const result = await history.getDailyBars({
          symbol,
          adjust: series.adjust,
          start: series.heldThrough,
          end: sessionDate,
        });
        upstreamCalls += result.cache.upstream_requests;
        if (result.cache.upstream_requests > 0) updated.add(symbol.secid);
      } catch (error) {
        const e = error as { code?: string; message?: string };
        errors.push({
          symbol: label,
          code: e.code ?? "INTERNAL_ERROR",
          message: `${series.adjust || "unadjusted"}: ${e.message ?? String(error)}`,
        });
      }
    }
    return this.#finish(run, updated.size, upstreamCalls, errors);
  }

  /**
   * The CRYPTO scope: once per UTC day after 00:00 (plus the grace minute), bring every held crypto
   * series (pair × timeframe) up to the end of the day that just ended, through the crypto service
   * (only the missing bars are fetched; a series already there makes no request).
   */
  async #runCrypto(): Promise<IngestOutcome> {
    const { clock, crypto } = this.#options;
    const now = clock.now();
    const sessionDate = crypto ? dueCryptoDay(now) : null;
    if (!crypto || !sessionDate) return { ran: false, scope: "CRYPTO", reason: "not_due" };
    const run = await this.#claim("CRYPTO", sessionDate, now);
    if (!run) return { ran: false, scope: "CRYPTO", reason: "already_claimed" };
    let upstreamCalls = 0;
    const errors: JobError[] = [];
    const updated = new Set<string>();
    for (const series of await crypto.heldSeries()) {
      const label = `${series.pair.exchange}:${series.pair.symbol}`;
      try {
        const query = {
          pair: series.pair,
          timeframe: series.timeframe,
          start: utcDate(series.heldThrough),
          end: sessionDate,
        };
        const result = await crypto.getBars(query);
        upstreamCalls += result.cache.upstream_requests;
        if (result.cache.upstream_requests > 0) updated.add(label);
      } catch (error) {
        const e = error as { code?: string; message?: string };
        errors.push({
          symbol: label,
          code: e.code ?? "INTERNAL_ERROR",
          message: `${series.timeframe} from ${isoTime(series.heldThrough)}: ${e.message ?? String(error)}`,
        });
      }
    }
    return this.#finish(run, updated.size, upstreamCalls, errors);
  }

  /** Claim (daily ingest, scope, session): the run to do, or null when another exists (see `JobRunStore.claim`). */
  #claim(scope: CalendarId, sessionDate: IsoDate, now: Date): Promise<JobRun | null> {
    return this.#options.store.claim({
      job: DAILY_INGEST_JOB,
      scope,
      sessionDate,
      startedAt: now,
      maxAttempts: this.#options.maxAttempts ?? 3,
      staleBefore: new Date(now.getTime() - STALE_RUN_MS),
    });
  }

  /** Record a run's outcome: failed when any series failed (a later tick retries it), else succeeded. */
  async #finish(
    run: JobRun,
    instrumentsUpdated: number,
    upstreamCalls: number,
    errors: JobError[],
  ): Promise<IngestOutcome> {
    const outcome = {
      status: errors.length > 0 ? ("failed" as const) : ("succeeded" as const),
      finishedAt: this.#options.clock.now(),
      instrumentsUpdated,
      upstreamCalls,
      errors,
    };
    await this.#options.store.finish(run.id, outcome);
    return { ran: true, run: { ...run, ...outcome } };
  }
}
