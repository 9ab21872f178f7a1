/**
 * Eastmoney's batch quote endpoint (`push2 …/api/qt/ulist.np/get`): realtime quotes for an explicit
 * list of secids in one call, A-shares and HK mixed. See `docs/upstream-spec.md` §6.3 (end) and §6.1 for
 * the field ids, which are the same as `clist`'s.
 */
import { z } from "zod";
import { endpointUrl, fetchUpstreamText } from "../http.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import type { StockMarketId } from "../markets/types.ts";
import { invalid, parseEnvelopeData } from "./envelope.ts";

/** The real host; `QUANTDB_EASTMONEY_QUOTE_URL` overrides it (e.g. with the replay upstream). */
export const DEFAULT_EASTMONEY_QUOTE_URL = "https://push2.eastmoney.com";
/** Path of the batch quote endpoint. */
export const ULIST_PATH = "/api/qt/ulist.np/get";
/**
 * Field ids requested (`fltt=2`: decimals in natural units): f2 last price, f3 pct change (%),
 * f4 change, f5 volume (A-shares: lots of 100 shares; HK: shares), f6 amount (currency), f8
 * turnover (%), f12 code, f13 Eastmoney market id, f14 name, f15 high, f16 low, f17 open,
 * f18 previous close, f124 quote time (epoch seconds).
 */
export const QUOTE_FIELDS = "f2,f3,f4,f5,f6,f8,f12,f13,f14,f15,f16,f17,f18,f124";
/** Most secids one call carries; longer lists are split into calls of this size. */
export const MAX_SECIDS_PER_CALL = 100;
/** The web-client token Eastmoney's own pages send with ulist (docs/upstream-spec.md §1.3); not a credential. */
const ULIST_UT = "f057cbcbce2a86e2866ab8877db1d059";
/**
 * Minutes after a trading segment ends during which Eastmoney's quote may still change, per market:
 * CN 2 (the closing call auction ends at the close; upstream's publishing lag); HK 25 (Eastmoney's
 * free HK quotes are delayed by 15 minutes, docs/upstream-spec.md §6.2, and the closing auction
 * runs until about 16:10).
 */
export const EASTMONEY_QUOTE_SETTLE_MINUTES: Readonly<Record<StockMarketId, number>> = { CN: 2, HK: 25 };

/** Eastmoney's market id for Hong Kong stocks: their f5 volume is already in shares. */
const HK_MARKET_ID = 116;

/**
 * One instrument's quote as upstream sent it, converted to QuantDB units: prices, `change` and
 * `amount` in the trading currency (CNY, HKD); `volume` in **shares** (A-share lots ×100);
 * `pct_change` and `turnover_rate` in **percent**. A value upstream sent as `"-"` (suspended, not
 * traded yet) is `null`.
 */
export interface UpstreamQuote {
  /** Eastmoney secid `{f13}.{f12}`, e.g. `1.600519`, `116.00700`. */
  secid: string;
  /** Exchange code (f12): 6 digits for A-shares, 5 for HK. */
  code: string;
  /** Short name (f14), e.g. 贵州茅台; null if upstream sent none. */
  name: string | null;
  /** Last price (f2). */
  price: number | null;
  /** Today's open (f17). */
  open: number | null;
  /** Today's high (f15). */
  high: number | null;
  /** Today's low (f16). */
  low: number | null;
  /** Previous session's close (f18). */
  prev_close: number | null;
  /** price − prev_close (f4), trading currency. */
  change: number | null;
  /** Change against prev_close (f3), percent. */
  pct_change: number | null;
  /** Shares traded today (f5; A-shares reported in lots, ×100). */
  volume: number | null;
  /** Traded value today (f6), trading currency. */
  amount: number | null;
  /** Turnover rate (f8), percent of free float. */
  turnover_rate: number | null;
  /** When upstream last updated the quote (f124, epoch seconds), or null when it sent none. */
  quote_time: Date | null;
}

const cell = z.union([z.number(), z.string(), z.null()]).optional();

/** The `data` of a ulist response: `diff` an array or an object keyed "0","1",…. */
const quoteDataSchema = z.looseObject({
  total: z.number().optional(),
  diff: z.union([z.array(z.looseObject({})), z.record(z.string(), z.looseObject({}))]).nullish(),
});

const rowSchema = z.looseObject({
  f2: cell,
  f3: cell,
  f4: cell,
  f5: cell,
  f6: cell,
  f8: cell,
  f12: cell,
  f13: cell,
  f14: cell,
  f15: cell,
  f16: cell,
  f17: cell,
  f18: cell,
  f124: cell,
});
type Row = z.infer<typeof rowSchema>;

