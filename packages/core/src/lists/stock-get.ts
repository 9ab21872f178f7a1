/**
 * Company information from Eastmoney's one-symbol endpoint (`push2 …/api/qt/stock/get`), what
 * AKShare's `stock_individual_info_em` reads. See `docs/upstream-spec.md` §7.1 (fields) and §12 item 3
 * (a recorded 688635 response).
 */
import { parseDateInput } from "../dates.ts";
import { fetchUpstreamText } from "../http.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import type { StockSymbol } from "../symbols/index.ts";
import { invalid, numberField, parseEnvelopeData, textField } from "../eastmoney/envelope.ts";
import type { CompanyInfo } from "./types.ts";

/** The real host (the same push2 host as quotes and lists). */
export const DEFAULT_EASTMONEY_INFO_URL = "https://push2.eastmoney.com";
/** Path of the one-symbol endpoint. */
export const STOCK_GET_PATH = "/api/qt/stock/get";
/**
 * Field ids requested: f43 last price, f57 code, f58 name, f84 total shares (shares), f85 float
 * shares (shares), f116 total market cap, f117 float market cap (trading currency), f127 industry,
 * f189 listing date (integer YYYYMMDD).
 */
export const COMPANY_INFO_FIELDS = "f43,f57,f58,f84,f85,f116,f117,f127,f189";
const STOCK_GET_UT = "bd1d9ddb04089700cf9c27f6f7426281";

function listingDate(data: Record<string, unknown>, context: Record<string, unknown>): string | null {
  const value = numberField(data, "f189", context);
  if (value === null || value === 0) return null;
  const date = Number.isInteger(value) ? parseDateInput(String(value)) : null;
  if (!date) throw invalid(`f189 listing date ${JSON.stringify(data.f189)} is not a YYYYMMDD date`, context);
  return date;
}

function nonNegative(value: number | null, key: string, context: Record<string, unknown>): number | null {
  if (value !== null && value < 0) throw invalid(`negative ${key} ${value}`, context);
  return value;
}

/**
 * Parse a `stock/get` response body (`fltt=2`) for `symbol`, mapping fields by key name.
 * @returns the company information, or null when upstream sent `data:null` (no such instrument)
 * @throws {UpstreamError} `UPSTREAM_INVALID` for non-JSON bodies, a non-zero `rc`, a code (f57)
 *   other than the symbol's, non-numeric or negative share counts and caps, or a bad listing date.
 */
export function parseCompanyInfo(body: string, symbol: StockSymbol): CompanyInfo | null {
  const data = parseEnvelopeData(body);
  if (!data) return null;
  const context = { secid: symbol.secid };
  const code = typeof data.f57 === "string" ? data.f57.trim() : data.f57;
  if (code !== symbol.code)
    throw invalid(`f57 code ${JSON.stringify(data.f57)} does not match the requested ${symbol.code}`, context);
  const num = (key: string) => nonNegative(numberField(data, key, context), key, context);
  return {
    code: symbol.code,
    name: textField(data, "f58", context),
    industry: textField(data, "f127", context),
    listingDate: listingDate(data, context),
    totalShares: num("f84"),
    floatShares: num("f85"),
    totalMarketCap: num("f116"),
    floatMarketCap: num("f117"),
    price: num("f43"),
    raw: data,
  };
}

/** Anything that can fetch a stock's company information (the real client, a fake in unit tests). */
export interface CompanyInfoSource {
  /**
   * Fetch company information in ONE upstream call.
   * @returns null when upstream does not know the instrument (`data:null`)
   * @throws {UpstreamError} on any upstream failure.
   */
  fetchCompanyInfo(symbol: StockSymbol, options?: { signal?: AbortSignal }): Promise<CompanyInfo | null>;
}

/** Options for {@link EastmoneyInfoClient}. */
export interface EastmoneyInfoOptions {
  /**
   * Base URL of the push2 host, or the full URL of any push2 endpoint (`…/api/qt/stock/get`,
   * `…/api/qt/ulist.np/get`): its endpoint path is replaced by `/api/qt/stock/get`.
   * @default "https://push2.eastmoney.com"
   */
  baseUrl?: string;
  /** Abort a call that has not completed within this many milliseconds. @default 8000 */
  timeoutMs?: number;
  /** Injected fetch (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The system's upstream policies; each request runs through its host's. Default: one plain call. */
  policies?: UpstreamPolicies;
}

/** Client for Eastmoney's `stock/get`: `fltt=2&invt=2`, `secid`, the {@link COMPANY_INFO_FIELDS}. */
export class EastmoneyInfoClient implements CompanyInfoSource {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #policies: UpstreamPolicies | undefined;

  constructor(options: EastmoneyInfoOptions = {}) {
    // Any push2 endpoint URL (e.g. the quote client's `…/api/qt/ulist.np/get`) names the same host.
    const base = (options.baseUrl ?? DEFAULT_EASTMONEY_INFO_URL)
      .replace(/\/+$/, "")
      .replace(/\/api\/qt\/[\w.]+\/get$/, "");
    this.url = base + STOCK_GET_PATH;
    this.#timeoutMs = options.timeoutMs ?? 8000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#policies = options.policies;
  }

  /** The exact request URL for a symbol (exposed for logging and tests). */
  requestUrl(symbol: StockSymbol): string {
    const params = new URLSearchParams({
      ut: STOCK_GET_UT,
      fltt: "2",
      invt: "2",
      secid: symbol.secid,
      fields: COMPANY_INFO_FIELDS,
    });
    return `${this.url}?${params.toString()}`;
  }

  /** @inheritdoc */
  async fetchCompanyInfo(symbol: StockSymbol, options: { signal?: AbortSignal } = {}): Promise<CompanyInfo | null> {
    const body = await fetchUpstreamText(this.requestUrl(symbol), {
      timeoutMs: this.#timeoutMs,
      fetch: this.#fetch,
      policies: this.#policies,
      headers: { Referer: "https://quote.eastmoney.com/" },
      signal: options.signal,
    });
    return parseCompanyInfo(body, symbol);
  }
}
