/**
 * What the cache holds, and clearing it: the cache-management endpoints' rules.
 */
import type { IsoDate } from "../dates.ts";
import { InputError } from "../errors.ts";
import type { Instrument } from "../symbols/index.ts";
import type { Adjust } from "./types.ts";

/** Totals over everything stored. */
export interface StoredTotals {
  instruments: { stocks: number; indices: number };
  bars: number;
  /** Held spans, and how many of them came back empty (suspensions, before listing, after delisting). */
  spans: { total: number; empty: number };
  /** Earliest and latest bar date held, exchange-local; null when nothing is held. */
  first_bar: IsoDate | null;
  last_bar: IsoDate | null;
}

/** One held span of an instrument's series. */
export interface CoverageSpan {
  adjust: Adjust;
  start: IsoDate;
  end: IsoDate;
  /** Bars upstream had for the span when it was fetched (0: an empty span). */
  bars: number;
  fetchedAt: Date;
}

/** Storage the cache-management service needs (implemented by `@quantdb/db`). */
export interface CacheAdminStore {
  totals(): Promise<StoredTotals>;
  /** Held spans of an instrument, by adjust then start date; null when the instrument is not held. */
  coverage(instrument: Instrument): Promise<CoverageSpan[] | null>;
  /** Delete everything cached (bars, spans, instruments, profiles, reports, list snapshots). */
  clearAll(): Promise<void>;
  /** Delete one instrument and everything cached for it; false when it was not held. */
  clearInstrument(instrument: Instrument): Promise<boolean>;
}

/** Cache management: totals, coverage per instrument, clearing. */
export class CacheAdmin {
  constructor(readonly store: CacheAdminStore) {}

  /** Totals over everything stored. */
  totals(): Promise<StoredTotals> {
    return this.store.totals();
  }

  /**
   * Held spans of an instrument.
   * @throws {InputError} `NOT_FOUND` (404) when nothing is held for it.
   */
  async coverage(instrument: Instrument): Promise<CoverageSpan[]> {
    const spans = await this.store.coverage(instrument);
    if (spans === null) throw notHeld(instrument);
    return spans;
  }

  /** Delete everything cached. */
  clearAll(): Promise<void> {
    return this.store.clearAll();
  }

  /**
   * Delete one instrument and everything cached for it.
   * @throws {InputError} `NOT_FOUND` (404) when nothing is held for it.
   */
  async clearInstrument(instrument: Instrument): Promise<void> {
    if (!(await this.store.clearInstrument(instrument))) throw notHeld(instrument);
  }
}

function notHeld(instrument: Instrument): InputError {
  return new InputError(
    "NOT_FOUND",
    `Nothing is cached for ${instrument.kind} ${instrument.code} (${instrument.market})`,
    {
      symbol: instrument.code,
      market: instrument.market,
      kind: instrument.kind,
    },
  );
}