/** A numeric cell: `"-"`, `""`, null or absent mean missing; numeric strings are accepted. */
function numberOrNull(value: Row[keyof Row], field: string, row: Row): number | null {
  if (value === undefined || value === null || value === "-" || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw invalid(`non-numeric ${field} ${JSON.stringify(value)}`, { row });
  return n;
}

/** One `diff` row → quote, mapping every field by its key name (never by position). */
function parseRow(row: Row): UpstreamQuote {
  const marketId = numberOrNull(row.f13, "f13", row);
  if (marketId === null || !Number.isInteger(marketId)) throw invalid("row without a market id (f13)", { row });
  const rawCode = row.f12;
  if (rawCode === undefined || rawCode === null || rawCode === "" || rawCode === "-")
    throw invalid("row without a code (f12)", { row });
  const code = typeof rawCode === "number" ? String(rawCode).padStart(marketId === HK_MARKET_ID ? 5 : 6, "0") : rawCode;
  const lots = numberOrNull(row.f5, "f5", row);
  const time = numberOrNull(row.f124, "f124", row);
  const name = typeof row.f14 === "string" && row.f14 !== "-" && row.f14 !== "" ? row.f14 : null;
  return {
    secid: `${marketId}.${code}`,
    code,
    name,
    price: numberOrNull(row.f2, "f2", row),
    open: numberOrNull(row.f17, "f17", row),
    high: numberOrNull(row.f15, "f15", row),
    low: numberOrNull(row.f16, "f16", row),
    prev_close: numberOrNull(row.f18, "f18", row),
    change: numberOrNull(row.f4, "f4", row),
    pct_change: numberOrNull(row.f3, "f3", row),
    // A-share volume is in lots of 100; ×100 can leave float dust, and volumes are whole shares.
    volume: lots === null ? null : marketId === HK_MARKET_ID ? lots : Math.round(lots * 100),
    amount: numberOrNull(row.f6, "f6", row),
    turnover_rate: numberOrNull(row.f8, "f8", row),
    quote_time: time === null || time <= 0 ? null : new Date(time * 1000),
  };
}

/**
 * Parse a `ulist.np/get` (or `clist/get`) response body requested with `fltt=2`.
 * @returns one quote per `data.diff` row, in upstream's order; `data: null` or no `diff` → `[]`
 *   (upstream knows none of the secids)
 * @throws {UpstreamError} `UPSTREAM_INVALID` for a body that is not JSON (an HTML captcha page, a
 *   truncated body), an unexpected shape, a non-zero `rc`, a row without code or market id, or a
 *   non-numeric value other than `"-"`.
 */
export function parseQuoteResponse(body: string): UpstreamQuote[] {
  const parsed = quoteDataSchema.safeParse(parseEnvelopeData(body) ?? {});
  if (!parsed.success) throw invalid("unexpected response shape", { issues: parsed.error.issues.slice(0, 3) });
  const data = parsed.data;
  const diff = data.diff;
  if (!diff) return [];
  const rows = Array.isArray(diff)
    ? diff
    : Object.keys(diff)
        .sort((a, b) => Number(a) - Number(b))
        .map((key) => diff[key]!);
  return rows.map((raw) => {
    const row = rowSchema.safeParse(raw);
    if (!row.success) throw invalid("unexpected row shape", { row: raw, issues: row.error.issues.slice(0, 3) });
    return parseRow(row.data);
  });
}

/** Options for {@link EastmoneyQuoteClient}. */
export interface EastmoneyQuoteOptions {
  /**
   * Base URL of the push2 host, or the full `/api/qt/ulist.np/get` URL.
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

/** Anything that can supply realtime quotes for a list of secids (the real client, a fake in unit tests). */
export interface QuoteSource {
  /**
   * Quotes for `secids` (duplicates ignored), one upstream call per {@link MAX_SECIDS_PER_CALL}
   * secids, made one after another.
   * @returns quotes keyed by secid; a secid upstream does not know is absent
   * @throws {UpstreamError} on any failed call (`UPSTREAM_UNAVAILABLE`, `UPSTREAM_TIMEOUT`,
   *   `UPSTREAM_INVALID`); quotes of earlier calls of the same invocation are dropped with it.
   */
  fetchQuotes(secids: readonly string[], options?: { signal?: AbortSignal }): Promise<Map<string, UpstreamQuote>>;
}

/**
 * Client for Eastmoney's batch quote endpoint: `GET …/api/qt/ulist.np/get?fltt=2&invt=2&fields=…&secids=…`
 * with a timeout and browser-like headers (docs/upstream-spec.md §1.4). Quotes are mapped by field key
 * name; `diff` may be an array or an object keyed `"0","1",…`.
 */
export class EastmoneyQuoteClient implements QuoteSource {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #policies: UpstreamPolicies | undefined;

  constructor(options: EastmoneyQuoteOptions = {}) {
    this.url = endpointUrl(options.baseUrl ?? DEFAULT_EASTMONEY_QUOTE_URL, ULIST_PATH);
    this.#timeoutMs = options.timeoutMs ?? 8000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#policies = options.policies;
  }

  /**
   * The exact request URL for one call of at most {@link MAX_SECIDS_PER_CALL} secids (exposed for logging and tests).
   */
  requestUrl(secids: readonly string[]): string {
    const params = new URLSearchParams({
      fltt: "2",
      invt: "2",
      ut: ULIST_UT,
      fields: QUOTE_FIELDS,
      secids: secids.join(","),
    });
    return `${this.url}?${params.toString()}`;
  }

  /** @inheritdoc */
  async fetchQuotes(
    secids: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Map<string, UpstreamQuote>> {
    const unique = [...new Set(secids)];
    const quotes = new Map<string, UpstreamQuote>();
    for (let i = 0; i < unique.length; i += MAX_SECIDS_PER_CALL) {
      const chunk = unique.slice(i, i + MAX_SECIDS_PER_CALL);
      const wanted = new Set(chunk);
      const body = await fetchUpstreamText(this.requestUrl(chunk), {
        timeoutMs: this.#timeoutMs,
        fetch: this.#fetch,
        policies: this.#policies,
        headers: { Referer: "https://quote.eastmoney.com/" },
        signal: options.signal,
      });
      for (const quote of parseQuoteResponse(body)) if (wanted.has(quote.secid)) quotes.set(quote.secid, quote);
    }
    return quotes;
  }
}
