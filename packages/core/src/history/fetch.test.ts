/**
 * Fetching what a request lacks, against an in-memory store and upstream: the quality gate, one
 * run at a time (anchor, empty edges, today's provisional bar), the days past the horizon, and the
 * whole locked section (plan again, partial answers on failure).
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import { UpstreamError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { UpstreamUnavailableError } from "../upstream/policy.ts";
import { newProgress } from "./context.ts";
import { fetchChecked, fetchMissing, fetchPassThrough, fetchRun, type RunOptions } from "./fetch.ts";
import { planWindow, readPlan } from "./plan.ts";
import { ProvisionalBars } from "./provisional.ts";
import type { HistoryStore } from "./service.ts";
import { MemoryHistoryStore } from "./testing/memory-store.ts";
import { flatBar, memoryLogger, MemoryUpstream, seriesContext } from "./testing/memory-upstream.ts";
import type { Adjust } from "./types.ts";

const cn = getCalendar("CN");
const SYMBOL = parseStockSymbol("600519");
// Friday 2026-11-20, 20:00 in Shanghai: every bar up to that day is final.
const FRIDAY_EVENING = "2026-11-20T12:00:00Z";
const fetchedAt = new Date("2026-11-01T00:00:00Z");
const unavailable = () =>
  new UpstreamUnavailableError("circuit open", 42, { host: "push2his.eastmoney.com", reason: "circuit_open" });

/** An empty store and an upstream holding `dates` of the series (flat at `price`), at `now`. */
function setup(options: { adjust?: Adjust; dates?: string[]; price?: number; now?: string } = {}) {
  const adjust = options.adjust ?? "qfq";
  const store = new MemoryHistoryStore();
  const upstream = new MemoryUpstream();
  upstream.setSeries(
    SYMBOL,
    adjust,
    (options.dates ?? []).map((d) => flatBar(d, options.price ?? 10)),
  );
  const clock = new ManualClock(options.now ?? FRIDAY_EVENING);
  const context = () => seriesContext({ store, upstream, symbol: SYMBOL, adjust, calendar: cn, clock });
  return { store, upstream, clock, adjust, context };
}

const hold = (
  store: HistoryStore,
  adjust: Adjust,
  span: { start: string; end: string },
  dates: string[],
  at = fetchedAt,
) =>
  store.saveFetched({
    symbol: SYMBOL,
    name: "贵州茅台",
    adjust,
    span,
    bars: dates.map((d) => flatBar(d)),
    fetchedAt: at,
  });

const runOptions = (overrides: Partial<RunOptions> = {}): RunOptions => ({
  provisional: new ProvisionalBars(60_000),
  newSeries: false,
  earlierEmpty: [],
  ...overrides,
});

const JAN = [
  "2024-01-02",
  "2024-01-03",
  "2024-01-04",
  "2024-01-05",
  "2024-01-08",
  "2024-01-09",
  "2024-01-10",
  "2024-01-11",
  "2024-01-12",
];

describe("fetchChecked", () => {
  it("passes an answer whose bars pass the quality gate", async () => {
    const { upstream } = setup({ dates: JAN.slice(0, 2) });
    const answer = await fetchChecked(
      upstream,
      { symbol: SYMBOL, adjust: "qfq", start: "2024-01-02", end: "2024-01-03" },
      { calendar: cn, logger: memoryLogger() },
    );
    expect(answer).toEqual({ name: "贵州茅台", bars: [flatBar("2024-01-02"), flatBar("2024-01-03")] });
  });

  it("rejects the whole answer as UPSTREAM_INVALID when a bar fails the gate, and logs every problem", async () => {
    const { upstream } = setup({ dates: ["2024-01-05", "2024-01-06"] }); // 2024-01-06 is a Saturday
    const logger = memoryLogger();
    const error = await fetchChecked(
      upstream,
      { symbol: SYMBOL, adjust: "qfq", start: "2024-01-05", end: "2024-01-08" },
      { calendar: cn, logger },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: "UPSTREAM_INVALID",
      details: { problems: [{ date: "2024-01-06", rule: "not_a_session" }] },
    });
    expect(logger.warnings).toMatchObject([
      { message: "upstream bars rejected by the quality gate", details: { start: "2024-01-05", end: "2024-01-08" } },
    ]);
  });
});

