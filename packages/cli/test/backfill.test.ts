/**
 * `quantdb backfill`: interrupted with Ctrl-C (SIGINT) part-way through and run again, it
 * continues where it stopped and never fetches a held span twice, as the replay's request log
 * shows. Spawned processes, real PGlite and PostgreSQL, the replay upstream with latency.
 */
import { countRows } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { cliSuite, runCli, startCli } from "./helpers.ts";

/** Every qfq series the replay holds (2021-01-04 → 2024-05-22 or later). */
const SYMBOLS = ["600519", "000001", "300750", "688981", "430047", "830799"];
const SECIDS = ["1.600519", "0.000001", "0.300750", "1.688981", "0.430047", "0.830799"];
const ARGS = [
  "backfill",
  "--symbols",
  SYMBOLS.join(","),
  "--from",
  "2021-01-01",
  "--to",
  "2024-05-22",
  "--adjust",
  "qfq",
];

describe.each(testDrivers())("quantdb backfill on %s", (driver) => {
  const suite = cliSuite(driver);

  it("resumes after an interruption without refetching any held span", async () => {
    const env = suite.env();
    suite.replay.setLatency(1500);
    const first = startCli(ARGS, env);
    await first.waitForLine(/^\[2\/6\] 000001\.SZ /);
    first.child.kill("SIGINT");
    const interrupted = await first.done;
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toMatch(/SIGINT: stopping/);
    expect(interrupted.stderr).toMatch(/interrupted: 2\/6 symbols/);
    const firstRun = suite.replay.requests.filter((r) => r.path === "/api/qt/stock/kline/get");
    // the two finished symbols, plus at most the one in flight when interrupted
    expect(firstRun.slice(0, 2).map((r) => r.secid)).toEqual(SECIDS.slice(0, 2));
    expect(firstRun.length).toBeLessThanOrEqual(3);

    suite.replay.setLatency(0);
    const second = await runCli(ARGS, env);
    expect(second.code, second.stderr).toBe(0);
    const lines = second.stdout.trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      /^\[1\/6\] 600519\.SH 8\d\d bars, 0 upstream call\(s\) \(held\) \| bars \d+ \| upstream calls 0 \| ETA /,
    );
    expect(lines[1]).toMatch(/^\[2\/6\] 000001\.SZ \d+ bars, 0 upstream call\(s\) \(held\)/);
    expect(lines[5]).toMatch(
      /^\[6\/6\] 830799\.BJ \d+ bars, 1 upstream call\(s\) \| bars \d+ \| upstream calls 4 \| ETA 0s$/,
    );
    expect(second.stderr).toMatch(/done: 6\/6 symbols, \d+ bars, 4 upstream calls, 0 failed/);

    // no span fetched twice: every symbol finished in the first run was not requested again, and
    // every other symbol was completed with exactly one call (the interrupted call was never stored)
    const all = suite.replay.requests.filter((r) => r.path === "/api/qt/stock/kline/get");
    const bySecid = new Map<string, number>();
    for (const r of all) bySecid.set(r.secid!, (bySecid.get(r.secid!) ?? 0) + 1);
    expect(bySecid.get("1.600519")).toBe(1);
    expect(bySecid.get("0.000001")).toBe(1);
    for (const secid of SECIDS.slice(3)) expect(bySecid.get(secid), secid).toBe(1);
    expect(bySecid.get("0.300750")).toBeLessThanOrEqual(2);
    expect(all.every((r) => r.fqt === "1" && r.beg === "20210104" && r.end === "20240522")).toBe(true);

    // a third run is answered entirely from the database
    const before = suite.replay.requests.length;
    const third = await runCli(ARGS, env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/done: 6\/6 symbols, \d+ bars, 0 upstream calls, 0 failed/);
    expect(suite.replay.requests.length).toBe(before);

    const database = await suite.target.open();
    try {
      const rows = await countRows(database.db);
      expect(rows.instruments).toBe(6);
      expect(rows.bars).toBeGreaterThan(6 * 800);
    } finally {
      await database.close();
    }
  });

  it("rejects a bad date or symbol with a clear message", async () => {
    const env = suite.env();
    const badDate = await runCli(["backfill", "--symbols", "600519", "--from", "2021-02-30"], env);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain("Invalid from '2021-02-30'");
    const badSymbol = await runCli(["backfill", "--symbols", "600519,XYZ", "--from", "2021-01-01"], env);
    expect(badSymbol.code).toBe(1);
    expect(badSymbol.stderr).toContain("Invalid symbol 'XYZ'");
  });
});
