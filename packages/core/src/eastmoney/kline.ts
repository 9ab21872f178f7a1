/**
 * Eastmoney's daily kline endpoint (`push2his …/api/qt/stock/kline/get`), the source AKShare's
 * `stock_zh_a_hist` and `stock_hk_hist` scrape. See `docs/upstream-spec.md` §2 and §4.
 */
import { z } from "zod";
import { toCompact } from "../dates.ts";
import { endpointUrl, fetchUpstreamText } from "../http.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import { invalid, parseEnvelopeData } from "./envelope.ts";
import type { DailyBarSource, DailyBarsRequest } from "../history/source.ts";
import type { Adjust, DailyBar, UpstreamBars } from "../history/types.ts";
import type { Instrument } from "../symbols/index.ts";
import { eastmoneySecid, eastmoneyVolumeToShares } from "./ids.ts";

// The port lives in core's history module; re-exported for callers that import it from here.
export type { DailyBarSource, DailyBarsRequest } from "../history/source.ts";

/** The real host; `QUANTDB_EASTMONEY_HISTORY_URL` overrides it (e.g. with the replay upstream). */
export const DEFAULT_EASTMONEY_HISTORY_URL = "https://push2his.eastmoney.com";
const KLINE_PATH = "/api/qt/stock/kline/get";
const FIELDS2 = "f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61";
const FQT: Record<Adjust, string> = { "": "0", qfq: "1", hfq: "2" };

/** The `data` of a push2his kline response (`null` for unknown instruments). */
const klineDataSchema = z.looseObject({
  code: z.string().optional(),
  name: z.string().nullish(),
  klines: z.array(z.string()).nullish(),
});

/** Upstream's numbers: `"-"` (or empty) means missing. */
function numberOrNull(text: string, field: string, line: string): number | null {
  if (text === "-" || text === "") return null;
  const value = Number(text);
  if (!Number.isFinite(value)) throw invalid(`non-numeric ${field} '${text}'`, { kline: line });
  return value;
}

function required(text: string, field: string, line: string): number {
  const value = numberOrNull(text, field, line);
  if (value === null) throw invalid(`missing ${field}`, { kline: line });
  return value;
}

/**
 * Parse one kline string `date,open,close,high,low,volume,amount,amplitude,pct,change,turnover`
 * (fields f51..f61; note close comes before high). `toShares` turns upstream's volume unit into
 * shares (`eastmoneyVolumeToShares`: A-share lots ×100, HK already shares).
 * @throws {UpstreamError} `UPSTREAM_INVALID` if the line does not have exactly 11 fields, has a bad
 *   date, or lacks a price or volume.
 */
export function parseKline(line: string, toShares: (volume: number) => number): DailyBar {
  const f = line.split(",");
  if (f.length !== 11) throw invalid(`kline has ${f.length} fields, expected 11`, { kline: line });
  const [date, open, close, high, low, volume, amount, amplitude, pct, change, turnover] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw invalid(`bad date '${date}'`, { kline: line });
  return {
    date,
    open: required(open, "open", line),
    high: required(high, "high", line),
    low: required(low, "low", line),
    close: required(close, "close", line),
    volume: toShares(required(volume, "volume", line)),
    amount: numberOrNull(amount, "amount", line),
    amplitude: numberOrNull(amplitude, "amplitude", line),
    pct_change: numberOrNull(pct, "pct_change", line),
    change: numberOrNull(change, "change", line),
    turnover_rate: numberOrNull(turnover, "turnover_rate", line),
  };
}

/**
 * Parse a kline response body into bars.
 * @param body the raw response text
 * @param market the instrument's exchange or index compiler: A-share and CN index volumes are lots
 *   and become shares (×100); HK stock and index volumes are already shares
 * @returns name and ascending bars; `data: null` or missing `klines` yield no bars
 * @throws {UpstreamError} `UPSTREAM_INVALID` for non-JSON bodies (an HTML captcha page, a
 *   truncated body), a non-zero `rc`, malformed kline strings, or dates out of order.
 */
export function parseKlineResponse(body: string, market: Instrument["market"]): UpstreamBars {
  const raw = parseEnvelopeData(body);
  const parsed = klineDataSchema.safeParse(raw ?? {});
  if (!parsed.success) throw invalid("unexpected response shape", { issues: parsed.error.issues.slice(0, 3) });
  const data = parsed.data;
  const toShares = (volume: number) => eastmoneyVolumeToShares(market, volume);
  const bars = (data.klines ?? []).map((line) => parseKline(line, toShares));
  for (let i = 1; i < bars.length; i++) {
    if (bars[i]!.date <= bars[i - 1]!.date) throw invalid(`dates out of order or duplicated at ${bars[i]!.date}`);
  }
  return { name: data.name ?? null, bars };
}

/** Options for {@link EastmoneyHistoryClient}. */
export interface EastmoneyHistoryOptions {
  /**
   * Base URL of the push2his host, or the full kline endpoint URL.
   * @default "https://push2his.eastmoney.com"
   */
  baseUrl?: string;
  /** Abort a call that has not completed within this many milliseconds. @default 8000 */
  timeoutMs?: number;
  /** Injected fetch (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The system's upstream policies; each request runs through its host's. Default: one plain call. */
  policies?: UpstreamPolicies;
}

/**
 * Client for Eastmoney's daily kline endpoint: one HTTP GET per call, with a timeout, browser-like
 * headers (docs/upstream-spec.md §1.4), `beg`/`end` as server-side inclusive date filters, `klt=101`
 * (daily) and `fqt` 0/1/2 for `""`/`qfq`/`hfq`.
 */
export class EastmoneyHistoryClient implements DailyBarSource {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #policies: UpstreamPolicies | undefined;

  constructor(options: EastmoneyHistoryOptions = {}) {
    this.url = endpointUrl(options.baseUrl ?? DEFAULT_EASTMONEY_HISTORY_URL, KLINE_PATH);
    this.#timeoutMs = options.timeoutMs ?? 8000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#policies = options.policies;
  }

  /** The exact request URL for a call (exposed for logging and tests). */
  requestUrl({ symbol, adjust, start, end }: Omit<DailyBarsRequest, "signal">): string {
    const params = new URLSearchParams({
      fields1: "f1,f2,f3,f4,f5,f6",
      fields2: FIELDS2,
      ut: "7eea3edcaed734bea9cbfc24409ed989",
      klt: "101",
      fqt: FQT[adjust],
      secid: eastmoneySecid(symbol),
      beg: toCompact(start),
      end: toCompact(end),
    });
    return `${this.url}?${params.toString()}`;
  }

  /** @inheritdoc */
  async fetchDailyBars(request: DailyBarsRequest): Promise<UpstreamBars> {
    const body = await fetchUpstreamText(this.requestUrl(request), {
      timeoutMs: this.#timeoutMs,
      fetch: this.#fetch,
      policies: this.#policies,
      headers: { Referer: "https://quote.eastmoney.com/" },
      signal: request.signal,
    });
    const result = parseKlineResponse(body, request.symbol.market);
    const outside = result.bars.find((bar) => bar.date < request.start || bar.date > request.end);
    if (outside) throw invalid(`bar dated ${outside.date} outside the requested ${request.start}..${request.end}`);
    return result;
  }
}