describe("fetchRun", () => {
  it("fetches a new series' run in one call and stores its bars with the run held, recording the check", async () => {
    const { store, upstream, context } = setup({ dates: JAN });
    const series = context();
    const window = planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-05" }, series.moment);
    const plan = await readPlan(series, window);
    const progress = newProgress();
    expect(await fetchRun(series, window, plan, plan.runs[0]!, progress, runOptions({ newSeries: true }))).toBe(
      "fetched",
    );
    expect(upstream.asked()).toEqual(["2024-01-02..2024-01-05"]);
    expect(await store.allCoverage(1, "qfq")).toEqual([
      { start: "2024-01-02", end: "2024-01-05", fetchedAt: series.moment.now },
    ]);
    expect(await store.bars(1, "qfq", "2024-01-01", "2024-12-31")).toEqual(JAN.slice(0, 4).map((d) => flatBar(d)));
    expect(await store.checkedOn(1, "qfq")).toBe("2026-11-20");
    expect(progress).toMatchObject({
      fetched: [{ start: "2024-01-02", end: "2024-01-05" }],
      upstreamRequests: 1,
      upstreamName: "贵州茅台",
    });
  });

  it("extends a held series with its anchor in the same call; a matching anchor is the day's check", async () => {
    const { store, upstream, context } = setup({ dates: JAN });
    await hold(store, "qfq", { start: "2024-01-02", end: "2024-01-05" }, JAN.slice(0, 4));
    const series = context();
    const window = planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-09" }, series.moment);
    const plan = await readPlan(series, window);
    expect(await fetchRun(series, window, plan, plan.runs[0]!, newProgress(), runOptions())).toBe("fetched");
    expect(upstream.asked()).toEqual(["2024-01-05..2024-01-09"]);
    expect((await store.allCoverage(1, "qfq")).map((s) => `${s.start}..${s.end}`)).toEqual([
      "2024-01-02..2024-01-05",
      "2024-01-05..2024-01-09",
    ]);
    expect(await store.checkedOn(1, "qfq")).toBe("2026-11-20");
  });

  it("replaces the series when the anchor came back different, and says so", async () => {
    const { store, upstream, context } = setup({ dates: JAN, price: 9 });
    await hold(store, "qfq", { start: "2024-01-02", end: "2024-01-05" }, JAN.slice(0, 4));
    const series = context();
    const window = planWindow({ adjust: "qfq", start: "2024-01-02", end: "2024-01-09" }, series.moment);
    const plan = await readPlan(series, window);
    const progress = newProgress();
    expect(await fetchRun(series, window, plan, plan.runs[0]!, progress, runOptions())).toBe("replaced");
    expect(upstream.asked()).toEqual(["2024-01-05..2024-01-09", "2024-01-02..2024-01-09"]);
    expect(progress.replacement).toMatchObject({
      reason: "anchor_mismatch",
      start_date: "2024-01-02",
      end_date: "2024-01-09",
    });
    expect(progress).toMatchObject({
      upstreamRequests: 2,
      fetched: [
        { start: "2024-01-08", end: "2024-01-09" },
        { start: "2024-01-02", end: "2024-01-09" },
      ],
    });
    expect((await store.bars(1, "qfq", "2024-01-01", "2024-12-31")).map((b) => b.close)).toEqual([9, 9, 9, 9, 9, 9]);
  });

  it("remembers a first empty edge unconfirmed, and holds it when a later answer is empty again", async () => {
    const { store, upstream, context } = setup({ adjust: "", dates: JAN.slice(0, 6) }); // nothing after 01-09 (yet)
    await hold(store, "", { start: "2024-01-02", end: "2024-01-05" }, JAN.slice(0, 4));
    const series = context();
    const window = planWindow({ adjust: "", start: "2024-01-02", end: "2024-01-12" }, series.moment);
    const first = newProgress();
    let plan = await readPlan(series, window);
    await fetchRun(series, window, plan, plan.runs[0]!, first, runOptions());
    expect(first.unconfirmed).toEqual([{ start: "2024-01-10", end: "2024-01-12" }]);
    expect((await store.allCoverage(1, "")).map((s) => `${s.start}..${s.end}`)).toEqual([
      "2024-01-02..2024-01-05",
      "2024-01-05..2024-01-09",
    ]);

    plan = await readPlan(series, window);
    expect(plan.runs).toEqual([{ start: "2024-01-10", end: "2024-01-12" }]);
    const earlierEmpty = await store.pendingEmpty(1, "", window.start, window.knownEnd);
    const second = newProgress();
    await fetchRun(series, window, plan, plan.runs[0]!, second, runOptions({ earlierEmpty }));
    expect(upstream.asked()).toEqual(["2024-01-05..2024-01-12", "2024-01-09..2024-01-12"]);
    expect(second.unconfirmed).toEqual([]);
    expect((await readPlan(series, window)).runs).toEqual([]);
    expect(await store.pendingEmpty(1, "", window.start, window.knownEnd)).toEqual([]);
  });

  it("serves today's live bar unstored, reuses that fetch within the TTL, and fetches again after", async () => {
    // Friday 2026-11-20, 11:00 in Shanghai: the session is open, the 19th is final.
    const { store, upstream, clock, context } = setup({
      adjust: "",
      dates: ["2026-11-19", "2026-11-20"],
      now: "2026-11-20T03:00:00Z",
    });
    await hold(
      store,
      "",
      { start: "2026-11-16", end: "2026-11-19" },
      ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"],
      new Date("2026-11-20T01:00:00Z"),
    );
    const provisional = new ProvisionalBars(60_000);
    const attempt = async () => {
      const series = context();
      const window = planWindow({ adjust: "", start: "2026-11-16", end: "2026-11-20" }, series.moment);
      const plan = await readPlan(series, window);
      expect(plan.runs).toEqual([{ start: "2026-11-20", end: "2026-11-20" }]);
      const progress = newProgress();
      const outcome = await fetchRun(series, window, plan, plan.runs[0]!, progress, runOptions({ provisional }));
      return { outcome, live: [...progress.transient.keys()] };
    };
    expect(await attempt()).toEqual({ outcome: "fetched", live: ["2026-11-20"] });
    expect(upstream.asked()).toEqual(["2026-11-19..2026-11-20"]);
    expect((await store.allCoverage(1, "")).every((span) => span.end <= "2026-11-19")).toBe(true);
    expect(await store.lastBar(1, "", "2026-12-31")).toMatchObject({ date: "2026-11-19" });

    clock.advance(59_000);
    expect(await attempt()).toEqual({ outcome: "reused", live: ["2026-11-20"] });
    expect(upstream.calls).toHaveLength(1);
    clock.advance(1_000);
    expect(await attempt()).toEqual({ outcome: "fetched", live: ["2026-11-20"] });
    expect(upstream.calls).toHaveLength(2);
  });
});

