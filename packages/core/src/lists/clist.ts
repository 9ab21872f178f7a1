/**
 * Eastmoney's market list endpoint (`push2 …/api/qt/clist/get`), the source of AKShare's
 * `stock_zh_a_spot_em` / `stock_sh_a_spot_em` / … / `stock_hk_spot_em`. See `docs/upstream-spec.md`
 * §6.1–6.2 (paging, the `pz` cap of 100, `fs` filters, field ids and units, `diff` as array or
 * object) and §10 (rate limits: pages are fetched one after another, never in parallel).
 */
import { UpstreamError } from "../errors.ts";
import { endpointUrl, fetchUpstreamText } from "../http.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import { eastmoneyVolumeToShares } from "../eastmoney/ids.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { invalid, numberField, parseEnvelopeData, textField } from "../eastmoney/envelope.ts";
import type { ListMarket, StockListEntry } from "./types.ts";

/** The real host; `QUANTDB_EASTMONEY_LIST_URL` overrides it (e.g. with the replay upstream). */
export const DEFAULT_EASTMONEY_LIST_URL = "https://push2.eastmoney.com";
/** Path of the list endpoint. */
export const CLIST_PATH = "/api/qt/clist/get";
/** Rows per page: upstream caps `pz` at 100 server-side since Feb–Mar 2025 (docs/upstream-spec.md §6.1). */
export const CLIST_PAGE_SIZE = 100;

/**
 * The `fs` filter of each market (docs/upstream-spec.md §6.1–6.2; comma = OR, space = AND):
 * SH main board + STAR, SZ main board + ChiNext, the BSE, and every HK board.
 */
export const CLIST_FS: Readonly<Record<ListMarket, string>> = {
  SH: "m:1 t:2,m:1 t:23",
  SZ: "m:0 t:6,m:0 t:80",
  BJ: "m:0 t:81 s:2048",
  HK: "m:128 t:3,m:128 t:4,m:128 t:1,m:128 t:2",
};

/**
 * Eastmoney boards (板块) that list a CN index's current constituents, by index code: CSI 300 (沪深300)
 * `BK0500`, SSE 50 (上证50) `BK0611`, CSI 500 (中证500) `BK0701` (docs/upstream-spec.md §7.4). Eastmoney
 * updates them at each semi-annual review; no past membership is available (survivorship).
 */
export const INDEX_CONSTITUENT_BOARDS = { "000300": "BK0500", "000016": "BK0611", "000905": "BK0701" } as const;

/** A CN index whose constituents can be listed: `000300`, `000016` or `000905`. */
export type ConstituentIndex = keyof typeof INDEX_CONSTITUENT_BOARDS;

/** Is `code` an index whose constituents can be listed? */
export function isConstituentIndex(code: string): code is ConstituentIndex {
  return Object.hasOwn(INDEX_CONSTITUENT_BOARDS, code);
}

/** What one clist scan lists: a market's stocks, or an index's constituents (A-shares of SH, SZ or BJ). */
type ClistTarget = { market: ListMarket } | { index: ConstituentIndex };

function fsOf(target: ClistTarget): string {
  return "market" in target ? CLIST_FS[target.market] : `b:${INDEX_CONSTITUENT_BOARDS[target.index]}`;
}

function labelOf(target: ClistTarget): string {
  return "market" in target ? `the ${target.market} list` : `the constituents of index ${target.index}`;
}

/**
 * Field ids requested: f2 last, f3 pct change (%), f4 change, f5 volume (A-shares lots, HK shares),
 * f6 amount, f7 amplitude (%), f8 turnover (%), f9 P/E (dynamic), f10 volume ratio, f11 5-minute
 * change (%), f12 code, f13 market id, f14 name, f15 high, f16 low, f17 open, f18 previous close,
 * f20 total market cap, f21 float market cap, f22 price speed (%/min), f23 P/B, f24 60-day change
 * (%), f25 year-to-date change (%): every field AKShare's stock_zh_a_spot_em reads (upstream-spec
 * §6.1); and f115 P/E TTM, which AKShare requests but drops (QuantDB serves it as `pe_ttm`). Every
 * field read is requested (docs/upstream-spec.md §11 item 24).
 */
export const CLIST_FIELDS = "f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15,f16,f17,f18,f20,f21,f22,f23,f24,f25,f115";
/** The web-client token Eastmoney's own pages send with clist (docs/upstream-spec.md §1.3); not a credential. */
const CLIST_UT = "bd1d9ddb04089700cf9c27f6f7426281";

/** One parsed clist page. */
export interface ClistPage {
  /** `data.total`: rows matching the filter over all pages; 0 for `data:null`. */
  total: number;
  /** The page's rows in upstream order, mapped by key name. */
  rows: StockListEntry[];
}

