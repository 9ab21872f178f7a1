/**
 * Verifying the held series against upstream (anchors, the daily check, replacement) and empty
 * answers (confirmed by a second one, shared between concurrent requests), against an in-memory
 * store and upstream.
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { newProgress } from "./context.ts";
import { planWindow, readPlan } from "./plan.ts";
import type { FetchedSpan, HistoryStore } from "./service.ts";
import { MemoryHistoryStore } from "./testing/memory-store.ts";
import { flatBar, memoryLogger, MemoryUpstream, seriesContext } from "./testing/memory-upstream.ts";
import type { Adjust } from "./types.ts";
import {
  anchorFor,
  checkAnchor,
  checkSeries,
  confirmEmpty,
  pricesDiffer,
  replaceStaleSeries,
  shareEmptyAnswers,
} from "./verify.ts";

const cn = getCalendar("CN");
const SYMBOL = parseStockSymbol("600519");
const fetchedAt = new Date("2026-11-01T00:00:00Z");
const JAN_2_TO_5 = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"];

/** A store holding 2024-01-02..05 of the qfq series at 10, checked on `checkedOn`; upstream quoting `price` now. */
async function heldSeries(options: { checkedOn?: string; price?: number; now?: string } = {}) {
  const store = new MemoryHistoryStore();
  const upstream = new MemoryUpstream();
  const logger = memoryLogger();
  const bars = JAN_2_TO_5.map((d) => flatBar(d));
  const checked = options.checkedOn ? { checkedOn: options.checkedOn } : {};
  await store.saveFetched({
    symbol: SYMBOL,
    name: "贵州茅台",
    adjust: "qfq",
    span: { start: "2024-01-02", end: "2024-01-05" },
    bars,
    fetchedAt,
    ...checked,
  });
  upstream.setSeries(
    SYMBOL,
    "qfq",
    [...JAN_2_TO_5, "2024-01-08", "2024-01-09"].map((d) => flatBar(d, options.price ?? 10)),
  );
  // Friday 2026-11-20, 20:00 in Shanghai: the series' check day is 2026-11-20.
  const clock = new ManualClock(options.now ?? "2026-11-20T12:00:00Z");
  const series = seriesContext({ store, upstream, symbol: SYMBOL, adjust: "qfq", calendar: cn, clock, logger });
  const id = (await store.findInstrument(SYMBOL))!.id;
  return { store, upstream, logger, series, id };
}

/** Store a fetch of the qfq series without bars or name: a span now held, or empty answers to remember. */
const saveNothingNew = (store: HistoryStore, fetched: Partial<Pick<FetchedSpan, "span" | "pendingEmpty">>) =>
  store.saveFetched({ symbol: SYMBOL, name: null, adjust: "qfq", span: null, bars: [], fetchedAt, ...fetched });

const closes = async (store: HistoryStore, id: number, adjust: Adjust = "qfq") =>
  (await store.bars(id, adjust, "2000-01-01", "2100-01-01")).map((bar) => [bar.date, bar.close]);

describe("pricesDiffer", () => {
  it("compares open, high, low and close within half a tick of the quoted decimals", () => {
    expect(pricesDiffer(flatBar("2024-01-02", 10), flatBar("2024-01-02", 10.004), 2)).toBe(false);
    expect(pricesDiffer(flatBar("2024-01-02", 10), flatBar("2024-01-02", 10.006), 2)).toBe(true);
    expect(pricesDiffer(flatBar("2024-01-02", 10), flatBar("2024-01-02", 10.0006), 3)).toBe(true);
    expect(pricesDiffer(flatBar("2024-01-02"), { ...flatBar("2024-01-02"), volume: 1 }, 2)).toBe(false);
  });

  it("counts a bar missing on one side only as a difference", () => {
    expect(pricesDiffer(undefined, flatBar("2024-01-02"), 2)).toBe(true);
    expect(pricesDiffer(flatBar("2024-01-02"), undefined, 2)).toBe(true);
    expect(pricesDiffer(undefined, undefined, 2)).toBe(false);
  });
});

