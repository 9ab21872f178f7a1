/**
 * The history service when upstream is unavailable (503 or, with allowPartial, the held part with
 * the missing spans) and with a cross-process series lock (taken only when something is missing,
 * then the plan is made again inside it). The in-memory store and upstream (testing/), its failures queued.
 */
import { describe, expect, it } from "vitest";
import { bundledCalendars } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { UpstreamUnavailableError } from "../upstream/policy.ts";
import { HistoryService, type SeriesLock } from "./service.ts";
import { MemoryHistoryStore } from "./testing/memory-store.ts";
import { flatBar as bar, MemoryUpstream } from "./testing/memory-upstream.ts";
import type { Adjust, DailyBar } from "./types.ts";

const SYMBOL = parseStockSymbol("600519");
const clock = new ManualClock("2026-11-20T12:00:00Z");

/** A store in memory, and the qfq series' held spans; `hold` stores a fetch made before the test's requests. */
function memoryStore() {
  const store = new MemoryHistoryStore();
  const spans = async () => ((await store.findInstrument(SYMBOL)) ? store.allCoverage(1, "qfq") : []);
  const fetchedAt = new Date("2026-11-01T00:00:00Z");
  const hold = (start: string, end: string, bars: DailyBar[]) =>
    store.saveFetched({
      symbol: SYMBOL,
      name: "贵州茅台",
      adjust: "qfq",
      span: { start, end },
      bars,
      fetchedAt,
      checkedOn: "2026-11-20",
    });
  return { store, spans, hold };
}

const unavailable = () =>
  new UpstreamUnavailableError("circuit open", 42, { host: "push2his.eastmoney.com", reason: "circuit_open" });
const query = (start: string, end: string, adjust: Adjust = "qfq") => ({ symbol: SYMBOL, adjust, start, end });

/** Upstream in memory holding no bars, whose next call fails unavailable (503, retry after 42 s). */
function failingUpstream() {
  const upstream = new MemoryUpstream();
  upstream.failNext(unavailable());
  return upstream;
}

describe("HistoryService when upstream is unavailable", () => {
  it("serves a fully held range without calling upstream, complete", async () => {
    const { store, hold } = memoryStore();
    await hold("2024-01-02", "2024-01-05", [bar("2024-01-02"), bar("2024-01-03")]);
    const upstream = failingUpstream();
    const service = new HistoryService({ store, upstream, clock, calendars: bundledCalendars });
    const result = await service.getDailyBars(query("2024-01-02", "2024-01-05"));
    expect(result).toMatchObject({ complete: true, missing: [], upstreamError: null });
    expect(result.bars).toHaveLength(2);
    expect(upstream.calls).toHaveLength(0);
  });

  it("throws the 503 when a needed span cannot be fetched, storing nothing", async () => {
    const { store, hold, spans } = memoryStore();
    await hold("2024-01-02", "2024-01-05", [bar("2024-01-02")]);
    const upstream = failingUpstream();
    const service = new HistoryService({ store, upstream, clock, calendars: bundledCalendars });
    const error = await service.getDailyBars(query("2024-01-02", "2024-01-31")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 42 });
    expect(await spans()).toHaveLength(1);
  });

  it("with allowPartial answers the held part, complete=false, and every span not served", async () => {
    const { store, hold, spans } = memoryStore();
    await hold("2024-01-08", "2024-01-12", [bar("2024-01-08"), bar("2024-01-09")]);
    const upstream = failingUpstream();
    const service = new HistoryService({ store, upstream, clock, calendars: bundledCalendars, logger: { warn() {} } });
    // Missing: 01-02..01-05 before the held span and 01-15..01-19 after it; the first call fails.
    const result = await service.getDailyBars(query("2024-01-02", "2024-01-19"), { allowPartial: true });
    expect(result.complete).toBe(false);
    expect(result.missing).toEqual([
      { start: "2024-01-02", end: "2024-01-05" },
      { start: "2024-01-15", end: "2024-01-19" },
    ]);
    expect(result.upstreamError).toEqual({
      code: "UPSTREAM_UNAVAILABLE",
      message: "circuit open",
      retry_after_seconds: 42,
    });
    expect(result.bars.map((b) => b.date)).toEqual(["2024-01-08", "2024-01-09"]);
    expect(await spans()).toHaveLength(1);
  });

  it("with allowPartial keeps what was fetched before the failure and lists only the rest", async () => {
    const { store, hold, spans } = memoryStore();
    await hold("2024-01-08", "2024-01-12", []);
    // the first call answers upstream's bars of 01-02..01-05, the second fails
    const upstream = new MemoryUpstream();
    upstream.setSeries(
      SYMBOL,
      "qfq",
      ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"].map((d) => bar(d)),
    );
    upstream.failNext(unavailable(), { after: 1 });
    const service = new HistoryService({ store, upstream, clock, calendars: bundledCalendars });
    const result = await service.getDailyBars(query("2024-01-02", "2024-01-19"), { allowPartial: true });
    expect(upstream.calls).toHaveLength(2);
    expect(result.missing).toEqual([{ start: "2024-01-15", end: "2024-01-19" }]);
    // the first run, with its anchor
    expect((await spans()).map((s) => [s.start, s.end])).toContainEqual(["2024-01-02", "2024-01-08"]);
  });
});

describe("HistoryService with a cross-process series lock", () => {
  it("takes the lock only when something is missing, and plans again inside it", async () => {
    const { store, hold } = memoryStore();
    const upstream = new MemoryUpstream();
    const taken: string[] = [];
    // Another replica fetches and stores the span while this one waits for the lock.
    const lock: SeriesLock = {
      async run(key, task) {
        taken.push(key);
        await hold("2024-01-02", "2024-01-31", [bar("2024-01-02")]);
        return task();
      },
    };
    const service = new HistoryService({
      store,
      upstream,
      clock,
      calendars: bundledCalendars,
      seriesLock: lock,
    });
    const result = await service.getDailyBars(query("2024-01-02", "2024-01-31"));
    expect(taken).toEqual(["stock:SH:600519|qfq"]); // instrument key and adjustment
    expect(upstream.calls).toHaveLength(0); // the re-plan found the span held
    expect(result).toMatchObject({ complete: true, cache: { hit: true, upstream_requests: 0 } });

    await service.getDailyBars(query("2024-01-10", "2024-01-20"));
    expect(taken).toHaveLength(1); // fully held: no lock at all
  });
});
