/**
 * Instrument symbols: one parser for every common way people write an A-share or HK stock code.
 * The accepted forms are each market's data (`../markets/registry.ts`, `symbols`):
 *
 * - A-shares: `600519`, `sh600519`, `SH600519`, `600519.SH`, `600519.SS`, `000001.SZ`, `sz000001`,
 *   Beijing `830799`, `430047`, `920xxx`, `bj830799`, `830799.BJ`
 * - Hong Kong: `00700`, `0700.HK`, `700.HK`, `HK.00700`, `hk00700`, `HK:700`
 * (case-insensitive).
 */
import { eastmoneySecid } from "../eastmoney/ids.ts";
import { InputError } from "../errors.ts";
import { STOCK_MARKET_IDS, MARKETS, marketOfExchange } from "../markets/registry.ts";
import type { Currency, StockExchange } from "../markets/types.ts";

/** Exchange of a listed stock: Shanghai, Shenzhen, Beijing (market CN) or Hong Kong (market HK). */
export type Market = StockExchange;

/** A parsed stock symbol. */
export interface StockSymbol {
  /** Always "stock" for now; indices are a separate instrument kind with their own parser. */
  kind: "stock";
  /** Listing exchange. */
  market: Market;
  /** Canonical code: 6 digits for A-shares, 5 digits (zero-padded) for HK. */
  code: string;
  /**
   * Eastmoney's id for it, `{market id}.{code}` (e.g. `1.600519`, `0.000001`, `116.00700`): the
   * Eastmoney adapter's mapping (`eastmoneySecid`), carried for its calls; never stored.
   */
  secid: string;
  /** Trading currency of prices and amounts (the market's: CNY, HKD). */
  currency: Currency;
}

/** Human-readable list of accepted forms, used in error messages. */
export const ACCEPTED_SYMBOL_FORMS = STOCK_MARKET_IDS.map((id) => MARKETS[id].symbols.stockExamples).join(", ");

function build(market: Market, code: string): StockSymbol {
  const secid = eastmoneySecid({ kind: "stock", market, code });
  return { kind: "stock", market, code, secid, currency: marketOfExchange(market).currency };
}

function invalid(input: string, why: string): InputError {
  return new InputError(
    "INVALID_SYMBOL",
    `Invalid symbol '${input}': ${why}. Accepted forms: ${ACCEPTED_SYMBOL_FORMS}.`,
    {
      symbol: input,
      accepted_forms: ACCEPTED_SYMBOL_FORMS,
    },
  );
}

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

  for (const id of STOCK_MARKET_IDS) {
    const forms = MARKETS[id].symbols;
    for (const pattern of forms.stock) {
      const groups = pattern.exec(text)?.groups;
      if (!groups?.code) continue;
      const found = forms.stockCode(groups.code);
      if ("error" in found) throw invalid(input, found.error);
      const written = groups.exchange;
      const stated = written === undefined ? undefined : (forms.exchangeAliases[written] ?? written);
      if (stated !== undefined && stated !== found.exchange) {
        throw invalid(input, `${found.code} is listed in ${found.exchange}, not ${stated}`);
      }
      return build(found.exchange, found.code);
    }
  }
  throw invalid(input, "not a recognised stock symbol");
}

export { ACCEPTED_INDEX_FORMS, parseIndexSymbol } from "./indices.ts";
export type { IndexMarket, IndexSymbol } from "./indices.ts";
import type { IndexSymbol } from "./indices.ts";

/**
 * Anything QuantDB keeps daily bars for: a stock or an index. `kind` is part of every cache key.
 */
export type Instrument = StockSymbol | IndexSymbol;
