/**
 * Bounded waits (issue 14 §6): the whole history request, waiting for another request's fetch of
 * the same series included, is bounded by the upstream total timeout; requests that waited for a
 * fetch that failed get the same failure without calling upstream themselves (no retry stampede).
 * Real HTTP on loopback, the replay upstream's fault injection, a deadline small enough for a test;
 * assertions on upstream call counts, status codes and reasons, and on what had not happened yet
 * when the answer came (a hung call still hanging, a lock still held), never on elapsed time.
 */
import { instrumentKey } from "@quantdb/core/markets";
import { parseStockSymbol } from "@quantdb/core/symbols";
import { DEFAULT_UPSTREAM_POLICY, type UpstreamPolicyConfig } from "@quantdb/core/upstream";
import { createAdvisoryLocks, openCoordinationPool, type CoordinationPool, type DatabaseHandle } from "@quantdb/db";
import { openTestDatabase, testDrivers } from "@quantdb/db/testing";
import { startReplay, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { serveSystem, systemSuite } from "./harness.ts";

const HISTORY = "/api/v1/historical/stock";
const KLINE = { path: "/api/qt/stock/kline/get" };
/** The request bound the tests inject (QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS). */
const DEADLINE_MS = 1000;

it("the upstream total timeout defaults to 10 s, in the environment and in core's policy", () => {
  expect(loadEnv({}).QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS).toBe(10_000);
  expect(DEFAULT_UPSTREAM_POLICY.totalTimeoutMs).toBe(10_000);
});

describe.each(testDrivers())("bounded waits on %s", (driver) => {
  const system = systemSuite(driver);
  const startApi = (upstreamPolicy: Partial<UpstreamPolicyConfig>, timeoutMs = 5000) =>
    system.api({ upstreamPolicy, timeoutMs });
  const klineCalls = () => system.replay.requestCount(KLINE);

  it("N concurrent requests on a hung upstream: one upstream call, each 503 + Retry-After in the bound", async () => {
    // Per-call timeout 5 s, 2 retries: without the request bound the first alone would take ~10 s,
    // and each waiter would then call upstream again in turn.
    const api = await startApi({
      retries: 2,
      totalTimeoutMs: DEADLINE_MS,
      backoffInitialMs: 20,
      backoffMaxMs: 60,
      breakerThreshold: 0,
    });
    system.replay.injectFault({ kind: "slow", delayMs: 60_000 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`)),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { reason: "total_timeout" } });
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    // the bound, not the 5 s per-call timeout and its retries, ended them: one call, still hanging
    expect(klineCalls()).toBe(1);
    expect(await system.rows()).toMatchObject({ bars: 0, spans: 0 });
  });

  it("requests that waited for a fetch that failed get the same failure without calling upstream", async () => {
    const api = await startApi({ retries: 0, breakerThreshold: 0 });
    system.replay.setLatency(300); // the waiters are queued on the series lock while the first call runs
    system.replay.injectFault({ kind: "http500" });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`)),
    );
    expect(klineCalls()).toBe(1);
    for (const answer of answers) {
      expect(answer.status).toBe(answers[0]!.status);
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(answer.body.error.code).toBe("UPSTREAM_UNAVAILABLE");
    }
    // The failure is not remembered beyond the requests that waited for it: once upstream is
    // back, the next request fetches and succeeds.
    system.replay.clearFaults();
    const later = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
    expect(later.status).toBe(200);
    expect(later.body.data).toHaveLength(58);
    expect(klineCalls()).toBe(2);
  });

  it("with allow_partial the waiters share the failure too, each answering what is held", async () => {
    const api = await startApi({ retries: 0, breakerThreshold: 0 });
    system.replay.setLatency(300);
    system.replay.injectFault({ kind: "http500" });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq&allow_partial=true`),
      ),
    );
    expect(klineCalls()).toBe(1);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.metadata).toMatchObject({ complete: false });
      expect(answer.body.metadata.upstream_error.code).toBe("UPSTREAM_UNAVAILABLE");
    }
  });

  it("queued requests for one series on a slow upstream are answered within the bound, not one by one", async () => {
    const api = await startApi({ retries: 0, totalTimeoutMs: DEADLINE_MS, breakerThreshold: 0 });
    system.replay.setLatency(600); // each call succeeds, slowly (ten in a row would take 6 s)
    // Ten different months of one series: each needs its own fetch under the same series lock.
    const months = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"];
    const answers = await Promise.all(
      months.map((m) => api.get(`${HISTORY}/600519?start_date=2024${m}01&end_date=2024${m}20&adjust=qfq`)),
    );
    for (const answer of answers) {
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { reason: "total_timeout" } });
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
    }
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThanOrEqual(1);
    // the queued ones gave up at their deadline instead of each fetching in turn
    expect(klineCalls()).toBeLessThan(months.length);
  });
});

describe.each(testDrivers().filter((driver) => driver === "postgres"))(
  "bounded waits across replicas on %s",
  (driver) => {
    let database: DatabaseHandle & { url?: string };
    let replay: ReplayServer;
    let coordination: CoordinationPool;

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      replay = await startReplay();
      coordination = openCoordinationPool(database.url!);
    }, 60_000);
    afterAll(async () => {
      await coordination?.close();
      await replay?.close();
      await database?.close();
    });

    it("a request waiting on another replica's series lock stops at its deadline: 503, no upstream call", async () => {
      const api = await serveSystem({
        database,
        replay,
        timeoutMs: 5000,
        upstreamPolicy: { retries: 0, totalTimeoutMs: DEADLINE_MS, breakerThreshold: 0 },
        coordinationUrl: database.url!,
      });

      // "Another replica" holds the series' advisory lock (as while fetching) until released.
      let release!: () => void;
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      // the history service's series key (instrument key and adjustment)
      const key = `${instrumentKey(parseStockSymbol("600519"))}|qfq`;
      const other = createAdvisoryLocks(coordination).run(key, () => {
        holding();
        return new Promise<void>((resolve) => (release = resolve));
      });
      await held;
      // A safety valve only, so that code without the bound does not hang the suite: the holder lets go after 3× the
      // deadline.
      let letGo = false;
      const valve = setTimeout(() => {
        letGo = true;
        release();
      }, 3 * DEADLINE_MS);
      try {
        const answer = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
        expect(answer.status).toBe(503);
        expect(answer.body.error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { reason: "total_timeout" } });
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(letGo).toBe(false); // answered while the other replica still held the lock
        expect(replay.requestCount(KLINE)).toBe(0);
        clearTimeout(valve);
        release();
        await other;
        // The lock is free again and the connections that waited were not left with a lock_timeout.
        const after = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
        expect(after.status).toBe(200);
      } finally {
        clearTimeout(valve);
        release();
        await other;
        await api.stop();
      }
    });
  },
);
