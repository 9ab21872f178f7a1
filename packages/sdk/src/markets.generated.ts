// Generated from @quantdb/core/markets by `pnpm --filter @quantdb/sdk generate` (scripts/markets.ts).
// Do not edit.

/** A market as the SDK knows it: id, name, time zone, currency and accepted symbol forms (regex sources). */
export interface MarketInfo {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly currency: string;
  /** Matched against the trimmed, upper-cased symbol (runs of spaces collapsed). */
  readonly stockPatterns: readonly string[];
  readonly indexPatterns: readonly string[];
  /** Indices known by name, upper case (`HSI`, `HANG SENG`). */
  readonly indexNames: readonly string[];
}

/** Every stock market the server serves, in the registry's order (the crypto market: {@link CRYPTO_MARKET}). */
export const MARKETS: readonly MarketInfo[] = [
  {
    "id": "CN",
    "name": "A-shares (SSE/SZSE/BSE)",
    "timeZone": "Asia/Shanghai",
    "currency": "CNY",
    "stockPatterns": [
      "^(?<code>\\d{6})$",
      "^(?<code>\\d{6})\\.(?<exchange>SH|SS|SZ|BJ)$",
      "^(?<exchange>SH|SZ|BJ)(?<code>\\d{6})$"
    ],
    "indexPatterns": [
      "^(?<exchange>SH|SZ|BJ|CSI)(?<code>\\d{6})$",
      "^(?<code>\\d{6})(?:\\.(?<exchange>SH|SS|SZ|BJ|CSI))?$"
    ],
    "indexNames": []
  },
  {
    "id": "HK",
    "name": "Hong Kong (HKEX)",
    "timeZone": "Asia/Hong_Kong",
    "currency": "HKD",
    "stockPatterns": [
      "^(?<code>\\d{5})$",
      "^(?<code>\\d{1,5})\\.HK$",
      "^HK[.:]?(?<code>\\d{1,5})$"
    ],
    "indexPatterns": [],
    "indexNames": [
      "HSI",
      "^HSI",
      "HK.HSI",
      "HSI.HK",
      "HANG SENG",
      "HANG SENG INDEX",
      "HANGSENG",
      "恒生指数",
      "HSCEI",
      "^HSCE",
      "HSCE",
      "HK.HSCEI",
      "HANG SENG CHINA ENTERPRISES",
      "HS CHINA ENTERPRISES",
      "H SHARES",
      "国企指数",
      "HSTECH",
      "^HSTECH",
      "HK.HSTECH",
      "HANGSENG TECH",
      "HANG SENG TECH",
      "HANG SENG TECH INDEX",
      "恒生科技指数"
    ]
  }
];

/** A crypto exchange QuantDB can serve (ccxt id); which ones a server reaches is its configuration. */
export type CryptoExchange = "binance" | "okx" | "bybit" | "coinbase" | "kraken";

/** The crypto market as the SDK knows it: spot pairs on a few exchanges, every UTC day a session. */
export interface CryptoMarketInfo {
  readonly id: "CRYPTO";
  readonly name: string;
  /** Dates and times of crypto bars are UTC. */
  readonly timeZone: "UTC";
  /** Exchanges (ccxt ids), in the registry's order. */
  readonly exchanges: readonly CryptoExchange[];
  /** Bar timeframes: `1d` (UTC day, bars open at 00:00 UTC) and `1h` (bars open on the hour). */
  readonly timeframes: readonly ("1d" | "1h")[];
  /**
   * The symbol form `exchange:BASE/QUOTE` (`-` for `/` accepted), a regex source matched against the trimmed
   * symbol with {@link CryptoMarketInfo.symbolPatternFlags}; groups `exchange`, `base`, `quote`.
   */
  readonly symbolPattern: string;
  readonly symbolPatternFlags: string;
  /** How a pair is written in the SDK and CLI (`binance:BTC/USDT`) and in URLs (`binance/BTC-USDT`). */
  readonly symbolExamples: { readonly sdk: string; readonly url: string };
}

/** The crypto market. */
export const CRYPTO_MARKET: CryptoMarketInfo = {
  "id": "CRYPTO",
  "name": "Crypto spot pairs (binance, okx, bybit, coinbase, kraken)",
  "timeZone": "UTC",
  "exchanges": [
    "binance",
    "okx",
    "bybit",
    "coinbase",
    "kraken"
  ],
  "timeframes": [
    "1d",
    "1h"
  ],
  "symbolPattern": "^(?<exchange>[a-z0-9]+):(?<base>[^/\\-\\s]+)[/-](?<quote>[^/\\-\\s]+)$",
  "symbolPatternFlags": "i",
  "symbolExamples": {
    "sdk": "binance:BTC/USDT",
    "url": "binance/BTC-USDT"
  }
};
