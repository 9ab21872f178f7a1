/**
 * The financial summary of an A-share: its newest periodic reports, cached until the next report is
 * due (see `schedule.ts`), fetched from upstream (three datacenter reports) only when needed.
 */
import type { Clock } from "../clock.ts";
import type { IsoDate } from "../dates.ts";
import { QuantDbError } from "../errors.ts";
import { KeyedLock } from "../history/keyed-lock.ts";
import { STOCK_MARKET_IDS, MARKETS, marketOfExchange } from "../markets/registry.ts";
import type { StockSymbol } from "../symbols/index.ts";

/** Listing exchanges whose stocks have financial reports (markets with a `financials` source). */
const COVERED_EXCHANGES = STOCK_MARKET_IDS.flatMap((id) =>
  MARKETS[id].sources.financials.length > 0 ? MARKETS[id].exchanges : [],
);
import { isFetchDue, nextReport, type NextReport } from "./schedule.ts";
import type { FinancialReport, FinancialSource, FinancialStore } from "./types.ts";

/** Reports served per summary: the newest eight (two years of quarters). */
export const SUMMARY_REPORTS = 8;

/** Cache accounting for one summary request, computed while serving it. */
export interface FinancialCacheReport {
  /** True when no upstream call was made. */
  hit: boolean;
  /** Upstream HTTP calls this request made (0, 1 when upstream had no reports, or 3). */
  upstream_requests: number;
  /** When the reports were last fetched from upstream (ISO 8601, UTC). */
  fetched_at: string;
  /**
   * Exchange-local date (Asia/Shanghai) the next report is due by; after it the next request
   * fetches again (at most once a day until the report appears).
   */
  next_due: IsoDate;
  /** The report expected next: its period end and type. */
  next_report: { report_date: IsoDate; report_type: NextReport["reportType"] };
}

/** The answer to a summary request. */
export interface FinancialSummary {
  symbol: StockSymbol;
  /** Short name as upstream reports it, or null. */
  name: string | null;
  /** The newest reports held (at most {@link SUMMARY_REPORTS}), newest first. */
  reports: FinancialReport[];
  cache: FinancialCacheReport;
}

/** Options for {@link FinancialService}. */
export interface FinancialServiceOptions {
  store: FinancialStore;
  upstream: FinancialSource;
  clock: Clock;
}

function notFound(symbol: StockSymbol): QuantDbError {
  const code = `${symbol.code}.${symbol.market}`;
  return new QuantDbError(
    "NOT_FOUND",
    `Upstream has no financial reports for ${code} (not a listed A-share company, or listed too recently to ` +
      "have reported)",
    {
      symbol: symbol.code,
      market: symbol.market,
    },
  );
}

/**
 * Serves financial summaries from the store, fetching from upstream when the cache policy says so:
 * - never fetched, or the next report's statutory deadline has passed (Asia/Shanghai) and the
 *   last fetch was not today → fetch (the fetch and its reports are stored in one transaction);
 * - otherwise → answer from the store without any upstream call.
 * The next due date is the deadline of the report after the newest one held. Concurrent requests
 * for the same symbol fetch once. A failed fetch stores nothing and fails the request.
 * Hong Kong stocks are not covered (no HK source in the datacenter reports used).
 */
export class FinancialService {
  readonly #store: FinancialStore;
  readonly #upstream: FinancialSource;
  readonly #clock: Clock;
  readonly #lock = new KeyedLock();

  constructor(options: FinancialServiceOptions) {
    this.#store = options.store;
    this.#upstream = options.upstream;
    this.#clock = options.clock;
  }

  /**
   * The newest reports of an A-share.
   * @param options.forceRefresh - fetch from upstream now even when the cache policy says the
   *   stored reports are current (the API's admin-only `force_refresh=true`); stored and served as
   *   any fetch. A failed forced fetch stores nothing and fails the request.
   * @throws {QuantDbError} `NOT_FOUND` for a Hong Kong stock (not covered) or a code upstream has
   *   no reports for; {@link UpstreamError} when a needed fetch fails (nothing is stored).
   */
  async getSummary(
    symbol: StockSymbol,
    options: { signal?: AbortSignal; forceRefresh?: boolean } = {},
  ): Promise<FinancialSummary> {
    const force = options.forceRefresh === true;
    if (!COVERED_EXCHANGES.includes(symbol.market)) {
      const place = marketOfExchange(symbol.market).exchangeInfo[symbol.market]?.place ?? symbol.market;
      throw new QuantDbError(
        "NOT_FOUND",
        "The financial summary covers A-shares only (Shanghai, Shenzhen, Beijing); " +
          `${symbol.code}.${symbol.market} is a ${place} stock`,
        { symbol: symbol.code, market: symbol.market, covered_markets: COVERED_EXCHANGES },
      );
    }
    let upstreamRequests = 0;
    const state = async () => {
      const instrument = await this.#store.findInstrument(symbol);
      const last = instrument ? await this.#store.lastFetch(instrument.id) : null;
      return { instrument, last };
    };
    let { instrument, last } = await state();
    if (force || isFetchDue(last, this.#clock.now())) {
      await this.#lock.run(symbol.secid, async () => {
        ({ instrument, last } = await state());
        const now = this.#clock.now();
        if (!force && !isFetchDue(last, now)) return;
        const fetched = await this.#upstream.fetchReports(symbol, options.signal ? { signal: options.signal } : {});
        upstreamRequests += fetched.calls;
        const held = instrument ? await this.#store.reports(instrument.id, 1) : [];
        const newest = [fetched.reports[0]?.report.report_date, held[0]?.report_date]
          .filter((d): d is string => d !== undefined)
          .sort()
          .at(-1);
        if (newest === undefined) throw notFound(symbol);
        const nextDue = nextReport(newest).dueBy;
        await this.#store.saveFetch({ symbol, name: fetched.name, reports: fetched.reports, fetchedAt: now, nextDue });
        ({ instrument, last } = await state());
      });
    }
    if (!instrument || !last) throw notFound(symbol);
    const reports = await this.#store.reports(instrument.id, SUMMARY_REPORTS);
    if (reports.length === 0) throw notFound(symbol);
    const next = nextReport(reports[0]!.report_date);
    return {
      symbol,
      name: instrument.name,
      reports,
      cache: {
        hit: upstreamRequests === 0,
        upstream_requests: upstreamRequests,
        fetched_at: last.fetchedAt.toISOString(),
        next_due: last.nextDue,
        next_report: { report_date: next.reportDate, report_type: next.reportType },
      },
    };
  }
}