describe("anchorFor", () => {
  it("takes the held session just before the run, else the one just after, else none", () => {
    const around = [
      { start: "2024-01-02", end: "2024-01-05" },
      { start: "2024-01-10", end: "2024-01-31" },
    ];
    expect(anchorFor({ start: "2024-01-08", end: "2024-01-09" }, around, cn)).toBe("2024-01-05");
    expect(
      anchorFor({ start: "2024-01-02", end: "2024-01-05" }, [{ start: "2024-01-08", end: "2024-01-31" }], cn),
    ).toBe("2024-01-08");
    expect(anchorFor({ start: "2024-03-01", end: "2024-03-05" }, around, cn)).toBeNull();
  });

  it("looks across holidays: the neighbour is the previous session, not the previous day", () => {
    // 2024-02-08 is the last session before Spring Festival, 2024-02-19 the first after
    expect(
      anchorFor({ start: "2024-02-19", end: "2024-02-23" }, [{ start: "2024-01-02", end: "2024-02-08" }], cn),
    ).toBe("2024-02-08");
  });
});

describe("confirmEmpty", () => {
  const whole = { start: "2024-01-05", end: "2024-01-12" }; // run 01-08..12 with its anchor 01-05
  const run = { start: "2024-01-08", end: "2024-01-12" };
  const bars = ["2024-01-05", "2024-01-09", "2024-01-10"].map((d) => flatBar(d));

  it("holds up to the last bar and remembers a first empty edge as pending; a gap between bars is held", () => {
    expect(confirmEmpty(whole, run, bars, [], cn)).toEqual({
      span: { start: "2024-01-05", end: "2024-01-10" },
      pending: [{ start: "2024-01-11", end: "2024-01-12" }],
    });
  });

  it("holds an empty edge an earlier answer was empty for too, from the bars outwards only", () => {
    expect(confirmEmpty(whole, run, bars, [{ start: "2024-01-11", end: "2024-01-12" }], cn)).toEqual({
      span: whole,
      pending: [],
    });
    // 01-12 alone was seen before: 01-11, next to the bars, is not confirmed, so neither is 01-12
    expect(confirmEmpty(whole, run, bars, [{ start: "2024-01-12", end: "2024-01-12" }], cn).pending).toEqual([
      { start: "2024-01-11", end: "2024-01-12" },
    ]);
  });

  it("treats the sessions before the first bar of a new series alike, and holds nothing of an empty answer", () => {
    const first = { start: "2024-01-02", end: "2024-01-12" };
    expect(confirmEmpty(first, first, bars.slice(1), [], cn)).toEqual({
      span: { start: "2024-01-09", end: "2024-01-10" },
      pending: [
        { start: "2024-01-02", end: "2024-01-08" },
        { start: "2024-01-11", end: "2024-01-12" },
      ],
    });
    expect(confirmEmpty(first, first, [], [], cn)).toEqual({ span: null, pending: [first] });
  });
});

describe("shareEmptyAnswers", () => {
  it("serves the empty answers another request got meanwhile without asking; earlier ones still confirm", async () => {
    const { store, series } = await heldSeries({ checkedOn: "2026-11-20" });
    await saveNothingNew(store, { pendingEmpty: [{ start: "2024-01-08", end: "2024-01-08" }] });
    const window = planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-12" }, series.moment);
    const seenBefore = await store.pendingEmpty(1, "qfq", "2024-01-02", "2024-01-12");
    // another request's answer was empty for 01-09..10 while this one waited for the lock
    await saveNothingNew(store, { pendingEmpty: [{ start: "2024-01-09", end: "2024-01-10" }] });
    const plan = await readPlan(series, window);
    expect(plan.runs).toEqual([{ start: "2024-01-08", end: "2024-01-12" }]);

    expect(await shareEmptyAnswers(series, window, plan, seenBefore)).toEqual({
      runs: [
        { start: "2024-01-08", end: "2024-01-08" },
        { start: "2024-01-11", end: "2024-01-12" },
      ],
      earlierEmpty: seenBefore,
      unconfirmed: [{ start: "2024-01-09", end: "2024-01-10" }],
    });
  });

  it("reads nothing when nothing is missing", async () => {
    const { store, series } = await heldSeries();
    const window = planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-05" }, series.moment);
    const plan = await readPlan(series, window);
    store.calls.length = 0;
    expect(await shareEmptyAnswers(series, window, plan, [])).toEqual({ runs: [], earlierEmpty: [], unconfirmed: [] });
    expect(store.calls).toEqual([]);
  });
});

