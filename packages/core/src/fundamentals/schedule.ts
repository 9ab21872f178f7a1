/**
 * The A-share reporting calendar and the cache policy built on it.
 *
 * Listed companies publish four reports a year, each cumulative from 1 January, with statutory
 * deadlines (Securities Law; SSE/SZSE/BSE listing rules):
 *
 * | period end | report | due by |
 * | --- | --- | --- |
 * | 03-31 | Q1 (一季报) | 04-30 |
 * | 06-30 | H1 (中报, interim) | 08-31 |
 * | 09-30 | Q3 (三季报) | 10-31 |
 * | 12-31 | FY (年报, annual) | 04-30 of the next year |
 *
 * A summary is cached until the deadline of the report that follows the newest one held: nothing
 * newer can be required to exist before then. Companies often publish earlier; such a report is
 * picked up on the first request after the deadline.
 */
import { localTime, type IsoDate } from "../dates.ts";
import { market } from "../markets/registry.ts";

/** Q1, H1 (interim), Q3 or FY (annual): which report a period end belongs to. */
export type ReportType = "Q1" | "H1" | "Q3" | "FY";

/** Time zone of the A-share exchanges (the reports' market); "today" for the cache policy is read here. */
export const CN_TIME_ZONE = market("CN").timeZone;

const TYPES: Record<string, ReportType> = { "03-31": "Q1", "06-30": "H1", "09-30": "Q3", "12-31": "FY" };

/**
 * The report type of a period end date.
 * @returns null for a date that is not a statutory period end (`2024-05-31`)
 */
export function reportTypeOf(reportDate: IsoDate): ReportType | null {
  return TYPES[reportDate.slice(5)] ?? null;
}

/** The next report after `reportDate` and its statutory deadline. */
export interface NextReport {
  /** Period end of the next report, `YYYY-MM-DD`. */
  reportDate: IsoDate;
  reportType: ReportType;
  /** Last day it may be published (exchange-local). */
  dueBy: IsoDate;
}

/**
 * The report that follows `reportDate` and the day it is due by.
 * @example nextReport("2024-12-31") // { reportDate: "2025-03-31", reportType: "Q1", dueBy: "2025-04-30" }
 * @example nextReport("2024-09-30") // { reportDate: "2024-12-31", reportType: "FY", dueBy: "2025-04-30" }
 * @throws {RangeError} when `reportDate` is not a period end
 */
export function nextReport(reportDate: IsoDate): NextReport {
  const year = Number(reportDate.slice(0, 4));
  switch (reportTypeOf(reportDate)) {
    case "Q1":
      return { reportDate: `${year}-06-30`, reportType: "H1", dueBy: `${year}-08-31` };
    case "H1":
      return { reportDate: `${year}-09-30`, reportType: "Q3", dueBy: `${year}-10-31` };
    case "Q3":
      return { reportDate: `${year}-12-31`, reportType: "FY", dueBy: `${year + 1}-04-30` };
    case "FY":
      return { reportDate: `${year + 1}-03-31`, reportType: "Q1", dueBy: `${year + 1}-04-30` };
    default:
      throw new RangeError(`${reportDate} is not a report period end`);
  }
}

/** What is known about the last fetch of an instrument's reports. */
export interface LastFinancialFetch {
  /** When it was made. */
  fetchedAt: Date;
  /** Exchange-local date after which a newer report must exist (see {@link nextReport}). */
  nextDue: IsoDate;
}

/**
 * Whether the reports must be fetched from upstream now:
 * - never fetched: yes;
 * - today (Asia/Shanghai) is after `nextDue` (the next report's deadline has passed) and the last
 *   fetch was not made today: yes. So after a deadline upstream is asked at most once a day until
 *   the report appears (a late filer, a delisted company);
 * - otherwise (up to and including the deadline day): no.
 */
export function isFetchDue(last: LastFinancialFetch | null, now: Date): boolean {
  if (!last) return true;
  const today = localTime(now, CN_TIME_ZONE).date;
  if (today <= last.nextDue) return false;
  return localTime(last.fetchedAt, CN_TIME_ZONE).date < today;
}
