/**
 * `quantdb backfill` and `quantdb export` of crypto pairs (`binance:BTC/USDT`), spawned as a user
 * runs them, with binance served by the replay from recorded spot data (BTC/USDT and ETH/USDT 1d
 * 2024-07-27 → 2026-07-26, BTC/USDT 1h 2026-01-27 → 2026-07-26): the backfill fetches only what is
 * not held (resumable as for stocks), also through a running server; the export writes exactly the
 * bars the API serves, in the crypto layout, to CSV, Parquet and Arrow.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@quantdb/core/clock";
import type { DatabaseHandle } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { freePort, type ReplayServer } from "@quantdb/replay";
import { createSystem, replayUrls } from "@quantdb/server";
import { tableFromIPC } from "apache-arrow";
import { parse } from "csv-parse/sync";
import { readParquet } from "parquet-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, cliSuite, freshTarget, NOW, runCli, startCli } from "./helpers.ts";

const KLINES = "/api/v3/klines";

/** The API's JSON for a crypto history request, answered by the API app over `database`. */
async function apiCryptoHistory(database: DatabaseHandle, replay: ReplayServer, path: string) {
  const { app, close } = await createSystem({
    database,
    clock: new ManualClock(NOW),
    urls: replayUrls(replay),
    timeoutMs: 10_000,
    listPageDelayMs: 0,
  });
  try {
    const response = await app.request(path);
    return { status: response.status, body: (await response.json()) as any };
  } finally {
    await close();
  }
}

