/**
 * The warm answers the targets speak of: one year of 600519 (replay data, fetched by the first
 * request) and sixteen years of the first synthetic instrument (bench/synthetic.ts; ~3,900 bars);
 * and the indicators of one year of 600519 qfq (issue 18).
 */
import { syntheticCode } from "./synthetic.ts";

/** A history range: `start` and `end` are exchange-local `YYYY-MM-DD`. */
export interface Range {
  name: string;
  code: string;
  start: string;
  end: string;
}

export const ONE_YEAR: Range = { name: "1Y", code: "600519", start: "2025-08-11", end: "2026-08-11" };
export const SIXTEEN_YEARS: Range = { name: "16Y", code: syntheticCode(0), start: "2010-11-20", end: "2026-11-20" };

/** The API path that asks for `range` (unadjusted, JSON). */
export const historyPath = (range: Range): string =>
  `/api/v1/historical/stock/${range.code}` +
  `?start_date=${range.start.replaceAll("-", "")}&end_date=${range.end.replaceAll("-", "")}`;

/**
 * Indicators of one year of 600519 qfq, a realistic set: the last year of the replay's recorded qfq
 * (2021-01-04 … 2024-05-22), so its warm-up bars (`ema:60`: 900 sessions asked, 575 held since
 * 2021-01-04) come through the cache from the replay like the year itself.
 */
export const INDICATORS_PATH =
  "/api/v1/indicators/600519?indicators=ma:20,ema:60,macd,kdj,rsi,boll,atr,obv" +
  "&start_date=20230522&end_date=20240522&adjust=qfq";
