/**
 * The main job: serve a stock's daily bars for a date range, fetching from upstream only the
 * trading sessions not yet held, as decided by the exchange calendar.
 */
import { calendarFor, type ExchangeCalendar } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { addCalendarDays, instantAt, localTime, type IsoDate } from "../dates.ts";
import type { DailyBarSource } from "../eastmoney/kline.ts";
import type { StockSymbol } from "../symbols/index.ts";
import { KeyedLock } from "./keyed-lock.ts";
import { missingRuns, type Span } from "./planner.ts";
import type { HistoryQuery } from "./request.ts";
import type { Adjust, DailyBar } from "./types.ts";

/** A stored instrument as the history service sees it. */
export interface StoredInstrument {
  id: number;
  /** Name as upstream last reported it (e.g. 贵州茅台); null until a fetch has named it. */
  name: string | null;
}

/** What one completed upstream fetch contributes to the store, written atomically. */
export interface FetchedSpan {
  symbol: StockSymbol;
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
}

/**
 * Storage the history service needs (implemented by `@quantdb/db` for PGlite and PostgreSQL).
 * Dates are exchange-local `YYYY-MM-DD`; ranges are inclusive.
 */
export interface HistoryStore {
  /** The stored instrument for a symbol, or null if it was never fetched. */
  findInstrument(symbol: StockSymbol): Promise<StoredInstrument | null>;
  /** Held spans for (instrument, adjust) that overlap [start, end]. */
  coverage(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<Span[]>;
  /** Stored bars with start <= date <= end, ascending. */
  bars(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<DailyBar[]>;
  /**
   * Persist one fetch in a single transaction: create or rename the instrument, upsert the bars
   * (unique per instrument, adjust and date) and record the span as covered. Either all of it is
   * stored or none of it.
   */
  saveFetched(fetched: FetchedSpan): Promise<void>;
}

/** A bar as served: `provisional` is true for today's bar before the session is final. */
export interface ServedBar extends DailyBar {
  /** True when the bar may still change (today's live bar before close + margin); never stored. */
  provisional: boolean;
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
}

/** The answer to a history request. */
export interface HistoryResult {
  symbol: StockSymbol;
  name: string | null;
  adjust: Adjust;
  start: IsoDate;
  end: IsoDate;
  bars: ServedBar[];
  cache: CacheReport;
  /** Last date the instrument's exchange calendar is known through. */
  calendarKnownThrough: IsoDate;
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
}

const REGULAR_CLOSE: Record<ExchangeCalendar["id"], string> = { CN: "15:00", HK: "16:00" };

interface ProvisionalEntry {
  date: IsoDate;
  bar: DailyBar | undefined;
  fetchedAt: number;
}

function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

/**
 * Serves daily bars from the store, filling gaps from upstream.
 *
 * - Gaps are computed from the exchange calendar: only sessions not covered by a held span are
 *   fetched, each contiguous run with one upstream call; a range with no sessions makes no call.
 * - Spans where upstream had no bar (suspension, before listing) stay covered, so they are not
 *   refetched.
 * - Today's bar is final only `finalizeAfterCloseMinutes` after the close: before that it is served
 *   with `provisional: true` and never stored or marked covered.
 * - Dates beyond the calendar's known horizon are passed through to upstream every time and never
 *   stored: the calendar cannot say whether they are sessions.
 * - Concurrent requests for the same instrument and adjustment fetch a missing span once.
 */
export class HistoryService {
  readonly #store: HistoryStore;
  readonly #upstream: DailyBarSource;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #provisionalTtlMs: number;
  readonly #lock = new KeyedLock();
  readonly #provisional = new Map<string, ProvisionalEntry>();

  constructor(options: HistoryServiceOptions) {
    this.#store = options.store;
    this.#upstream = options.upstream;
    this.#clock = options.clock;
    this.#marginMs = (options.finalizeAfterCloseMinutes ?? 30) * 60_000;
    this.#provisionalTtlMs = options.provisionalTtlMs ?? 60_000;
  }

  /**
   * Daily bars for a validated query (see `parseHistoryQuery`).
   * @throws {UpstreamError} when a needed upstream call fails; spans fetched before the failure
   *   stay stored (each atomically), nothing from the failed call is.
   */
  async getDailyBars(query: HistoryQuery, options: { signal?: AbortSignal } = {}): Promise<HistoryResult> {
    const { symbol, adjust, start, end } = query;
    const calendar = calendarFor(symbol.market);
    const now = this.#clock.now();
    const today = localTime(now, calendar.timeZone).date;
    const finalThrough = this.#finalThrough(calendar, today, now);
    const fetchEnd = minDate(end, today);
    const knownEnd = minDate(fetchEnd, calendar.knownThrough);
    const sessions = start <= knownEnd ? calendar.sessionsBetween(start, knownEnd) : [];
    const passThrough: Span | null =
      fetchEnd > calendar.knownThrough
        ? { start: start > calendar.knownThrough ? start : addCalendarDays(calendar.knownThrough, 1), end: fetchEnd }
        : null;

    const plan = async () => {
      const instrument = await this.#store.findInstrument(symbol);
      const held = instrument && sessions.length > 0 ? await this.#store.coverage(instrument.id, adjust, start, knownEnd) : [];
      return { instrument, runs: missingRuns(sessions, held) };
    };

    let { instrument, runs } = await plan();
    const fetched: Span[] = [];
    const transient = new Map<IsoDate, DailyBar>();
    let upstreamName: string | null = null;

    const key = `${symbol.secid}|${adjust}`;
    if (runs.length > 0 || passThrough) {
      await this.#lock.run(key, async () => {
        ({ instrument, runs } = await plan());
        for (const run of runs) {
          if (run.start > finalThrough && this.#reuseProvisional(key, run, transient, now)) continue;
          const result = await this.#upstream.fetchDailyBars({ symbol, adjust, start: run.start, end: run.end, ...options });
          fetched.push(run);
          upstreamName = result.name ?? upstreamName;
          const finalBars = result.bars.filter((bar) => bar.date <= finalThrough);
          const live = result.bars.filter((bar) => bar.date > finalThrough);
          for (const bar of live) transient.set(bar.date, bar);
          if (run.end > finalThrough) {
            this.#provisional.set(key, { date: run.end, bar: live.find((b) => b.date === run.end), fetchedAt: now.getTime() });
          }
          const spanEnd = minDate(run.end, finalThrough);
          const span = run.start <= spanEnd ? { start: run.start, end: spanEnd } : null;
          if (span || result.name) {
            await this.#store.saveFetched({ symbol, name: result.name, adjust, span, bars: finalBars, fetchedAt: now });
          }
        }
        if (passThrough) {
          const result = await this.#upstream.fetchDailyBars({ symbol, adjust, ...passThrough, ...options });
          fetched.push(passThrough);
          upstreamName = result.name ?? upstreamName;
          for (const bar of result.bars) transient.set(bar.date, bar);
        }
        if (fetched.length > 0 && !instrument) instrument = await this.#store.findInstrument(symbol);
      });
    }

    const stored = instrument ? await this.#store.bars(instrument.id, adjust, start, end) : [];
    const byDate = new Map<IsoDate, DailyBar>();
    for (const bar of stored) byDate.set(bar.date, bar);
    for (const [date, bar] of transient) if (date >= start && date <= end && !byDate.has(date)) byDate.set(date, bar);
    const bars = [...byDate.values()]
      .sort((a, b) => (a.date < b.date ? -1 : 1))
      .map((bar) => ({ ...bar, provisional: bar.date > finalThrough }));

    const fromUpstream = bars.filter((bar) => fetched.some((span) => bar.date >= span.start && bar.date <= span.end)).length;
    return {
      symbol,
      name: upstreamName ?? instrument?.name ?? null,
      adjust,
      start,
      end,
      bars,
      cache: {
        hit: fetched.length === 0,
        rows_from_cache: bars.length - fromUpstream,
        rows_from_upstream: fromUpstream,
        upstream_requests: fetched.length,
        trading_days: sessions.length,
      },
      calendarKnownThrough: calendar.knownThrough,
    };
  }

  /** The last exchange-local date whose bar is final at `now`. */
  #finalThrough(calendar: ExchangeCalendar, today: IsoDate, now: Date): IsoDate {
    const close = calendar.isKnown(today) ? calendar.session(today)?.close : REGULAR_CLOSE[calendar.id];
    if (close === undefined) return today; // a known non-session day: everything up to today is final
    const finalAt = instantAt(today, close, calendar.timeZone).getTime() + this.#marginMs;
    return now.getTime() >= finalAt ? today : addCalendarDays(today, -1);
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
