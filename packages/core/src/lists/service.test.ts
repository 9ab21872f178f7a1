import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { UpstreamError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import type { StockListScan, StockListSource } from "./clist.ts";
import {
  CompanyInfoService,
  StockListService,
  type CompanyInfoStore,
  type StockListSnapshot,
  type StockListStore,
  type StoredCompanyInfo,
} from "./service.ts";
import type { CompanyInfoSource } from "./stock-get.ts";
import type { CompanyInfo, ListMarket, StockListEntry } from "./types.ts";

const entry = (symbol: string): StockListEntry => ({
  symbol,
  name: `S${symbol}`,
  price: 1,
  pct_change: null,
  change: null,
  volume: null,
  amount: null,
  turnover_rate: null,
  pe_ratio: null,
  pe_ttm: null,
  pb_ratio: null,
  market_cap: null,
  float_market_cap: null,
  open: null,
  high: null,
  low: null,
  prev_close: null,
  amplitude: null,
  volume_ratio: null,
  change_speed: null,
  change_5min: null,
  change_60d: null,
  change_ytd: null,
});

function memoryListStore(): StockListStore & { saved: StockListSnapshot[] } {
  const saved: StockListSnapshot[] = [];
  return {
    saved,
    async latestSnapshot(market) {
      const latest = saved.filter((s) => s.market === market).sort((a, b) => (a.date < b.date ? 1 : -1))[0];
      return latest ? { market, date: latest.date, fetchedAt: latest.fetchedAt, count: latest.rows.length } : null;
    },
    async snapshotRows(market, date) {
      const rows = [...(saved.find((s) => s.market === market && s.date === date)?.rows ?? [])];
      return { total: rows.length, rows };
    },
    async saveSnapshot(snapshot) {
      saved.push(snapshot);
    },
  };
}

const quiet = { warn: () => {} };

describe("StockListService", () => {
  it("runs scans one at a time across markets and once per market for concurrent requests", async () => {
    let running = 0;
    let most = 0;
    const scanned: ListMarket[] = [];
    const source: StockListSource = {
      async fetchStockList(market): Promise<StockListScan> {
        running++;
        most = Math.max(most, running);
        scanned.push(market);
        await new Promise((resolve) => setImmediate(resolve)); // answer later: concurrent callers overlap
        running--;
        return { market, rows: [entry(market === "HK" ? "00700" : "600519")], pages: 1 };
      },
    };
    const service = new StockListService({
      store: memoryListStore(),
      source,
      clock: new ManualClock("2026-11-20T12:00:00Z"),
      logger: quiet,
    });
    const query = (market: ListMarket) => service.getStockList({ market, q: undefined, limit: undefined, offset: 0 });
    const results = await Promise.all([query("SH"), query("HK"), query("SH"), query("HK")]);
    expect(most).toBe(1);
    expect(scanned.sort()).toEqual(["HK", "SH"]);
    expect(results.map((r) => r.upstreamRequests).sort()).toEqual([0, 0, 1, 1]);
  });

  it("raises the upstream error when nothing is stored, and does not remember the failure", async () => {
    let calls = 0;
    const source: StockListSource = {
      async fetchStockList() {
        calls++;
        throw new UpstreamError("UPSTREAM_TIMEOUT", "slow");
      },
    };
    const service = new StockListService({
      store: memoryListStore(),
      source,
      clock: new ManualClock("2026-11-20T12:00:00Z"),
      logger: quiet,
    });
    const query = { market: "BJ" as const, q: undefined, limit: undefined, offset: 0 };
    await expect(service.getStockList(query)).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT" });
    await expect(service.getStockList(query)).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT" });
    expect(calls).toBe(2);
  });
});

describe("CompanyInfoService", () => {
  const symbol = parseStockSymbol("600519");
  const info: CompanyInfo = {
    code: "600519",
    name: "贵州茅台",
    industry: "酿酒行业",
    listingDate: null,
    totalShares: 1,
    floatShares: 1,
    totalMarketCap: 2,
    floatMarketCap: 2,
    price: 2,
    raw: {},
  };

  function memoryInfoStore(): CompanyInfoStore {
    let stored: StoredCompanyInfo | null = null;
    return {
      findCompanyInfo: async () => stored,
      saveCompanyInfo: async (_symbol, value, fetchedAt) => {
        stored = {
          name: value.name,
          industry: value.industry,
          listingDate: value.listingDate,
          totalShares: value.totalShares,
          floatShares: value.floatShares,
          totalMarketCap: value.totalMarketCap,
          floatMarketCap: value.floatMarketCap,
          fetchedAt,
        };
      },
    };
  }

  it("fetches once for concurrent requests and again only after the TTL", async () => {
    let calls = 0;
    const source: CompanyInfoSource = {
      async fetchCompanyInfo() {
        calls++;
        await new Promise((resolve) => setImmediate(resolve)); // answer later: concurrent callers overlap
        return info;
      },
    };
    const clock = new ManualClock("2026-11-20T12:00:00Z");
    const service = new CompanyInfoService({ store: memoryInfoStore(), source, clock, ttlMs: 1000, logger: quiet });
    const results = await Promise.all([
      service.getCompanyInfo(symbol),
      service.getCompanyInfo(symbol),
      service.getCompanyInfo(symbol),
    ]);
    expect(calls).toBe(1);
    expect(results.map((r) => r.upstreamRequests).sort()).toEqual([0, 0, 1]);
    clock.advance(999);
    await service.getCompanyInfo(symbol);
    expect(calls).toBe(1);
    clock.advance(1);
    expect(await service.getCompanyInfo(symbol)).toMatchObject({ name: "贵州茅台", stale: false, upstreamRequests: 1 });
    expect(calls).toBe(2);
  });
});
