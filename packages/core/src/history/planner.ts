/**
 * Gap planning: which trading sessions of a range are not yet held, grouped into the fewest
 * upstream calls. Pure functions over sorted exchange-local date strings.
 */
import type { IsoDate } from "../dates.ts";

/** An inclusive exchange-local date span. */
export interface Span {
  start: IsoDate;
  end: IsoDate;
}

/**
 * Group the sessions not covered by any held span into runs of consecutive sessions.
 * A held span covers every session inside it, including sessions on which upstream had no bar
 * (a suspension, a day before listing): coverage is about what was asked, not about what rows exist.
 * @param sessions the range's sessions, ascending and contiguous in the exchange calendar
 * @param held spans already fetched (any order, may overlap)
 * @returns one span per contiguous run of missing sessions, ascending; each is one upstream call
 */
export function missingRuns(sessions: readonly IsoDate[], held: readonly Span[]): Span[] {
  const spans = [...held].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const runs: Span[] = [];
  let spanIndex = 0;
  let current: Span | null = null;
  for (const day of sessions) {
    while (spanIndex < spans.length && spans[spanIndex]!.end < day) spanIndex++;
    // spans are sorted by start; any span starting at or before `day` and ending at or after it covers it
    let covered = false;
    for (let i = spanIndex; i < spans.length && spans[i]!.start <= day; i++) {
      if (spans[i]!.end >= day) {
        covered = true;
        break;
      }
    }
    if (covered) {
      current = null;
    } else if (current) {
      current.end = day;
    } else {
      current = { start: day, end: day };
      runs.push(current);
    }
  }
  return runs;
}
