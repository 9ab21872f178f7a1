/**
 * Crypto history, markets and tickers from the cache (issue 17): bars of a spot pair on the UTC
 * grid of its timeframe, fetching from the exchange only the bars not held yet, with the guarantees
 * of stock history (`../history/service.ts`): a repeat makes no call, concurrent requests for the
 * same series make one, a failed fetch stores nothing, an empty answer is remembered only once a
 * later request confirms it, and a bar is stored only once final (its period ended plus a grace
 * minute); before that it is served `provisional: true`.
 */
import type { Clock } from "../clock.ts";
import { addCalendarDays, type IsoDate, localTime } from "../dates.ts";
import { InputError, UpstreamError } from "../errors.ts";
import type { HistoryLogger, SeriesLock } from "../history/service.ts";
import { KeyedLock } from "../history/keyed-lock.ts";
import { CRYPTO_CALENDAR } from "../calendar/continuous.ts";
import { CRYPTO_MARKET } from "../markets/registry.ts";
import { parseDateParam } from "../params.ts";
import { remainingMs, withLazyDeadline } from "../upstream/deadline.ts";
import { PAGE_LIMIT } from "./ccxt-source.ts";
import { currentOpen, daysSpan, emptyRuns, intersect, isoTime, lastFinalOpen, pages, uncovered } from "./grid.ts";
import { closestPairs, parsePair } from "./pairs.ts";
import {
  TIMEFRAME_MS,
  TIMEFRAMES,
  type CryptoBar,
  type CryptoBarStore,
  type CryptoCoverageSpan,
  type CryptoExchangeId,
  type CryptoMarketInfo,
  type CryptoPair,
  type CryptoSource,
  type CryptoTicker,
  type CryptoTotals,
  type HeldCryptoSeries,
  type TimeSpan,
  type Timeframe,
} from "./types.ts";

/** A crypto history request as received (query strings, SDK calls). */
export interface CryptoHistoryInput {
  exchange: string;
  /** `BASE-QUOTE` (`BTC-USDT`). */
  pair: string;
  /** UTC day, `YYYYMMDD` or `YYYY-MM-DD`; default one year (`1d`) or one week (`1h`) before `end_date`. */
  start_date?: string | undefined;
  /** UTC day, `YYYYMMDD` or `YYYY-MM-DD`; default today (UTC). */
  end_date?: string | undefined;
  /** `1d` (default) or `1h`. */
  timeframe?: string | undefined;
}

/** A validated crypto history request. */
export interface CryptoHistoryQuery {
  pair: CryptoPair;
  timeframe: Timeframe;
  /** First UTC day. */
  start: IsoDate;
  /** Last UTC day (inclusive). */
  end: IsoDate;
}

/** A bar as served: `provisional` while its period has not ended (plus the grace minute); never stored then. */
export interface ServedCryptoBar extends CryptoBar {
  provisional: boolean;
}

/** Cache accounting of one crypto request (the same fields as stock history's `metadata.cache`). */
export interface CryptoCacheReport {
  /** True when no upstream call was made. */
  hit: boolean;
  rows_from_cache: number;
  rows_from_upstream: number;
  /** OHLCV requests made for this answer (each page of a paged fetch counts). */
  upstream_requests: number;
  /** Bars the range holds on the timeframe's grid, up to now. */
  trading_periods: number;
  /** Always null for crypto (there is no adjustment to rebase). */
  series_replaced: null;
  /** Spans served empty because the exchange answered them empty once, not confirmed yet (ISO 8601 UTC open times). */
  unconfirmed_empty: { start: string; end: string }[];
}

/** The answer to a crypto history request. */
export interface CryptoHistoryResult {
  pair: CryptoPair;
  timeframe: Timeframe;
  start: IsoDate;
  end: IsoDate;
  bars: ServedCryptoBar[];
  cache: CryptoCacheReport;
}

/** A spot pair as `/crypto/markets` lists it. */
export interface CryptoMarketEntry extends CryptoMarketInfo {
  /** 24 h traded value in the quote currency, from the exchange's tickers when the list was loaded; null if unknown. */
  quoteVolume24h: number | null;
}

/** Counters since the service started (this process). */
export interface CryptoStats {
  requests: number;
  hits: number;
  upstream_calls: number;
}