function rowsOf(diff: unknown): unknown[] {
  if (Array.isArray(diff)) return diff;
  // np other than 1: an object keyed "0", "1", … (docs/upstream-spec.md §6.1)
  if (diff && typeof diff === "object") {
    return Object.entries(diff as Record<string, unknown>)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, row]) => row);
  }
  if (diff === undefined || diff === null) return [];
  throw invalid("data.diff is neither an array nor an object");
}

/**
 * Map one clist row (an object keyed by field id) to a {@link StockListEntry}, by key name, never
 * by position. `"-"` becomes null; A-share volume is converted from lots to shares (×100).
 * @throws {UpstreamError} `UPSTREAM_INVALID` when the code is missing or is not a stock of
 *   `market`, or a numeric field holds something other than a number or `"-"`.
 */
export function parseClistRow(row: unknown, market: ListMarket | "A"): StockListEntry {
  if (!row || typeof row !== "object" || Array.isArray(row)) throw invalid("a diff row is not an object");
  const r = row as Record<string, unknown>;
  const context = { row: r };
  const code = typeof r.f12 === "string" ? r.f12.trim() : "";
  let parsedMarket: string | null = null;
  try {
    // The code as upstream sends it must already be canonical (6 digits A-shares, 5 digits HK).
    const parsed = parseStockSymbol(market === "A" ? code : `${code}.${market}`);
    if (parsed.code === code) parsedMarket = parsed.market;
    if (market === "A" && parsedMarket !== "HK") parsedMarket = "A";
  } catch {
    parsedMarket = null;
  }
  if (parsedMarket !== market)
    throw invalid(`row code ${JSON.stringify(r.f12)} is not a ${market} stock code`, context);
  const num = (key: string) => numberField(r, key, context);
  const lots = num("f5");
  const volumeMarket = market === "A" ? parseStockSymbol(code).market : market;
  return {
    symbol: code,
    name: textField(r, "f14", context),
    price: num("f2"),
    pct_change: num("f3"),
    change: num("f4"),
    volume: lots === null ? null : eastmoneyVolumeToShares(volumeMarket, lots),
    amount: num("f6"),
    turnover_rate: num("f8"),
    pe_ratio: num("f9"),
    pe_ttm: num("f115"),
    pb_ratio: num("f23"),
    market_cap: num("f20"),
    float_market_cap: num("f21"),
    open: num("f17"),
    high: num("f15"),
    low: num("f16"),
    prev_close: num("f18"),
    amplitude: num("f7"),
    volume_ratio: num("f10"),
    change_speed: num("f22"),
    change_5min: num("f11"),
    change_60d: num("f24"),
    change_ytd: num("f25"),
  };
}

/**
 * Parse a clist response body (`fltt=2`).
 * @param market the market the page was requested for: every row must be one of its stocks (`"A"`:
 *   an A-share of any of SH, SZ and BJ, as an index's constituents are)
 * @returns `total` and the rows; `data:null` (a page past the end, an empty filter) gives none
 * @throws {UpstreamError} `UPSTREAM_INVALID` for non-JSON bodies, a non-zero `rc`, a missing or
 *   negative `total`, a `diff` that is neither array nor object, bad rows, or a code twice on a page.
 */
export function parseClistPage(body: string, market: ListMarket | "A"): ClistPage {
  const data = parseEnvelopeData(body);
  if (!data) return { total: 0, rows: [] };
  const total = data.total;
  if (typeof total !== "number" || !Number.isInteger(total) || total < 0)
    throw invalid(`data.total is ${JSON.stringify(total)}`);
  const rows = rowsOf(data.diff).map((row) => parseClistRow(row, market));
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.symbol)) throw invalid(`code ${row.symbol} appears twice on one page`);
    seen.add(row.symbol);
  }
  return { total, rows };
}

/** A complete list of one market, fetched page by page. */
export interface StockListScan {
  market: ListMarket;
  /** Every stock, in ascending code order. */
  rows: StockListEntry[];
  /** Upstream calls made (pages fetched). */
  pages: number;
}

/** Anything that can list a market's stocks (the real client, a fake in unit tests). */
export interface StockListSource {
  /**
   * Fetch the whole list of `market`, every page, one call after another.
   * @throws {UpstreamError} when any page fails or the pages do not add up to a complete list;
   *   the caller stores nothing then.
   */
  fetchStockList(market: ListMarket, options?: { signal?: AbortSignal }): Promise<StockListScan>;
}

/** Options for {@link EastmoneyListClient}. */
export interface EastmoneyListOptions {
  /**
   * Base URL of the push2 host, or the full clist endpoint URL.
   * @default "https://push2.eastmoney.com"
   */
  baseUrl?: string;
  /** Abort a page call that has not completed within this many milliseconds. @default 8000 */
  timeoutMs?: number;
  /**
   * Pause between two page calls (upstream bans fast scanners; AKShare sleeps 0.5–1.5 s).
   * @default 0
   */
  pageDelayMs?: number;
  /** Injected fetch (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The system's upstream policies; each request runs through its host's. Default: one plain call. */
  policies?: UpstreamPolicies;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(new UpstreamError("UPSTREAM_UNAVAILABLE", "The list scan was aborted", { reason: "aborted" }));
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Client for Eastmoney's clist endpoint: `pn` page by page (1-based), `pz=100`, `po=1`, `np=1`
 * (`diff` as an array; an object is accepted too), `fltt=2&invt=2` (decimals in natural units),
 * `fid=f12` (sorted by code, so pages do not shift while prices move), `fs` per market
 * ({@link CLIST_FS}); browser headers; one page at a time.
 */
export class EastmoneyListClient implements StockListSource {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #pageDelayMs: number;
  readonly #fetch: typeof fetch;
  readonly #policies: UpstreamPolicies | undefined;

