/**
 * The stock list (one daily snapshot per market), company information (cached for a day) and the
 * listing of instruments the database holds. None of these is ever on the history path: the
 * history service neither waits for nor calls any of them.
 */
import { calendarFor } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { localTime, type IsoDate } from "../dates.ts";
import { QuantDbError, UpstreamError } from "../errors.ts";
import { KeyedLock } from "../history/keyed-lock.ts";
import type { StockSymbol } from "../symbols/index.ts";
import type { StockListScan, StockListSource } from "./clist.ts";
import type { AssetQuery, StockListQuery } from "./params.ts";
import type { CompanyInfoSource } from "./stock-get.ts";
import type { CompanyInfo, ListMarket, StockListEntry } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Stock list
// ---------------------------------------------------------------------------------------------

/** A stored snapshot's identity. */
export interface StockListSnapshotInfo {
  market: ListMarket;
  /** Exchange-local date the snapshot was taken on. */
  date: IsoDate;
  /** When upstream was read. */
  fetchedAt: Date;
  /** Stocks in it. */
  count: number;
}

/** One page of a stored snapshot. */
export interface StockListRows {
  /** Rows matching the filter. */
  total: number;
  /** The requested slice of them, in ascending code order. */
  rows: StockListEntry[];
}

/** A whole snapshot to store. */
export interface StockListSnapshot {
  market: ListMarket;
  date: IsoDate;
  rows: readonly StockListEntry[];
  fetchedAt: Date;
}

/**
 * Storage the stock-list service needs (implemented by `@quantdb/db`). Snapshots are keyed by
 * (exchange-local date, market, code).
 */
export interface StockListStore {
  /** The newest stored snapshot of a market, or null if there is none. */
  latestSnapshot(market: ListMarket): Promise<StockListSnapshotInfo | null>;
  /** Rows of the snapshot (market, date) whose code or name contains `q` (case-insensitive), by code. */
  snapshotRows(
    market: ListMarket,
    date: IsoDate,
    page: { q?: string | undefined; limit?: number | undefined; offset: number },
  ): Promise<StockListRows>;
  /**
   * Store a complete snapshot in ONE transaction: upsert every row by (date, market, code) and drop
   * rows of that (date, market) the new snapshot does not have. Either all of it or none of it.
   */
  saveSnapshot(snapshot: StockListSnapshot): Promise<void>;
}

/** The answer to a stock-list request. */
export interface StockListResult {
  market: ListMarket;
  /** Exchange-local date of the snapshot served. */
  snapshotDate: IsoDate;
  /** True when upstream failed and an older snapshot is served instead of today's. */
  stale: boolean;
  /** When the served snapshot was read from upstream. */
  fetchedAt: Date;
  /** Why the snapshot is stale (the upstream failure), null when it is not. */
  upstreamError: { code: string; message: string } | null;
  /** Upstream page calls this request made. */
  upstreamRequests: number;
  /** Stocks in the snapshot matching `q`. */
  total: number;
  /** The requested page of them. */
  stocks: StockListEntry[];
}

/** Where the services report upstream failures they absorbed by serving stale data. */
export interface ListLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

/** Options for {@link StockListService}. */
export interface StockListServiceOptions {
  store: StockListStore;
  source: StockListSource;
  clock: Clock;
  /**
   * After a failed scan, serve the older snapshot for this long without asking upstream again (a
   * failing upstream is often a ban; hammering it prolongs the ban). Does not apply when no
   * snapshot is stored.
   * @default 60_000
   */
  retryAfterFailureMs?: number;
  /** @default console */
  logger?: ListLogger;
}

function upstreamSummary(error: QuantDbError): { code: string; message: string } {
  return { code: error.code, message: error.message };
}

/**
 * Serves a market's stock list from one snapshot per exchange-local day. The first request of a day
 * scans upstream (every page, one after another) and stores the snapshot whole; later requests that
 * day are answered from the database without an upstream call. If the scan fails, the newest older
 * snapshot is served flagged `stale`; with none stored the upstream error is raised. Concurrent
 * requests for the same market share one scan, and scans of different markets run one after another.
 */
export class StockListService {
  readonly #store: StockListStore;
  readonly #source: StockListSource;
  readonly #clock: Clock;
  readonly #retryAfterFailureMs: number;
  readonly #logger: ListLogger;
  readonly #lock = new KeyedLock();
  readonly #failures = new Map<ListMarket, { at: number; error: UpstreamError }>();

  constructor(options: StockListServiceOptions) {
    this.#store = options.store;
    this.#source = options.source;
    this.#clock = options.clock;
    this.#retryAfterFailureMs = options.retryAfterFailureMs ?? 60_000;
    this.#logger = options.logger ?? console;
  }

