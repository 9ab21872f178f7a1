/**
 * The bundled calendars: one shared, lazily built instance per exchange. The data is compiled in
 * (JSON modules), so nothing is read from the file system at run time.
 */
import cn from "./data/cn.json" with { type: "json" };
import hk from "./data/hk.json" with { type: "json" };
import { decodeCalendar, type BundledCalendarJson } from "./bundled-data.ts";
import { SessionCalendar } from "./exchange-calendar.ts";
import type { CalendarId, CalendarMarket, ExchangeCalendar } from "./types.ts";

const bundled: Record<CalendarId, BundledCalendarJson> = { CN: cn, HK: hk };
const instances = new Map<CalendarId, ExchangeCalendar>();

/**
 * The trading calendar of an exchange, built from the bundled data on first use and shared
 * afterwards (the same object for every call with the same id).
 * @param id `"CN"` for A-shares (SSE, SZSE, BSE) or `"HK"` for HKEX.
 * @throws RangeError for any other id.
 */
export function getCalendar(id: CalendarId): ExchangeCalendar {
  let calendar = instances.get(id);
  if (calendar === undefined) {
    const json = Object.hasOwn(bundled, id) ? bundled[id] : undefined;
    if (json === undefined) throw new RangeError(`calendar: unknown calendar id ${JSON.stringify(id)}`);
    calendar = new SessionCalendar(decodeCalendar(json));
    instances.set(id, calendar);
  }
  return calendar;
}

/**
 * The calendar a market trades on: `"SH"`, `"SZ"` and `"BJ"` all share the CN (A-share)
 * calendar; `"HK"` uses the HKEX calendar.
 * @throws RangeError for any other market code.
 */
export function calendarFor(market: CalendarMarket): ExchangeCalendar {
  switch (market) {
    case "SH":
    case "SZ":
    case "BJ":
      return getCalendar("CN");
    case "HK":
      return getCalendar("HK");
    default:
      throw new RangeError(`calendar: unknown market ${JSON.stringify(market satisfies never)}`);
  }
}
