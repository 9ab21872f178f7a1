/**
 * Instrument symbols: one parser for every common way people write an A-share or HK stock code.
 *
 * Accepted forms (case-insensitive):
 * - A-shares: `600519`, `sh600519`, `SH600519`, `600519.SH`, `600519.SS`, `000001.SZ`, `sz000001`,
 *   Beijing `830799`, `430047`, `920xxx`, `bj830799`, `830799.BJ`
 * - Hong Kong: `00700`, `0700.HK`, `700.HK`, `HK.00700`, `hk00700`, `HK:700`
 */
import { InputError } from "../errors.ts";

/** Exchange of a listed stock: Shanghai, Shenzhen, Beijing (A-shares) or Hong Kong. */
export type Market = "SH" | "SZ" | "BJ" | "HK";

/** A parsed stock symbol. */
export interface StockSymbol {
  /** Always "stock" for now; indices are a separate instrument kind with their own parser. */
  kind: "stock";
  /** Listing exchange. */
  market: Market;
  /** Canonical code: 6 digits for A-shares, 5 digits (zero-padded) for HK. */
  code: string;
  /** Eastmoney security id `{market id}.{code}`, e.g. `1.600519`, `0.000001`, `116.00700`. */
  secid: string;
  /** Trading currency of prices and amounts. */
  currency: "CNY" | "HKD";
}

/** Human-readable list of accepted forms, used in error messages. */
export const ACCEPTED_SYMBOL_FORMS =
  "600519, sh600519, SH600519, 600519.SH, 600519.SS, 000001.SZ, 830799 or 830799.BJ (Beijing), " +
  "00700, 0700.HK, 700.HK, HK.00700, hk00700";

/** Which exchange lists a 6-digit A-share code, or null if the prefix is not a stock code. */
function aShareMarket(code: string): "SH" | "SZ" | "BJ" | null {
  if (code.startsWith("92")) return "BJ"; // Beijing's 920xxx codes (since 2025-10)
  if (code.startsWith("6") || code.startsWith("900")) return "SH"; // main board, STAR, B-shares
  if (/^(00|30|20)/.test(code)) return "SZ"; // main board, ChiNext, B-shares
  if (/^(4|8)/.test(code)) return "BJ"; // 43/83/87/88 legacy NEEQ-origin codes
  return null;
}

/** Eastmoney market id: Shanghai 1; Shenzhen and Beijing both 0 (docs/upstream-spec.md §1.2); HK 116. */
function eastmoneyMarketId(market: Market): string {
  if (market === "HK") return "116";
  return market === "SH" ? "1" : "0";
}

function build(market: Market, code: string): StockSymbol {
  return {
    kind: "stock",
    market,
    code,
    secid: `${eastmoneyMarketId(market)}.${code}`,
    currency: market === "HK" ? "HKD" : "CNY",
  };
}

function invalid(input: string, why: string): InputError {
  return new InputError("INVALID_SYMBOL", `Invalid symbol '${input}': ${why}. Accepted forms: ${ACCEPTED_SYMBOL_FORMS}.`, {
    symbol: input,
    accepted_forms: ACCEPTED_SYMBOL_FORMS,
  });
}

const A_SUFFIX = /^(\d{6})\.(SH|SS|SZ|BJ)$/;
const A_PREFIX = /^(SH|SZ|BJ)(\d{6})$/;
const HK_SUFFIX = /^(\d{1,5})\.HK$/;
const HK_PREFIX = /^HK[.:]?(\d{1,5})$/;

/**
 * Parse a stock symbol in any accepted form.
 * @param input e.g. `"600519.SS"`, `"hk00700"`, `" 000001 "`
 * @returns the canonical symbol with market, code and Eastmoney secid
 * @throws {InputError} code `INVALID_SYMBOL` when the text is not a stock symbol, when an explicit
 *   exchange contradicts the code (`000001.SH` names an index, not a Shanghai stock), or for
 *   non-stock A-share codes (funds, bonds); the message lists the accepted forms.
 */
export function parseStockSymbol(input: string): StockSymbol {
  const text = input.trim().toUpperCase();
  if (text === "") throw invalid(input, "empty symbol");

  const hkDigits = /^\d{5}$/.test(text) ? text : (HK_SUFFIX.exec(text) ?? HK_PREFIX.exec(text))?.[1];
  if (hkDigits !== undefined) {
    if (/^0+$/.test(hkDigits)) throw invalid(input, "HK code cannot be zero");
    return build("HK", hkDigits.padStart(5, "0"));
  }

  let code: string | undefined;
  let stated: string | undefined;
  const suffix = A_SUFFIX.exec(text);
  const prefix = A_PREFIX.exec(text);
  if (suffix) [, code, stated] = suffix;
  else if (prefix) [, stated, code] = prefix;
  else if (/^\d{6}$/.test(text)) code = text;
  if (!code) throw invalid(input, "not a recognised stock symbol");

  const market = aShareMarket(code);
  if (!market) throw invalid(input, `${code} is not an A-share stock code`);
  const statedMarket = stated === "SS" ? "SH" : stated;
  if (statedMarket && statedMarket !== market) {
    throw invalid(input, `${code} is listed in ${market}, not ${statedMarket}`);
  }
  return build(market, code);
}

export { ACCEPTED_INDEX_FORMS, parseIndexSymbol } from "./indices.ts";
export type { IndexMarket, IndexSymbol } from "./indices.ts";
import type { IndexSymbol } from "./indices.ts";

/**
 * Anything QuantDB keeps daily bars for: a stock or an index. `kind` is part of every cache key.
 */
export type Instrument = StockSymbol | IndexSymbol;
