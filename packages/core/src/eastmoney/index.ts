/** Eastmoney upstream adapters. */
export * from "./kline.ts";
export * from "./quotes.ts";
export * from "./envelope.ts";
