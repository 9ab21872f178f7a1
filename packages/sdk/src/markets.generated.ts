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

/** Every market the server serves, in the registry's order. */
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
