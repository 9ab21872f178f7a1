/**
 * Test support: an upstream ({@link DailyBarSource}) in memory, a {@link SeriesContext} over it
 * for the history steps, and bars that pass the quality gate.
 */
import type { ExchangeCalendar } from "../../calendar/index.ts";
import type { Clock } from "../../clock.ts";
import type { IsoDate } from "../../dates.ts";
import type { DailyBarsRequest, DailyBarSource } from "../source.ts";
import type { Instrument } from "../../symbols/index.ts";
import { momentOf, type SeriesContext } from "../context.ts";
import { fetchChecked } from "../fetch.ts";
import type { HistoryLogger, HistoryStore } from "../service.ts";
import type { Adjust, DailyBar, UpstreamBars } from "../types.ts";

/**
 * A daily bar quoted flat at `price` (open = high = low = close, no change): any run of them passes
 * the quality gate, adjusted or not.
 */
export function flatBar(date: IsoDate, price = 10): DailyBar {
  return {
    date,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 100,
    amount: 1000,
    amplitude: 0,
    pct_change: 0,
    change: 0,
    turnover_rate: 0.1,
  };
}

/**
 * Upstream in memory: each call answers with the bars it holds for the series inside
 * [start, end] (as Eastmoney's `beg`/`end` filters do), ascending, and the instrument's name.
 * Calls are recorded (without their signal); failures can be queued for coming calls.
 */
export class MemoryUpstream implements DailyBarSource {
  /** Every call, in order. */
  readonly calls: Omit<DailyBarsRequest, "signal">[] = [];
  /** The name each answer reports (null: upstream sends none). */
  name: string | null;
  readonly #series = new Map<string, DailyBar[]>();
  /** What each coming call does: fail with the error, or answer (null). */
  readonly #script: (Error | null)[] = [];

  constructor(name: string | null = "贵州茅台") {
    this.name = name;
  }

  /** Set upstream's whole series of (symbol, adjust), replacing what it had (as a rebase after a dividend does). */
  setSeries(symbol: Instrument, adjust: Adjust, bars: readonly DailyBar[]): void {
    this.#series.set(
      `${symbol.secid}|${adjust}`,
      [...bars].sort((a, b) => (a.date < b.date ? -1 : 1)),
    );
  }

  /** Make a coming call fail with `error`: the next one, or the one after `after` more answers (queued in order). */
  failNext(error: Error, options: { after?: number } = {}): void {
    for (let i = 0; i < (options.after ?? 0); i++) this.#script.push(null);
    this.#script.push(error);
  }

  async fetchDailyBars(request: DailyBarsRequest): Promise<UpstreamBars> {
    const { symbol, adjust, start, end } = request;
    this.calls.push({ symbol, adjust, start, end });
    const failure = this.#script.shift();
    if (failure) throw failure;
    const bars = (this.#series.get(`${symbol.secid}|${adjust}`) ?? []).filter(
      (bar) => bar.date >= start && bar.date <= end,
    );
    return { name: this.name, bars: bars.map((bar) => ({ ...bar })) };
  }

  /** The spans asked for, as `start..end` strings, in order. */
  asked(): string[] {
    return this.calls.map((call) => `${call.start}..${call.end}`);
  }
}

/** A logger that keeps what it is told. */
export function memoryLogger(): HistoryLogger & { warnings: { message: string; details: Record<string, unknown> }[] } {
  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  return { warnings, warn: (message, details) => warnings.push({ message, details }) };
}

/**
 * The context the history steps run in, as `HistoryService.getDailyBars` builds it: the series at
 * `clock`'s now on `calendar` (bars final 30 minutes after the close unless `finalizeAfterCloseMinutes`),
 * fetching from `upstream` through the quality gate (no lock, no counters).
 */
export function seriesContext(options: {
  store: HistoryStore;
  upstream: DailyBarSource;
  symbol: Instrument;
  adjust: Adjust;
  calendar: ExchangeCalendar;
  clock: Clock;
  logger?: HistoryLogger;
  finalizeAfterCloseMinutes?: number;
}): SeriesContext {
  const { store, upstream, symbol, adjust, calendar } = options;
  const logger = options.logger ?? memoryLogger();
  const moment = momentOf(calendar, options.clock.now(), (options.finalizeAfterCloseMinutes ?? 30) * 60_000);
  return {
    store,
    symbol,
    adjust,
    moment,
    logger,
    fetch: (span) => fetchChecked(upstream, { symbol, adjust, start: span.start, end: span.end }, { calendar, logger }),
  };
}
