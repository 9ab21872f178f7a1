/**
 * Indicators served from the cache (issue 18): the bars of a stock, an index or a crypto pair come
 * through the history (or crypto) service like any request, from enough sessions before
 * `start_date` for the recursive indicators to settle (see {@link warmupSessions}), and the
 * indicators are computed over them with the Tongdaxin formulas (`./formulas.ts`).
 */
import { type Calendars, firstOfSessionsBefore } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { looksLikeCryptoSymbol, parseCryptoSymbol } from "../crypto/pairs.ts";
import type { CryptoHistoryQuery, CryptoService } from "../crypto/service.ts";
import { isoTime, utcDate } from "../crypto/grid.ts";
import { addCalendarDays, type IsoDate } from "../dates.ts";
import { parseHistoryQuery, type HistoryQuery } from "../history/request.ts";
import type { CacheReport, HistoryService } from "../history/service.ts";
import type { Adjust } from "../history/types.ts";
import {
  computeIndicators,
  indicatorColumns,
  parseIndicators,
  warmupSessions,
  type IndicatorBar,
  type IndicatorSpec,
} from "./spec.ts";

/** An indicator request as received. */
export interface IndicatorQueryInput {
  /** A stock or index symbol in any form history accepts, or a crypto pair `exchange:BASE-QUOTE`. */
  symbol: string;
  /** `stock` (default) or `index` for a bare code. */
  kind?: "stock" | "index" | undefined;
  /** Comma list of `name:param:…` (see `parseIndicators`). */
  indicators?: string | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  /** Stocks: `qfq` (default here), `""` or `hfq`; indices and crypto: `""` only. */
  adjust?: string | undefined;
  /** Stocks and indices: daily (default), weekly, monthly. */
  period?: string | undefined;
  /** Crypto: `1d` (default) or `1h`. */
  timeframe?: string | undefined;
}

/** A validated indicator request. */
export type IndicatorQuery =
  | { kind: "history"; history: HistoryQuery; specs: IndicatorSpec[] }
  | { kind: "crypto"; crypto: CryptoHistoryQuery; specs: IndicatorSpec[] };

/** One row of an indicator answer: the bar and one value per indicator column (null where not computable). */
export type IndicatorRow = Record<string, string | number | boolean | null>;

/** The answer to an indicator request. */
export interface IndicatorResult {
  /** The symbol as served: a stock or index code, or `BASE/QUOTE`. */
  symbol: string;
  /** Listing exchange or index compiler (SH, SZ, BJ, CSI, HK), or `CRYPTO`. */
  market: string;
  /** The crypto exchange, for crypto pairs. */
  exchange?: string;
  adjust: Adjust;
  /** `daily`/`weekly`/`monthly`, or the crypto timeframe. */
  period: string;
  start: IsoDate;
  end: IsoDate;
  /** The indicator columns, in request order. */
  columns: string[];
  rows: IndicatorRow[];
  /** Bars used before `start` to settle the recursive indicators. */
  warmupSessions: number;
  cache: CacheReport | import("../crypto/service.ts").CryptoCacheReport;
}

/** Computes indicators over cached bars. */
export class IndicatorService {
  readonly #history: HistoryService;
  readonly #crypto: CryptoService;
  readonly #calendars: Calendars;
  readonly #clock: Clock;

  constructor(options: { history: HistoryService; crypto: CryptoService; calendars: Calendars; clock: Clock }) {
    this.#history = options.history;
    this.#crypto = options.crypto;
    this.#calendars = options.calendars;
    this.#clock = options.clock;
  }

