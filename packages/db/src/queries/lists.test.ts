import type { CompanyInfo, StockListEntry } from "@quantdb/core/lists";
import { parseStockSymbol } from "@quantdb/core/symbols";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client.ts";
import { openTestDatabase, testDrivers } from "../testing.ts";
import { clearAll, createHistoryStore } from "./history.ts";
import { createAssetStore, createCompanyInfoStore, createStockListStore, stockListSnapshotDates } from "./lists.ts";

const entry = (symbol: string, name: string | null, price: number | null = 10): StockListEntry => ({
  symbol,
  name,
  price,
  pct_change: 1.5,
  change: 0.15,
  volume: 1_234_500,
  amount: 1.2e7,
  turnover_rate: 0.3,
  pe_ratio: null,
  pe_ttm: 21.87,
  pb_ratio: 2.1,
  market_cap: 1e10,
  float_market_cap: 8e9,
  open: 9.9,
  high: 10.2,
  low: 9.8,
  prev_close: 9.85,
  amplitude: 4.06,
  volume_ratio: 0.67,
  change_speed: -0.14,
  change_5min: -0.45,
  change_60d: 12.5,
  change_ytd: null,
});

const info = (code: string, name: string | null): CompanyInfo => ({
  code,
  name,
  industry: "酿酒行业",
  listingDate: "2001-08-27",
  totalShares: 1256197800,
  floatShares: 1256197800,
  totalMarketCap: 1.87e12,
  floatMarketCap: 1.87e12,
  price: 1489.22,
  raw: { f57: code, f58: name ?? "-" },
});