/** Options of {@link CryptoService}. */
export interface CryptoServiceOptions {
  store: CryptoBarStore;
  source: CryptoSource;
  clock: Clock;
  /** Cross-process lock per series (PostgreSQL replicas); default: in-process only. */
  seriesLock?: SeriesLock | undefined;
  logger?: HistoryLogger | undefined;
  /** Minutes after a bar's period ends before it is final. @default the market's (1) */
  graceMinutes?: number;
  /** How long a provisional bar fetched from upstream is reused, ms. @default 60_000 */
  provisionalTtlMs?: number;
  /** How long an exchange's ticker snapshot is shared by requests, ms. @default 5_000 */
  tickerTtlMs?: number;
  /** How long an exchange's market list (with 24 h volumes) is reused, ms. @default 86_400_000 */
  marketsTtlMs?: number;
  /** Longest time one request may spend on upstream work, ms (503 after). */
  requestTimeoutMs?: number | undefined;
}

interface TickerSnapshot {
  at: number;
  tickers: Map<string, CryptoTicker>;
}

/** Serves crypto bars, markets and tickers, filling the cache from a {@link CryptoSource}. */
export class CryptoService {
  readonly #store: CryptoBarStore;
  readonly #source: CryptoSource;
  readonly #clock: Clock;
  readonly #seriesLock: SeriesLock | undefined;
  readonly #lock = new KeyedLock();
  readonly #graceMs: number;
  readonly #provisionalTtlMs: number;
  readonly #tickerTtlMs: number;
  readonly #marketsTtlMs: number;
  readonly #requestTimeoutMs: number | undefined;
  readonly #provisional = new Map<string, { at: number; bars: CryptoBar[] }>();
  readonly #tickers = new Map<CryptoExchangeId, TickerSnapshot>();
  readonly #tickerFlights = new Map<CryptoExchangeId, Promise<TickerSnapshot>>();
  readonly #markets = new Map<CryptoExchangeId, { at: number; list: Promise<CryptoMarketEntry[]> }>();
  readonly #counters = { requests: 0, hits: 0, upstreamCalls: 0 };

  constructor(options: CryptoServiceOptions) {
    this.#store = options.store;
    this.#source = options.source;
    this.#clock = options.clock;
    this.#seriesLock = options.seriesLock;
    this.#graceMs = (options.graceMinutes ?? CRYPTO_MARKET.calendar.finalAfterPeriodMinutes) * 60_000;
    this.#provisionalTtlMs = options.provisionalTtlMs ?? 60_000;
    this.#tickerTtlMs = options.tickerTtlMs ?? 5_000;
    this.#marketsTtlMs = options.marketsTtlMs ?? 86_400_000;
    this.#requestTimeoutMs = options.requestTimeoutMs;
  }

  /** Exchanges this system serves. */
  get exchanges(): readonly CryptoExchangeId[] {
    return this.#source.exchanges;
  }

