/**
 * Shapes shared by the financial-summary service, its Eastmoney adapter and its store.
 */
import type { IsoDate } from "../dates.ts";
import type { StockSymbol } from "../symbols/index.ts";
import type { FinancialFieldName } from "./fields.ts";
import type { ReportType } from "./schedule.ts";

/**
 * One periodic report, mapped by name from upstream (see `FINANCIAL_FIELDS` for each field's
 * source key and unit). Amounts in CNY, per-share values in CNY/share, ratios in percent;
 * cumulative for the period (Q3 covers January–September). null: upstream sent no value.
 */
export type FinancialReport = {
  /** Period end, `YYYY-MM-DD`. */
  report_date: IsoDate;
  /** Q1, H1 (interim), Q3 or FY (annual), from the period end. */
  report_type: ReportType;
  /** Day the report was published (upstream NOTICE_DATE), `YYYY-MM-DD`, or null. */
  notice_date: IsoDate | null;
} & { [K in FinancialFieldName]: number | null };

/** A report together with the upstream rows it was mapped from, as stored. */
export interface FinancialReportRecord {
  report: FinancialReport;
  /** The upstream rows by report name (`null` where that report had no row for the date). */
  raw: Record<string, Record<string, unknown> | null>;
}

/** What one upstream fetch of an instrument's reports returned. */
export interface UpstreamFinancials {
  /** Short name as upstream reports it (SECURITY_NAME_ABBR), or null. */
  name: string | null;
  /** Reports, newest first; empty when upstream has none for the code. */
  reports: FinancialReportRecord[];
  /** HTTP calls made to produce this (1 when the main report was empty, else 3). */
  calls: number;
}

/** Anything that can supply an A-share's periodic reports (the Eastmoney client, a fake in unit tests). */
export interface FinancialSource {
  /**
   * Fetch the newest reports of an A-share.
   * @throws {UpstreamError} on any upstream failure; callers store nothing from a failed fetch.
   */
  fetchReports(symbol: StockSymbol, options?: { signal?: AbortSignal }): Promise<UpstreamFinancials>;
}

/** One completed fetch, written to the store atomically. */
export interface FinancialFetch {
  symbol: StockSymbol;
  /** Name reported upstream, or null to keep the stored one. */
  name: string | null;
  /** Reports to upsert (by instrument and report date); may be empty (nothing new upstream). */
  reports: FinancialReportRecord[];
  fetchedAt: Date;
  /** Exchange-local date after which the next report must exist. */
  nextDue: IsoDate;
}

/** A stored instrument as the financial service sees it. */
export interface FinancialInstrument {
  id: number;
  name: string | null;
}

/**
 * Storage the financial service needs (implemented by `@quantdb/db` for PGlite and PostgreSQL).
 */
export interface FinancialStore {
  /** The stored instrument for a symbol, or null. */
  findInstrument(symbol: StockSymbol): Promise<FinancialInstrument | null>;
  /** The instrument's last fetch, or null if its reports were never fetched. */
  lastFetch(instrumentId: number): Promise<{ fetchedAt: Date; nextDue: IsoDate } | null>;
  /** The newest `limit` stored reports, newest first. */
  reports(instrumentId: number, limit: number): Promise<FinancialReport[]>;
  /**
   * Persist one fetch in a single transaction: create or rename the instrument, upsert the reports
   * (unique per instrument and report date, data and raw replaced) and record the fetch time and
   * next due date. All of it is stored or none of it.
   */
  saveFetch(fetch: FinancialFetch): Promise<void>;
}
