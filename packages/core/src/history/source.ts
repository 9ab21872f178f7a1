/**
 * The daily-bar source port: what the history service, the calendar horizon and the daily ingest
 * need from an upstream (ADR docs/adr/0001-rules-in-core.md). The Eastmoney kline client
 * implements it for CN and HK (`../eastmoney/kline.ts`); which adapters serve a market is the
 * market's `sources.dailyBars`. An adapter maps the instrument to its own upstream id (Eastmoney:
 * `secid`) and returns bars in QuantDB's units (volume in shares, prices in the trading currency).
 */
import type { IsoDate } from "../dates.ts";
import type { Instrument } from "../symbols/index.ts";
import type { Adjust, UpstreamBars } from "./types.ts";

/** One daily-bar request: inclusive exchange-local date range. */
export interface DailyBarsRequest {
  symbol: Instrument;
  adjust: Adjust;
  /** First exchange-local date, `YYYY-MM-DD`. */
  start: IsoDate;
  /** Last exchange-local date, `YYYY-MM-DD` (inclusive). */
  end: IsoDate;
  signal?: AbortSignal;
}

/** Anything that can supply daily bars for a symbol and date range (an upstream adapter, a fake in unit tests). */
export interface DailyBarSource {
  /**
   * Fetch daily bars with `start <= date <= end` in ONE upstream call.
   * @returns bars ascending by date, volume in shares, prices in the trading currency (points for indices)
   * @throws {UpstreamError} on any upstream failure; callers store nothing from a failed call.
   */
  fetchDailyBars(request: DailyBarsRequest): Promise<UpstreamBars>;
}
