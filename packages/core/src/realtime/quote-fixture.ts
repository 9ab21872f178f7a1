/**
 * Test fixture (imported by tests only): an upstream quote for `secid` with fixed made-up prices
 * (CNY 10, volume 1,000 lots), the shape Eastmoney's quote adapter returns.
 */
import type { UpstreamQuote } from "../eastmoney/quotes.ts";

/** A quote for `secid` (`1.600519`) with fixed made-up figures; no quote time. */
export function upstreamQuote(secid: string): UpstreamQuote {
  const code = secid.split(".")[1]!;
  return {
    secid,
    code,
    name: `N${code}`,
    price: 10,
    open: 9.9,
    high: 10.2,
    low: 9.8,
    prev_close: 9.95,
    change: 0.05,
    pct_change: 0.5,
    volume: 1000,
    amount: 10000,
    turnover_rate: 0.1,
    quote_time: null,
  };
}
