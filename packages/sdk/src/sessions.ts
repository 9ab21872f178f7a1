/**
 * Pure helpers for "the last N sessions": which calendar a symbol trades on, exchange-local dates
 * and times, and picking the sessions. Internal; no I/O.
 */
import { MARKETS } from "./markets.generated.ts";
import type { CalendarMarket, CalendarSession } from "./types.ts";

const compiled = MARKETS.map((m) => ({
  id: m.id as CalendarMarket,
  stock: m.stockPatterns.map((p) => new RegExp(p)),
  index: m.indexPatterns.map((p) => new RegExp(p)),
  names: new Set(m.indexNames),
}));

/** The symbol as the server reads it: trimmed, upper case, runs of spaces collapsed. */
function normalise(symbol: string): string {
  return symbol.trim().toUpperCase().replace(/\s+/g, " ");
}

/**
 * The calendar of a stock symbol: the market whose accepted forms match it (core's rules, generated
 * into `./markets.generated.ts`): HK for `00700`, `0700.HK`, `700.HK`, `HK.00700`, `hk00700`; CN
 * for `600519`, `sh600519`, `000001.SZ`, `830799.BJ`, …; the first market (CN) for anything else.
 * The server validates the symbol itself.
 */
export function stockCalendar(symbol: string): CalendarMarket {
  const text = normalise(symbol);
  return (compiled.find((m) => m.stock.some((p) => p.test(text))) ?? compiled[0]!).id;
}

/**
 * The calendar of an index symbol: CN for numeric codes with an optional sh/sz/bj/csi prefix or
 * .SH/.SZ/.BJ/.SS/.CSI suffix (`000300`, `sh000300`, `399001.SZ`, `csi931151`); HK for its named
 * indices (`HSI`, `HSCEI`, `HSTECH`, `^HSI`, `HANG SENG`, …); the last market (HK) for anything else.
 */
export function indexCalendar(symbol: string): CalendarMarket {
  const text = normalise(symbol);
  return (compiled.find((m) => m.names.has(text) || m.index.some((p) => p.test(text))) ?? compiled.at(-1)!).id;
}

/** Exchange-local `YYYY-MM-DD` and `HH:MM` of an instant in an IANA time zone. */
export function localDateTime(instant: Date, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "00";
  return { date: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}` };
}

/** `YYYY-MM-DD` shifted by whole days (calendar arithmetic, no time zone involved). */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Earliest date either bundled calendar starts (HK 1990-01-02, CN 1990-12-19): no point looking earlier. */
export const CALENDARS_START = "1990-01-01";

/**
 * Sessions that have started by `now` (exchange-local date and time): every session before today,
 * and today's once its continuous trading has opened.
 */
export function startedSessions(
  sessions: readonly CalendarSession[],
  now: { date: string; time: string },
): CalendarSession[] {
  return sessions.filter((s) => s.date < now.date || (s.date === now.date && now.time >= s.open));
}

/** Calendar days to look back for `sessions` sessions: ~245 sessions a year, plus room for long holidays. */
export function lookbackDays(sessions: number): number {
  return Math.ceil(sessions * 1.6) + 21;
}