  constructor(options: EastmoneyListOptions = {}) {
    this.url = endpointUrl(options.baseUrl ?? DEFAULT_EASTMONEY_LIST_URL, CLIST_PATH);
    this.#timeoutMs = options.timeoutMs ?? 8000;
    this.#pageDelayMs = options.pageDelayMs ?? 0;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#policies = options.policies;
  }

  /** The exact request URL of one page of a market's list (exposed for logging and tests). */
  requestUrl(market: ListMarket, page: number): string {
    return this.#url({ market }, page);
  }

  #url(target: ClistTarget, page: number): string {
    const params = new URLSearchParams({
      pn: String(page),
      pz: String(CLIST_PAGE_SIZE),
      po: "1",
      np: "1",
      ut: CLIST_UT,
      fltt: "2",
      invt: "2",
      fid: "f12",
      fs: fsOf(target),
      fields: CLIST_FIELDS,
    });
    return `${this.url}?${params.toString()}`;
  }

  /** Fetch and parse one page of a market's list. */
  fetchPage(market: ListMarket, page: number, signal?: AbortSignal): Promise<ClistPage> {
    return this.#page({ market }, page, signal);
  }

  async #page(target: ClistTarget, page: number, signal?: AbortSignal): Promise<ClistPage> {
    const body = await fetchUpstreamText(this.#url(target, page), {
      timeoutMs: this.#timeoutMs,
      fetch: this.#fetch,
      policies: this.#policies,
      headers: { Referer: "https://quote.eastmoney.com/" },
      signal,
    });
    return parseClistPage(body, "market" in target ? target.market : "A");
  }

  /**
   * Fetch every page of a market: page 1 gives `total` and the page size actually served (as
   * AKShare does), then pages 2..ceil(total / size), sequentially, `pageDelayMs` apart.
   * @throws {UpstreamError} `UPSTREAM_INVALID` when page 1 is empty, a later page is empty or
   *   reports a different total (the list changed mid-scan), or the distinct codes collected do
   *   not number `total`; any transport error of any page as it is. Nothing partial is returned.
   */
  async fetchStockList(market: ListMarket, options: { signal?: AbortSignal } = {}): Promise<StockListScan> {
    return { market, ...(await this.#scan({ market }, options.signal)) };
  }

  /**
   * Fetch an index's current constituents (Eastmoney's board of the index,
   * {@link INDEX_CONSTITUENT_BOARDS}), every page as {@link fetchStockList}: each row is an A-share
   * of SH, SZ or BJ with the same fields as a market list's.
   * @throws {UpstreamError} as {@link fetchStockList}
   */
  async fetchIndexConstituents(
    index: ConstituentIndex,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ index: ConstituentIndex; rows: StockListEntry[]; pages: number }> {
    return { index, ...(await this.#scan({ index }, options.signal)) };
  }

  async #scan(
    target: ClistTarget,
    signal: AbortSignal | undefined,
  ): Promise<{ rows: StockListEntry[]; pages: number }> {
    const label = labelOf(target);
    const context = "market" in target ? { market: target.market } : { index: target.index };
    const first = await this.#page(target, 1, signal);
    if (first.total === 0 || first.rows.length === 0)
      throw invalid(`${label} came back empty`, { ...context, total: first.total });
    const perPage = first.rows.length;
    const pageCount = Math.ceil(first.total / perPage);
    const byCode = new Map(first.rows.map((row) => [row.symbol, row]));
    for (let page = 2; page <= pageCount; page++) {
      await sleep(this.#pageDelayMs, signal);
      const next = await this.#page(target, page, signal);
      if (next.rows.length === 0)
        throw invalid(`page ${page} of ${pageCount} of ${label} came back empty`, {
          ...context,
          page,
          total: first.total,
        });
      if (next.total !== first.total) {
        throw invalid(
          `${label} changed during the scan (total ${first.total} on page 1, ${next.total} on page ${page})`,
          {
            ...context,
            page,
          },
        );
      }
      for (const row of next.rows) byCode.set(row.symbol, row);
    }
    if (byCode.size !== first.total) {
      throw invalid(`${label}: the pages hold ${byCode.size} distinct stocks but upstream reported ${first.total}`, {
        ...context,
        pages: pageCount,
      });
    }
    const rows = [...byCode.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    return { rows, pages: pageCount };
  }
}