describe("checkSeries", () => {
  const window = (series: { moment: Parameters<typeof planWindow>[1] }, end = "2024-01-05") =>
    planWindow({ adjust: "qfq", start: "2024-01-02", end }, series.moment);

  it("when due, re-fetches the latest held bar once and records the check when it is unchanged", async () => {
    const { store, upstream, series, id } = await heldSeries({ checkedOn: "2026-11-19" });
    const progress = newProgress();
    const plan = await readPlan(series, window(series));
    expect(await checkSeries(series, window(series), plan, progress)).toEqual({ newSeries: false, replaced: false });
    expect(upstream.asked()).toEqual(["2024-01-05..2024-01-05"]);
    expect(progress).toMatchObject({ upstreamRequests: 1, upstreamName: "贵州茅台", fetched: [], replacement: null });
    expect(await store.checkedOn(id, "qfq")).toBe("2026-11-20");
  });

  it("makes no call when the series was checked today already", async () => {
    const { upstream, series } = await heldSeries({ checkedOn: "2026-11-20" });
    const plan = await readPlan(series, window(series));
    expect(await checkSeries(series, window(series), plan, newProgress())).toEqual({
      newSeries: false,
      replaced: false,
    });
    expect(upstream.calls).toEqual([]);
  });

  it("replaces the whole series in one more call when upstream now quotes the latest bar differently", async () => {
    const { store, upstream, logger, series, id } = await heldSeries({ checkedOn: "2026-11-19", price: 9 });
    const progress = newProgress();
    const plan = await readPlan(series, window(series));
    expect(await checkSeries(series, window(series), plan, progress)).toEqual({ newSeries: false, replaced: true });
    expect(upstream.asked()).toEqual(["2024-01-05..2024-01-05", "2024-01-02..2024-01-05"]);
    expect(progress.replacement).toEqual({
      reason: "daily_check",
      anchor_date: "2024-01-05",
      cached_close: 10,
      upstream_close: 9,
      start_date: "2024-01-02",
      end_date: "2024-01-05",
    });
    expect(progress).toMatchObject({ upstreamRequests: 2, fetched: [{ start: "2024-01-02", end: "2024-01-05" }] });
    expect(await closes(store, id)).toEqual(JAN_2_TO_5.map((d) => [d, 9]));
    expect(await store.checkedOn(id, "qfq")).toBe("2026-11-20");
    expect(logger.warnings.map((w) => w.message)).toEqual(["cached series was rebased upstream and has been replaced"]);
  });

  it("leaves the check to the first missing run's anchor, which compares a held bar anyway", async () => {
    const { store, upstream, series, id } = await heldSeries({ checkedOn: "2026-11-19", price: 9 });
    const plan = await readPlan(series, window(series, "2024-01-09"));
    expect(plan.runs).toEqual([{ start: "2024-01-08", end: "2024-01-09" }]);
    expect(await checkSeries(series, window(series, "2024-01-09"), plan, newProgress())).toEqual({
      newSeries: false,
      replaced: false,
    });
    expect(upstream.calls).toEqual([]);
    expect(await store.checkedOn(id, "qfq")).toBe("2026-11-19");
  });

  it("keeps the series and records the check when upstream sends no bar for the latest held session", async () => {
    const { store, upstream, logger, series, id } = await heldSeries({ checkedOn: "2026-11-19" });
    upstream.setSeries(SYMBOL, "qfq", []);
    const plan = await readPlan(series, window(series));
    expect(await checkSeries(series, window(series), plan, newProgress())).toEqual({
      newSeries: false,
      replaced: false,
    });
    expect(logger.warnings.map((w) => w.message)).toEqual([
      "daily check: upstream sent no bar for the latest held session; series kept",
    ]);
    expect(await closes(store, id)).toEqual(JAN_2_TO_5.map((d) => [d, 10]));
    expect(await store.checkedOn(id, "qfq")).toBe("2026-11-20");
  });

  it("calls a series without any bar new: its fetches record the check (with nothing missing, at once)", async () => {
    const store = new MemoryHistoryStore();
    const upstream = new MemoryUpstream();
    const series = seriesContext({
      store,
      upstream,
      symbol: SYMBOL,
      adjust: "qfq",
      calendar: cn,
      clock: new ManualClock("2026-11-20T12:00:00Z"),
    });
    expect(await checkSeries(series, window(series), await readPlan(series, window(series)), newProgress())).toEqual({
      newSeries: true,
      replaced: false,
    });
    await saveNothingNew(store, { span: { start: "2024-01-02", end: "2024-01-05" } });
    const plan = await readPlan(series, window(series));
    expect(await checkSeries(series, window(series), plan, newProgress())).toEqual({
      newSeries: true,
      replaced: false,
    });
    expect(upstream.calls).toEqual([]);
    expect(await store.checkedOn(1, "qfq")).toBe("2026-11-20");
  });
});

