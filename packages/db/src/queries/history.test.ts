import { parseStockSymbol } from "@quantdb/core/symbols";
import type { DailyBar } from "@quantdb/core/history";
import { describeHistoryStore, sampleBar as bar } from "@quantdb/core/history/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type DatabaseHandle } from "../client.ts";
import { dataVersionCacheOf } from "../data-versions.ts";
import { dailyBars } from "../schema/index.ts";
import { openTestDatabase, testDrivers } from "../testing.ts";
import { barsViaDrizzleRows, bulkUpsertBars, clearAll, countRows, createHistoryStore, dataVersion } from "./history.ts";

describe.each(testDrivers())("history store on %s", (driver) => {
  let handle: DatabaseHandle & { url?: string };
  beforeAll(async () => {
    // versions are trusted for 10 minutes without a notification: only NOTIFY can refresh them in a test
    handle = await openTestDatabase(driver, process.env, { dataVersionCache: { maxAgeMs: 600_000 } });
  }, 60_000);
  afterAll(async () => handle?.close());
  beforeEach(async () => clearAll(handle.db));

  const moutai = parseStockSymbol("600519");
  const fetchedAt = new Date("2026-11-20T08:00:00Z");

  describeHistoryStore("the HistoryStore contract", () => ({
    store: createHistoryStore(handle.db),
    rows: () => countRows(handle.db),
  }));

  it("writes nothing when part of a write fails", async () => {
    const store = createHistoryStore(handle.db);
    const broken = { ...bar("2024-01-03", 1), open: null as unknown as number };
    await expect(
      store.saveFetched({
        symbol: moutai,
        name: "贵州茅台",
        adjust: "",
        span: { start: "2024-01-02", end: "2024-01-04" },
        bars: [bar("2024-01-02", 1), broken],
        fetchedAt,
      }),
    ).rejects.toThrow();
    expect(await countRows(handle.db)).toEqual({ instruments: 0, bars: 0, spans: 0 });
  });
  it("bulk-upserts thousands of bars in one transaction, reads them back exactly, as drizzle's row path", async () => {
    const store = createHistoryStore(handle.db);
    await store.saveFetched({ symbol: moutai, name: "贵州茅台", adjust: "hfq", span: null, bars: [], fetchedAt });
    const id = (await store.findInstrument(moutai))!.id;
    const start = Date.UTC(2000, 0, 3);
    const many = Array.from(
      { length: 7_001 },
      (_, i): DailyBar => ({
        ...bar(new Date(start + i * 86_400_000).toISOString().slice(0, 10), 0.1 * i + 1 / 3),
        volume: 9_007_199_254_740 + i,
        amount: i % 3 === 0 ? null : 1e12 / 7,
        turnover_rate: i % 2 ? 0.07 : null,
      }),
    );
    await bulkUpsertBars(handle.db, id, "hfq", many, fetchedAt);
    const read = await store.bars(id, "hfq", "1990-01-01", "2030-01-01");
    expect(read).toEqual(many);
    expect(await barsViaDrizzleRows(handle.db, id, "hfq", "1990-01-01", "2030-01-01")).toEqual(many);
    expect(await store.bars(id, "hfq", many[10]!.date, many[12]!.date)).toEqual(many.slice(10, 13));
    const changed = many.map((b) => ({ ...b, close: b.close + 1 }));
    await bulkUpsertBars(handle.db, id, "hfq", changed, fetchedAt);
    expect(await store.bars(id, "hfq", "1990-01-01", "2030-01-01")).toEqual(changed);
    expect((await countRows(handle.db)).bars).toBe(7_001);
  });

  it("changes an instrument's data version with every write to it and only to it", async () => {
    const store = createHistoryStore(handle.db);
    const tencent = parseStockSymbol("00700");
    expect(await dataVersion(handle.db, moutai)).toBe("none");
    await store.saveFetched({
      symbol: moutai,
      name: "贵州茅台",
      adjust: "",
      span: { start: "2024-01-02", end: "2024-01-02" },
      bars: [bar("2024-01-02", 1)],
      fetchedAt,
    });
    await store.saveFetched({
      symbol: tencent,
      name: "腾讯控股",
      adjust: "",
      span: { start: "2024-01-02", end: "2024-01-02" },
      bars: [bar("2024-01-02", 300)],
      fetchedAt,
    });
    const seen = new Set<string>();
    const step = async (write: () => Promise<unknown>) => {
      const before = await dataVersion(handle.db, tencent);
      await write();
      const version = await dataVersion(handle.db, moutai);
      expect(version).not.toBe("none");
      expect(seen.has(version)).toBe(false);
      seen.add(version);
      expect(await dataVersion(handle.db, tencent)).toBe(before);
    };
    seen.add(await dataVersion(handle.db, moutai));
    const id = (await store.findInstrument(moutai))!.id;
    await step(() =>
      store.saveFetched({
        symbol: moutai,
        name: null,
        adjust: "",
        span: { start: "2024-01-03", end: "2024-01-03" },
        bars: [],
        fetchedAt,
      }),
    );
    await step(() =>
      store.saveFetched({ symbol: moutai, name: "贵州茅台 renamed", adjust: "", span: null, bars: [], fetchedAt }),
    );
    await step(() => bulkUpsertBars(handle.db, id, "", [bar("2024-01-02", 2)], fetchedAt));
    await step(() =>
      store.replaceSeries({
        symbol: moutai,
        name: null,
        adjust: "",
        span: { start: "2024-01-02", end: "2024-01-02" },
        bars: [bar("2024-01-02", 3)],
        fetchedAt,
      }),
    );
    await clearAll(handle.db);
    expect(await dataVersion(handle.db, moutai)).toBe("none");
    await store.saveFetched({
      symbol: moutai,
      name: null,
      adjust: "",
      span: { start: "2024-01-02", end: "2024-01-02" },
      bars: [],
      fetchedAt,
    });
    expect(seen.has(await dataVersion(handle.db, moutai))).toBe(false);
  });

  it("stores bulk-upserted bars as JSON in DailyBar order too, and clearAll forgets every series' rows", async () => {
    const store = createHistoryStore(handle.db);
    await store.saveFetched({
      symbol: moutai,
      name: "贵州茅台",
      adjust: "qfq",
      span: { start: "2024-01-02", end: "2024-01-05" },
      bars: [bar("2024-01-02", 1)],
      fetchedAt,
      pendingEmpty: [{ start: "2024-01-08", end: "2024-01-09" }],
      checkedOn: "2026-11-20",
    });
    const { id } = (await store.findInstrument(moutai))!;
    // the stored text is exactly JSON.stringify of each bar (keys in DailyBar order, whatever the caller's order)
    const reordered = Object.fromEntries(Object.entries(bar("2024-01-08", 7)).reverse()) as unknown as DailyBar;
    await bulkUpsertBars(handle.db, id, "qfq", [reordered], fetchedAt);
    expect((await store.barsJson!(id, "qfq", "2024-01-08", "2024-01-08")).json).toBe(
      `[${JSON.stringify(bar("2024-01-08", 7))}]`,
    );
    await clearAll(handle.db);
    expect(await countRows(handle.db)).toEqual({ instruments: 0, bars: 0, spans: 0 });
  });

  it("ties bars to a stored instrument with no foreign key: writes need it; deletes, truncates take bars", async () => {
    const store = createHistoryStore(handle.db);
    const tencent = parseStockSymbol("00700.HK");
    await store.saveFetched({
      symbol: moutai,
      name: "贵州茅台",
      adjust: "",
      span: null,
      bars: [bar("2024-01-02", 1), bar("2024-01-03", 2)],
      fetchedAt,
    });
    await store.saveFetched({
      symbol: tencent,
      name: "腾讯控股",
      adjust: "qfq",
      span: null,
      bars: [bar("2024-01-02", 300)],
      fetchedAt,
    });
    const orphans = async () =>
      (
        await handle.db
          .select({ n: sql<number>`count(*)::int` })
          .from(dailyBars)
          .where(sql`instrument_id not in (select id from instruments)`)
      )[0]!.n;
    // a write for an instrument that does not exist fails and stores nothing
    await expect(bulkUpsertBars(handle.db, 987_654, "", [bar("2024-01-02", 1)], fetchedAt)).rejects.toThrow(
      /no such instrument/,
    );
    expect(await orphans()).toBe(0);
    // deleting an instrument deletes its bars (every adjustment) and only its
    const { id } = (await store.findInstrument(moutai))!;
    await handle.db.execute(sql`delete from instruments where id = ${id}`);
    expect(await countRows(handle.db)).toMatchObject({ instruments: 1, bars: 1 });
    await expect(bulkUpsertBars(handle.db, id, "", [bar("2024-01-04", 1)], fetchedAt)).rejects.toThrow(
      /no such instrument/,
    );
    // truncating instruments alone truncates the bars
    await handle.db.execute(sql`truncate instruments cascade`);
    expect(await countRows(handle.db)).toMatchObject({ instruments: 0, bars: 0 });
  });

  it("never leaves bars of an instrument deleted while they were being written", async () => {
    const store = createHistoryStore(handle.db);
    const many = Array.from({ length: 5_000 }, (_, i) =>
      bar(new Date(Date.UTC(2000, 0, 3) + i * 86_400_000).toISOString().slice(0, 10), i + 1),
    );
    // PostgreSQL: the delete runs on another connection while the write is in flight; PGlite has one connection
    const other = driver === "postgres" ? await openDatabase({ url: handle.url!, dataVersionCache: false }) : handle;
    try {
      for (let round = 0; round < 6; round++) {
        await store.saveFetched({ symbol: moutai, name: "贵州茅台", adjust: "", span: null, bars: [], fetchedAt });
        const { id } = (await store.findInstrument(moutai))!;
        const write = bulkUpsertBars(handle.db, id, "", many, fetchedAt).then(
          () => "written",
          (error: Error) => error.message,
        );
        await new Promise((resolve) => setTimeout(resolve, round * 4));
        await other.db.execute(sql`delete from instruments where id = ${id}`);
        const outcome = await write;
        expect(outcome === "written" || /no such instrument/.test(outcome), outcome).toBe(true);
        expect(await countRows(handle.db)).toMatchObject({ instruments: 0, bars: 0 });
      }
    } finally {
      if (other !== handle) await other.close();
    }
  });

  it("keeps each open database's data versions apart: the handle owns its cache, and closing drops it", async () => {
    expect(handle.dataVersions).toBeDefined();
    expect(dataVersionCacheOf(handle.db)).toBe(handle.dataVersions);
    const other = await openDatabase(driver === "postgres" ? { url: handle.url! } : { dataDir: null });
    try {
      expect(other.dataVersions).toBeDefined();
      expect(other.dataVersions).not.toBe(handle.dataVersions);
      expect(dataVersionCacheOf(other.db)).toBe(other.dataVersions);
    } finally {
      await other.close();
    }
    expect(dataVersionCacheOf(other.db)).toBeUndefined();
    expect(dataVersionCacheOf(handle.db)).toBe(handle.dataVersions);
  });

  it("keeps data versions in memory and learns of a write by another connection through NOTIFY", async () => {
    const store = createHistoryStore(handle.db);
    await store.saveFetched({
      symbol: moutai,
      name: "贵州茅台",
      adjust: "",
      span: { start: "2024-01-02", end: "2024-01-02" },
      bars: [bar("2024-01-02", 1)],
      fetchedAt,
    });
    const { id } = (await store.findInstrument(moutai))!;
    const before = await dataVersion(handle.db, moutai);
    expect(await dataVersion(handle.db, moutai)).toBe(before);
    expect(dataVersionCacheOf(handle.db)!.size).toBeGreaterThan(0);
    // a write this process's store functions do not see: another connection (PostgreSQL) or raw SQL (PGlite)
    if (driver === "postgres") {
      const other = await openDatabase({ url: handle.url!, dataVersionCache: false });
      try {
        await bulkUpsertBars(other.db, id, "", [bar("2024-01-02", 2)], fetchedAt);
      } finally {
        await other.close();
      }
    } else {
      await handle.db.execute(sql`update daily_bars set close = close + 1`);
    }
    // versions are otherwise trusted for 10 minutes: only the notification can make this pass
    await vi.waitFor(async () => expect(await dataVersion(handle.db, moutai)).not.toBe(before), {
      timeout: 10_000,
      interval: 20,
    });
    // a write through this package drops the cache as soon as it commits, without waiting for NOTIFY
    const seen = await dataVersion(handle.db, moutai);
    await bulkUpsertBars(handle.db, id, "", [bar("2024-01-02", 3)], fetchedAt);
    expect(await dataVersion(handle.db, moutai)).not.toBe(seen);
  });
});
