/**
 * The shape of a market definition: everything that differs between the markets QuantDB serves is
 * data in one {@link Market} object (see `./registry.ts`), so adding a market is one more entry plus
 * its source adapter (docs/adr/0007-markets-as-data.md).
 */
import type { Adjust } from "../history/types.ts";

/** A stock market's id as the API spells it: `"CN"` (A-shares: SSE, SZSE, BSE) or `"HK"` (HKEX). */
export type StockMarketId = "CN" | "HK";

/** A market's id as the API spells it: a stock market, or `"CRYPTO"` (spot pairs on crypto exchanges, UTC). */
export type MarketId = StockMarketId | "CRYPTO";

/** Trading currency of a market's prices and amounts (ISO 4217). */
export type Currency = "CNY" | "HKD";

/** Where a stock is listed: Shanghai, Shenzhen, Beijing (market CN) or Hong Kong (market HK). */
export type StockExchange = "SH" | "SZ" | "BJ" | "HK";

/** Who compiles an index: a listing exchange, or China Securities Index Co. (`CSI`, market CN). */
export type IndexCompiler = StockExchange | "CSI";

/** Regular trading hours, exchange-local `HH:MM` (24-hour, zero-padded). */
export interface RegularHours {
  /** Start of continuous trading, e.g. `"09:30"`. */
  open: string;
  /** End of continuous trading, e.g. `"15:00"`. */
  close: string;
  /** Start of the lunch break, or null when the market has none. */
  breakStart: string | null;
  /** End of the lunch break, or null when the market has none. */
  breakEnd: string | null;
}

/**
 * Which days a market trades. `exchange`: a bundled exchange calendar with the same id as the
 * market (packages/core/src/calendar/data), learnt past its horizon from the benchmark index.
 * `continuous` (crypto): every day, all day, in the market's time zone (24/7 markets); a bar is final
 * `finalAfterPeriodMinutes` after its period ends.
 */
export type MarketCalendar =
  | {
      kind: "exchange";
      /** Whose sessions the calendar lists, for people and error messages: `"A-shares: SSE, SZSE, BSE"`. */
      description: string;
      /** First date the bundled calendar has data for, exchange-local `YYYY-MM-DD`. */
      firstSession: string;
      /** Whether sessions may end early (half days), and at what exchange-local time (HK: `"12:00"`). */
      halfDayClose: string | null;
      /** A rule engine that forecasts holidays after the horizon (HKEX's, `../calendar/hkex-rules.ts`), or null. */
      computedSchedule: "hkex" | null;
      /** Where an operator extends the calendar officially: Sina's trading-date list or HKEX's holiday list. */
      officialSchedule: "sina-trade-dates" | "hkex-holidays";
    }
  | { kind: "continuous"; finalAfterPeriodMinutes: number };

/**
 * How a market's symbols are written. Each pattern is matched against the trimmed, upper-cased
 * input (runs of spaces collapsed to one) and names its parts with the groups `code` and, where
 * the form states one, `exchange`. The patterns are plain data so the SDK can carry a generated
 * copy (packages/sdk/src/markets.generated.ts).
 */
export interface SymbolForms {
  /** Stock symbol patterns, e.g. `^(?<code>\d{6})\.(?<exchange>SH|SS|SZ|BJ)$`. */
  stock: readonly RegExp[];
  /** Index symbol patterns (codes); named indices are listed in {@link Market.namedIndices}. */
  index: readonly RegExp[];
  /** Exchange spellings that mean another exchange (`SS` is Yahoo's name for Shanghai). */
  exchangeAliases: Readonly<Record<string, IndexCompiler>>;
  /**
   * The canonical code of a matched stock code (HK: zero-padded to 5 digits) and its listing
   * exchange (A-shares: by the code's prefix), or a reason it is not a stock code of the market.
   */
  stockCode(code: string): { code: string; exchange: StockExchange } | { error: string };
  /** The compiler of a bare index code (CN: 000xxx SSE, 399xxx SZSE, 899xxx BSE, 93xxxx CSI), or null. */
  indexCompilerOfCode(code: string): IndexCompiler | null;
  /** The accepted stock forms for error messages, e.g. `600519, sh600519, …`. */
  stockExamples: string;
  /** The accepted index forms for error messages. */
  indexExamples: string;
}

