/**
 * Compare: pure functions of the closes of several instruments (stocks on their exchanges' sessions,
 * crypto pairs on UTC days).
 */
import { correlation } from "./figures.ts";

export interface Closes {
  bars: readonly { date: string; close: number }[];
}

/**
 * Pearson correlation of the simple returns of two series, taken on the dates both have a close:
 * each return runs from one common date to the next, so a pair that trades every day is compared
 * with a stock over the same span (Friday to Monday, not Sunday to Monday), and a suspension or a
 * holiday of one market does not pair a multi-day return with a one-day one. Null for fewer than
 * two returns, or a constant series.
 */
export function returnsCorrelation(a: Closes, b: Closes): number | null {
  const closesB = new Map(b.bars.map((bar) => [bar.date, bar.close]));
  const xs: number[] = [];
  const ys: number[] = [];
  let previous: { a: number; b: number } | null = null;
  for (const bar of a.bars) {
    const other = closesB.get(bar.date);
    if (other === undefined) continue;
    if (previous) {
      xs.push(bar.close / previous.a - 1);
      ys.push(other / previous.b - 1);
    }
    previous = { a: bar.close, b: other };
  }
  return correlation(xs, ys);
}

/**
 * Rows for a chart of several series, one per date of any of them (ascending), each series's close
 * rebased to 100 on its first bar under its key; a series without a bar on a date has no value there.
 */
export function rebasedRows(series: readonly (Closes & { key: string })[]): Record<string, number | string>[] {
  const byDate = new Map<string, Record<string, number | string>>();
  for (const s of series) {
    const first = s.bars[0]?.close;
    if (!first) continue;
    for (const bar of s.bars) {
      const row = byDate.get(bar.date) ?? { date: bar.date };
      row[s.key] = (bar.close / first) * 100;
      byDate.set(bar.date, row);
    }
  }
  return [...byDate.values()].sort((x, y) => String(x.date).localeCompare(String(y.date)));
}
