/** Exchange-local date helpers. */
import { MARKETS } from "@quantdb/sdk";

/** The time zone of the dashboard's default dates: the first market's (A-shares, Asia/Shanghai). */
export const DEFAULT_TIME_ZONE = MARKETS[0]!.timeZone;

/** Today in `timeZone` (an IANA zone; default {@link DEFAULT_TIME_ZONE}) as YYYY-MM-DD. */
export function todayLocal(now: Date = new Date(), timeZone: string = DEFAULT_TIME_ZONE): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Adds months (negative to subtract) to a YYYY-MM-DD date, clamping the day to the month's end. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12;
  const last = new Date(Date.UTC(ny, nm + 1, 0)).getUTCDate();
  return (
    `${String(ny).padStart(4, "0")}-${String(nm + 1).padStart(2, "0")}-` +
    `${String(Math.min(d, last)).padStart(2, "0")}`
  );
}

/** Earliest date of the bundled calendars. */
const MAX_START = "1990-12-19";

export const PRESETS = ["1M", "3M", "6M", "YTD", "1Y", "5Y", "max"] as const;
export type Preset = (typeof PRESETS)[number];

/** Start date of a range preset ending today. */
export function presetStart(preset: Preset, today: string): string {
  switch (preset) {
    case "1M":
      return addMonths(today, -1);
    case "3M":
      return addMonths(today, -3);
    case "6M":
      return addMonths(today, -6);
    case "YTD":
      return `${today.slice(0, 4)}-01-01`;
    case "1Y":
      return addMonths(today, -12);
    case "5Y":
      return addMonths(today, -60);
    case "max":
      return MAX_START;
  }
}
