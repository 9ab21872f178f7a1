/**
 * Today's not-yet-final bar: kept for the answer only, and its fetch reused within the TTL.
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import type { IsoDate } from "../dates.ts";
import { momentOf } from "./context.ts";
import { ProvisionalBars } from "./provisional.ts";
import { flatBar } from "./testing/memory-upstream.ts";
import type { DailyBar } from "./types.ts";

const cn = getCalendar("CN");
// Friday 2026-11-20, 11:00 in Shanghai: that day's bar is live, the 19th's final.
const moment = momentOf(cn, new Date("2026-11-20T03:00:00Z"), 30 * 60_000);
const KEY = "1.600519|";
const at = (ms: number) => new Date(moment.now.getTime() + ms);

describe("ProvisionalBars", () => {
  it("keeps only the bars that are not final for the answer", () => {
    const provisional = new ProvisionalBars(60_000);
    const transient = new Map<IsoDate, DailyBar>();
    provisional.keep(
      KEY,
      { start: "2026-11-19", end: "2026-11-20" },
      [flatBar("2026-11-19"), flatBar("2026-11-20", 11)],
      moment,
      transient,
    );
    expect([...transient.values()]).toEqual([flatBar("2026-11-20", 11)]);
  });

  it("reuses the fetch of a live session, bar or none, for a one-session run within the TTL only", () => {
    const provisional = new ProvisionalBars(60_000);
    provisional.keep(KEY, { start: "2026-11-19", end: "2026-11-20" }, [flatBar("2026-11-20", 11)], moment, new Map());
    const today = { start: "2026-11-20", end: "2026-11-20" };
    const transient = new Map<IsoDate, DailyBar>();
    expect(provisional.reuse(KEY, today, transient, at(59_999))).toBe(true);
    expect([...transient.values()]).toEqual([flatBar("2026-11-20", 11)]);
    expect(provisional.reuse(KEY, today, new Map(), at(60_000))).toBe(false);
    expect(provisional.reuse(KEY, { start: "2026-11-19", end: "2026-11-20" }, new Map(), at(1))).toBe(false);
    expect(provisional.reuse("1.600519|qfq", today, new Map(), at(1))).toBe(false);

    // before the open upstream has no bar for today: that answer is reused too
    provisional.keep(KEY, today, [], moment, new Map());
    const none = new Map<IsoDate, DailyBar>();
    expect(provisional.reuse(KEY, today, none, at(1))).toBe(true);
    expect(none.size).toBe(0);
  });

  it("remembers nothing for a run whose bars are all final", () => {
    const provisional = new ProvisionalBars(60_000);
    const final = { start: "2026-11-19", end: "2026-11-19" };
    provisional.keep(KEY, final, [flatBar("2026-11-19")], moment, new Map());
    expect(provisional.reuse(KEY, final, new Map(), at(1))).toBe(false);
  });
});
