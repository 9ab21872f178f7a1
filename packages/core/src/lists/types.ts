/**
 * Shapes of the stock list (Eastmoney `clist`) and company information (Eastmoney `stock/get`),
 * shared by the upstream adapters, the services and their stores.
 */
import type { IsoDate } from "../dates.ts";
import { exchangeInfo, marketOfExchange, STOCK_EXCHANGES } from "../markets/registry.ts";
import type { Currency } from "../markets/types.ts";
import type { Market } from "../symbols/index.ts";

/** The markets a stock list exists for: Shanghai, Shenzhen, Beijing (A-shares) and Hong Kong. */
export type ListMarket = Market;

/** Every list market, in the order they are documented. */
export const LIST_MARKETS: readonly ListMarket[] = STOCK_EXCHANGES;

/** Trading currency of a market's prices, amounts and market caps. */
export function currencyOf(market: ListMarket): Currency {
  return marketOfExchange(market).currency;
}

/** Exchange operating a market: SSE (Shanghai), SZSE (Shenzhen), BSE (Beijing), HKEX (Hong Kong). */
export type Exchange = "SSE" | "SZSE" | "BSE" | "HKEX";

/** The exchange of a market (`SH` → `SSE`, `SZ` → `SZSE`, `BJ` → `BSE`, `HK` → `HKEX`). */
export function exchangeOf(market: ListMarket): Exchange {
  return exchangeInfo(market).operator as Exchange;
}

/**
 * One stock in a market snapshot, in QuantDB units: prices, `change`, `amount` and market caps in
 * the trading currency (CNY for SH/SZ/BJ, HKD for HK); `volume` in **shares** (Eastmoney reports
 * A-shares in lots of 100; converted); `pct_change` and `turnover_rate` in **percent**; P/E and P/B
 * as plain ratios. A value upstream sent as `"-"` (suspended, not traded yet, not applicable) is
 * `null`. Upstream: Eastmoney `clist/get` (field ids in brackets, docs/upstream-spec.md §6.1).
 */
export interface StockListEntry {
  /** Exchange code [f12]: 6 digits (A-shares) or 5 digits (HK). */
  symbol: string;
  /** Short name [f14], e.g. 贵州茅台; null when upstream sent none. */
  name: string | null;
  /** Last price [f2]. */
  price: number | null;
  /** Change against the previous close [f3], percent. */
  pct_change: number | null;
  /** Change against the previous close [f4], trading currency. */
  change: number | null;
  /** Volume today [f5], shares (A-share lots × 100). */
  volume: number | null;
  /** Traded value today [f6], trading currency. */
  amount: number | null;
  /** Turnover rate [f8], percent of free float. */
  turnover_rate: number | null;
  /** Price / earnings, dynamic [f9] (市盈率-动态), ratio. */
  pe_ratio: number | null;
  /**
   * Price / earnings over the trailing twelve months [f115] (市盈率TTM), ratio; null when upstream sent
   * `"-"` (loss-making, suspended) and in a snapshot stored before QuantDB asked for it.
   */
  pe_ttm: number | null;
  /** Price / book [f23], ratio. */
  pb_ratio: number | null;
  /** Total market cap [f20], trading currency. */
  market_cap: number | null;
  /** Free-float market cap [f21], trading currency. */
  float_market_cap: number | null;
  /** Today's open [f17]. */
  open: number | null;
  /** Today's high [f15]. */
  high: number | null;
  /** Today's low [f16]. */
  low: number | null;
  /** Previous session's close [f18]. */
  prev_close: number | null;
  /** Amplitude today [f7], percent: (high − low) / previous close. */
  amplitude: number | null;
  /** Volume ratio [f10] (量比): today's volume per minute against the 5-day average, ratio. */
  volume_ratio: number | null;
  /** Price speed [f22] (涨速), percent per minute. */
  change_speed: number | null;
  /** Change over the last 5 minutes [f11] (5分钟涨跌), percent. */
  change_5min: number | null;
  /** Change over 60 sessions [f24] (60日涨跌幅), percent. */
  change_60d: number | null;
  /** Change since the year's first session [f25] (年初至今涨跌幅), percent. */
  change_ytd: number | null;
}

/** Units of every field of a stock-list entry, stated in each response. */
export interface StockListUnits {
  currency: Currency;
  price: Currency;
  change: Currency;
  pct_change: "percent";
  volume: "shares";
  amount: Currency;
  turnover_rate: "percent";
  pe_ratio: "ratio";
  pe_ttm: "ratio";
  pb_ratio: "ratio";
  market_cap: Currency;
  float_market_cap: Currency;
  amplitude: "percent";
  volume_ratio: "ratio";
  change_speed: "percent per minute";
  change_5min: "percent";
  change_60d: "percent";
  change_ytd: "percent";
}

/** Units of a market's stock list. */
export function stockListUnits(market: ListMarket): StockListUnits {
  const currency = currencyOf(market);
  return {
    currency,
    price: currency,
    change: currency,
    pct_change: "percent",
    volume: "shares",
    amount: currency,
    turnover_rate: "percent",
    pe_ratio: "ratio",
    pe_ttm: "ratio",
    pb_ratio: "ratio",
    market_cap: currency,
    float_market_cap: currency,
    amplitude: "percent",
    volume_ratio: "ratio",
    change_speed: "percent per minute",
    change_5min: "percent",
    change_60d: "percent",
    change_ytd: "percent",
  };
}

/**
 * Company information of one stock from Eastmoney `stock/get` (docs/upstream-spec.md §7.1; field ids in
 * brackets). Share counts in **shares**; market caps and price in the trading currency. `"-"` → null.
 */
export interface CompanyInfo {
  /** Exchange code [f57], equal to the requested symbol's code. */
  code: string;
  /** Short name [f58], e.g. 贵州茅台 (a first-day IPO carries an `N` prefix: N长进). */
  name: string | null;
  /** Industry name [f127], e.g. 酿酒行业. */
  industry: string | null;
  /** Listing date [f189, integer YYYYMMDD], exchange-local. */
  listingDate: IsoDate | null;
  /** Total shares outstanding [f84], shares. */
  totalShares: number | null;
  /** Free-float shares [f85], shares. */
  floatShares: number | null;
  /** Total market cap [f116], trading currency. */
  totalMarketCap: number | null;
  /** Free-float market cap [f117], trading currency. */
  floatMarketCap: number | null;
  /** Last price [f43], trading currency (kept for reference; not served by the company-info endpoint). */
  price: number | null;
  /** Upstream's `data` object as received, keyed by field id. */
  raw: Record<string, unknown>;
}