describe.each(testDrivers())("list stores on %s", (driver) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(driver);
  }, 60_000);
  afterAll(async () => handle?.close());
  beforeEach(async () => clearAll(handle.db));

  it("stores a snapshot whole, reads pages back by code, and keeps a nameless stock nameless", async () => {
    const store = createStockListStore(handle.db);
    expect(await store.latestSnapshot("SH")).toBeNull();
    const fetchedAt = new Date("2026-11-20T12:00:00Z");
    const rows = [entry("600519", "贵州茅台"), entry("603381", null, null), entry("600000", "浦发银行")];
    await store.saveSnapshot({ market: "SH", date: "2026-11-20", rows, fetchedAt });
    expect(await store.latestSnapshot("SH")).toEqual({ market: "SH", date: "2026-11-20", fetchedAt, count: 3 });
    expect(await store.latestSnapshot("SZ")).toBeNull();
    const all = await store.snapshotRows("SH", "2026-11-20", { offset: 0 });
    expect(all).toEqual({ total: 3, rows: [rows[2], rows[0], rows[1]] });
    expect(await store.snapshotRows("SH", "2026-11-20", { offset: 1, limit: 1 })).toEqual({
      total: 3,
      rows: [rows[0]],
    });
    expect((await store.snapshotRows("SH", "2026-11-20", { q: "茅台", offset: 0 })).rows.map((r) => r.symbol)).toEqual([
      "600519",
    ]);
    expect((await store.snapshotRows("SH", "2026-11-20", { q: "6005", offset: 0 })).rows.map((r) => r.symbol)).toEqual([
      "600519",
    ]);
    expect(await store.snapshotRows("SH", "2026-11-20", { q: "_", offset: 0 })).toEqual({ total: 0, rows: [] });
  });

  it("replaces a same-day snapshot with a later scan (dropping stocks it lacks) and keeps other days", async () => {
    const store = createStockListStore(handle.db);
    await store.saveSnapshot({
      market: "BJ",
      date: "2026-11-20",
      rows: [entry("830799", "艾融软件"), entry("430047", "诺思兰德")],
      fetchedAt: new Date("2026-11-20T01:00:00Z"),
    });
    await store.saveSnapshot({
      market: "BJ",
      date: "2026-11-21",
      rows: [entry("830799", "艾融软件")],
      fetchedAt: new Date("2026-11-21T01:00:00Z"),
    });
    const later = new Date("2026-11-21T09:00:00Z");
    await store.saveSnapshot({
      market: "BJ",
      date: "2026-11-21",
      rows: [entry("920002", "万达轴承", 20)],
      fetchedAt: later,
    });
    expect(await stockListSnapshotDates(handle.db, "BJ")).toEqual([
      { date: "2026-11-21", count: 1 },
      { date: "2026-11-20", count: 2 },
    ]);
    expect(await store.latestSnapshot("BJ")).toEqual({ market: "BJ", date: "2026-11-21", fetchedAt: later, count: 1 });
  });

  it("stores P/E TTM apart from the dynamic P/E and replaces it on a same-day rescan, null included", async () => {
    const store = createStockListStore(handle.db);
    const first = [{ ...entry("600519", "贵州茅台"), pe_ratio: 22.61 }, entry("600000", "浦发银行")];
    await store.saveSnapshot({ market: "SH", date: "2026-11-20", rows: first, fetchedAt: new Date(1) });
    const read = async () =>
      (await store.snapshotRows("SH", "2026-11-20", { offset: 0 })).rows.map((r) => [r.symbol, r.pe_ratio, r.pe_ttm]);
    expect(await read()).toEqual([
      ["600000", null, 21.87],
      ["600519", 22.61, 21.87],
    ]);
    const rescan = [
      { ...entry("600519", "贵州茅台"), pe_ratio: 22.61, pe_ttm: 23.05 },
      { ...entry("600000", "浦发银行"), pe_ttm: null },
    ];
    await store.saveSnapshot({ market: "SH", date: "2026-11-20", rows: rescan, fetchedAt: new Date(2) });
    expect(await read()).toEqual([
      ["600000", null, null],
      ["600519", 22.61, 23.05],
    ]);
  });

  it("renames held stocks from a snapshot, never to an empty name", async () => {
    const history = createHistoryStore(handle.db);
    const moutai = parseStockSymbol("600519");
    const nameless = parseStockSymbol("603381");
    await history.saveFetched({
      symbol: moutai,
      name: "茅台旧名",
      adjust: "",
      span: null,
      bars: [],
      fetchedAt: new Date(),
    });
    await history.saveFetched({
      symbol: nameless,
      name: "旧名",
      adjust: "",
      span: null,
      bars: [],
      fetchedAt: new Date(),
    });
    await createStockListStore(handle.db).saveSnapshot({
      market: "SH",
      date: "2026-11-20",
      rows: [entry("600519", "贵州茅台"), entry("603381", null)],
      fetchedAt: new Date(),
    });
    expect(await history.findInstrument(moutai)).toMatchObject({ name: "贵州茅台" });
    expect(await history.findInstrument(nameless)).toMatchObject({ name: "旧名" });
  });

  it("upserts company profiles with the instrument, and lists held instruments with or without one", async () => {
    const profiles = createCompanyInfoStore(handle.db);
    const moutai = parseStockSymbol("600519");
    expect(await profiles.findCompanyInfo(moutai)).toBeNull();
    const first = new Date("2026-11-20T12:00:00Z");
    await profiles.saveCompanyInfo(moutai, info("600519", "贵州茅台"), first);
    const second = new Date("2026-11-21T12:00:00Z");
    await profiles.saveCompanyInfo(moutai, { ...info("600519", null), industry: "白酒" }, second);
    expect(await profiles.findCompanyInfo(moutai)).toEqual({
      name: "贵州茅台",
      industry: "白酒",
      listingDate: "2001-08-27",
      totalShares: 1256197800,
      floatShares: 1256197800,
      totalMarketCap: 1.87e12,
      floatMarketCap: 1.87e12,
      fetchedAt: second,
    });
    await createHistoryStore(handle.db).saveFetched({
      symbol: parseStockSymbol("00700"),
      name: "腾讯控股",
      adjust: "",
      span: null,
      bars: [],
      fetchedAt: first,
    });
    const assets = createAssetStore(handle.db);
    const page = await assets.listAssets({ market: undefined, kind: undefined, q: undefined, limit: 50, offset: 0 });
    expect(page.total).toBe(2);
    expect(page.items.map((a) => [a.market, a.code, a.industry, a.profileFetchedAt])).toEqual([
      ["HK", "00700", null, null],
      ["SH", "600519", "白酒", second],
    ]);
    expect(
      (await assets.listAssets({ market: "SH", kind: "stock", q: "贵州", limit: 1, offset: 0 })).items.map(
        (a) => a.code,
      ),
    ).toEqual(["600519"]);
    expect(await assets.listAssets({ market: "SZ", kind: undefined, q: undefined, limit: 50, offset: 0 })).toEqual({
      total: 0,
      items: [],
    });
  });
});
