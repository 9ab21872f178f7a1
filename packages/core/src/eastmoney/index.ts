/** Eastmoney upstream adapters. */
export * from "./kline.ts";
