/**
 * Render `src/markets.generated.ts`: the part of core's market registry (@quantdb/core/markets) the
 * remote client needs, as plain data: each market's id, name, time zone and accepted symbol forms.
 * The SDK does not bundle workspace packages (tsdown.config.ts) and stays dependency-light, so it
 * carries this generated copy; `test/markets-drift.test.ts` fails when it differs from the registry.
 */
import { MARKETS, STOCK_MARKET_IDS } from "@quantdb/core/markets";

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
    "/** Every market the server serves, in the registry's order. */",
    `export const MARKETS: readonly MarketInfo[] = ${JSON.stringify(markets, null, 2)};`,
    "",
  ].join("\n");
}
