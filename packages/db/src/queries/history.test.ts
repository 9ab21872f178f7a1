import { parseStockSymbol } from "@quantdb/core/symbols";
import type { DailyBar } from "@quantdb/core/history";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client.ts";
import { openTestDatabase, testDrivers } from "../testing.ts";
import { clearAll, countRows, createHistoryStore } from "./history.ts";

const bar = (date: string, close: number): DailyBar => ({
  date, open: close, high: close + 1, low: close - 1, close, volume: 12_345_600,
  amount: 1.5e9, amplitude: 2.1, pct_change: -0.5, change: -0.05, turnover_rate: null,
});

describe.each(testDrivers())("history store on %s", (driver) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(driver);
  }, 60_000);
  afterAll(async () => handle?.close());
  beforeEach(async () => clearAll(handle.db));

  const moutai = parseStockSymbol("600519");
  const fetchedAt = new Date("2026-11-20T08:00:00Z");

  it("stores bars and coverage in one write and reads them back exactly", async () => {
    const store = createHistoryStore(handle.db);
    const bars = [bar("2024-01-02", 1685.01), bar("2024-01-03", 1694.0)];
    await store.saveFetched({ symbol: moutai, name: "贵州茅台", adjust: "qfq", span: { start: "2024-01-02", end: "2024-01-05" }, bars, fetchedAt });
    const instrument = await store.findInstrument(moutai);
    expect(instrument).toMatchObject({ name: "贵州茅台" });
    expect(await store.bars(instrument!.id, "qfq", "2024-01-01", "2024-12-31")).toEqual(bars);
    expect(await store.bars(instrument!.id, "", "2024-01-01", "2024-12-31")).toEqual([]);
    expect(await store.coverage(instrument!.id, "qfq", "2024-01-04", "2024-02-01")).toEqual([{ start: "2024-01-02", end: "2024-01-05", fetchedAt }]);
    expect(await store.coverage(instrument!.id, "qfq", "2024-01-06", "2024-02-01")).toEqual([]);
    expect(await store.coverage(instrument!.id, "hfq", "2024-01-01", "2024-02-01")).toEqual([]);
  });

  it("upserts bars, keeps the name when upstream sends none, and drops spans a new span contains", async () => {
    const store = createHistoryStore(handle.db);
    await store.saveFetched({ symbol: moutai, name: "贵州茅台", adjust: "", span: { start: "2024-01-03", end: "2024-01-03" }, bars: [bar("2024-01-03", 1)], fetchedAt });
    await store.saveFetched({ symbol: moutai, name: null, adjust: "", span: { start: "2024-01-02", end: "2024-01-04" }, bars: [bar("2024-01-03", 2)], fetchedAt });
    const instrument = await store.findInstrument(moutai);
    expect(instrument!.name).toBe("贵州茅台");
    expect((await store.bars(instrument!.id, "", "2024-01-01", "2024-01-31")).map((b) => b.close)).toEqual([2]);
    expect(await countRows(handle.db)).toEqual({ instruments: 1, bars: 1, spans: 1 });
  });

  it("replaces a whole series atomically, leaving the other adjustments alone", async () => {
    const store = createHistoryStore(handle.db);
    await store.saveFetched({ symbol: moutai, name: "贵州茅台", adjust: "qfq", span: { start: "2024-01-02", end: "2024-01-03" }, bars: [bar("2024-01-02", 1), bar("2024-01-03", 2)], fetchedAt });
    await store.saveFetched({ symbol: moutai, name: null, adjust: "qfq", span: { start: "2024-03-01", end: "2024-03-01" }, bars: [bar("2024-03-01", 3)], fetchedAt });
    await store.saveFetched({ symbol: moutai, name: null, adjust: "", span: { start: "2024-01-02", end: "2024-01-03" }, bars: [bar("2024-01-02", 9)], fetchedAt });
    const later = new Date("2026-11-21T08:00:00Z");
    await store.replaceSeries({ symbol: moutai, name: null, adjust: "qfq", span: { start: "2024-01-02", end: "2024-03-01" }, bars: [bar("2024-01-03", 1.5)], fetchedAt: later });
    const { id } = (await store.findInstrument(moutai))!;
    expect((await store.bars(id, "qfq", "2024-01-01", "2024-12-31")).map((b) => [b.date, b.close])).toEqual([["2024-01-03", 1.5]]);
    expect(await store.coverage(id, "qfq", "2024-01-01", "2024-12-31")).toEqual([{ start: "2024-01-02", end: "2024-03-01", fetchedAt: later }]);
    expect((await store.bars(id, "", "2024-01-01", "2024-12-31")).map((b) => b.close)).toEqual([9]);
  });

  it("writes nothing when part of a write fails", async () => {
    const store = createHistoryStore(handle.db);
    const broken = { ...bar("2024-01-03", 1), open: null as unknown as number };
    await expect(
      store.saveFetched({ symbol: moutai, name: "贵州茅台", adjust: "", span: { start: "2024-01-02", end: "2024-01-04" }, bars: [bar("2024-01-02", 1), broken], fetchedAt }),
    ).rejects.toThrow();
    expect(await countRows(handle.db)).toEqual({ instruments: 0, bars: 0, spans: 0 });
  });
});
