/**
 * Technical indicators (`@quantdb/core/indicators`) by the Tongdaxin (通达信, "tdx") formulas:
 * - `MA(X,N)` the simple mean; `EMA(X,N)`: `Y = (2·X + (N−1)·Y′)/(N+1)`, first `Y = X`;
 *   `SMA(X,N,M)`: `Y = (M·X + (N−M)·Y′)/N`, first `Y = X`;
 * - MACD `DIF = EMA(C,12) − EMA(C,26)`, `DEA = EMA(DIF,9)`, `MACD = 2·(DIF − DEA)`;
 * - KDJ `RSV = (C − LLV(L,9)) / (HHV(H,9) − LLV(L,9)) · 100` (50 when the range is 0),
 *   `K = SMA(RSV,3,1)`, `D = SMA(K,3,1)`, `J = 3K − 2D`;
 * - RSI `SMA(MAX(C − C₋₁, 0), N, 1) / SMA(|C − C₋₁|, N, 1) · 100`;
 * - BOLL `MID = MA(C,20)`, `UPPER/LOWER = MID ± 2·STD(C,20)` (sample standard deviation, n − 1);
 * - ATR `MA(MAX(H − L, |C₋₁ − H|, |C₋₁ − L|), 14)`; OBV the running sum of `sign(C − C₋₁)·V`, 0 on
 *   the answer's first bar.
 * Pure functions over arrays aligned with the bars; `null` where a value cannot be computed.
 */
export * from "./formulas.ts";
export * from "./spec.ts";
export {
  IndicatorService,
  type IndicatorQuery,
  type IndicatorQueryInput,
  type IndicatorResult,
  type IndicatorRow,
} from "./service.ts";
