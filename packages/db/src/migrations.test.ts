/**
 * Migrations on a database that was in use before them. 0010 (markets as data): instruments stored
 * with Eastmoney's secid and (kind, market, code) as their key, integer volumes and a calendar
 * observation recorded as `observed:<secid>` keep answering after the migration, under the new
 * instrument key. 0012 (stock-list P/E TTM): a stored snapshot keeps its rows, with `pe_ttm` null.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseIndexSymbol, parseStockSymbol } from "@quantdb/core/symbols";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder, openDatabase, type DatabaseHandle } from "./client.ts";
import { createHistoryStore } from "./queries/history.ts";
import { createStockListStore } from "./queries/lists.ts";
import { testDrivers, type TestDriver } from "./testing.ts";

/** Rows of a raw query on either driver (postgres-js answers an array, PGlite `{ rows }`). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** A copy of the migrations folder that stops before `tag`'s migration. */
async function migrationsBefore(tag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "quantdb-migrations-"));
  await cp(migrationsFolder(), dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { idx: number; tag: string }[] };
  const stop = journal.entries.findIndex((entry) => entry.tag === tag);
  expect(stop).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, stop);
  await writeFile(journalPath, JSON.stringify(journal));
  return dir;
}

/** Where a database of `driver` lives across two opens, and how to drop it. */
async function location(
  driver: TestDriver,
): Promise<{ options: { url?: string; dataDir?: string }; drop: () => Promise<void> }> {
  if (driver === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "quantdb-migrate-"));
    return { options: { dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const base = process.env.DATABASE_URL!;
  const name = `quantdb_m_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    options: { url: url.toString() },
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

describe.each(testDrivers())("migration 0010_markets_as_data on %s", (driver) => {
  let before: string;
  let where: Awaited<ReturnType<typeof location>>;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    before = await migrationsBefore("0010_markets_as_data");
    where = await location(driver);
    const old = await openDatabase({ ...where.options, migrationsFolder: before });
    // What QuantDB 0009 wrote: rows keyed by (kind, market, code) with Eastmoney's secid.
    await old.db.execute(sql`insert into instruments (kind, market, code, secid, currency, name) values
      ('stock', 'SH', '600519', '1.600519', 'CNY', '贵州茅台'), ('stock', 'HK', '00700', '116.00700', 'HKD', '腾讯控股'),
      ('index', 'SH', '000001', '1.000001', 'CNY', '上证指数')`);
    const barJson =
      '{"date":"2024-01-02","open":1715,"high":1718.19,"low":1678.1,"close":1685.01,"volume":3215600,' +
      '"amount":null,"amplitude":null,"pct_change":null,"change":null,"turnover_rate":null}';
    await old.db.execute(sql`insert into daily_bars
        (instrument_id, adjust, date, open, high, low, close, volume, fetched_at, bar_json)
      select id, 'qfq', '2024-01-02', 1715, 1718.19, 1678.1, 1685.01, 3215600, now(), ${barJson}
      from instruments where secid = '1.600519'`);
    await old.db.execute(sql`insert into coverage_spans
        (instrument_id, adjust, start_date, end_date, bar_count, fetched_at)
      select id, 'qfq', '2024-01-02', '2024-01-02', 1, now() from instruments where secid = '1.600519'`);
    await old.db.execute(sql`insert into calendar_extensions
        (calendar, known_through, sessions, source, starts_after) values
      ('CN', '2027-01-05', '[]'::jsonb, 'observed:1.000001', '2026-12-31'),
      ('HK', '2027-01-05', '[]'::jsonb, 'observed:100.HSI', '2026-12-31'),
      ('CN', '2027-12-31', '[]'::jsonb, 'sina:klc_td_sh', '2027-01-05')`);
    await old.close();
    handle = await openDatabase({ ...where.options }); // applies 0010
  }, 120_000);

  afterAll(async () => {
    await handle?.close();
    await where?.drop();
    if (before) await rm(before, { recursive: true, force: true });
  });

  it("keys every instrument on <kind>:<exchange>:<code> and drops the secid", async () => {
    const list = rowsOf<{ key: string }>(await handle.db.execute(sql`select key from instruments order by key`));
    expect(list.map((r) => r.key)).toEqual(["index:SH:000001", "stock:HK:00700", "stock:SH:600519"]);
    const columns = await handle.db.execute(
      sql`select column_name from information_schema.columns where table_name = 'instruments'`,
    );
    const names = rowsOf<{ column_name: string }>(columns).map((c) => c.column_name);
    expect(names).toContain("key");
    expect(names).not.toContain("secid");
  });

  it("finds the stored instruments and their bars and coverage through the history store", async () => {
    const store = createHistoryStore(handle.db);
    const moutai = await store.findInstrument(parseStockSymbol("600519.SS"));
    expect(moutai).toMatchObject({ name: "贵州茅台" });
    expect(await store.findInstrument(parseStockSymbol("0700.HK"))).toMatchObject({ name: "腾讯控股" });
    expect(await store.findInstrument(parseIndexSymbol("000001"))).toMatchObject({ name: "上证指数" });
    expect(await store.findInstrument(parseStockSymbol("000001"))).toBeNull(); // Ping An Bank was never stored
    const bars = await store.bars(moutai!.id, "qfq", "2024-01-01", "2024-01-31");
    expect(bars).toEqual([expect.objectContaining({ date: "2024-01-02", close: 1685.01, volume: 3215600 })]);
    expect(Number.isInteger(bars[0]!.volume)).toBe(true);
    expect(await store.coverage(moutai!.id, "qfq", "2024-01-01", "2024-01-31")).toHaveLength(1);
  });

  it("writes to a migrated instrument without making a second one, and stores fractional volumes", async () => {
    const store = createHistoryStore(handle.db);
    const symbol = parseStockSymbol("sh600519");
    const bar = {
      date: "2024-01-03",
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 1234.5,
      amount: null,
      amplitude: null,
      pct_change: null,
      change: null,
      turnover_rate: null,
    };
    await store.saveFetched({
      symbol,
      name: null,
      adjust: "qfq",
      span: { start: "2024-01-03", end: "2024-01-03" },
      bars: [bar],
      fetchedAt: new Date(),
    });
    const count = await handle.db.execute(sql`select count(*)::int as n from instruments where code = '600519'`);
    expect(rowsOf<{ n: number }>(count)[0]!.n).toBe(1);
    const moutai = (await store.findInstrument(symbol))!;
    expect((await store.bars(moutai.id, "qfq", "2024-01-03", "2024-01-03"))[0]!.volume).toBe(1234.5);
  });

  it("renames observed calendar extensions to the benchmark index's key and leaves the others", async () => {
    const list = rowsOf<{ calendar: string; source: string }>(
      await handle.db.execute(sql`select calendar, source from calendar_extensions order by id`),
    );
    expect(list).toEqual([
      { calendar: "CN", source: "observed:index:SH:000001" },
      { calendar: "HK", source: "observed:index:HK:HSI" },
      { calendar: "CN", source: "sina:klc_td_sh" },
    ]);
  });
});

describe.each(testDrivers())("migration 0012_stock_list_pe_ttm on %s", (driver) => {
  let before: string;
  let where: Awaited<ReturnType<typeof location>>;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    before = await migrationsBefore("0012_stock_list_pe_ttm");
    where = await location(driver);
    const old = await openDatabase({ ...where.options, migrationsFolder: before });
    // What QuantDB 0011 wrote: a snapshot row without pe_ttm.
    await old.db.execute(sql`insert into stock_list_snapshots
        (snapshot_date, market, code, name, price, pe_ratio, pb_ratio, fetched_at)
      values ('2026-11-20', 'SH', '600519', '贵州茅台', 1489.22, 22.61, 8.2, '2026-11-20T12:00:00Z')`);
    await old.close();
    handle = await openDatabase({ ...where.options }); // applies 0012
  }, 120_000);

  afterAll(async () => {
    await handle?.close();
    await where?.drop();
    if (before) await rm(before, { recursive: true, force: true });
  });

  it("keeps the stored snapshot, its P/E TTM null, and stores P/E TTM in the next one", async () => {
    const store = createStockListStore(handle.db);
    const { rows } = await store.snapshotRows("SH", "2026-11-20", { offset: 0 });
    expect(rows).toEqual([
      expect.objectContaining({ symbol: "600519", price: 1489.22, pe_ratio: 22.61, pe_ttm: null, pb_ratio: 8.2 }),
    ]);
    await store.saveSnapshot({
      market: "SH",
      date: "2026-11-21",
      rows: [{ ...rows[0]!, pe_ttm: 21.87 }],
      fetchedAt: new Date("2026-11-21T12:00:00Z"),
    });
    expect((await store.snapshotRows("SH", "2026-11-21", { offset: 0 })).rows[0]).toMatchObject({ pe_ttm: 21.87 });
  });
});
