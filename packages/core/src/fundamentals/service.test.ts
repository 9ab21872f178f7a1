import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import type { IsoDate } from "../dates.ts";
import { UpstreamError } from "../errors.ts";
import { parseStockSymbol, type StockSymbol } from "../symbols/index.ts";
import { FINANCIAL_FIELDS } from "./fields.ts";
import { isFetchDue, nextReport, reportTypeOf } from "./schedule.ts";
import { FinancialService } from "./service.ts";
import type {
  FinancialFetch,
  FinancialReport,
  FinancialReportRecord,
  FinancialSource,
  FinancialStore,
  UpstreamFinancials,
} from "./types.ts";

describe("the reporting calendar", () => {
  it("names the report of each period end", () => {
    expect(["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2024-05-31"].map(reportTypeOf)).toEqual([
      "Q1",
      "H1",
      "Q3",
      "FY",
      null,
    ]);
  });

  it("knows the statutory deadline of the next report", () => {
    expect(nextReport("2024-03-31")).toEqual({ reportDate: "2024-06-30", reportType: "H1", dueBy: "2024-08-31" });
    expect(nextReport("2024-06-30")).toEqual({ reportDate: "2024-09-30", reportType: "Q3", dueBy: "2024-10-31" });
    expect(nextReport("2024-09-30")).toEqual({ reportDate: "2024-12-31", reportType: "FY", dueBy: "2025-04-30" });
    expect(nextReport("2024-12-31")).toEqual({ reportDate: "2025-03-31", reportType: "Q1", dueBy: "2025-04-30" });
    expect(() => nextReport("2024-05-31")).toThrow(RangeError);
  });

  it("fetches when never fetched, and after the deadline at most once a Shanghai day", () => {
    const last = { fetchedAt: new Date("2025-04-30T03:00:00Z"), nextDue: "2025-04-30" };
    expect(isFetchDue(null, new Date("2025-01-01T00:00:00Z"))).toBe(true);
    expect(isFetchDue(last, new Date("2025-04-30T15:59:00Z"))).toBe(false); // 23:59 on the deadline, Shanghai
    expect(isFetchDue(last, new Date("2025-04-30T16:00:00Z"))).toBe(true); // 00:00 on 05-01, Shanghai
    const refetched = { fetchedAt: new Date("2025-04-30T16:30:00Z"), nextDue: "2025-04-30" };
    expect(isFetchDue(refetched, new Date("2025-05-01T15:00:00Z"))).toBe(false); // same Shanghai day
    expect(isFetchDue(refetched, new Date("2025-05-01T16:00:00Z"))).toBe(true); // the next one
  });
});

function report(date: IsoDate, fill: number): FinancialReport {
  const fields = Object.fromEntries(FINANCIAL_FIELDS.map((f) => [f.field, fill]));
  return { report_date: date, report_type: reportTypeOf(date)!, notice_date: null, ...fields } as FinancialReport;
}

const QUARTERS = [
  "2024-03-31",
  "2024-06-30",
  "2024-09-30",
  "2024-12-31",
  "2025-03-31",
  "2025-06-30",
  "2025-09-30",
  "2025-12-31",
  "2026-03-31",
  "2026-06-30",
];

class MemoryStore implements FinancialStore {
  instrument: { id: number; name: string | null } | null = null;
  last: { fetchedAt: Date; nextDue: IsoDate } | null = null;
  held = new Map<IsoDate, FinancialReport>();
  saves: FinancialFetch[] = [];
  async findInstrument() {
    return this.instrument;
  }
  async lastFetch() {
    return this.last;
  }
  async reports(_id: number, limit: number) {
    return [...this.held.values()].sort((a, b) => (a.report_date < b.report_date ? 1 : -1)).slice(0, limit);
  }
  async saveFetch(fetch: FinancialFetch) {
    this.saves.push(fetch);
    this.instrument = { id: 1, name: fetch.name ?? this.instrument?.name ?? null };
    for (const r of fetch.reports) this.held.set(r.report.report_date, r.report);
    this.last = { fetchedAt: fetch.fetchedAt, nextDue: fetch.nextDue };
  }
}