  /**
   * Validate a history request: a served exchange, a `BASE-QUOTE` pair, UTC days, a timeframe.
   * Whether the exchange lists the pair is checked when bars must be fetched ({@link getBars}).
   * @throws {InputError} `INVALID_SYMBOL` (exchange or pair form), `INVALID_DATE`, `INVALID_RANGE`,
   *   `INVALID_PERIOD` (timeframe not `1d` or `1h`).
   */
  parseQuery(input: CryptoHistoryInput): CryptoHistoryQuery {
    const pair = parsePair(input.exchange, input.pair, this.exchanges);
    const timeframe = parseTimeframe(input.timeframe);
    const today = localTime(this.#clock.now(), "UTC").date;
    const end = input.end_date ? parseDateParam("end_date", input.end_date) : today;
    const start = input.start_date
      ? parseDateParam("start_date", input.start_date)
      : addCalendarDays(end, timeframe === "1d" ? -365 : -6);
    if (start > end) {
      throw new InputError("INVALID_RANGE", `start_date ${start} is after end_date ${end}`, {
        start_date: start,
        end_date: end,
      });
    }
    return { pair, timeframe, start, end };
  }

  /**
   * Bars of a pair for whole UTC days `start`..`end`: held final bars from the store, missing final
   * bars fetched (paged, each page one upstream request) and stored, and the bar in progress (if the
   * range reaches it) fetched and served `provisional: true`, never stored. Nothing after now.
   * @throws {InputError} `INVALID_SYMBOL` when bars must be fetched and the exchange does not list the pair
   *   (naming the closest listed pairs)
   * @throws {UpstreamError} when a needed request fails or its bars fail the quality gate; nothing
   *   of that fetch is stored (fetches completed before it stay stored).
   */
  async getBars(query: CryptoHistoryQuery, options: { signal?: AbortSignal } = {}): Promise<CryptoHistoryResult> {
    const { pair, timeframe } = query;
    const now = this.#clock.now().getTime();
    const step = TIMEFRAME_MS[timeframe];
    // Days before the continuous calendar's first session (2009-01-03) are no sessions: never asked for.
    const firstDay = CRYPTO_CALENDAR.firstSession;
    const range = daysSpan(query.start < firstDay ? firstDay : query.start, query.end, timeframe);
    const finalEnd = Math.min(range.end, lastFinalOpen(now, timeframe, this.#graceMs));
    const stored: TimeSpan = { start: range.start, end: finalEnd };
    const bounded = withLazyDeadline(options, this.#requestTimeoutMs);
    const progress = { requests: 0, fetchedRows: 0, unconfirmed: [] as TimeSpan[] };

    let look = stored.end >= stored.start ? await this.#store.read(pair, timeframe, stored.start, stored.end) : null;
    const missing = look ? uncovered(stored, look.held, timeframe) : [];
    if (look && missing.length > 0) {
      const seenPending = new Set(look.pendingEmpty.map(spanKey));
      const work = async () => {
        const again = await this.#store.read(pair, timeframe, stored.start, stored.end);
        // Pending spans a concurrent request observed meanwhile are served empty, not asked again:
        // only a LATER request's empty answer confirms one.
        const fresh = again.pendingEmpty.filter((p) => !seenPending.has(spanKey(p)));
        progress.unconfirmed.push(...fresh);
        const todo = uncovered(stored, [...again.held, ...fresh], timeframe);
        if (todo.length > 0) await this.#ensureListed(pair, bounded.signal);
        for (const run of todo)
          await this.#fetchRun(pair, timeframe, run, again.pendingEmpty, progress, bounded.signal);
        return this.#store.read(pair, timeframe, stored.start, stored.end);
      };
      look = await this.#locked(seriesKey(pair, timeframe), bounded.signal, work);
    }

    const bars: ServedCryptoBar[] = (look?.bars ?? []).map((bar) => ({ ...bar, provisional: false }));
    // The bar in progress (and, within the grace minute, the one that just ended) when the range reaches it.
    const liveEnd = Math.min(range.end, currentOpen(now, timeframe));
    const liveStart = Math.max(range.start, finalEnd + step);
    if (liveEnd >= liveStart) {
      const live = await this.#provisionalBars(
        pair,
        timeframe,
        { start: liveStart, end: liveEnd },
        progress,
        bounded.signal,
      );
      for (const bar of live) bars.push({ ...bar, provisional: true });
    }

    const fromUpstream = Math.min(progress.fetchedRows, bars.length);
    this.#counters.requests++;
    if (progress.requests === 0) this.#counters.hits++;
    const unconfirmed = [...(look?.pendingEmpty ?? []), ...progress.unconfirmed]
      .map((span) => intersect(span, stored))
      .filter((span): span is TimeSpan => span !== null);
    return {
      pair,
      timeframe,
      start: query.start,
      end: query.end,
      bars,
      cache: {
        hit: progress.requests === 0,
        rows_from_cache: bars.length - fromUpstream,
        rows_from_upstream: fromUpstream,
        upstream_requests: progress.requests,
        trading_periods: Math.max(0, (Math.min(range.end, currentOpen(now, timeframe)) - range.start) / step + 1),
        series_replaced: null,
        unconfirmed_empty: dedupe(unconfirmed).map((s) => ({ start: isoTime(s.start), end: isoTime(s.end) })),
      },
    };
  }

  /**
   * A key under which the serialised answer to `query` may be reused, or null when it must not be:
   * when the range reaches a bar that is not final yet. The key holds the stored data's version,
   * so any write to the pair changes it. Reuse an answer only if it made no upstream call and
   * served nothing unconfirmed.
   */
  async responseCacheKey(query: CryptoHistoryQuery): Promise<string | null> {
    const range = daysSpan(query.start, query.end, query.timeframe);
    const now = this.#clock.now().getTime();
    if (range.end > lastFinalOpen(now, query.timeframe, this.#graceMs)) return null;
    const version = await this.#store.dataVersion(query.pair);
    const { pair, timeframe, start, end } = query;
    return `crypto|${pair.exchange}|${pair.symbol}|${timeframe}|${start}|${end}|v${version}`;
  }

  /** Count a request answered from a reused serialised answer (see {@link responseCacheKey}): a hit. */
  recordReusedAnswer(): void {
    this.#counters.requests++;
    this.#counters.hits++;
  }

  /** Every held series (pair × timeframe) with the last time it is held through (the daily ingest walks them). */
  heldSeries(): Promise<HeldCryptoSeries[]> {
    return this.#store.heldSeries();
  }

  /**
   * Held spans of a pair, per timeframe, ascending.
   * @throws {InputError} `NOT_FOUND` (404) when nothing is held for it.
   */
  async coverage(pair: CryptoPair): Promise<CryptoCoverageSpan[]> {
    const spans = await this.#store.coverage(pair);
    if (spans === null) {
      throw new InputError("NOT_FOUND", `Nothing is cached for ${pair.exchange}:${pair.symbol}`, {
        exchange: pair.exchange,
        pair: pair.symbol,
      });
    }
    return spans;
  }

  /** Pairs, bars and spans stored (cache statistics). */
  totals(): Promise<CryptoTotals> {
    return this.#store.totals();
  }

  /** Requests, hits and upstream calls since this service started. */
  stats(): CryptoStats {
    const { requests, hits, upstreamCalls } = this.#counters;
    return { requests, hits, upstream_calls: upstreamCalls };
  }

  /**
   * The exchange's spot pairs, optionally only those quoted in `quote`, ranked by 24 h quote
   * volume (highest first; pairs without a volume last, by symbol). Loaded once a day per exchange
   * (markets and one all-tickers request), shared by every caller.
   * @throws {UpstreamError} when the exchange cannot be reached and no list is held.
   */
  async markets(
    exchange: CryptoExchangeId,
    quote?: string,
    signal?: AbortSignal,
  ): Promise<{ asOf: string; markets: CryptoMarketEntry[] }> {
    const now = this.#clock.now().getTime();
    let held = this.#markets.get(exchange);
    if (!held || now - held.at >= this.#marketsTtlMs) {
      const list = this.#loadMarkets(exchange, signal);
      held = { at: now, list };
      this.#markets.set(exchange, held);
      list.catch(() => {
        if (this.#markets.get(exchange)?.list === list) this.#markets.delete(exchange);
      });
    }
    const all = await held.list;
    const wanted = quote ? quote.trim().toUpperCase() : null;
    return {
      asOf: new Date(held.at).toISOString(),
      markets: wanted ? all.filter((m) => m.quote === wanted) : all,
    };
  }

  /**
   * 24 h tickers of pairs on one exchange: one shared snapshot of the exchange's tickers per
   * `tickerTtlMs`, so concurrent and repeated requests make one upstream request. With `refresh`
   * (the live-quote poller, which sets its own pace) the held snapshot is not reused; a request
   * already in flight still is.
   * @throws {InputError} `INVALID_SYMBOL` for a pair the exchange does not list (with the closest ones)
   * @throws {UpstreamError} when the exchange cannot be reached, or sent no ticker for a pair.
   */
  tickers(
    exchange: CryptoExchangeId,
    pairs: readonly CryptoPair[],
    signal?: AbortSignal,
    options?: { refresh?: boolean; missing?: "throw" },
  ): Promise<{ tickers: CryptoTicker[]; upstreamRequests: number; fetchedAt: Date }>;
  /**
   * As above, but with `missing: "null"` (the live-quote poller, whose subscribers each follow their own
   * pairs) a pair the exchange does not list or sent no ticker for is `null` instead of failing them all.
   * @throws {UpstreamError} when the exchange cannot be reached.
   */
  tickers(
    exchange: CryptoExchangeId,
    pairs: readonly CryptoPair[],
    signal: AbortSignal | undefined,
    options: { refresh?: boolean; missing: "null" },
  ): Promise<{ tickers: Array<CryptoTicker | null>; upstreamRequests: number; fetchedAt: Date }>;
  async tickers(
    exchange: CryptoExchangeId,
    pairs: readonly CryptoPair[],
    signal?: AbortSignal,
    options: { refresh?: boolean; missing?: "throw" | "null" } = {},
  ): Promise<{ tickers: Array<CryptoTicker | null>; upstreamRequests: number; fetchedAt: Date }> {
    const lenient = options.missing === "null";
    const listed: CryptoPair[] = [];
    for (const pair of pairs) {
      try {
        await this.#ensureListed(pair, signal);
        listed.push(pair);
      } catch (error) {
        if (!(lenient && error instanceof InputError)) throw error;
      }
    }
    let upstreamRequests = 0;
    const now = this.#clock.now().getTime();
    let snapshot = this.#tickers.get(exchange);
    const fresh = (s: TickerSnapshot | undefined) =>
      options.refresh !== true &&
      s !== undefined &&
      now - s.at < this.#tickerTtlMs &&
      listed.every((p) => s.tickers.has(p.symbol));
    if (!fresh(snapshot)) {
      let flight = this.#tickerFlights.get(exchange);
      if (!flight) {
        upstreamRequests = 1;
        flight = this.#source
          .tickers(exchange, signal)
          .then((list) => {
            const made = { at: this.#clock.now().getTime(), tickers: new Map(list.map((t) => [t.symbol, t])) };
            this.#tickers.set(exchange, made);
            return made;
          })
          .finally(() => this.#tickerFlights.delete(exchange));
        this.#tickerFlights.set(exchange, flight);
      }
      snapshot = await flight;
    }
    const held = snapshot as TickerSnapshot;
    const tickers = pairs.map((pair) => {
      const ticker = held.tickers.get(pair.symbol);
      if (!ticker && lenient) return null;
      if (!ticker) {
        throw new UpstreamError("UPSTREAM_INVALID", `Upstream ${exchange} sent no ticker for ${pair.symbol}`, {
          exchange,
          symbol: pair.symbol,
          reason: "no_ticker",
        });
      }
      return ticker;
    });
    return { tickers, upstreamRequests, fetchedAt: new Date(held.at) };
  }

  async #loadMarkets(exchange: CryptoExchangeId, signal: AbortSignal | undefined): Promise<CryptoMarketEntry[]> {
    const markets = await this.#source.markets(exchange, signal);
    const tickers = await this.#source.tickers(exchange, signal);
    const volume = new Map(tickers.map((t) => [t.symbol, t.quoteVolume]));
    return markets
      .map((m) => ({ ...m, quoteVolume24h: volume.get(m.symbol) ?? null }))
      .sort(
        (a, b) =>
          (b.quoteVolume24h ?? -1) - (a.quoteVolume24h ?? -1) ||
          (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0),
      );
  }

  /**
   * Check the exchange lists the pair (its market list is loaded once and reused).
   * @throws {InputError} `INVALID_SYMBOL` naming the closest listed pairs.
   */
  async #ensureListed(pair: CryptoPair, signal: AbortSignal | undefined): Promise<void> {
    const markets = await this.#source.markets(pair.exchange, signal);
    if (markets.some((m) => m.symbol === pair.symbol)) return;
    const closest = closestPairs(pair, markets);
    throw new InputError(
      "INVALID_SYMBOL",
      `${pair.exchange} lists no spot pair ${pair.symbol}` +
        (closest.length > 0 ? `; closest: ${closest.join(", ")}` : ""),
      { exchange: pair.exchange, pair: pair.symbol, closest },
    );
  }

  /**
   * Fetch one missing run page by page and store it in one transaction: its bars, the spans now
   * held, and the runs the exchange answered empty (held when a pending observation confirms them,
   * else remembered as pending). A failed page stores nothing of the run.
   */
  async #fetchRun(
    pair: CryptoPair,
    timeframe: Timeframe,
    run: TimeSpan,
    pending: readonly TimeSpan[],
    progress: { requests: number; fetchedRows: number; unconfirmed: TimeSpan[] },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const bars: CryptoBar[] = [];
    for (const page of pages(run, timeframe, PAGE_LIMIT[pair.exchange])) {
      progress.requests++;
      this.#counters.upstreamCalls++;
      const limit = (page.end - page.start) / TIMEFRAME_MS[timeframe] + 1;
      const request = { pair, timeframe, since: page.start, until: page.end, limit, signal };
      // Requests that waited for the lock while this fetch failed get the same failure, without calling.
      bars.push(
        ...(await this.#lock.share(seriesKey(pair, timeframe), () => this.#source.fetchBarsPage(request), shareable)),
      );
    }
    const empty = emptyRuns(
      run,
      bars.map((b) => b.time),
      timeframe,
    );
    const confirmed: TimeSpan[] = [];
    const firstSeen: TimeSpan[] = [];
    for (const gap of empty) {
      const seenBefore = pending.map((p) => intersect(p, gap)).filter((s): s is TimeSpan => s !== null);
      confirmed.push(...seenBefore);
      firstSeen.push(...uncovered(gap, seenBefore, timeframe));
    }
    const held = uncovered(run, firstSeen, timeframe);
    await this.#store.saveFetched({
      pair,
      timeframe,
      asked: run,
      held,
      bars,
      pendingEmpty: firstSeen,
      fetchedAt: this.#clock.now(),
    });
    progress.fetchedRows += bars.length;
    progress.unconfirmed.push(...firstSeen);
  }

  /** Bars not final yet, from a short-lived copy or one upstream request. */
  async #provisionalBars(
    pair: CryptoPair,
    timeframe: Timeframe,
    span: TimeSpan,
    progress: { requests: number },
    signal: AbortSignal | undefined,
  ): Promise<CryptoBar[]> {
    const key = `${seriesKey(pair, timeframe)}|${span.start}|${span.end}`;
    const now = this.#clock.now().getTime();
    const held = this.#provisional.get(key);
    if (held && now - held.at < this.#provisionalTtlMs) return held.bars;
    await this.#ensureListed(pair, signal);
    progress.requests++;
    this.#counters.upstreamCalls++;
    const limit = (span.end - span.start) / TIMEFRAME_MS[timeframe] + 1;
    const bars = await this.#source.fetchBarsPage({
      pair,
      timeframe,
      since: span.start,
      until: span.end,
      limit,
      signal,
    });
    if (this.#provisional.size > 1000) this.#provisional.clear();
    this.#provisional.set(key, { at: now, bars });
    return bars;
  }

  #locked<T>(key: string, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    const seriesLock = this.#seriesLock;
    const inner = seriesLock ? () => seriesLock.run(key, task, { signal, timeoutMs: remainingMs(signal) }) : task;
    return this.#lock.run(key, inner, { signal });
  }
}

/**
 * Validate a timeframe: `1d` (default) or `1h`, case-insensitive.
 * @throws {InputError} `INVALID_PERIOD` naming the accepted values.
 */
export function parseTimeframe(value: string | undefined): Timeframe {
  const timeframe = (value ?? "1d").trim().toLowerCase();
  if (!(TIMEFRAMES as readonly string[]).includes(timeframe)) {
    throw new InputError("INVALID_PERIOD", `Invalid timeframe '${value}': expected ${TIMEFRAMES.join(" or ")}`, {
      timeframe: value,
      accepted: TIMEFRAMES,
    });
  }
  return timeframe as Timeframe;
}

/** The lock key of a series: the instrument key and timeframe. */
function seriesKey(pair: CryptoPair, timeframe: Timeframe): string {
  return `crypto:${pair.exchange}:${pair.symbol}|${timeframe}`;
}

/** Failures shared with waiting requests: upstream's, not a caller that went away. */
function shareable(error: unknown): boolean {
  return error instanceof UpstreamError && error.details?.reason !== "aborted";
}

function spanKey(span: TimeSpan): string {
  return `${span.start}-${span.end}`;
}

function dedupe(spans: TimeSpan[]): TimeSpan[] {
  const seen = new Map<string, TimeSpan>();
  for (const span of spans) seen.set(spanKey(span), span);
  return [...seen.values()].sort((a, b) => a.start - b.start);
}
