/**
 * The two warm answers the targets speak of: one year of 600519 (replay data, fetched by the first
 * request) and sixteen years of the first synthetic instrument (bench/synthetic.ts; ~3,900 bars).
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
