/**
 * Validation of a history request as users send it (query strings, SDK calls).
 */
import { localTime, oneYearBefore, type IsoDate } from "../dates.ts";
import { parseDateParam } from "../params.ts";
import { InputError } from "../errors.ts";
import { calendarFor } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { parseIndexSymbol, parseStockSymbol, type Instrument } from "../symbols/index.ts";
import { parsePeriod, type Period } from "./periods.ts";
import { ADJUSTS, type Adjust } from "./types.ts";

/** A history request as received, every field optional except the symbol. */
export interface HistoryQueryInput {
  symbol: string;
  /** Which instrument kind the symbol names: a bare `000001` is a stock or an index. @default "stock" */
  kind?: "stock" | "index";
  /** `YYYYMMDD` or `YYYY-MM-DD`; default one year before `end_date`. */
  start_date?: string | undefined;
  /** `YYYYMMDD` or `YYYY-MM-DD`; default today on the instrument's exchange. May lie in the future. */
  end_date?: string | undefined;
  /** `""`, `"qfq"` or `"hfq"`; default `""` (unadjusted). */
  adjust?: string | undefined;
  /** `daily`, `weekly` or `monthly`; default `daily`. */
  period?: string | undefined;
}

/** A validated history request. */
export interface HistoryQuery {
  symbol: Instrument;
  adjust: Adjust;
  start: IsoDate;
  end: IsoDate;
  /** @default "daily" */
  period?: Period;
}

/**
 * Validate an adjustment: `""` (or omitted) unadjusted, `qfq`, `hfq`; case-insensitive.
 * @throws {InputError} `INVALID_ADJUST` naming the accepted values.
 */
export function parseAdjust(value: string | undefined): Adjust {
  const adjust = (value ?? "").trim().toLowerCase();
  if (!(ADJUSTS as readonly string[]).includes(adjust)) {
    throw new InputError("INVALID_ADJUST", `Invalid adjust '${value}': expected "" (unadjusted), "qfq" or "hfq"`, {
      adjust: value,
      accepted: ADJUSTS,
    });
  }
  return adjust as Adjust;
}

/**
 * Validate and normalise a history request.
 * @throws {InputError} `INVALID_SYMBOL`, `INVALID_DATE` (not a real date in an accepted form),
 *   `INVALID_ADJUST` (not one of "", qfq, hfq), `INVALID_PERIOD` or `INVALID_RANGE` (start after end).
 */
export function parseHistoryQuery(input: HistoryQueryInput, clock: Clock): HistoryQuery {
  const symbol = input.kind === "index" ? parseIndexSymbol(input.symbol) : parseStockSymbol(input.symbol);
  const adjust = parseAdjust(input.adjust);
  const today = localTime(clock.now(), calendarFor(symbol.market).timeZone).date;
  const end = input.end_date ? parseDateParam("end_date", input.end_date) : today;
  const start = input.start_date ? parseDateParam("start_date", input.start_date) : oneYearBefore(end);
  if (start > end) {
    throw new InputError("INVALID_RANGE", `start_date ${start} is after end_date ${end}`, {
      start_date: start,
      end_date: end,
    });
  }
  return { symbol, adjust, start, end, period: parsePeriod(input.period) };
}
