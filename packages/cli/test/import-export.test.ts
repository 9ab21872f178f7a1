/**
 * `quantdb import` of a real AKShare CSV (copied from the shared data set), then an API read of the
 * imported range that makes no upstream call; `quantdb export` to CSV, Parquet and Arrow, read
 * back and compared with the API's JSON for the same parameters.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSystem, replayUrls } from "@quantdb/server";
import { ManualClock } from "@quantdb/core/clock";
import { countRows, type DatabaseHandle } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { type ReplayServer } from "@quantdb/replay";
import { tableFromIPC } from "apache-arrow";
import { parse } from "csv-parse/sync";
import { readParquet } from "parquet-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSuite, FIXTURES, NOW, runCli } from "./helpers.ts";

const AKSHARE_FILE = join(FIXTURES, "akshare", "600519.csv");

/** The API's JSON for a history request, answered by the API app over `database`. */
async function apiHistory(database: DatabaseHandle, replay: ReplayServer, path: string) {
  const { app } = await createSystem({
    database,
    clock: new ManualClock(NOW),
    urls: replayUrls(replay),
    timeoutMs: 10_000,
    listPageDelayMs: 0,
  });
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as any };
}

describe.each(testDrivers())("quantdb import and export on %s", (driver) => {
  const suite = cliSuite(driver);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "quantdb-export-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports AKShare's CSV layout through the quality gate; the API serves the range without upstream", async () => {
    const env = suite.env();
    const result = await runCli(["import", AKSHARE_FILE, "--adjust", "qfq"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "600519.SH qfq: 60 bars 2024-02-22 → 2024-05-22 imported (akshare layout); span marked held",
    );

    // a file failing the quality gate (a row with high below low) is rejected whole
    const [header, ...rows] = readFileSync(AKSHARE_FILE, "utf8").trim().split("\n");
    const broken = rows.map((row, i) => {
      if (i !== 10) return row;
      const cells = row.split(",");
      cells[3] = String(Number(cells[4]) - 1); // 最高 (high) below 最低 (low)
      return cells.join(",");
    });
    const badDir = mkdtempSync(join(tmpdir(), "quantdb-import-"));
    writeFileSync(join(badDir, "600036.csv"), [header, ...broken].join("\n"));
    const rejected = await runCli(["import", badDir, "--adjust", "qfq"], env);
    rmSync(badDir, { recursive: true, force: true });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(
      /600036\.SH qfq: rejected by the quality gate \(\d+ problem\(s\); nothing stored\): 2024-03-0\d ohlc_order/,
    );

    const database = await suite.target.open();
    try {
      expect((await countRows(database.db)).instruments).toBe(1);
      const { status, body } = await apiHistory(
        database,
        suite.replay,
        "/api/v1/historical/stock/600519?start_date=2024-02-22&end_date=2024-05-22&adjust=qfq",
      );
      expect(status).toBe(200);
      expect(suite.replay.requestCount()).toBe(0);
      expect(body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0, rows_from_cache: 60 });
      // the bars are the file's rows in QuantDB's units (AKShare volume is in lots of 100 shares)
      const first = rows[0]!.split(",");
      expect(body.data[0]).toEqual({
        date: first[0],
        open: Number(first[1]),
        close: Number(first[2]),
        high: Number(first[3]),
        low: Number(first[4]),
        volume: Number(first[5]) * 100,
        amount: Number(first[6]),
        amplitude: Number(first[7]),
        pct_change: Number(first[8]),
        change: Number(first[9]),
        turnover_rate: Number(first[10]),
        provisional: false,
        partial: false,
      });
      expect(body.data.map((b: { date: string }) => b.date)).toEqual(rows.map((r) => r.split(",")[0]));
    } finally {
      await database.close();
    }
  });

  it("exports exactly what the API serves, to CSV, Parquet and Arrow", async () => {
    const env = suite.env();
    const params = ["--symbols", "600519,000001", "--from", "2025-01-02", "--to", "2025-03-31"];
    for (const format of ["csv", "parquet", "arrow"]) {
      const result = await runCli(["export", ...params, "--format", format, "--out", join(dir, `bars.${format}`)], env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(`wrote \\d+ rows of 2 symbol\\(s\\) to .*bars\\.${format} \\(${format};`),
      );
    }

    const database = await suite.target.open();
    const expected: Record<string, unknown>[] = [];
    try {
      for (const [code, market] of [
        ["600519", "SH"],
        ["000001", "SZ"],
      ] as const) {
        const { status, body } = await apiHistory(
          database,
          suite.replay,
          `/api/v1/historical/stock/${code}?start_date=2025-01-02&end_date=2025-03-31`,
        );
        expect(status).toBe(200);
        expect(body.data.length).toBeGreaterThan(50);
        for (const bar of body.data) expected.push({ symbol: code, market, adjust: "", ...bar });
      }
    } finally {
      await database.close();
    }
    const columns = Object.keys(expected[0]!);

    // CSV: QuantDB's layout, every value as the API's JSON number printed
    const csv = parse(readFileSync(join(dir, "bars.csv")), { columns: true }) as Record<string, string>[];
    expect(csv).toHaveLength(expected.length);
    expect(Object.keys(csv[0]!).sort()).toEqual([...columns].sort());
    csv.forEach((row, i) => {
      for (const column of columns) expect(row[column], `${i} ${column}`).toBe(String(expected[i]![column] ?? ""));
    });

    // Parquet (parquet-wasm) and Arrow IPC (apache-arrow) read back to the same values and types
    const fromParquet = tableFromIPC(readParquet(readFileSync(join(dir, "bars.parquet"))).intoIPCStream());
    const fromArrow = tableFromIPC(readFileSync(join(dir, "bars.arrow")));
    for (const table of [fromParquet, fromArrow]) {
      const rows = table.toArray().map((row) => ({ ...row.toJSON() }));
      expect(rows).toEqual(expected);
    }

    // the CSV export imports back (QuantDB layout detected) and changes nothing
    const reimport = await runCli(["import", join(dir, "bars.csv")], env);
    expect(reimport.code, reimport.stderr).toBe(0);
    expect(reimport.stdout).toMatch(/600519\.SH: \d+ bars 2025-01-02 → 2025-03-31 imported \(quantdb layout\)/);
  });
});