describe.each(testDrivers())("quantdb backfill and export of crypto pairs on %s", (driver) => {
  const suite = cliSuite(driver);
  const klines = () => suite.replay.requestCount({ path: KLINES });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "quantdb-crypto-export-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("backfills pairs next to stocks, then again without refetching; hourly bars per --timeframe", async () => {
    const env = suite.env();
    const args = ["backfill", "--symbols", "binance:BTC/USDT,binance:eth-usdt,600519,BINANCE:btc/usdt"];
    const first = await runCli([...args, "--from", "2025-01-01", "--to", "2025-12-31"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^backfill 3 symbol\(s\) 2025-01-01 → 2025-12-31 \(crypto 1d\); database /m);
    const lines = first.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[1\/3\] binance:BTC\/USDT 365 bars, 1 upstream call\(s\) \|/);
    expect(lines[1]).toMatch(/^\[2\/3\] binance:ETH\/USDT 365 bars, 1 upstream call\(s\) \|/);
    expect(lines[2]).toMatch(/^\[3\/3\] 600519\.SH \d+ bars, 1 upstream call\(s\) \|/);
    expect(first.stderr).toMatch(/done: 3\/3 symbols, \d+ bars, 3 upstream calls, 0 failed/);
    expect(klines()).toBe(2);
    const asked = suite.replay.requests.filter((r) => r.path === KLINES);
    expect(asked.map((r) => [r.query.symbol, r.query.interval, Number(r.query.startTime)])).toEqual([
      ["BTCUSDT", "1d", Date.parse("2025-01-01T00:00:00Z")],
      ["ETHUSDT", "1d", Date.parse("2025-01-01T00:00:00Z")],
    ]);

    const again = await runCli([...args, "--from", "2025-01-01", "--to", "2025-12-31"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("binance:BTC/USDT 365 bars, 0 upstream call(s) (held)");
    expect(again.stderr).toMatch(/done: 3\/3 symbols, \d+ bars, 0 upstream calls, 0 failed/);
    expect(klines()).toBe(2);

    // widened by a month: only the new month is fetched
    const wider = await runCli(
      ["backfill", "--symbols", "binance:BTC/USDT", "--from", "2024-12-01", "--to", "2025-12-31"],
      env,
    );
    expect(wider.code, wider.stderr).toBe(0);
    expect(wider.stdout).toMatch(/^\[1\/1\] binance:BTC\/USDT 396 bars, 1 upstream call\(s\) \|/);
    expect(Number(suite.replay.requests.filter((r) => r.path === KLINES).at(-1)!.query.startTime)).toBe(
      Date.parse("2024-12-01T00:00:00Z"),
    );

    const hourly = await runCli(
      ["backfill", "--symbols", "binance:BTC/USDT", "--timeframe", "1h", "--from", "2026-03-01", "--to", "2026-03-07"],
      env,
    );
    expect(hourly.code, hourly.stderr).toBe(0);
    expect(hourly.stderr).toContain("(crypto 1h)");
    expect(hourly.stdout).toMatch(/^\[1\/1\] binance:BTC\/USDT 168 bars, 1 upstream call\(s\) \|/);
    expect(suite.replay.requests.filter((r) => r.path === KLINES).at(-1)!.query.interval).toBe("1h");
  });

  it("rejects a bad pair, exchange or timeframe with a clear message", async () => {
    const env = suite.env();
    const from = ["--from", "2025-01-01", "--to", "2025-01-31"];
    const exchange = await runCli(["backfill", "--symbols", "bitfinex:BTC/USDT", ...from], env);
    expect(exchange.code).toBe(1);
    expect(exchange.stderr).toContain("Unknown crypto exchange 'bitfinex': expected one of binance, okx");
    const timeframe = await runCli(["backfill", "--symbols", "binance:BTC/USDT", "--timeframe", "4h", ...from], env);
    expect(timeframe.code).toBe(1);
    expect(timeframe.stderr).toContain("Invalid timeframe '4h': expected 1d or 1h");
    const stocksOnly = await runCli(["backfill", "--symbols", "600519", "--timeframe", "1h", ...from], env);
    expect(stocksOnly.code).toBe(1);
    expect(stocksOnly.stderr).toContain("--timeframe applies to crypto pairs (exchange:BASE/QUOTE) only");
    // a pair the exchange does not list fails alone, naming the closest listed pairs
    const unlisted = await runCli(["backfill", "--symbols", "binance:BTC/USDX,binance:BTC/USDT", ...from], env);
    expect(unlisted.code).toBe(1);
    expect(unlisted.stderr).toMatch(/binance:BTC\/USDX: FAILED INVALID_SYMBOL: .*BTC\/USDT/);
    expect(unlisted.stderr).toMatch(/done: 2\/2 symbols, 31 bars, \d+ upstream calls, 1 failed/);

    const out = join(dir, "refused.csv");
    const mixed = await runCli(
      ["export", "--symbols", "binance:BTC/USDT,600519", ...from, "--format", "csv", "--out", out],
      env,
    );
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain("--symbols mixes crypto pairs and stocks");
    const adjusted = await runCli(
      ["export", "--symbols", "binance:BTC/USDT", ...from, "--adjust", "qfq", "--format", "csv", "--out", out],
      env,
    );
    expect(adjusted.code).toBe(1);
    expect(adjusted.stderr).toContain("crypto pairs take --timeframe");
  });

  it("exports exactly what the API serves, in the crypto layout, to CSV, Parquet and Arrow", async () => {
    const env = suite.env();
    const params = ["--symbols", "binance:BTC/USDT,binance:ETH/USDT", "--from", "2025-01-01", "--to", "2025-03-31"];
    for (const format of ["csv", "parquet", "arrow"]) {
      const result = await runCli(
        ["export", ...params, "--format", format, "--out", join(dir, `pairs.${format}`)],
        env,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(`wrote 180 rows of 2 pair\\(s\\) to .*pairs\\.${format} \\(${format}; `),
      );
    }

    const database = await suite.target.open();
    const expected: Record<string, unknown>[] = [];
    try {
      for (const pair of ["BTC-USDT", "ETH-USDT"]) {
        const { status, body } = await apiCryptoHistory(
          database,
          suite.replay,
          `/api/v1/historical/crypto/binance/${pair}?start_date=2025-01-01&end_date=2025-03-31`,
        );
        expect(status).toBe(200);
        expect(body.metadata.cache.upstream_requests).toBe(0); // held since the backfill
        for (const bar of body.data)
          expected.push({ symbol: body.symbol, exchange: "binance", timeframe: "1d", ...bar });
      }
    } finally {
      await database.close();
    }
    expect(expected).toHaveLength(180);
    const columns = Object.keys(expected[0]!);
    expect(columns).toEqual([
      "symbol",
      "exchange",
      "timeframe",
      "date",
      "time",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "amount",
      "provisional",
    ]);

    // CSV: the header in this order, every value as the API's JSON number printed
    const text = readFileSync(join(dir, "pairs.csv"), "utf8");
    expect(text.split("\n")[0]).toBe(columns.join(","));
    const csv = parse(text, { columns: true }) as Record<string, string>[];
    expect(csv).toHaveLength(expected.length);
    csv.forEach((row, i) => {
      for (const column of columns) expect(row[column], `${i} ${column}`).toBe(String(expected[i]![column] ?? ""));
    });
    expect(csv[0]).toMatchObject({ symbol: "BTC/USDT", date: "2025-01-01", time: "2025-01-01T00:00:00Z" });

    // Parquet (parquet-wasm) and Arrow IPC (apache-arrow) read back to the same values and types
    const fromParquet = tableFromIPC(readParquet(readFileSync(join(dir, "pairs.parquet"))).intoIPCStream());
    const fromArrow = tableFromIPC(readFileSync(join(dir, "pairs.arrow")));
    for (const table of [fromParquet, fromArrow]) {
      expect(table.schema.fields.map((f) => f.name)).toEqual(columns);
      const rows = table.toArray().map((row) => ({ ...row.toJSON() }));
      expect(rows).toEqual(expected);
    }

    // hourly bars of one day: 24 rows on the UTC hour, from the bars the backfill holds
    const before = klines();
    const hourly = await runCli(
      [
        "export",
        "--symbols",
        "binance:BTC/USDT",
        "--timeframe",
        "1h",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-02",
        "--format",
        "csv",
        "--out",
        join(dir, "hourly.csv"),
      ],
      env,
    );
    expect(hourly.code, hourly.stderr).toBe(0);
    expect(hourly.stderr).toContain("(csv; 0 upstream call(s))");
    const hours = parse(readFileSync(join(dir, "hourly.csv")), { columns: true }) as Record<string, string>[];
    expect(hours.map((h) => h.time)).toEqual(
      Array.from({ length: 24 }, (_, h) => `2026-03-02T${String(h).padStart(2, "0")}:00:00Z`),
    );
    expect(hours.every((h) => h.timeframe === "1h" && h.provisional === "false")).toBe(true);
    expect(klines()).toBe(before);
  });
});