  /**
   * Validate a request.
   * @throws {InputError} for the symbol, dates, adjustment, period or timeframe (as history does), and
   *   `VALIDATION_ERROR` for the indicator list (see `parseIndicators`).
   */
  parse(input: IndicatorQueryInput): IndicatorQuery {
    const specs = parseIndicators(input.indicators ?? "");
    if (looksLikeCryptoSymbol(input.symbol)) {
      const pair = parseCryptoSymbol(input.symbol, this.#crypto.exchanges);
      const crypto = this.#crypto.parseQuery({
        exchange: pair.exchange,
        pair: `${pair.base}-${pair.quote}`,
        start_date: input.start_date,
        end_date: input.end_date,
        timeframe: input.timeframe,
      });
      return { kind: "crypto", crypto, specs };
    }
    const kind = input.kind ?? "stock";
    const adjust = input.adjust ?? (kind === "index" ? "" : "qfq");
    const history = parseHistoryQuery(
      {
        symbol: input.symbol,
        kind,
        adjust,
        start_date: input.start_date,
        end_date: input.end_date,
        period: input.period,
      },
      this.#clock,
    );
    return { kind: "history", history, specs };
  }

  /**
   * The indicators for the query: bars from the warm-up start through `end` come through the cache
   * (fetched once, then held), the indicators are computed over all of them, and the rows from
   * `start` on are answered.
   * @throws {UpstreamError} when a needed upstream call fails (as history does)
   */
  async compute(query: IndicatorQuery, options: { signal?: AbortSignal } = {}): Promise<IndicatorResult> {
    const warmup = warmupSessions(query.specs);
    if (query.kind === "crypto") {
      const { crypto } = query;
      const step = crypto.timeframe === "1h" ? 24 : 1;
      const warmStart = addCalendarDays(crypto.start, -Math.ceil(warmup / step) - 1);
      const result = await this.#crypto.getBars({ ...crypto, start: warmStart }, options);
      const startMs = Date.parse(`${crypto.start}T00:00:00Z`);
      const answered = answer(
        result.bars,
        (bar) => bar.time >= startMs,
        query.specs,
        warmup,
        (bar) => ({
          date: utcDate(bar.time),
          time: isoTime(bar.time),
        }),
      );
      return {
        symbol: crypto.pair.symbol,
        market: "CRYPTO",
        exchange: crypto.pair.exchange,
        adjust: "",
        period: crypto.timeframe,
        start: crypto.start,
        end: crypto.end,
        ...answered,
        cache: result.cache,
      };
    }
    const { history } = query;
    const result = await this.#history.getBars({ ...history, start: this.#warmStart(history, warmup) }, options);
    const answered = answer(
      result.bars,
      (bar) => bar.date >= history.start,
      query.specs,
      warmup,
      (bar) => ({
        date: bar.date,
      }),
    );
    return {
      symbol: history.symbol.code,
      market: history.symbol.market,
      adjust: history.adjust,
      period: history.period ?? "daily",
      start: history.start,
      end: history.end,
      ...answered,
      cache: result.cache,
    };
  }

  /**
   * A key under which the serialised answer may be reused, or null: the history's (or crypto's) key
   * of the warm-up-extended range plus the indicator list.
   */
  async responseCacheKey(query: IndicatorQuery): Promise<string | null> {
    const specs = JSON.stringify(query.specs);
    const warmup = warmupSessions(query.specs);
    if (query.kind === "crypto") {
      const { crypto } = query;
      const step = crypto.timeframe === "1h" ? 24 : 1;
      const key = await this.#crypto.responseCacheKey({
        ...crypto,
        start: addCalendarDays(crypto.start, -Math.ceil(warmup / step) - 1),
      });
      return key === null ? null : `ind|${specs}|${crypto.start}|${key}`;
    }
    const key = await this.#history.responseCacheKey({
      ...query.history,
      start: this.#warmStart(query.history, warmup),
    });
    return key === null ? null : `ind|${specs}|${query.history.start}|${key}`;
  }

  /** The first day of the range holding `warmup` bars of the query's period before its start. */
  #warmStart(history: HistoryQuery, warmup: number): IsoDate {
    const period = history.period ?? "daily";
    if (period === "weekly") return addCalendarDays(history.start, -7 * (warmup + 1));
    if (period === "monthly") return addCalendarDays(history.start, -31 * (warmup + 1));
    const calendar = this.#calendars.forMarket(history.symbol.market);
    return firstOfSessionsBefore(calendar, history.start, warmup, history.start);
  }
}

/**
 * The rows of an answer: the indicators computed over at most `warmup` bars before the first bar
 * `inAnswer` accepts and every bar from it on; each row is the bar's `stamp` (its date, and time for
 * crypto), prices, volume, `provisional` and one value per column.
 */
function answer<B extends IndicatorBar & { provisional: boolean }>(
  bars: readonly B[],
  inAnswer: (bar: B) => boolean,
  specs: readonly IndicatorSpec[],
  warmup: number,
  stamp: (bar: B) => IndicatorRow,
): { columns: string[]; rows: IndicatorRow[]; warmupSessions: number } {
  const columns = indicatorColumns(specs);
  let first = bars.findIndex(inAnswer);
  if (first < 0) first = bars.length;
  const from = Math.max(0, first - warmup);
  const used = bars.slice(from);
  const values = computeIndicators(used, specs, first - from);
  const rows = used.slice(first - from).map((bar, i) => {
    const { open, high, low, close, volume, provisional } = bar;
    // Built by assignment, not `{ ...stamp(bar), … }`: a spread literal made each row a slow object, which cost
    // ~4 ms per one-year answer in building and serialising (docs/performance.md, "Indicators").
    const row: IndicatorRow = stamp(bar);
    row.open = open;
    row.high = high;
    row.low = low;
    row.close = close;
    row.volume = volume;
    row.provisional = provisional;
    for (const column of columns) row[column] = values[column]![first - from + i] ?? null;
    return row;
  });
  return { columns, rows, warmupSessions: first - from };
}
