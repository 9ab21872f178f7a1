/**
 * Test support: the behaviour every {@link HistoryStore} keeps, as one vitest suite that each store's tests run
 * against their own store: the in-memory one (./memory-store.test.ts) and `@quantdb/db`'s on PGlite and
 * PostgreSQL (packages/db/src/queries/history.test.ts). The optional fast reads (`snapshot`, `barsJson`,
 * `dataVersion`) are part of it: both stores implement them. What only one store can do (refuse a bar with a
 * missing price, its own ids, its SQL) stays in that store's tests.
 */
import { describe, expect, it } from "vitest";
import { parseStockSymbol } from "../../symbols/index.ts";
import type { FetchedSpan, HistoryStore } from "../service.ts";
import type { DailyBar } from "../types.ts";

/** A store to test and how many rows it holds (instruments, bars of every series, held spans). */
export interface StoreUnderTest {
  store: HistoryStore;
  rows(): Promise<{ instruments: number; bars: number; spans: number }>;
}

/** A daily bar closing at `close` (open = close, high and low 1 either side; `turnover_rate` null). */
export function sampleBar(date: string, close: number): DailyBar {
  return {
    date,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 12_345_600,
    amount: 1.5e9,
    amplitude: 2.1,
    pct_change: -0.5,
    change: -0.05,
    turnover_rate: null,
  };
}

const moutai = parseStockSymbol("600519");
const fetchedAt = new Date("2026-11-20T08:00:00Z");
const bar = sampleBar;

/** Save a fetch of 600519: unadjusted, no name, no span and no bars unless `fetched` says otherwise. */
const save = (store: HistoryStore, fetched: Partial<FetchedSpan>) =>
  store.saveFetched({ symbol: moutai, name: null, adjust: "", span: null, bars: [], fetchedAt, ...fetched });

/** The stored instrument's id (the test wrote it first). */
const idOf = async (store: HistoryStore) => (await store.findInstrument(moutai))!.id;

/**
 * Register the contract's tests in a `describe(name)`; `open` is called in each test (after the caller's
 * `beforeAll`/`beforeEach` hooks) and must give an empty store.
 */
