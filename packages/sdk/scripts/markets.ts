/**
 * Render `src/markets.generated.ts`: the part of core's market registry (@quantdb/core/markets) the
 * remote client needs, as plain data: each stock market's id, name, time zone and accepted symbol
 * forms, and the crypto market's exchanges, timeframes and symbol form (@quantdb/core/crypto).
 * The SDK does not bundle workspace packages (tsdown.config.ts) and stays dependency-light, so it
 * carries this generated copy; `test/markets-drift.test.ts` fails when it differs from the registry.
 */
import { CRYPTO_SYMBOL_FORM } from "@quantdb/core/crypto";
import { CRYPTO_MARKET, MARKETS, STOCK_MARKET_IDS } from "@quantdb/core/markets";

/** The text of `src/markets.generated.ts` for the registry as it is now. */
export function renderMarketsModule(): string {
  const markets = STOCK_MARKET_IDS.map((id) => {
    const m = MARKETS[id];
    return {
      id: m.id,
      name: m.name,
      timeZone: m.timeZone,
      currency: m.currency,
      stockPatterns: m.symbols.stock.map((p) => p.source),
      indexPatterns: m.symbols.index.map((p) => p.source),
      indexNames: Object.entries(m.namedIndices).flatMap(([code, aliases]) => [code, ...aliases]),
    };
  });
  const crypto = {
    id: CRYPTO_MARKET.id,
    name: CRYPTO_MARKET.name,
    timeZone: CRYPTO_MARKET.timeZone,
    exchanges: CRYPTO_MARKET.exchanges,
    timeframes: CRYPTO_MARKET.timeframes,
    symbolPattern: CRYPTO_SYMBOL_FORM.source,
    symbolPatternFlags: CRYPTO_SYMBOL_FORM.flags,
    symbolExamples: CRYPTO_MARKET.symbolExamples,
  };
  const union = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(" | ");
  return [
    "// Generated from @quantdb/core/markets by `pnpm --filter @quantdb/sdk generate` (scripts/markets.ts).",
    "// Do not edit.",
    "",
    "/** A market as the SDK knows it: id, name, time zone, currency and accepted symbol forms (regex sources). */",
    "export interface MarketInfo {",
    "  readonly id: string;",
    "  readonly name: string;",
    "  readonly timeZone: string;",
    "  readonly currency: string;",
    "  /** Matched against the trimmed, upper-cased symbol (runs of spaces collapsed). */",
    "  readonly stockPatterns: readonly string[];",
    "  readonly indexPatterns: readonly string[];",
    "  /** Indices known by name, upper case (`HSI`, `HANG SENG`). */",
    "  readonly indexNames: readonly string[];",
    "}",
    "",
    "/** Every stock market the server serves, in the registry's order (the crypto market: {@link CRYPTO_MARKET}). */",
    `export const MARKETS: readonly MarketInfo[] = ${JSON.stringify(markets, null, 2)};`,
    "",
    "/** A crypto exchange QuantDB can serve (ccxt id); which ones a server reaches is its configuration. */",
    `export type CryptoExchange = ${union(crypto.exchanges)};`,
    "",
    "/** The crypto market as the SDK knows it: spot pairs on a few exchanges, every UTC day a session. */",
    "export interface CryptoMarketInfo {",
    '  readonly id: "CRYPTO";',
    "  readonly name: string;",
    "  /** Dates and times of crypto bars are UTC. */",
    '  readonly timeZone: "UTC";',
    "  /** Exchanges (ccxt ids), in the registry's order. */",
    "  readonly exchanges: readonly CryptoExchange[];",
    "  /** Bar timeframes: `1d` (UTC day, bars open at 00:00 UTC) and `1h` (bars open on the hour). */",
    `  readonly timeframes: readonly (${union(crypto.timeframes)})[];`,
    "  /**",
    "   * The symbol form `exchange:BASE/QUOTE` (`-` for `/` accepted), a regex source matched against the trimmed",
    "   * symbol with {@link CryptoMarketInfo.symbolPatternFlags}; groups `exchange`, `base`, `quote`.",
    "   */",
    "  readonly symbolPattern: string;",
    "  readonly symbolPatternFlags: string;",
    "  /** How a pair is written in the SDK and CLI (`binance:BTC/USDT`) and in URLs (`binance/BTC-USDT`). */",
    "  readonly symbolExamples: { readonly sdk: string; readonly url: string };",
    "}",
    "",
    "/** The crypto market. */",
    `export const CRYPTO_MARKET: CryptoMarketInfo = ${JSON.stringify(crypto, null, 2)};`,
    "",
  ].join("\n");
}
