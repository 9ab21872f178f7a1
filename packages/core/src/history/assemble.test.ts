/**
 * Assembling a daily answer from an in-memory store and a request's progress: the stored JSON
 * served as is, the merge with live bars, and the cache report.
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { UpstreamUnavailableError } from "../upstream/policy.ts";
import { assembleDaily } from "./assemble.ts";
import { newProgress } from "./context.ts";
import { planWindow } from "./plan.ts";
import { MemoryHistoryStore } from "./testing/memory-store.ts";
import { flatBar, MemoryUpstream, seriesContext } from "./testing/memory-upstream.ts";

const cn = getCalendar("CN");
const SYMBOL = parseStockSymbol("600519");
const fetchedAt = new Date("2026-11-01T00:00:00Z");

/** A store holding `dates` of the unadjusted series (flat at 10), seen at `now`. */
async function held(dates: string[], now: string) {
  const store = new MemoryHistoryStore();
  const span = { start: dates[0]!, end: dates.at(-1)! };
  await store.saveFetched({
    symbol: SYMBOL,
    name: "贵州茅台",
    adjust: "",
    span,
    bars: dates.map((d) => flatBar(d)),
    fetchedAt,
  });
  const instrument = (await store.findInstrument(SYMBOL))!;
  store.calls.length = 0;
  return { store, series: unadjusted(store, now), instrument };
}

/** The unadjusted series' context over `store` at `now` (its upstream holds nothing). */
function unadjusted(store: MemoryHistoryStore, now: string) {
  const clock = new ManualClock(now);
  return seriesContext({ store, upstream: new MemoryUpstream(), symbol: SYMBOL, adjust: "", calendar: cn, clock });
}

const served = (date: string, price = 10, provisional = false) => ({
  ...flatBar(date, price),
  provisional,
  partial: false,
});

describe("assembleDaily", () => {
  const dates = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"];
  const EVENING = "2026-11-20T12:00:00Z"; // Friday, 20:00 in Shanghai: everything up to today is final

  it("serves a fully held final range as the stored JSON text, flagged final and whole, with a hit", async () => {
    const { store, series, instrument } = await held(dates, EVENING);
    const window = planWindow({ adjust: "", start: "2024-01-01", end: "2024-01-05" }, series.moment);
    const barsJson = await store.barsJson(instrument.id, "", window.start, window.end);
    store.calls.length = 0;
    const result = await assembleDaily(series, window, { instrument, barsJson }, newProgress());
    expect(store.calls).toEqual([]); // the snapshot's text, not read again
    expect(result.barsJson).toEqual({ text: JSON.stringify(dates.map((d) => served(d))), count: 4 });
    expect(result.bars).toEqual(dates.map((d) => served(d)));
    expect(result).toMatchObject({
      name: "贵州茅台",
      period: "daily",
      complete: true,
      missing: [],
      upstreamError: null,
      calendarKnownThrough: "2026-12-31",
    });
    expect(result.cache).toEqual({
      hit: true,
      rows_from_cache: 4,
      rows_from_upstream: 0,
      upstream_requests: 0,
      trading_days: 4,
      series_replaced: null,
      unconfirmed_empty: [],
    });
  });

  it("reads the stored JSON when the plan did not, and serves an empty range as []", async () => {
    const { store, series, instrument } = await held(dates, EVENING);
    const window = planWindow({ adjust: "", start: "2024-02-01", end: "2024-02-05" }, series.moment);
    const result = await assembleDaily(series, window, { instrument, barsJson: null }, newProgress());
    expect(store.calls).toEqual(["barsJson"]);
    expect(result.barsJson).toEqual({ text: "[]", count: 0 });
  });

  it("merges stored bars with live ones (stored wins a date), flags the not final, counts upstream rows", async () => {
    // Friday 2026-11-20, 11:00 in Shanghai: that day's bar is live
    const { store, series, instrument } = await held(["2026-11-18", "2026-11-19"], "2026-11-20T03:00:00Z");
    const window = planWindow({ adjust: "", start: "2026-11-18", end: "2026-11-20" }, series.moment);
    const progress = newProgress();
    for (const bar of [flatBar("2026-11-19", 99), flatBar("2026-11-20", 11), flatBar("2026-11-23", 12)])
      progress.transient.set(bar.date, bar);
    progress.fetched.push({ start: "2026-11-19", end: "2026-11-20" });
    progress.upstreamRequests = 1;
    const result = await assembleDaily(series, window, { instrument, barsJson: null }, progress);
    expect(store.calls).toEqual(["bars"]);
    expect(result.barsJson).toBeUndefined();
    expect(result.bars).toEqual([served("2026-11-18"), served("2026-11-19"), served("2026-11-20", 11, true)]);
    expect(result.cache).toMatchObject({
      hit: false,
      rows_from_cache: 1,
      rows_from_upstream: 2,
      upstream_requests: 1,
      trading_days: 3,
    });
  });

  it("reports an allowed partial answer: upstream's failure, the spans missing, upstream's name first", async () => {
    const store = new MemoryHistoryStore();
    const series = unadjusted(store, EVENING);
    const window = planWindow({ adjust: "", start: "2024-01-02", end: "2024-01-05" }, series.moment);
    const progress = newProgress();
    progress.failure = new UpstreamUnavailableError("circuit open", 42, { reason: "circuit_open" });
    progress.missing.push({ start: "2024-01-04", end: "2024-01-05" });
    progress.upstreamName = "贵州茅台（新）";
    const result = await assembleDaily(series, window, { instrument: null, barsJson: null }, progress);
    expect(result).toMatchObject({
      name: "贵州茅台（新）",
      bars: [],
      complete: false,
      missing: [{ start: "2024-01-04", end: "2024-01-05" }],
      upstreamError: { code: "UPSTREAM_UNAVAILABLE", message: "circuit open", retry_after_seconds: 42 },
    });
    expect(store.calls).toEqual([]);
  });
});
