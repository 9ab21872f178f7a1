/**
 * The crypto market: spot pairs through CCXT (docs/adr/0008-crypto-through-ccxt.md).
 */
export * from "./types.ts";
