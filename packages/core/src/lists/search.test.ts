import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import {
  InstrumentSearch,
  matchRank,
  mergeSearchHits,
  parseInstrumentSearch,
  type InstrumentSearchStore,
  type SearchCandidate,
} from "./search.ts";

const stock = (market: string, code: string, name: string | null): SearchCandidate => ({
  kind: "stock",
  market,
  code,
  name,
});

describe("parseInstrumentSearch", () => {
  it("trims q, defaults limit to 10, and searches full symbols by canonical code within their market", () => {
    expect(parseInstrumentSearch({ q: "  茅台 " })).toEqual({ q: "茅台", text: "茅台", market: undefined, limit: 10 });
    expect(parseInstrumentSearch({ q: "6005", limit: "50" })).toEqual({
      q: "6005",
      text: "6005",
      market: undefined,
      limit: 50,
    });
    expect(parseInstrumentSearch({ q: "0700.HK" })).toMatchObject({ text: "00700", market: "HK" });
    expect(parseInstrumentSearch({ q: "sh600519" })).toMatchObject({ text: "600519", market: "SH" });
    // letters that are not a symbol are searched as typed (HK names can be Latin)
    expect(parseInstrumentSearch({ q: "hsbc" })).toMatchObject({ text: "hsbc", market: undefined });
  });

  it("rejects a missing q, a too long q and a limit outside 1..50 with VALIDATION_ERROR", () => {
    for (const input of [
      {},
      { q: "  " },
      { q: "x".repeat(51) },
      { q: "\u0000" },
      { q: "茅\u0000台" },
      { q: "1", limit: "0" },
      { q: "1", limit: "51" },
      { q: "1", limit: "x" },
    ]) {
      expect(() => parseInstrumentSearch(input), JSON.stringify(input)).toThrow(InputError);
      try {
        parseInstrumentSearch(input);
      } catch (error) {
        expect((error as InputError).code).toBe("VALIDATION_ERROR");
      }
    }
  });
});

describe("matchRank", () => {
  it("ranks exact code, code prefix, name prefix, then contains; case-insensitive", () => {
    expect(matchRank("600519", "600519", "贵州茅台")).toBe(0);
    expect(matchRank("6005", "600519", "贵州茅台")).toBe(1);
    expect(matchRank("贵州", "600519", "贵州茅台")).toBe(2);
    expect(matchRank("茅台", "600519", "贵州茅台")).toBe(3);
    expect(matchRank("0519", "600519", "贵州茅台")).toBe(3);
    expect(matchRank("hs", "00005", "HSBC HOLDINGS")).toBe(2);
    expect(matchRank("平安", "600519", "贵州茅台")).toBeNull();
    expect(matchRank("x", "600519", null)).toBeNull();
  });
});

describe("mergeSearchHits", () => {
  it("orders by rank, stocks before indices, market, code; drops duplicates and non-matches; applies the limit", () => {
    const listed = [
      stock("SZ", "000001", "平安银行"),
      stock("SH", "601318", "中国平安"),
      stock("HK", "02318", "中国平安"),
    ];
    const held = [
      stock("SZ", "000001", "平安银行"),
      { kind: "index" as const, market: "SH", code: "000001", name: "上证指数" },
      stock("SH", "600519", "贵州茅台"),
    ];
    const hits = mergeSearchHits("平安", listed, held, 10);
    expect(hits.map((h) => `${h.kind}:${h.market}:${h.code}:${h.source}:${h.rank}`)).toEqual([
      "stock:SZ:000001:list:2",
      "stock:SH:601318:list:3",
      "stock:HK:02318:list:3",
    ]);
    const byCode = mergeSearchHits("000001", listed, held, 10);
    expect(byCode.map((h) => `${h.kind}:${h.code}:${h.source}`)).toEqual(["stock:000001:list", "index:000001:held"]);
    expect(mergeSearchHits("0", listed, held, 2)).toHaveLength(2);
  });
});

describe("InstrumentSearch", () => {
  it("searches both sources with the query's text and market and reports which lists are stored", async () => {
    const asked: unknown[] = [];
    const store: InstrumentSearchStore = {
      async searchSnapshots(text, options) {
        asked.push(["list", text, options]);
        return [stock("HK", "00700", "腾讯控股")];
      },
      async searchHeld(text, options) {
        asked.push(["held", text, options]);
        return [];
      },
      async latestSnapshotDates() {
        return { HK: "2026-11-20", SH: "2026-11-19" };
      },
    };
    const result = await new InstrumentSearch(store).search(parseInstrumentSearch({ q: "700.hk", limit: "5" }));
    expect(asked).toEqual([
      ["list", "00700", { market: "HK", limit: 5 }],
      ["held", "00700", { market: "HK", limit: 5 }],
    ]);
    expect(result.hits).toEqual([
      { kind: "stock", market: "HK", code: "00700", name: "腾讯控股", source: "list", rank: 0 },
    ]);
    expect(result.lists).toEqual([
      { market: "SH", snapshotDate: "2026-11-19" },
      { market: "SZ", snapshotDate: null },
      { market: "BJ", snapshotDate: null },
      { market: "HK", snapshotDate: "2026-11-20" },
    ]);
  });
});
