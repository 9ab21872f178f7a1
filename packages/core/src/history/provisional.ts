/**
 * Today's not-yet-final bar: served `provisional: true`, never stored, and reused for a short while
 * so that repeated requests during a session do not each call upstream.
 */
import type { IsoDate } from "../dates.ts";
import type { Moment } from "./context.ts";
import type { Span } from "./planner.ts";
import type { DailyBar } from "./types.ts";

interface ProvisionalEntry {
  /** The not-final session the fetch was for. */
  date: IsoDate;
  /** Upstream's live bar for it, or undefined when it sent none (not traded yet). */
  bar: DailyBar | undefined;
  /** When it was fetched, epoch ms (the service's clock). */
  fetchedAt: number;
}

/** The latest provisional fetch per series (in this process), reused within a time to live. */
export class ProvisionalBars {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, ProvisionalEntry>();

  /** @param ttlMs how long a provisional fetch is reused, ms */
  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /**
   * Keep a fetched run's not-yet-final bars (dated after `moment.finalThrough`) for the response
   * (`transient`), and, when the run reaches past the last final date, remember the fetch of its
   * last session (bar or no bar) for reuse.
   * @param key the series (see `seriesKey`)
   */
  keep(key: string, run: Span, bars: readonly DailyBar[], moment: Moment, transient: Map<IsoDate, DailyBar>): void {
    const live = bars.filter((bar) => bar.date > moment.finalThrough);
    for (const bar of live) transient.set(bar.date, bar);
    if (run.end > moment.finalThrough) {
      const bar = live.find((b) => b.date === run.end);
      this.#entries.set(key, { date: run.end, bar, fetchedAt: moment.now.getTime() });
    }
  }

  /**
   * Serve a one-session run from the fetch kept for that session less than the TTL before `now`
   * (its bar, if any, goes to `transient`) instead of calling upstream again.
   * @returns whether the run was served
   */
  reuse(key: string, run: Span, transient: Map<IsoDate, DailyBar>, now: Date): boolean {
    const entry = this.#entries.get(key);
    if (!entry || entry.date !== run.end || run.start !== run.end) return false;
    if (now.getTime() - entry.fetchedAt >= this.#ttlMs) return false;
    if (entry.bar) transient.set(entry.bar.date, entry.bar);
    return true;
  }
}