class FakeSource implements FinancialSource {
  calls = 0;
  constructor(
    public dates: IsoDate[],
    public fail = false,
  ) {}
  async fetchReports(_symbol: StockSymbol): Promise<UpstreamFinancials> {
    this.calls++;
    await new Promise((resolve) => setImmediate(resolve)); // answer later: concurrent callers overlap
    if (this.fail) throw new UpstreamError("UPSTREAM_UNAVAILABLE", "down");
    const reports: FinancialReportRecord[] = this.dates
      .map((d) => ({ report: report(d, this.calls), raw: {} }))
      .sort((a, b) => (a.report.report_date < b.report.report_date ? 1 : -1));
    return { name: reports.length > 0 ? "贵州茅台" : null, reports, calls: reports.length > 0 ? 3 : 1 };
  }
}

const MOUTAI = parseStockSymbol("600519");

describe("FinancialService", () => {
  it("fetches cold, serves the newest 8 newest first, then serves from the store until the next deadline", async () => {
    const store = new MemoryStore();
    const source = new FakeSource(QUARTERS);
    const clock = new ManualClock("2026-08-01T04:00:00Z");
    const service = new FinancialService({ store, upstream: source, clock });
    const cold = await service.getSummary(MOUTAI);
    expect(cold.reports.map((r) => r.report_date)).toEqual(QUARTERS.slice(2).reverse());
    expect(cold.cache).toEqual({
      hit: false,
      upstream_requests: 3,
      fetched_at: "2026-08-01T04:00:00.000Z",
      next_due: "2026-10-31",
      next_report: { report_date: "2026-09-30", report_type: "Q3" },
    });
    expect(cold.name).toBe("贵州茅台");

    clock.set("2026-10-31T15:59:00Z"); // 23:59 on the deadline in Shanghai
    const warm = await service.getSummary(MOUTAI);
    expect(warm.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    expect(source.calls).toBe(1);

    source.dates = [...QUARTERS, "2026-09-30"];
    clock.set("2026-10-31T16:00:00Z"); // 2026-11-01 in Shanghai
    const after = await service.getSummary(MOUTAI);
    expect(after.cache).toMatchObject({ hit: false, upstream_requests: 3, next_due: "2027-04-30" });
    expect(after.reports[0]!.report_date).toBe("2026-09-30");
  });

  it("after the deadline, asks again at most once a day until the report appears", async () => {
    const store = new MemoryStore();
    const source = new FakeSource(QUARTERS);
    const clock = new ManualClock("2026-07-01T04:00:00Z");
    const service = new FinancialService({ store, upstream: source, clock });
    await service.getSummary(MOUTAI);
    clock.set("2026-11-02T04:00:00Z");
    await service.getSummary(MOUTAI);
    await service.getSummary(MOUTAI);
    expect(source.calls).toBe(2);
    expect(store.last?.nextDue).toBe("2026-10-31");
    clock.set("2026-11-03T04:00:00Z");
    await service.getSummary(MOUTAI);
    expect(source.calls).toBe(3);
  });

  it("fetches once for concurrent requests", async () => {
    const store = new MemoryStore();
    const source = new FakeSource(QUARTERS);
    const service = new FinancialService({ store, upstream: source, clock: new ManualClock("2026-08-01T04:00:00Z") });
    const results = await Promise.all([1, 2, 3, 4].map(() => service.getSummary(MOUTAI)));
    expect(source.calls).toBe(1);
    expect(results.map((r) => r.cache.upstream_requests).sort()).toEqual([0, 0, 0, 3]);
  });

  it("answers NOT_FOUND for a code upstream has no reports for, and stores nothing", async () => {
    const store = new MemoryStore();
    const service = new FinancialService({
      store,
      upstream: new FakeSource([]),
      clock: new ManualClock("2026-08-01T04:00:00Z"),
    });
    await expect(service.getSummary(parseStockSymbol("000002"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(store.saves).toEqual([]);
  });

  it("refuses Hong Kong stocks without calling upstream", async () => {
    const source = new FakeSource(QUARTERS);
    const service = new FinancialService({
      store: new MemoryStore(),
      upstream: source,
      clock: new ManualClock("2026-08-01T04:00:00Z"),
    });
    await expect(service.getSummary(parseStockSymbol("0700.HK"))).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringMatching(/A-shares only/),
    });
    expect(source.calls).toBe(0);
  });

  it("stores nothing when upstream fails", async () => {
    const store = new MemoryStore();
    const service = new FinancialService({
      store,
      upstream: new FakeSource(QUARTERS, true),
      clock: new ManualClock("2026-08-01T04:00:00Z"),
    });
    await expect(service.getSummary(MOUTAI)).rejects.toBeInstanceOf(UpstreamError);
    expect(store.saves).toEqual([]);
  });
});