describe("fetchPassThrough", () => {
  it("serves the days past the calendar's horizon without storing them", async () => {
    const { store, context } = setup({ adjust: "", dates: ["2027-01-04", "2027-01-05"], now: "2027-01-06T12:00:00Z" });
    const progress = newProgress();
    await fetchPassThrough(context(), { start: "2027-01-01", end: "2027-01-06" }, progress);
    expect([...progress.transient.keys()]).toEqual(["2027-01-04", "2027-01-05"]);
    expect(progress).toMatchObject({ fetched: [{ start: "2027-01-01", end: "2027-01-06" }], upstreamRequests: 1 });
    expect(store.calls).toEqual([]);
  });
});

describe("fetchMissing", () => {
  const options = () => ({ allowPartial: false, provisional: new ProvisionalBars(60_000) });

  it("plans again first: what another request stored meanwhile is not fetched", async () => {
    const { store, upstream, context } = setup({ adjust: "", dates: JAN });
    await hold(store, "", { start: "2024-01-02", end: "2024-01-12" }, JAN);
    const series = context();
    const window = planWindow({ adjust: "", start: "2024-01-02", end: "2024-01-12" }, series.moment);
    const progress = newProgress();
    expect(await fetchMissing(series, window, [], progress, options())).toEqual({ id: 1, name: "贵州茅台" });
    expect(upstream.calls).toEqual([]);
    expect(progress.upstreamRequests).toBe(0);
  });

  it("fetches every missing run and the days past the horizon, and returns the instrument it created", async () => {
    const dates = ["2026-12-30", "2026-12-31", "2027-01-04", "2027-01-05"];
    const { store, upstream, context } = setup({ adjust: "", dates, now: "2027-01-06T12:00:00Z" });
    const series = context();
    const window = planWindow({ adjust: "", start: "2026-12-30", end: "2027-01-06" }, series.moment);
    const progress = newProgress();
    expect(await fetchMissing(series, window, [], progress, options())).toEqual({ id: 1, name: "贵州茅台" });
    expect(upstream.asked()).toEqual(["2026-12-30..2026-12-31", "2027-01-01..2027-01-06"]);
    expect(await store.allCoverage(1, "")).toMatchObject([{ start: "2026-12-30", end: "2026-12-31" }]);
    expect([...progress.transient.keys()]).toEqual(["2027-01-04", "2027-01-05"]);
    expect(progress.missing).toEqual([]);
  });

  it("continues with the remaining runs after a replacement", async () => {
    const { store, upstream, context } = setup({ adjust: "", dates: JAN, price: 9 });
    await hold(store, "", { start: "2024-01-03", end: "2024-01-04" }, ["2024-01-03", "2024-01-04"]);
    const series = context();
    const window = planWindow({ adjust: "", start: "2024-01-02", end: "2024-01-09" }, series.moment);
    const progress = newProgress();
    await fetchMissing(series, window, [], progress, options());
    // run 01-02 with its anchor 01-03 (changed), the replacement, then run 01-05..09 with its anchor 01-04
    expect(upstream.asked()).toEqual(["2024-01-02..2024-01-03", "2024-01-02..2024-01-04", "2024-01-04..2024-01-09"]);
    expect(progress.replacement).toMatchObject({ reason: "anchor_mismatch", anchor_date: "2024-01-03" });
    expect((await readPlan(series, window)).runs).toEqual([]);
    expect((await store.bars(1, "", "2024-01-01", "2024-12-31")).map((b) => b.close)).toEqual([9, 9, 9, 9, 9, 9]);
  });

  it("with allowPartial records the failure and every span not served; what was stored before it stays", async () => {
    const { store, upstream, context } = setup({ adjust: "", dates: JAN });
    await hold(store, "", { start: "2024-01-08", end: "2024-01-10" }, ["2024-01-08", "2024-01-09", "2024-01-10"]);
    upstream.failNext(unavailable(), { after: 1 });
    const series = context();
    const window = planWindow({ adjust: "", start: "2024-01-02", end: "2024-01-19" }, series.moment);
    const progress = newProgress();
    await fetchMissing(series, window, [], progress, { ...options(), allowPartial: true });
    expect(upstream.asked()).toEqual(["2024-01-02..2024-01-08", "2024-01-10..2024-01-19"]);
    expect(progress.failure).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryAfterSeconds: 42 });
    expect(progress.missing).toEqual([{ start: "2024-01-11", end: "2024-01-19" }]);
    expect((await store.allCoverage(1, "")).map((s) => `${s.start}..${s.end}`)).toEqual([
      "2024-01-02..2024-01-08",
      "2024-01-08..2024-01-10",
    ]);
  });

  it("without allowPartial the upstream failure is the answer", async () => {
    const { upstream, context } = setup({ adjust: "", dates: JAN });
    upstream.failNext(unavailable());
    const series = context();
    const window = planWindow({ adjust: "", start: "2024-01-02", end: "2024-01-12" }, series.moment);
    await expect(fetchMissing(series, window, [], newProgress(), options())).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
  });
});
