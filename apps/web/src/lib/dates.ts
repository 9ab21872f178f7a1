/** Exchange-local date helpers (CN and HK are both UTC+8). */

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function todayLocal(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
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
