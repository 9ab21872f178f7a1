/**
 * QuantDB's own instrument id (its key), the column `instruments.key` is unique on (docs/adr/0007-markets-as-data.md).
 * Upstream ids (Eastmoney's `secid`) are the source adapters' mapping and are never stored.
 */
import type { IndexCompiler } from "./types.ts";

/** QuantDB's id of an instrument, `<kind>:<exchange>:<code>` (see {@link instrumentKey}). */
export type InstrumentKey = string;

/**
 * `<kind>:<exchange>:<code>`, e.g. `stock:SH:600519`, `stock:HK:00700`, `index:SH:000001`,
 * `index:CSI:931151`, `index:HK:HSI`. The kind is part of it because a code names different things
 * (`000001` is Ping An Bank on SZ as a stock, the SSE Composite as an index); the exchange (or
 * index compiler) because CN index codes repeat across compilers (`000300.SH` vs `csi000300`).
 */
export function instrumentKey(instrument: {
  kind: "stock" | "index";
  market: IndexCompiler;
  code: string;
}): InstrumentKey {
  return `${instrument.kind}:${instrument.market}:${instrument.code}`;
}