export function describeHistoryStore(name: string, open: () => StoreUnderTest): void {
  describe(name, () => {
    it("stores bars and coverage in one write and reads them back exactly", async () => {
      const { store } = open();
      const bars = [bar("2024-01-02", 1685.01), bar("2024-01-03", 1694.0)];
      await save(store, { name: "贵州茅台", adjust: "qfq", span: { start: "2024-01-02", end: "2024-01-05" }, bars });
      const instrument = await store.findInstrument(moutai);
      expect(instrument).toMatchObject({ name: "贵州茅台" });
      expect(await store.bars(instrument!.id, "qfq", "2024-01-01", "2024-12-31")).toEqual(bars);
      expect(await store.bars(instrument!.id, "", "2024-01-01", "2024-12-31")).toEqual([]);
      expect(await store.coverage(instrument!.id, "qfq", "2024-01-04", "2024-02-01")).toEqual([
        { start: "2024-01-02", end: "2024-01-05", fetchedAt },
      ]);
      expect(await store.coverage(instrument!.id, "qfq", "2024-01-06", "2024-02-01")).toEqual([]);
      expect(await store.coverage(instrument!.id, "hfq", "2024-01-01", "2024-02-01")).toEqual([]);
    });

    it("upserts bars, keeps the name when upstream sends none, and drops spans a new span contains", async () => {
      const { store, rows } = open();
      await save(store, {
        name: "贵州茅台",
        span: { start: "2024-01-03", end: "2024-01-03" },
        bars: [bar("2024-01-03", 1)],
      });
      await save(store, { span: { start: "2024-01-02", end: "2024-01-04" }, bars: [bar("2024-01-03", 2)] });
      const instrument = await store.findInstrument(moutai);
      expect(instrument).toEqual({ id: expect.any(Number), name: "贵州茅台" });
      const id = instrument!.id;
      expect((await store.bars(id, "", "2024-01-01", "2024-01-31")).map((b) => b.close)).toEqual([2]);
      expect(await store.allCoverage(id, "")).toEqual([{ start: "2024-01-02", end: "2024-01-04", fetchedAt }]);
      expect(await store.coverage(id, "qfq", "2024-01-01", "2024-01-31")).toEqual([]);
      expect(await rows()).toEqual({ instruments: 1, bars: 1, spans: 1 });
      // the stored text is JSON.stringify of each bar in DailyBar order, whatever the caller's order
      const reordered = Object.fromEntries(Object.entries(bar("2024-01-08", 7)).reverse()) as unknown as DailyBar;
      await save(store, { bars: [reordered] });
      expect((await store.barsJson!(id, "", "2024-01-08", "2024-01-08")).json).toBe(
        `[${JSON.stringify(bar("2024-01-08", 7))}]`,
      );
    });

    it("replaces a whole series atomically, leaving the other adjustments alone", async () => {
      const { store } = open();
      const qfq = { name: null, adjust: "qfq" as const };
      const january = { start: "2024-01-02", end: "2024-01-03" };
      await save(store, {
        ...qfq,
        name: "贵州茅台",
        span: january,
        bars: [bar("2024-01-02", 1), bar("2024-01-03", 2)],
      });
      await save(store, { ...qfq, span: { start: "2024-03-01", end: "2024-03-01" }, bars: [bar("2024-03-01", 3)] });
      await save(store, { span: january, bars: [bar("2024-01-02", 9)] });
      const later = new Date("2026-11-21T08:00:00Z");
      await store.replaceSeries({
        ...qfq,
        symbol: moutai,
        span: { start: "2024-01-02", end: "2024-03-01" },
        bars: [bar("2024-01-03", 1.5)],
        fetchedAt: later,
      });
      const id = await idOf(store);
      expect((await store.bars(id, "qfq", "2024-01-01", "2024-12-31")).map((b) => [b.date, b.close])).toEqual([
        ["2024-01-03", 1.5],
      ]);
      expect(await store.coverage(id, "qfq", "2024-01-01", "2024-12-31")).toEqual([
        { start: "2024-01-02", end: "2024-03-01", fetchedAt: later },
      ]);
      expect((await store.bars(id, "", "2024-01-01", "2024-12-31")).map((b) => b.close)).toEqual([9]);
    });

    it("reads the instrument, its coverage and the range's bars in one snapshot, bars in date order", async () => {
      const { store } = open();
      expect(
        await store.snapshot!(moutai, "", { start: "2024-01-01", end: "2024-12-31", coverageEnd: "2024-12-31" }),
      ).toEqual({ instrument: null, held: [], bars: { json: "[]", count: 0 }, checkedOn: null });
      const later = new Date("2026-11-20T08:00:00.123Z");
      // written newest first, one write per session, so the order written is the reverse of date order
      for (const [i, date] of ["2024-01-05", "2024-01-04", "2024-01-03", "2024-01-02"].entries()) {
        const at = i === 0 ? later : fetchedAt;
        await save(store, {
          name: "贵州茅台",
          adjust: "qfq",
          span: { start: date, end: date },
          bars: [bar(date, 10 + i)],
          fetchedAt: at,
        });
      }
      await save(store, { span: { start: "2024-01-02", end: "2024-01-05" }, bars: [bar("2024-01-03", 99)] });
      const range = { start: "2024-01-03", end: "2024-12-31", coverageEnd: "2024-01-04" };
      const snapshot = await store.snapshot!(moutai, "qfq", range);
      const id = await idOf(store);
      expect(snapshot.instrument).toEqual({ id, name: "贵州茅台" });
      expect(snapshot.held).toEqual([
        { start: "2024-01-03", end: "2024-01-03", fetchedAt },
        { start: "2024-01-04", end: "2024-01-04", fetchedAt },
      ]);
      expect(snapshot.bars.count).toBe(3);
      expect(JSON.parse(snapshot.bars.json)).toEqual([
        bar("2024-01-03", 12),
        bar("2024-01-04", 11),
        bar("2024-01-05", 10),
      ]);
      expect(JSON.parse(snapshot.bars.json)).toEqual(await store.bars(id, "qfq", "2024-01-03", "2024-12-31"));
      expect(await store.barsJson!(id, "qfq", "2024-01-03", "2024-12-31")).toEqual(snapshot.bars);
    });

    it("answers a snapshot as the separate reads do, and changes the data version with every write", async () => {
      const { store } = open();
      expect(await store.dataVersion!(moutai)).toBe("none");
      await save(store, {
        name: "贵州茅台",
        span: { start: "2024-01-02", end: "2024-01-05" },
        bars: [bar("2024-01-03", 1)],
        checkedOn: "2026-11-20",
      });
      const version = await store.dataVersion!(moutai);
      const id = await idOf(store);
      const snapshot = await store.snapshot!(moutai, "", {
        start: "2024-01-03",
        end: "2024-01-31",
        coverageEnd: "2024-01-04",
      });
      expect(snapshot).toEqual({
        instrument: await store.findInstrument(moutai),
        held: await store.coverage(id, "", "2024-01-03", "2024-01-04"),
        bars: await store.barsJson!(id, "", "2024-01-03", "2024-01-31"),
        checkedOn: "2026-11-20",
      });
      await save(store, { bars: [bar("2024-01-08", 2)] });
      expect(await store.dataVersion!(moutai)).not.toBe(version);
    });

    it("remembers empty answers until a held span covers them, and when each series was last checked", async () => {
      const { store } = open();
      const empty = { name: "贵州茅台", adjust: "qfq" as const };
      await save(store, {
        ...empty,
        span: { start: "2024-01-02", end: "2024-01-03" },
        bars: [bar("2024-01-02", 1), bar("2024-01-03", 1)],
        pendingEmpty: [{ start: "2024-01-04", end: "2024-01-05" }],
      });
      const id = await idOf(store);
      const first = await store.pendingEmpty(id, "qfq", "2024-01-01", "2024-01-31");
      expect(first.map(({ start, end }) => [start, end])).toEqual([["2024-01-04", "2024-01-05"]]);
      expect(await store.pendingEmpty(id, "", "2024-01-01", "2024-01-31")).toEqual([]);
      expect(await store.pendingEmpty(id, "qfq", "2024-01-06", "2024-01-31")).toEqual([]);
      // a second observation gets a later id; a held span covering the first one drops it
      await save(store, { ...empty, pendingEmpty: [{ start: "2024-01-08", end: "2024-01-08" }] });
      const both = await store.pendingEmpty(id, "qfq", "2024-01-01", "2024-01-31");
      expect(both.map(({ start }) => start)).toEqual(["2024-01-04", "2024-01-08"]);
      expect(both[1]!.id).toBeGreaterThan(both[0]!.id);
      await save(store, { ...empty, span: { start: "2024-01-03", end: "2024-01-05" } });
      expect((await store.pendingEmpty(id, "qfq", "2024-01-01", "2024-01-31")).map(({ start }) => start)).toEqual([
        "2024-01-08",
      ]);
      expect(await store.lastBar(id, "qfq", "2024-12-31")).toEqual(bar("2024-01-03", 1));
      expect(await store.lastBar(id, "qfq", "2024-01-02")).toEqual(bar("2024-01-02", 1));
      expect(await store.lastBar(id, "", "2024-12-31")).toBeNull();

      expect(await store.checkedOn(id, "qfq")).toBeNull();
      await store.markChecked(id, "qfq", "2026-11-20");
      await store.markChecked(id, "qfq", "2026-11-19"); // an older day never moves it back
      expect(await store.checkedOn(id, "qfq")).toBe("2026-11-20");
      expect(await store.checkedOn(id, "hfq")).toBeNull();
      const january = { start: "2024-01-01", end: "2024-01-31", coverageEnd: "2024-01-31" };
      expect((await store.snapshot!(moutai, "qfq", january)).checkedOn).toBe("2026-11-20");
      // replacing the series forgets its bars, spans and unconfirmed answers, and records the check
      const replaced = { start: "2024-01-02", end: "2024-01-10" };
      await store.replaceSeries({
        ...empty,
        symbol: moutai,
        span: replaced,
        bars: [],
        fetchedAt,
        checkedOn: "2026-11-23",
      });
      expect(await store.pendingEmpty(id, "qfq", "2024-01-01", "2024-01-31")).toEqual([]);
      expect(await store.bars(id, "qfq", "2024-01-01", "2024-01-31")).toEqual([]);
      expect(await store.allCoverage(id, "qfq")).toEqual([{ ...replaced, fetchedAt }]);
      expect(await store.checkedOn(id, "qfq")).toBe("2026-11-23");
    });
  });
}
