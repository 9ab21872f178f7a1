/**
 * Crypto spot pairs in the dashboard (issue 17): the symbol forms (`binance:BTC/USDT` in the SDK,
 * CLI, watchlist and compare; `/crypto/binance/BTC-USDT` in page URLs), the chart view of a pair page
 * (`?start&end&timeframe`, UTC days) and the matching of typed text against the exchanges' market
 * lists. Pure functions, no I/O. The answers of the API's crypto endpoints are typed by the SDK
 * (`CryptoHistory`, `CryptoBar`, `CryptoMarketList`, `CryptoQuoteBatch`), which also makes the calls.
 */
import { CRYPTO_MARKET, type CryptoBar, type CryptoMarketListEntry, type CryptoTimeframe } from "@quantdb/sdk";
import { addMonths, presetStart, todayLocal } from "./dates.ts";

/** The exchanges the API can serve (ccxt ids, from core's registry via the SDK), in the order the search tries them. */
export const CRYPTO_EXCHANGES = CRYPTO_MARKET.exchanges;

export const TIMEFRAMES: readonly CryptoTimeframe[] = ["1d", "1h"];

/** A pair on an exchange: exchange lower case, currencies upper case. */
export interface PairRef {
  exchange: string;
  base: string;
  quote: string;
}

const CURRENCY = /^[A-Z0-9]{1,20}$/;
/** `exchange:BASE/QUOTE` (or `BASE-QUOTE`): core's rule, generated into the SDK. */
const SYMBOL_FORM = new RegExp(CRYPTO_MARKET.symbolPattern, CRYPTO_MARKET.symbolPatternFlags);

/** The pair of `binance:BTC/USDT` (case-insensitive, `-` for `/` accepted), or null for any other text. */
export function parseCryptoSymbol(text: string): PairRef | null {
  const groups = SYMBOL_FORM.exec(text.trim())?.groups;
  if (!groups) return null;
  const base = groups.base!.toUpperCase();
  const quote = groups.quote!.toUpperCase();
  if (!CURRENCY.test(base) || !CURRENCY.test(quote)) return null;
  return { exchange: groups.exchange!.toLowerCase(), base, quote };
}

/** Whether `text` is written as a crypto symbol (`exchange:BASE/QUOTE`) rather than a stock or index code. */
export function isCryptoSymbol(text: string): boolean {
  return parseCryptoSymbol(text) !== null;
}

/** `binance:BTC/USDT`. */
export function cryptoSymbol(pair: PairRef): string {
  return `${pair.exchange}:${pair.base}/${pair.quote}`;
}

/** A crypto symbol in its canonical spelling (`Binance:btc-usdt` → `binance:BTC/USDT`); other text unchanged. */
export function normalizeSymbol(text: string): string {
  const pair = parseCryptoSymbol(text);
  return pair ? cryptoSymbol(pair) : text.trim();
}

/** The pair page of a pair, `/crypto/binance/BTC-USDT`, with `?query` when given. */
export function cryptoHref(pair: PairRef, query?: string): string {
  return (
    `/crypto/${encodeURIComponent(pair.exchange)}/${encodeURIComponent(`${pair.base}-${pair.quote}`)}` +
    (query ? `?${query}` : "")
  );
}

/** The pair of a page URL's `{exchange}/{pair}` (`binance`, `BTC-USDT`), or null when not written so. */
export function pairFromPath(exchange: string, pair: string): PairRef | null {
  return parseCryptoSymbol(`${exchange}:${pair}`);
}

/** The view of a pair page, as in its URL (`?start&end&timeframe`): UTC days and a bar length. */
export interface CryptoView {
  start: string;
  end: string;
  timeframe: string;
}

type Params = Record<string, string | string[] | undefined>;

function one(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

const DAY_MS = 86_400_000;
const isDate = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text);

/** Adds days (negative to subtract) to a YYYY-MM-DD date. */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Today as a UTC day, YYYY-MM-DD: crypto trades every day, and its days are UTC days. */
export function todayUtc(now: Date = new Date()): string {
  return todayLocal(now, "UTC");
}

