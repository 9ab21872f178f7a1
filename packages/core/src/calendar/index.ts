/**
 * Exchange trading calendars (`@quantdb/core/calendar`).
 *
 * Which exchange-local dates are trading sessions, and their hours, for A-shares (one calendar for
 * SSE, SZSE and BSE) and HKEX, from 1990 through {@link ExchangeCalendar.knownThrough}. Beyond that
 * date the calendars answer "unknown" rather than guessing from weekdays. Data is bundled at build
 * time by `scripts/build-calendars.mjs`.
 *
 * Later years can be added at run time, never rewriting known days: decode Sina's A-share list
 * with {@link decodeSinaTradeDates} and turn it into an extension with
 * {@link cnExtensionFromSinaDates}, or build an HK year from HKEX's holiday list with
 * {@link hkExtensionFromHolidays}; then {@link applyCalendarExtension} to a system's
 * {@link CalendarRegistry} (through {@link CalendarExtensions}, which also stores it for the other
 * processes on the database). Days up to today are learnt from the benchmark index's bars by
 * {@link CalendarHorizon}, which also computes HKEX's provisional schedule ({@link hkexSchedule}).
 *
 * {@link getCalendar} and {@link calendarFor} give the bundled calendars (immutable); what a system
 * plans with is its registry's `get` / `forMarket`, which also knows the years added at run time.
 *
 * @example
 * const cn = calendarFor("SH");
 * cn.isSession("2024-02-09"); // false: closed although a working day
 * cn.nextSession("2024-02-08"); // "2024-02-19"
 * getCalendar("HK").session("2025-12-24"); // { open: "09:30", close: "12:00", breakStart: null, ..., halfDay: true }
 */
export type { CalendarId, CalendarMarket, ExchangeCalendar, Session } from "./types.ts";
export { bundledCalendars, calendarFor, calendarIdOf, CalendarRegistry, getCalendar } from "./registry.ts";
export type { Calendars } from "./registry.ts";
export { DEFAULT_FINALIZE_AFTER_CLOSE_MINUTES, finalThroughOn } from "./finality.ts";
export { firstOfSessionsBefore } from "./lookback.ts";
export type { CalendarExtension } from "./extend.ts";
export { applyCalendarExtension, cnExtensionFromSinaDates, hkExtensionFromHolidays } from "./extend.ts";
export { addSinaMissingTradeDates, decodeSinaTradeDates, SINA_MISSING_TRADE_DATES } from "./sina.ts";
export { CALENDAR_MARKETS, describeDate, parseCalendarMarket, parseCalendarRange, sessionsWithHours } from "./query.ts";
export type { CalendarRange, CalendarRangeInput, DateStatus } from "./query.ts";
export { applyStoredExtensions, CalendarExtensions, DEFAULT_SINA_TRADE_DATES_URL } from "./extension-service.ts";
export type { CalendarExtensionStore, ExtensionOutcome, SinaTradeDateOptions } from "./extension-service.ts";
export { BENCHMARK_INDEX, CalendarHorizon } from "./horizon.ts";
export type { CalendarHorizonHook, CalendarHorizonOptions, ObservationOutcome, ProvisionalView } from "./horizon.ts";
export { hkexSchedule } from "./hkex-rules.ts";
export type { HkexSchedule } from "./hkex-rules.ts";
