/**
 * The in-memory store keeps the contract `@quantdb/db`'s store is tested for
 * (packages/db/src/queries/history.test.ts), so the step tests that use it test real behaviour.
 */
import { describe, expect, it } from "vitest";
import { parseStockSymbol } from "../../symbols/index.ts";
import type { DailyBar } from "../types.ts";
import { MemoryHistoryStore, withoutFastReads } from "./memory-store.ts";

const moutai = parseStockSymbol("600519");
const fetchedAt = new Date("2026-11-20T08:00:00Z");
const bar = (date: string, close: number): DailyBar => ({
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
});

describe("MemoryHistoryStore", () => {
  it("upserts bars, keeps the name when upstream sends none, and drops spans a new span contains", async () => {
    const store = new MemoryHistoryStore();
    await store.saveFetched({
      symbol: moutai,
      name: "贵州茅台",
      adjust: "",
      span: { start: "2024-01-03", end: "2024-01-03" },
      bars: [bar("2024-01-03", 1)],
      fetchedAt,
    });
    await store.saveFetched({
      symbol: moutai,
      name: null,
      adjust: "",
      span: { start: "2024-01-02", end: "2024-01-04" },
      bars: [bar("2024-01-03", 2)],
      fetchedAt,
    });
    const instrument = await store.findInstrument(moutai);
    expect(instrument).toEqual({ id: 1, name: "贵州茅台" });
    expect((await store.bars(1, "", "2024-01-01", "2024-01-31")).map((b) => b.close)).toEqual([2]);
    expect(await store.allCoverage(1, "")).toEqual([{ start: "2024-01-02", end: "2024-01-04", fetchedAt }]);
    expect(await store.coverage(1, "qfq", "2024-01-01", "2024-01-31")).toEqual([]);
    // the stored text is JSON.stringify of each bar in DailyBar order, whatever the caller's order
    const reordered = Object.fromEntries(Object.entries(bar("2024-01-08", 7)).reverse()) as unknown as DailyBar;
    await store.saveFetched({ symbol: moutai, name: null, adjust: "", span: null, bars: [reordered], fetchedAt });
    expect((await store.barsJson(1, "", "2024-01-08", "2024-01-08")).json).toBe(
      `[${JSON.stringify(bar("2024-01-08", 7))}]`,
    );
  });

  it("remembers unconfirmed empty answers until a held span covers them, and checks only move forward", async () => {
    const store = new MemoryHistoryStore();
    const empty = { symbol: moutai, name: "贵州茅台", adjust: "qfq" as const, bars: [], fetchedAt };
    await store.saveFetched({
      ...empty,
      span: { start: "2024-01-02", end: "2024-01-03" },
      bars: [bar("2024-01-02", 1), bar("2024-01-03", 1)],
      pendingEmpty: [{ start: "2024-01-04", end: "2024-01-05" }],
    });
    await store.saveFetched({ ...empty, span: null, pendingEmpty: [{ start: "2024-01-08", end: "2024-01-08" }] });
    const both = await store.pendingEmpty(1, "qfq", "2024-01-01", "2024-01-31");
    expect(both.map(({ start }) => start)).toEqual(["2024-01-04", "2024-01-08"]);
    expect(both[1]!.id).toBeGreaterThan(both[0]!.id);
    expect(await store.pendingEmpty(1, "", "2024-01-01", "2024-01-31")).toEqual([]);
    await store.saveFetched({ ...empty, span: { start: "2024-01-03", end: "2024-01-05" } });
    expect((await store.pendingEmpty(1, "qfq", "2024-01-01", "2024-01-31")).map(({ start }) => start)).toEqual([
      "2024-01-08",
    ]);
    expect(await store.lastBar(1, "qfq", "2024-12-31")).toEqual(bar("2024-01-03", 1));

    await store.markChecked(1, "qfq", "2026-11-20");
    await store.markChecked(1, "qfq", "2026-11-19");
    expect(await store.checkedOn(1, "qfq")).toBe("2026-11-20");
    // replacing the series forgets its bars, spans and unconfirmed answers, and records the check
    await store.replaceSeries({ ...empty, span: { start: "2024-01-02", end: "2024-01-10" }, checkedOn: "2026-11-23" });
    expect(await store.pendingEmpty(1, "qfq", "2024-01-01", "2024-01-31")).toEqual([]);
    expect(await store.bars(1, "qfq", "2024-01-01", "2024-01-31")).toEqual([]);
    expect(await store.allCoverage(1, "qfq")).toEqual([{ start: "2024-01-02", end: "2024-01-10", fetchedAt }]);
    expect(await store.checkedOn(1, "qfq")).toBe("2026-11-23");
  });

  it("answers a snapshot as the separate reads do, and changes the data version with every write", async () => {
    const store = new MemoryHistoryStore();
    expect(await store.dataVersion(moutai)).toBe("none");
    expect(
      await store.snapshot(moutai, "", { start: "2024-01-01", end: "2024-01-31", coverageEnd: "2024-01-31" }),
    ).toEqual({
      instrument: null,
      held: [],
      bars: { json: "[]", count: 0 },
      checkedOn: null,
    });
    await store.saveFetched({
      symbol: moutai,
      name: "贵州茅台",
      adjust: "",
      span: { start: "2024-01-02", end: "2024-01-05" },
      bars: [bar("2024-01-03", 1)],
      fetchedAt,
      checkedOn: "2026-11-20",
    });
    const version = await store.dataVersion(moutai);
    const snapshot = await store.snapshot(moutai, "", {
      start: "2024-01-03",
      end: "2024-01-31",
      coverageEnd: "2024-01-04",
    });
    expect(snapshot).toEqual({
      instrument: await store.findInstrument(moutai),
      held: await store.coverage(1, "", "2024-01-03", "2024-01-04"),
      bars: await store.barsJson(1, "", "2024-01-03", "2024-01-31"),
      checkedOn: "2026-11-20",
    });
    await store.saveFetched({
      symbol: moutai,
      name: null,
      adjust: "",
      span: null,
      bars: [bar("2024-01-08", 2)],
      fetchedAt,
    });
    expect(await store.dataVersion(moutai)).not.toBe(version);
    const plain = withoutFastReads(store);
    expect([plain.snapshot, plain.barsJson, plain.dataVersion]).toEqual([undefined, undefined, undefined]);
  });
});