/** The range a timeframe shows by default, ending at `end`: a year of daily bars, a week of hourly bars. */
function defaultStart(timeframe: string, end: string): string {
  return timeframe === "1h" ? addDays(end, -7) : addMonths(end, -12);
}

/**
 * The view of a pair page's URL: default timeframe 1d, end today (UTC), start a year (1d) or a week
 * (1h) before the end. Values present are passed through unchanged, so the API reports a bad one in
 * its own words.
 */
export function parseCryptoView(params: Params, now: Date = new Date()): CryptoView {
  const timeframe = one(params, "timeframe") || "1d";
  const end = one(params, "end") || todayUtc(now);
  const start = one(params, "start") || defaultStart(timeframe, isDate(end) ? end : todayUtc(now));
  return { start, end, timeframe };
}

export function cryptoViewQuery(view: CryptoView): string {
  return new URLSearchParams({ start: view.start, end: view.end, timeframe: view.timeframe }).toString();
}

/** Range presets of each timeframe: hourly bars get short ranges (a year of them is 8760 candles). */
const CRYPTO_PRESETS = {
  "1d": ["1M", "3M", "6M", "YTD", "1Y", "5Y"],
  "1h": ["1D", "1W", "1M", "3M"],
} as const satisfies Record<CryptoTimeframe, readonly string[]>;
export type CryptoPreset = (typeof CRYPTO_PRESETS)[CryptoTimeframe][number];

/** Start day of a preset ending on `today` (UTC): the hourly-only 1D and 1W here, the others as {@link presetStart}. */
export function cryptoPresetStart(preset: CryptoPreset, today: string): string {
  if (preset === "1D") return addDays(today, -1);
  if (preset === "1W") return addDays(today, -7);
  return presetStart(preset, today);
}

/** The presets of a timeframe (an unknown one gets the daily presets). */
export function presetsOf(timeframe: string): readonly CryptoPreset[] {
  return timeframe === "1h" ? CRYPTO_PRESETS["1h"] : CRYPTO_PRESETS["1d"];
}

/** Longest range kept when switching to hourly bars; a longer one becomes the month before its end. */
const MAX_HOURLY_DAYS = 92;

/**
 * The view after choosing `timeframe`: the range is kept, except that a range of more than three
 * months becomes the month before its end when switching to hourly bars.
 */
export function withTimeframe(view: CryptoView, timeframe: CryptoTimeframe): CryptoView {
  if (timeframe === "1h" && isDate(view.start) && isDate(view.end)) {
    const days = (Date.parse(view.end) - Date.parse(view.start)) / DAY_MS;
    if (days > MAX_HOURLY_DAYS) return { start: addMonths(view.end, -1), end: view.end, timeframe };
  }
  return { ...view, timeframe };
}

/**
 * The x-axis label of a bar, unique within a series: the UTC day for daily bars, the day and the
 * UTC open time (`2026-07-20 13:00`) for hourly bars.
 */
export function barLabel(bar: Pick<CryptoBar, "date" | "time">, timeframe: string): string {
  return timeframe === "1h" ? `${bar.time.slice(0, 10)} ${bar.time.slice(11, 16)}` : bar.date;
}

/**
 * Decimal places to show prices of a series with: the most any close was sent with, at least 2 and
 * at most 8 (BTC/USDT 2, DOGE/USDT 5, SHIB/USDT 8).
 */
export function priceDigits(prices: readonly number[]): number {
  let digits = 2;
  for (const price of prices) {
    if (!Number.isFinite(price)) continue;
    const [mantissa, exponent] = String(price).split("e-"); // 1.2e-7: 7 + 1 places
    const decimals = (mantissa!.split(".")[1]?.length ?? 0) + (exponent ? Number(exponent) : 0);
    if (decimals > digits) digits = decimals;
  }
  return Math.min(8, digits);
}

/**
 * Decimal places of a single price (a ticker's): 2 from 1 up, four significant digits below, at
 * most 8 (0.5 → 4, 0.0123 → 5, 0.00001234 → 8).
 */
