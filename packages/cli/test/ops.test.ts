/**
 * `quantdb migrate`, `quantdb status` and `quantdb serve` (with the daily ingest scheduled: the
 * in-process timer on PGlite, pg-boss on PostgreSQL), spawned as a user runs them.
 */
import { testDrivers } from "@quantdb/db/testing";
import { freePort, startReplay, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, cliSuite, freshTarget, runCli, startCli } from "./helpers.ts";

describe.each(testDrivers())("quantdb migrate, status and serve on %s", (driver) => {
  const suite = cliSuite(driver);

  it("migrates, then reports the database, coverage and upstream reachability", async () => {
    const env = suite.env();
    const migrated = await runCli(["migrate"], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(new RegExp(`^database migrated: ${driver === "pglite" ? "pglite" : "postgres"} `));

    const backfill = await runCli(
      ["backfill", "--symbols", "600519", "--from", "2025-01-02", "--to", "2025-01-31"],
      env,
    );
    expect(backfill.code, backfill.stderr).toBe(0);

    const status = await runCli(["status", "--json"], env);
    expect(status.code, status.stderr).toBe(0);
    const body = JSON.parse(status.stdout);
    expect(body.database).toMatchObject({
      driver: driver === "pglite" ? "pglite" : "postgres",
      instruments: 1,
      bars: 18,
      spans: 1,
    });
    expect(body.coverage).toEqual([
      { market: "SH", adjust: "", instruments: 1, spans: 1, bars: 18, first: "2025-01-02", last: "2025-01-27" },
    ]);
    // the replay answers on its host: reachable
    expect(body.upstream.length).toBeGreaterThan(0);
    expect(body.upstream.every((u: { ok: boolean }) => u.ok)).toBe(true);

    const text = await runCli(["status", "--no-upstream"], env);
    expect(text.stdout).toMatch(
      /coverage\n\s+market\s+adjust\s+instruments.*\n\s+SH\s+none\s+1\s+1\s+18\s+2025-01-02\s+2025-01-27/,
    );
  });

  it("serves the API and runs the daily ingest on its schedule, visible at /api/v1/jobs", {
    timeout: 240_000,
  }, async () => {
    const own = await freshTarget(driver);
    const port = await freePort();
    const held = await runCli(
      ["backfill", "--symbols", "600519", "--from", "2025-01-02", "--to", "2025-01-31"],
      cliEnv(own, suite.replay),
    );
    expect(held.code, held.stderr).toBe(0);
    const env = {
      ...cliEnv(own, suite.replay),
      QUANTDB_DAILY_INGEST: "on",
      // croner takes a seconds field; pg-boss schedules by the minute
      QUANTDB_DAILY_INGEST_CRON: driver === "pglite" ? "*/2 * * * * *" : "* * * * *",
      QUANTDB_AUTH: "off",
    };
    const server = startCli(["serve", "--port", String(port), "--host", "127.0.0.1"], env);
    try {
      await server.waitForLine(/API on http:\/\/localhost:\d+/, 120_000);
      const deadline = Date.now() + 180_000;
      let runs: {
        scope: string;
        session_date: string;
        status: string;
        instruments_updated: number;
        upstream_calls: number;
      }[] = [];
      while (Date.now() < deadline) {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/jobs`);
        expect(response.status).toBe(200);
        runs = ((await response.json()) as { data: typeof runs }).data;
        if (runs.length === 3 && runs.every((r) => r.status !== "running")) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      // Friday 2026-11-20 20:00 in Shanghai and Hong Kong: both sessions are due; 600519 (held
      // through January 2025) is brought up to the session in one call. The CRYPTO scope runs for the
      // UTC day that ended (it holds no pair here: nothing to do).
      expect(runs.map((r) => `${r.scope} ${r.session_date} ${r.status}`).sort()).toEqual([
        "CN 2026-11-20 succeeded",
        "CRYPTO 2026-11-19 succeeded",
        "HK 2026-11-20 succeeded",
      ]);
      expect(runs.find((r) => r.scope === "CN")).toMatchObject({ instruments_updated: 1, upstream_calls: 1 });
      expect(runs.find((r) => r.scope === "HK")).toMatchObject({ instruments_updated: 0, upstream_calls: 0 });
    } finally {
      server.child.kill("SIGTERM");
      const result = await server.done;
      await own.dispose();
      expect(result.code, result.stderr).toBe(0);
    }
  });
});

// Several replicas on one PostgreSQL each schedule the daily ingest; it must run once per session.
describe.each(testDrivers().filter((driver) => driver === "postgres"))("quantdb serve ×2 on one %s", (driver) => {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplay();
  });
  afterAll(async () => replay?.close());

  it("runs the daily ingest once per session with two serve processes", { timeout: 300_000 }, async () => {
    const own = await freshTarget(driver);
    const held = await runCli(
      ["backfill", "--symbols", "600519", "--from", "2025-01-02", "--to", "2025-01-31"],
      cliEnv(own, replay),
    );
    expect(held.code, held.stderr).toBe(0);
    const klineCalls = () => replay.requests.filter((r) => r.path === "/api/qt/stock/kline/get").length;
    const afterBackfill = klineCalls();
    const env = {
      ...cliEnv(own, replay),
      QUANTDB_DAILY_INGEST: "on",
      QUANTDB_DAILY_INGEST_CRON: "* * * * *",
      QUANTDB_AUTH: "off",
    };
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port) => startCli(["serve", "--port", String(port), "--host", "127.0.0.1"], env));
    try {
      await Promise.all(servers.map((server) => server.waitForLine(/API on http:\/\/localhost:\d+/, 120_000)));
      const deadline = Date.now() + 200_000;
      type Run = { scope: string; session_date: string; status: string; attempts: number; upstream_calls: number };
      let runs: Run[] = [];
      while (Date.now() < deadline) {
        const response = await fetch(`http://127.0.0.1:${ports[1]}/api/v1/jobs`);
        expect(response.status).toBe(200);
        runs = ((await response.json()) as { data: Run[] }).data;
        if (runs.length >= 3 && runs.every((r) => r.status !== "running")) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      // let both schedulers tick at least once more: nothing new may run for the same session
      await new Promise((resolve) => setTimeout(resolve, 65_000));
      const final = ((await (await fetch(`http://127.0.0.1:${ports[0]}/api/v1/jobs`)).json()) as { data: Run[] }).data;
      expect(final.map((r) => `${r.scope} ${r.session_date} ${r.status} ${r.attempts}`).sort()).toEqual([
        "CN 2026-11-20 succeeded 1",
        "CRYPTO 2026-11-19 succeeded 1",
        "HK 2026-11-20 succeeded 1",
      ]);
      // 600519 brought up to the session by exactly one upstream call, not one per replica
      expect(klineCalls() - afterBackfill).toBe(1);
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
      const results = await Promise.all(servers.map((server) => server.done));
      await own.dispose();
      for (const result of results) expect(result.code, result.stderr).toBe(0);
    }
  });
});
