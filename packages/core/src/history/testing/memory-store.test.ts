/**
 * The in-memory store keeps the contract `@quantdb/db`'s store keeps (./store-contract.ts, run there on PGlite and
 * PostgreSQL), so the step tests that use it test real behaviour; below, what is its own.
 */
import { describe, expect, it } from "vitest";
import { parseStockSymbol } from "../../symbols/index.ts";
import { MemoryHistoryStore, withoutFastReads } from "./memory-store.ts";
import { describeHistoryStore, sampleBar } from "./store-contract.ts";

describeHistoryStore("MemoryHistoryStore", () => {
  const store = new MemoryHistoryStore();
  return { store, rows: () => store.rows() };
});

describe("MemoryHistoryStore's own", () => {
  const fetchedAt = new Date("2026-11-20T08:00:00Z");

  it("numbers instruments from 1 in the order first written (the step tests read series 1)", async () => {
    const store = new MemoryHistoryStore();
    for (const code of ["600519", "00700", "600519"]) {
      const symbol = parseStockSymbol(code);
      await store.saveFetched({
        symbol,
        name: code,
        adjust: "",
        span: null,
        bars: [sampleBar("2024-01-02", 1)],
        fetchedAt,
      });
    }
    expect(await store.findInstrument(parseStockSymbol("600519"))).toEqual({ id: 1, name: "600519" });
    expect(await store.findInstrument(parseStockSymbol("00700"))).toEqual({ id: 2, name: "00700" });
    expect(await store.rows()).toEqual({ instruments: 2, bars: 2, spans: 0 });
  });

  it("lists the port methods called, and withoutFastReads hides the optional reads", async () => {
    const store = new MemoryHistoryStore();
    await store.dataVersion(parseStockSymbol("600519"));
    await store.rows();
    expect(store.calls).toEqual(["dataVersion"]);
    const plain = withoutFastReads(store);
    expect([plain.snapshot, plain.barsJson, plain.dataVersion]).toEqual([undefined, undefined, undefined]);
  });
});