export function tickerDigits(price: number | null): number {
  if (price == null || !Number.isFinite(price) || price <= 0 || price >= 1) return 2;
  return Math.min(8, 3 - Math.floor(Math.log10(price)));
}

/** What a typed text asks for as a pair: an optional exchange, a base (prefix) and an optional quote (prefix). */
export interface PairQuery {
  exchange: string | null;
  base: string;
  /** null when no separator was typed (`btc`); "" after a bare separator (`btc/`). */
  quote: string | null;
}

/**
 * The pair a search text may name: `btc`, `BTC/USDT`, `btc-us`, `binance:BTC/USDT`, `okx:eth`.
 * Null for text that cannot (digits only, like stock codes; other characters; longer than 50).
 */
export function parsePairQuery(text: string): PairQuery | null {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 50) return null;
  const match = /^(?:([a-z0-9]+):)?([a-z0-9]+)(?:([/-])([a-z0-9]*))?$/i.exec(trimmed);
  if (!match) return null;
  const base = match[2]!.toUpperCase();
  if (!/[A-Z]/.test(base)) return null; // 600519, 00700: stock and index codes
  return {
    exchange: match[1] ? match[1].toLowerCase() : null,
    base,
    quote: match[3] ? match[4]!.toUpperCase() : null,
  };
}

/** Whether a search text is written only as a pair could be (`BTC/USDT`, `binance:btc`), not as a stock might. */
export function looksLikePairOnly(text: string): boolean {
  const query = parsePairQuery(text);
  return query !== null && (query.exchange !== null || query.quote !== null);
}

/** A pair offered by the search. */
export interface PairHit extends PairRef {
  /** `BTC/USDT`. */
  symbol: string;
  active: boolean;
  quoteVolume24h: number | null;
}

/** An exchange's market list, as the search holds it. */
export interface ExchangeMarkets {
  exchange: string;
  markets: readonly Pick<CryptoMarketListEntry, "symbol" | "base" | "quote" | "active" | "quote_volume_24h">[];
}

/** How well a market fits a query: lower is better, null for no match. */
function score(market: ExchangeMarkets["markets"][number], query: PairQuery): number | null {
  const { base, quote } = query;
  let tier: number | null = null;
  if (quote !== null) {
    if (market.base === base && market.quote === quote) tier = 0;
    else if (market.base === base && market.quote.startsWith(quote)) tier = 1;
  } else if (market.base === base) tier = 1;
  else if ((market.base + market.quote).startsWith(base) && base.length > market.base.length)
    tier = 0; // BTCUSDT
  else if (market.base.startsWith(base)) tier = 2;
  else if (base.length >= 3 && market.base.includes(base)) tier = 3; // WBTC for btc
  if (tier === null) return null;
  return tier * 2 + (market.active ? 0 : 1);
}

/**
 * The pairs of `lists` that fit `query`, best first: exact pair, then the typed base with each
 * quote, then bases starting with the text, then bases containing it; active pairs before inactive
 * ones; within each, by 24 h quote volume (highest first), then by exchange order and symbol.
 */
export function matchPairs(lists: readonly ExchangeMarkets[], query: PairQuery, limit = 8): PairHit[] {
  const scored: { hit: PairHit; score: number; order: number }[] = [];
  lists.forEach((list, order) => {
    if (query.exchange !== null && list.exchange !== query.exchange) return;
    for (const market of list.markets) {
      const s = score(market, query);
      if (s === null) continue;
      scored.push({
        hit: {
          exchange: list.exchange,
          base: market.base,
          quote: market.quote,
          symbol: market.symbol,
          active: market.active,
          quoteVolume24h: market.quote_volume_24h,
        },
        score: s,
        order,
      });
    }
  });
  return scored
    .sort(
      (a, b) =>
        a.score - b.score ||
        (b.hit.quoteVolume24h ?? -1) - (a.hit.quoteVolume24h ?? -1) ||
        a.order - b.order ||
        (a.hit.symbol < b.hit.symbol ? -1 : a.hit.symbol > b.hit.symbol ? 1 : 0),
    )
    .slice(0, limit)
    .map((s) => s.hit);
}