describe("quantdb backfill of a crypto pair through a running server (PGlite)", () => {
  const suite = cliSuite("pglite");

  it("asks the server that holds the data directory, which then holds the bars", { timeout: 300_000 }, async () => {
    const own = await freshTarget("pglite");
    try {
      const env = { ...cliEnv(own, suite.replay), QUANTDB_DAILY_INGEST: "off", QUANTDB_RATE_LIMIT: "off" };
      const port = await freePort();
      const server = startCli(["serve", "--port", String(port), "--host", "127.0.0.1"], env);
      try {
        await server.waitForLine(/API on http:\/\/localhost:\d+/, 180_000);
        const backfill = await runCli(
          ["backfill", "--symbols", "binance:ETH/USDT", "--from", "2026-07-01", "--to", "2026-07-26"],
          env,
        );
        expect(backfill.code, backfill.stderr).toBe(0);
        expect(backfill.stderr).toContain(`through the QuantDB server (pid ${server.child.pid}) at http://127.0.0.1:`);
        expect(backfill.stdout).toMatch(/^\[1\/1\] binance:ETH\/USDT 26 bars, 1 upstream call\(s\) \|/);
        const path = "/api/v1/historical/crypto/binance/ETH-USDT?start_date=2026-07-01&end_date=2026-07-26";
        const held = (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as {
          data: unknown[];
          metadata: { cache: unknown };
        };
        expect(held.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
        expect(held.data).toHaveLength(26);
      } finally {
        server.child.kill("SIGTERM");
        await server.done;
      }
    } finally {
      await own.dispose();
    }
  });
});
