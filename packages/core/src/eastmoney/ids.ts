/**
 * The Eastmoney adapter's mapping from QuantDB's instruments to Eastmoney's ids and units: the
 * `secid` `{market id}.{code}` its endpoints take (docs/upstream-spec.md §1.2), and the unit of the
 * volumes it reports. QuantDB never stores a secid (docs/adr/0007-markets-as-data.md).
 */
import { lotsToShares, marketOfExchange } from "../markets/registry.ts";
import type { IndexCompiler } from "../markets/types.ts";

/** Eastmoney's market id of a listing exchange: Shanghai 1; Shenzhen and Beijing both 0; HK 116. */
const STOCK_MARKET_ID: Readonly<Record<string, string>> = { SH: "1", SZ: "0", BJ: "0", HK: "116" };

/** Eastmoney's market id of a CN index compiler: SSE 1, SZSE and BSE 0, CSI 2. */
const INDEX_MARKET_ID: Readonly<Record<string, string>> = { SH: "1", SZ: "0", BJ: "0", CSI: "2" };

/** Secids of the named HK indices (Hang Seng Indexes: 100; Hang Seng TECH: 124). */
const NAMED_INDEX_SECID: Readonly<Record<string, string>> = {
  HSI: "100.HSI",
  HSCEI: "100.HSCEI",
  HSTECH: "124.HSTECH",
};

/**
 * Eastmoney's secid of an instrument, e.g. `1.600519`, `0.000001`, `116.00700`, `1.000300`,
 * `2.931151`, `100.HSI`.
 * @throws RangeError for an instrument Eastmoney has no id for.
 */
export function eastmoneySecid(instrument: { kind: "stock" | "index"; market: IndexCompiler; code: string }): string {
  const { kind, market, code } = instrument;
  const id = kind === "stock" ? STOCK_MARKET_ID[market] : INDEX_MARKET_ID[market];
  if (id !== undefined) return `${id}.${code}`;
  const named = kind === "index" ? NAMED_INDEX_SECID[code] : undefined;
  if (named === undefined) throw new RangeError(`eastmoney: no secid for ${kind} ${market}:${code}`);
  return named;
}

/**
 * A volume as Eastmoney (and AKShare, which scrapes it) reports it, in shares: in board lots where
 * the market has a fixed lot size (A-shares and CN indices: lots of 100), otherwise already in
 * shares (HK).
 */
export function eastmoneyVolumeToShares(exchange: IndexCompiler, volume: number): number {
  const m = marketOfExchange(exchange);
  if (m.lotSize !== null) return lotsToShares(m, volume);
  return m.volume.fractional ? volume : Math.round(volume);
}
