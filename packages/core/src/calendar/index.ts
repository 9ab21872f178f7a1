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
 * {@link hkExtensionFromHolidays}; then {@link applyCalendarExtension}. Days up to today are
 * learnt from the benchmark index's bars by {@link CalendarHorizon}, which also computes HKEX's
 * provisional schedule ({@link hkexSchedule}).
 *
 * @example
 * const cn = calendarFor("SH");
 * cn.isSession("2024-02-09"); // false: closed although a working day
 * cn.nextSession("2024-02-08"); // "2024-02-19"
 * getCalendar("HK").session("2025-12-24"); // { open: "09:30", close: "12:00", breakStart: null, ..., halfDay: true }
 */
export type { CalendarId, CalendarMarket, ExchangeCalendar, Session } from "./types.ts";
export { calendarFor, getCalendar } from "./registry.ts";
export { DEFAULT_FINALIZE_AFTER_CLOSE_MINUTES, finalThroughOn } from "./finality.ts";
export type { CalendarExtension } from "./extend.ts";
export { applyCalendarExtension, cnExtensionFromSinaDates, hkExtensionFromHolidays, resetCalendars } from "./extend.ts";
export { addSinaMissingTradeDates, decodeSinaTradeDates, SINA_MISSING_TRADE_DATES } from "./sina.ts";
export { CALENDAR_MARKETS, describeDate, parseCalendarMarket, parseCalendarRange, sessionsWithHours } from "./query.ts";
export type { CalendarRange, CalendarRangeInput, DateStatus } from "./query.ts";
export { CalendarExtensions, DEFAULT_SINA_TRADE_DATES_URL } from "./extension-service.ts";
export type { CalendarExtensionStore, ExtensionOutcome, SinaTradeDateOptions } from "./extension-service.ts";
export { BENCHMARK_INDEX, CalendarHorizon } from "./horizon.ts";
export type { CalendarHorizonHook, CalendarHorizonOptions, ObservationOutcome, ProvisionalView } from "./horizon.ts";
export { hkexSchedule } from "./hkex-rules.ts";
export type { HkexSchedule } from "./hkex-rules.ts";