  /** Today's exchange-local date for a market (its snapshot date). */
  today(market: ListMarket): IsoDate {
    return localTime(this.#clock.now(), calendarFor(market).timeZone).date;
  }

  /**
   * The stock list of a market (filtered and paged per the query).
   * @param options.forceRefresh - scan upstream now even when today's snapshot is stored (and
   *   whatever the back-off after a failure), store the scan as today's snapshot and serve it. A
   *   forced scan that fails fails the request: nothing stored is served in its place.
   * @throws {UpstreamError} when today's snapshot is missing, the scan fails and no older snapshot
   *   is stored; or when a forced scan fails.
   */
  async getStockList(query: StockListQuery, options: { forceRefresh?: boolean } = {}): Promise<StockListResult> {
    const { market } = query;
    const force = options.forceRefresh === true;
    const today = this.today(market);
    let latest = await this.#store.latestSnapshot(market);
    if (!force && latest && latest.date >= today) return this.#serve(query, latest, null, 0);

    // One scan at a time for every market: upstream bans clients that page in parallel (spec §10.3).
    return this.#lock.run("clist", async () => {
      latest = await this.#store.latestSnapshot(market);
      if (!force && latest && latest.date >= today) return this.#serve(query, latest, null, 0);
      const failure = this.#failures.get(market);
      const now = this.#clock.now().getTime();
      if (!force && latest && failure && now - failure.at < this.#retryAfterFailureMs)
        return this.#serve(query, latest, failure.error, 0);
      let scanned: StockListScan;
      try {
        // Not tied to the caller's connection: a scan that completes serves the next caller too.
        scanned = await this.#source.fetchStockList(market);
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        this.#failures.set(market, { at: now, error });
        if (!latest || force) throw error;
        this.#logger.warn("stock list scan failed; serving the previous snapshot", {
          market,
          snapshot_date: latest.date,
          code: error.code,
          message: error.message,
        });
        return this.#serve(query, latest, error, 0);
      }
      this.#failures.delete(market);
      const fetchedAt = this.#clock.now();
      await this.#store.saveSnapshot({ market, date: today, rows: scanned.rows, fetchedAt });
      return this.#serve(query, { market, date: today, fetchedAt, count: scanned.rows.length }, null, scanned.pages);
    });
  }

  async #serve(
    query: StockListQuery,
    snapshot: StockListSnapshotInfo,
    error: UpstreamError | null,
    upstreamRequests: number,
  ): Promise<StockListResult> {
    const { total, rows } = await this.#store.snapshotRows(snapshot.market, snapshot.date, {
      q: query.q,
      limit: query.limit,
      offset: query.offset,
    });
    return {
      market: snapshot.market,
      snapshotDate: snapshot.date,
      stale: error !== null,
      fetchedAt: snapshot.fetchedAt,
      upstreamError: error ? upstreamSummary(error) : null,
      upstreamRequests,
      total,
      stocks: rows,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Company information
// ---------------------------------------------------------------------------------------------

/** Company information as stored (an instrument row and its profile). */
export interface StoredCompanyInfo {
  name: string | null;
  industry: string | null;
  listingDate: IsoDate | null;
  totalShares: number | null;
  floatShares: number | null;
  totalMarketCap: number | null;
  floatMarketCap: number | null;
  fetchedAt: Date;
}

/** Storage the company-information service needs (implemented by `@quantdb/db`). */
export interface CompanyInfoStore {
  /** The stored profile of a stock, or null if none was ever fetched. */
  findCompanyInfo(symbol: StockSymbol): Promise<StoredCompanyInfo | null>;
  /**
   * In ONE transaction: create the instrument or update its name (when upstream sent one), and
   * upsert its profile.
   */
  saveCompanyInfo(symbol: StockSymbol, info: CompanyInfo, fetchedAt: Date): Promise<void>;
}

/** The answer to a company-information request. */
export interface CompanyInfoResult extends StoredCompanyInfo {
  symbol: StockSymbol;
  /** True when the stored profile is older than the TTL and upstream failed, so it is served anyway. */
  stale: boolean;
  /** Upstream calls this request made (0 or 1). */
  upstreamRequests: number;
}

/** Options for {@link CompanyInfoService}. */
export interface CompanyInfoServiceOptions {
  store: CompanyInfoStore;
  source: CompanyInfoSource;
  clock: Clock;
  /** A stored profile younger than this is served without an upstream call. @default 86_400_000 (a day) */
  ttlMs?: number;
  /**
   * An instrument upstream did not know (`data:null`) is answered 404 without asking again for this long. @default
   * 3_600_000
   */
  notFoundTtlMs?: number;
  /** @default console */
  logger?: ListLogger;
}

/**
 * Company information per stock (Eastmoney `stock/get`), stored in `instrument_profiles` and
 * re-fetched once it is a day old. Unknown instruments are 404 `NOT_FOUND` (remembered in memory for
 * an hour); an upstream failure with an expired profile stored serves that profile flagged `stale`.
 */
export class CompanyInfoService {
  readonly #store: CompanyInfoStore;
  readonly #source: CompanyInfoSource;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #notFoundTtlMs: number;
  readonly #logger: ListLogger;
  readonly #lock = new KeyedLock();
  readonly #notFound = new Map<string, number>();

  constructor(options: CompanyInfoServiceOptions) {
    this.#store = options.store;
    this.#source = options.source;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? 86_400_000;
    this.#notFoundTtlMs = options.notFoundTtlMs ?? 3_600_000;
    this.#logger = options.logger ?? console;
  }

  /**
   * Company information of a stock.
   * @param options.forceRefresh - fetch from upstream now whatever the stored profile's age (and
   *   whether the symbol was recently unknown), store and serve the answer. A forced fetch that
   *   fails fails the request: the stored profile is not served in its place.
   * @throws {QuantDbError} `NOT_FOUND` when upstream does not know the symbol.
   * @throws {UpstreamError} when a fetch is due (or forced), fails, and nothing is stored (or it was forced).
   */
  async getCompanyInfo(
    symbol: StockSymbol,
    options: { signal?: AbortSignal; forceRefresh?: boolean } = {},
  ): Promise<CompanyInfoResult> {
    const force = options.forceRefresh === true;
    const fresh = (stored: StoredCompanyInfo | null) =>
      !force && stored !== null && this.#clock.now().getTime() - stored.fetchedAt.getTime() < this.#ttlMs;
    let stored = await this.#store.findCompanyInfo(symbol);
    if (stored && fresh(stored)) return { ...stored, symbol, stale: false, upstreamRequests: 0 };

    return this.#lock.run(symbol.secid, async () => {
      stored = await this.#store.findCompanyInfo(symbol);
      if (stored && fresh(stored)) return { ...stored, symbol, stale: false, upstreamRequests: 0 };
      const now = this.#clock.now();
      const missingSince = this.#notFound.get(symbol.secid);
      if (!force && missingSince !== undefined && now.getTime() - missingSince < this.#notFoundTtlMs)
        throw this.#notFoundError(symbol);
      let info: CompanyInfo | null;
      try {
        info = await this.#source.fetchCompanyInfo(symbol, options.signal ? { signal: options.signal } : {});
      } catch (error) {
        if (!(error instanceof UpstreamError) || !stored || force) throw error;
        this.#logger.warn("company info fetch failed; serving the stored profile", {
          secid: symbol.secid,
          code: error.code,
          message: error.message,
        });
        return { ...stored, symbol, stale: true, upstreamRequests: 1 };
      }
      if (!info) {
        this.#notFound.set(symbol.secid, now.getTime());
        throw this.#notFoundError(symbol);
      }
      this.#notFound.delete(symbol.secid);
      await this.#store.saveCompanyInfo(symbol, info, now);
      const saved = await this.#store.findCompanyInfo(symbol);
      if (!saved) throw new QuantDbError("INTERNAL_ERROR", "The company profile was stored but cannot be read back");
      return { ...saved, symbol, stale: false, upstreamRequests: 1 };
    });
  }

  #notFoundError(symbol: StockSymbol): QuantDbError {
    return new QuantDbError("NOT_FOUND", `Upstream has no instrument ${symbol.code} on ${symbol.market}`, {
      symbol: symbol.code,
      market: symbol.market,
      secid: symbol.secid,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Assets the database holds
// ---------------------------------------------------------------------------------------------

/** One instrument the database holds, with its profile where one was fetched. */
export interface AssetRecord {
  kind: "stock" | "index";
  market: string;
  code: string;
  name: string | null;
  currency: string;
  industry: string | null;
  listingDate: IsoDate | null;
  totalShares: number | null;
  floatShares: number | null;
  totalMarketCap: number | null;
  floatMarketCap: number | null;
  /** When the profile was fetched; null when the instrument has none. */
  profileFetchedAt: Date | null;
}

/** A page of held instruments. */
export interface AssetPage {
  /** Instruments matching the filters. */
  total: number;
  items: AssetRecord[];
}

/** Storage the asset listing needs (implemented by `@quantdb/db`). */
export interface AssetStore {
  /** Held instruments matching the query, ordered by market, code and kind. */
  listAssets(query: AssetQuery): Promise<AssetPage>;
}

/** Lists what the database holds; never calls upstream. */
export class AssetCatalog {
  readonly #store: AssetStore;
  constructor(store: AssetStore) {
    this.#store = store;
  }
  /** Instruments matching a validated query (see `parseAssetQuery`). */
  list(query: AssetQuery): Promise<AssetPage> {
    return this.#store.listAssets(query);
  }
}