describe("checkAnchor and replaceStaleSeries", () => {
  const run = { start: "2024-01-08", end: "2024-01-09" };

  it("keeps the series when the anchor matches: no further call", async () => {
    const { upstream, series, id } = await heldSeries();
    const answer = await series.fetch({ start: "2024-01-05", end: "2024-01-09" });
    expect(await checkAnchor(series, id, run, "2024-01-05", answer, new Map(), "2026-11-20")).toBeNull();
    expect(upstream.calls).toHaveLength(1);
  });

  it("replaces the held span and the run with one call when the anchor differs, recording the check", async () => {
    const { store, upstream, series, id } = await heldSeries({ price: 9 });
    const answer = await series.fetch({ start: "2024-01-05", end: "2024-01-09" });
    const replacement = await checkAnchor(series, id, run, "2024-01-05", answer, new Map(), "2026-11-20");
    expect(replacement).toMatchObject({
      reason: "anchor_mismatch",
      anchor_date: "2024-01-05",
      cached_close: 10,
      upstream_close: 9,
    });
    expect(replacement).toMatchObject({ start_date: "2024-01-02", end_date: "2024-01-09" });
    expect(upstream.asked()).toEqual(["2024-01-05..2024-01-09", "2024-01-02..2024-01-09"]);
    expect(await store.allCoverage(id, "qfq")).toEqual([
      { start: "2024-01-02", end: "2024-01-09", fetchedAt: series.moment.now },
    ]);
    expect(await closes(store, id)).toEqual([...JAN_2_TO_5, "2024-01-08", "2024-01-09"].map((d) => [d, 9]));
    expect(await store.checkedOn(id, "qfq")).toBe("2026-11-20");
  });

  it("stores only final bars of a replacement and keeps the live one for the answer", async () => {
    // Friday 2026-11-20, 11:00 in Shanghai: that day's bar is live, the 19th's final.
    const { store, upstream, series, id } = await heldSeries({ now: "2026-11-20T03:00:00Z" });
    upstream.setSeries(
      SYMBOL,
      "qfq",
      [...JAN_2_TO_5, "2026-11-19", "2026-11-20"].map((d) => flatBar(d, 8)),
    );
    const transient = new Map();
    const evidence = {
      anchor: "2024-01-05",
      cached: flatBar("2024-01-05"),
      fresh: flatBar("2024-01-05", 8),
      reason: "anchor_mismatch" as const,
    };
    const replacement = await replaceStaleSeries(
      series,
      id,
      { start: "2026-11-19", end: "2026-11-20" },
      transient,
      evidence,
    );
    expect(replacement).toMatchObject({ start_date: "2024-01-02", end_date: "2026-11-19" });
    expect(await store.allCoverage(id, "qfq")).toMatchObject([{ start: "2024-01-02", end: "2026-11-19" }]);
    expect((await closes(store, id)).map(([date]) => date)).toEqual([...JAN_2_TO_5, "2026-11-19"]);
    expect([...transient.keys()]).toEqual(["2026-11-20"]);
  });
});
