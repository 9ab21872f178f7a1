/**
 * The bundled calendars: one shared, lazily built instance per exchange. The data is compiled in
 * (JSON modules), so nothing is read from the file system at run time.
 */
import cn from "./data/cn.json" with { type: "json" };
import hk from "./data/hk.json" with { type: "json" };
import { marketOfExchange } from "../markets/registry.ts";
import { decodeCalendar, type BundledCalendarJson } from "./bundled-data.ts";
import { SessionCalendar } from "./exchange-calendar.ts";
import type { CalendarId, CalendarMarket, ExchangeCalendar } from "./types.ts";

/** The bundled data files, by the calendar id each one names. */
const bundled = new Map<string, BundledCalendarJson>([cn, hk].map((json) => [json.id, json]));
const instances = new Map<CalendarId, ExchangeCalendar>();
/** Calendars extended at run time (`applyCalendarExtension`), used instead of the bundled ones. */
const extended = new Map<CalendarId, ExchangeCalendar>();

/**
 * The trading calendar of an exchange, built from the bundled data on first use and shared
 * afterwards (the same object for every call with the same id), unless a calendar extension has
 * been applied (see `applyCalendarExtension` in `./extend.ts`): from then on it returns the
 * extended calendar. Calendars are immutable; an extension replaces the shared object.
 * @param id `"CN"` for A-shares (SSE, SZSE, BSE) or `"HK"` for HKEX.
 * @throws RangeError for any other id.
 */
export function getCalendar(id: CalendarId): ExchangeCalendar {
  return extended.get(id) ?? bundledCalendar(id);
}

/**
 * The calendar built from the bundled data alone, ignoring applied extensions; shared like
 * {@link getCalendar}'s.
 * @throws RangeError for an unknown id.
 */
function bundledCalendar(id: CalendarId): ExchangeCalendar {
  let calendar = instances.get(id);
  if (calendar === undefined) {
    const json = bundled.get(id);
    if (json === undefined) throw new RangeError(`calendar: unknown calendar id ${JSON.stringify(id)}`);
    calendar = new SessionCalendar(decodeCalendar(json));
    instances.set(id, calendar);
  }
  return calendar;
}

/**
 * Make `calendar` the one {@link getCalendar} returns for its id. Internal: callers go through
 * `applyCalendarExtension`, which checks the calendar extends the current one.
 */
export function installCalendar(calendar: ExchangeCalendar): void {
  extended.set(calendar.id, calendar);
}

/** Drop installed calendars, so {@link getCalendar} returns the bundled ones again. Internal. */
export function uninstallCalendars(): void {
  extended.clear();
}

/**
 * The calendar a market trades on: `"SH"`, `"SZ"`, `"BJ"` (and CSI indices) all share the CN
 * (A-share) calendar; `"HK"` uses the HKEX calendar.
 * @throws RangeError for any other market code.
 */
export function calendarFor(market: CalendarMarket): ExchangeCalendar {
  try {
    return getCalendar(marketOfExchange(market).id);
  } catch {
    throw new RangeError(`calendar: unknown market ${JSON.stringify(market)}`);
  }
}