/** One stock market: its calendar, hours, currency, units and symbol rules. */
export interface Market {
  /** The id the API uses (`market` of the calendar endpoints, job scopes). */
  readonly id: StockMarketId;
  /** A name for people, e.g. `"A-shares (SSE/SZSE/BSE)"`. */
  readonly name: string;
  /** Which days it trades. */
  readonly calendar: MarketCalendar;
  /** IANA time zone every date and time of the market is local to (its "exchange-local" clock). */
  readonly timeZone: string;
  /** Regular session hours (half days and past hours come from the calendar data). */
  readonly hours: RegularHours;
  /** End of the closing auction, exchange-local `HH:MM`, when it runs after `hours.close` (HK ~16:10); else null. */
  readonly closingAuctionEnd: string | null;
  /**
   * Minutes after a session's close before its bar is final (upstream revises it through the
   * closing auction; README "Provisional bars"). Callers may configure another margin.
   */
  readonly finalAfterCloseMinutes: number;
  /** Trading currency of prices, changes and amounts. */
  readonly currency: Currency;
  /** Decimals upstream quotes prices with: stocks, and index levels (points). */
  readonly priceDecimals: { readonly stock: number; readonly index: number };
  /**
   * Volume as QuantDB stores and serves it: always in shares (units of the instrument);
   * `fractional: false` means whole shares (A-shares, HK), so volumes are rounded after conversion.
   */
  readonly volume: { readonly unit: "shares"; readonly fractional: boolean };
  /**
   * Shares per board lot where it is one fixed size for the market (A-shares: 100, the 手 in which
   * Eastmoney and AKShare report volume); null where lots differ per stock (HK) or do not exist.
   */
  readonly lotSize: number | null;
  /** Exchanges that list its stocks. */
  readonly exchanges: readonly StockExchange[];
  /** Who operates each listing exchange and where (`SH`: SSE, Shanghai), for responses and messages. */
  readonly exchangeInfo: Readonly<Partial<Record<StockExchange, { operator: string; place: string }>>>;
  /** Compilers of its indices. */
  readonly indexCompilers: readonly IndexCompiler[];
  /** Accepted symbol forms. */
  readonly symbols: SymbolForms;
  /** Indices known by name (code → the other names people type, upper case), e.g. `HSI`. */
  readonly namedIndices: Readonly<Record<string, readonly string[]>>;
  /** The index whose daily bars say which days the market traded (the calendar horizon), as a symbol. */
  readonly benchmarkIndex: string;
  /** Price adjustments upstream offers (a market without corporate actions offers only `""`). */
  readonly adjustments: readonly Adjust[];
  /** Source adapters that serve it, by name (`eastmoney`: packages/core/src/eastmoney). */
  readonly sources: {
    readonly dailyBars: readonly string[];
    /** Financial reports (`eastmoney-datacenter`: packages/core/src/fundamentals); empty where none is available. */
    readonly financials: readonly string[];
  };
}

/**
 * The crypto market (issue 17; docs/adr/0008-crypto-through-ccxt.md): spot pairs on several exchanges,
 * trading 24/7 in UTC. Prices and amounts are in each pair's quote currency, volumes in its base
 * currency (fractional); there are no lots and no adjustments.
 */
export interface CryptoMarket {
  readonly id: "CRYPTO";
  readonly name: string;
  /** Every UTC day is a session; a bar is final a grace period after its period ends. */
  readonly calendar: { readonly kind: "continuous"; readonly finalAfterPeriodMinutes: number };
  /** Always `"UTC"`: dates of crypto bars are UTC days. */
  readonly timeZone: "UTC";
  /** Volume in the pair's base currency, fractional. */
  readonly volume: { readonly unit: "base currency"; readonly fractional: true };
  /** No board lots. */
  readonly lotSize: null;
  /** No corporate actions: only unadjusted prices. */
  readonly adjustments: readonly [""];
  /** Bar timeframes served (`1d`: UTC day; `1h`: hour). */
  readonly timeframes: readonly ("1d" | "1h")[];
  /** Exchanges (ccxt ids) QuantDB can serve; which ones a system reaches is configured. */
  readonly exchanges: readonly ("binance" | "okx" | "bybit" | "coinbase" | "kraken")[];
  /** How a pair is written: in the SDK and CLI, and in URLs. */
  readonly symbolExamples: { readonly sdk: string; readonly url: string };
  /** Source adapters that serve it (`ccxt`: packages/core/src/crypto/ccxt-source.ts). */
  readonly sources: { readonly bars: readonly string[] };
}

/** Any market of the registry. */
export type AnyMarket = Market | CryptoMarket;
