/**
 * The scheduled daily ingest across a real week with a holiday (Qingming, Friday 2025-04-04, both
 * exchanges closed), driven by an injected clock, on PGlite and PostgreSQL with the replay
 * upstream; and on PostgreSQL, two instances on separate connections (directly and through
 * pg-boss) running each session's ingest once.
 */
import { ManualClock } from "@quantdb/core/clock";
import { DAILY_INGEST_JOB, type DailyIngest, type IngestOutcome } from "@quantdb/core/ingest";
import { parseStockSymbol } from "@quantdb/core/symbols";
import { createJobRunStore, openDatabase, type DatabaseHandle } from "@quantdb/db";
import { openTestDatabase, testDrivers } from "@quantdb/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDailyIngest, startIngestScheduler } from "../src/jobs/index.ts";
import { createSystem, replayUrls } from "../src/system.ts";
import { systemSuite, type TestSystem } from "./harness.ts";

/** 20:00 in Shanghai and Hong Kong (12:00Z): both closes plus 30 minutes have passed. */
const evening = (date: string) => `${date}T12:00:00Z`;
/** Mon 2025-03-31 … Sun 2025-04-06; Friday 04-04 is a holiday on both exchanges. */
const WEEK = ["2025-03-31", "2025-04-01", "2025-04-02", "2025-04-03", "2025-04-04", "2025-04-05", "2025-04-06"];
const SESSIONS = ["2025-03-31", "2025-04-01", "2025-04-02", "2025-04-03"];
const HELD = ["1.600519", "0.000001"];

async function ingestFor(database: DatabaseHandle, system: TestSystem, clock: ManualClock): Promise<DailyIngest> {
  const { services } = await createSystem({
    database,
    clock,
    urls: replayUrls(system.replay),
    timeoutMs: 5000,
    listPageDelayMs: 0,
  });
  return createDailyIngest(services);
}

/** Hold 600519 and 000001 (unadjusted) through Friday 2025-03-28, as a user's reads would. */
async function warm(database: DatabaseHandle, system: TestSystem) {
  const clock = new ManualClock(evening("2025-03-28"));
  const { services } = await createSystem({
    database,
    clock,
    urls: replayUrls(system.replay),
    timeoutMs: 5000,
    listPageDelayMs: 0,
  });
  for (const code of ["600519", "000001"]) {
    await services.history.getDailyBars({
      symbol: parseStockSymbol(code),
      adjust: "",
      start: "2025-03-03",
      end: "2025-03-28",
    });
  }
  system.replay.reset();
}

/** The outcomes of the stock markets' scopes (the CRYPTO scope runs every UTC day; it has its own test). */
const stockOutcomes = (outcomes: IngestOutcome[]) =>
  outcomes.filter((o) => (o.ran ? o.run.scope : o.scope) !== "CRYPTO");

const klineRequests = (system: TestSystem) =>
  system.replay.requests.filter((r) => r.path === "/api/qt/stock/kline/get");

describe.each(testDrivers())("daily ingest on %s", (driver) => {
  const system = systemSuite(driver, { startTimeoutMs: 120_000 });
  beforeEach(async () => {
    await system.database.db.delete((await import("@quantdb/db")).schema.jobRuns);
  });

  it("updates held instruments after each session's close and does nothing on the holiday or weekend", async () => {
    await warm(system.database, system);
    const clock = new ManualClock(evening(WEEK[0]!));
    const ingest = await ingestFor(system.database, system, clock);

    // before the close + 30 min nothing is due
    clock.set("2025-03-31T07:20:00Z"); // 15:20 Shanghai
    expect(stockOutcomes(await ingest.tick()).every((o) => !o.ran && o.reason === "not_due")).toBe(true);
    expect(klineRequests(system)).toHaveLength(0);

    for (const day of WEEK) {
      clock.set(evening(day));
      const before = klineRequests(system).length;
      const outcomes = await ingest.tick();
      const cn = outcomes.find((o) => (o.ran ? o.run.scope : o.scope) === "CN")!;
      const calls = klineRequests(system).slice(before);
      if (SESSIONS.includes(day)) {
        expect(cn.ran, day).toBe(true);
        if (!cn.ran) continue;
        expect(cn.run).toMatchObject({
          job: DAILY_INGEST_JOB,
          scope: "CN",
          sessionDate: day,
          status: "succeeded",
          instrumentsUpdated: 2,
          upstreamCalls: 2,
          errors: [],
        });
        // one call per held series, ending at the session
        expect(calls.map((r) => r.secid).sort()).toEqual([...HELD].sort());
        expect(calls.every((r) => r.end === day.replaceAll("-", ""))).toBe(true);
        // a second tick the same evening finds the run claimed and calls nothing
        const again = stockOutcomes(await ingest.tick());
        expect(again.every((o) => !o.ran)).toBe(true);
        expect(again.find((o) => !o.ran && o.scope === "CN")).toMatchObject({ reason: "already_claimed" });
        expect(klineRequests(system).length).toBe(before + 2);
      } else {
        expect(
          stockOutcomes(outcomes).every((o) => !o.ran && o.reason === "not_due"),
          day,
        ).toBe(true);
        expect(calls, day).toHaveLength(0);
      }
    }

    const runs = await createJobRunStore(system.database.db).list({ limit: 50 });
    const cnRuns = runs
      .filter((r) => r.scope === "CN")
      .map((r) => r.sessionDate)
      .sort();
    expect(cnRuns).toEqual(SESSIONS);
    // HK holds nothing: its runs are recorded with nothing to do
    expect(
      runs
        .filter((r) => r.scope === "HK")
        .every((r) => r.instrumentsUpdated === 0 && r.upstreamCalls === 0 && r.status === "succeeded"),
    ).toBe(true);

    // the held series now reach Thursday 04-03, served from the database without a call
    const api = await system.api({ clock });
    const before = klineRequests(system).length;
    const { status, body } = await api.get("/api/v1/historical/stock/600519?start_date=2025-03-28&end_date=2025-04-06");
    expect(status).toBe(200);
    expect(body.data.map((b: { date: string }) => b.date)).toEqual(["2025-03-28", ...SESSIONS]);
    expect(body.metadata.cache.hit).toBe(true);
    expect(klineRequests(system).length).toBe(before);

    // and GET /api/v1/jobs lists the runs, newest first
    const jobs = await api.get("/api/v1/jobs?limit=3&job=daily-ingest");
    expect(jobs.status).toBe(200);
    expect(jobs.body.count).toBe(3);
    // the newest run is the CRYPTO scope's, for the UTC day before the last tick (Sunday 04-06)
    expect(jobs.body.data[0]).toMatchObject({ job: "daily-ingest", scope: "CRYPTO", session_date: "2025-04-05" });
    const all = await api.get("/api/v1/jobs?limit=50&job=daily-ingest");
    expect(all.body.data.find((r: { scope: string }) => r.scope === "CN")).toMatchObject({
      job: "daily-ingest",
      session_date: "2025-04-03",
      status: "succeeded",
      attempts: 1,
    });
    expect(typeof jobs.body.data[0].started_at).toBe("string");
    expect((await api.get("/api/v1/jobs?limit=0")).status).toBe(400);
  });

  it("records a failed run with its errors and retries it on a later tick", async () => {
    await warm(system.database, system);
    const clock = new ManualClock(evening("2025-03-31"));
    const ingest = await ingestFor(system.database, system, clock);
    system.replay.injectFault({ kind: "http500", secid: "1.600519", times: 1 });
    const [cn] = await ingest.tick();
    expect(cn).toMatchObject({ ran: true, run: { status: "failed", attempts: 1, instrumentsUpdated: 1 } });
    if (!cn?.ran) throw new Error("no run");
    expect(cn.run.errors).toEqual([
      expect.objectContaining({ symbol: "1.600519", code: expect.stringMatching(/^UPSTREAM_/) }),
    ]);
    clock.advance(5 * 60_000);
    const [retry] = await ingest.tick();
    expect(retry).toMatchObject({
      ran: true,
      run: { status: "succeeded", attempts: 2, instrumentsUpdated: 1, errors: [] },
    });
    const runs = await createJobRunStore(system.database.db).list({ limit: 10, job: DAILY_INGEST_JOB });
    expect(runs.filter((r) => r.scope === "CN")).toHaveLength(1);
  });

  it("takes over a run whose process died (still running two hours later)", async () => {
    await warm(system.database, system);
    const clock = new ManualClock(evening("2025-03-31"));
    const ingest = await ingestFor(system.database, system, clock);
    const store = createJobRunStore(system.database.db);
    // a replica claimed the session and died before finishing
    const orphan = await store.claim({
      job: DAILY_INGEST_JOB,
      scope: "CN",
      sessionDate: "2025-03-31",
      startedAt: clock.now(),
      maxAttempts: 3,
      staleBefore: new Date(0),
    });
    expect(orphan).toMatchObject({ status: "running", attempts: 1 });
    clock.advance(60 * 60_000);
    expect((await ingest.tick()).find((o) => !o.ran && o.scope === "CN")).toMatchObject({ reason: "already_claimed" });
    expect(klineRequests(system)).toHaveLength(0);
    clock.advance(61 * 60_000);
    const [cn] = await ingest.tick();
    expect(cn).toMatchObject({
      ran: true,
      run: { id: orphan!.id, status: "succeeded", attempts: 2, instrumentsUpdated: 2, upstreamCalls: 2 },
    });
  });
});

describe.each(testDrivers().filter((d) => d === "postgres"))("daily ingest with two instances on %s", (driver) => {
  const system = systemSuite(driver, { startTimeoutMs: 120_000 });
  let second: DatabaseHandle;
  beforeAll(async () => {
    second = await openDatabase({ url: system.database.location });
  });
  // after hooks run in reverse order: this connection closes before the system's database
  afterAll(async () => second?.close());
  beforeEach(async () => {
    await system.database.db.delete((await import("@quantdb/db")).schema.jobRuns);
  });

  it("runs once per session when two instances on separate connections tick together", async () => {
    await warm(system.database, system);
    const clock = new ManualClock(evening(WEEK[0]!));
    const a = await ingestFor(system.database, system, clock);
    const b = await ingestFor(second, system, clock);
    for (const day of WEEK) {
      clock.set(evening(day));
      const before = klineRequests(system).length;
      const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
      const ranCn = [...ra!, ...rb!].filter((o) => o.ran && o.run.scope === "CN");
      expect(ranCn, day).toHaveLength(SESSIONS.includes(day) ? 1 : 0);
      expect(klineRequests(system).length - before, day).toBe(SESSIONS.includes(day) ? 2 : 0);
    }
    const runs = await createJobRunStore(system.database.db).list({ limit: 50 });
    expect(
      runs
        .filter((r) => r.scope === "CN")
        .map((r) => r.sessionDate)
        .sort(),
    ).toEqual(SESSIONS);
  });

  it("runs once through pg-boss when two schedulers are triggered", async () => {
    await warm(system.database, system);
    const clock = new ManualClock(evening("2025-04-01"));
    const url = system.database.location;
    const never = "0 0 1 1 *"; // only explicit triggers in this test
    const schedulers = [
      await startIngestScheduler({
        ingest: await ingestFor(system.database, system, clock),
        databaseUrl: url,
        cron: never,
        logger: { info() {}, error() {} },
      }),
      await startIngestScheduler({
        ingest: await ingestFor(second, system, clock),
        databaseUrl: url,
        cron: never,
        logger: { info() {}, error() {} },
      }),
    ];
    try {
      expect(schedulers.map((s) => s.kind)).toEqual(["pg-boss", "pg-boss"]);
      await Promise.all(schedulers.map((s) => s.trigger()));
      const store = createJobRunStore(system.database.db);
      const deadline = Date.now() + 60_000;
      let runs = await store.list({ limit: 10 });
      // CN and HK for the session, and CRYPTO for the UTC day before (it holds no series here: nothing to do)
      while (Date.now() < deadline && !(runs.length === 3 && runs.every((r) => r.status !== "running"))) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        runs = await store.list({ limit: 10 });
      }
      // both queued jobs get worked (the second finds the session claimed)
      await new Promise((resolve) => setTimeout(resolve, 5000));
      runs = await store.list({ limit: 10 });
      expect(runs.map((r) => `${r.scope} ${r.sessionDate} ${r.status}`).sort()).toEqual([
        "CN 2025-04-01 succeeded",
        "CRYPTO 2025-03-31 succeeded",
        "HK 2025-04-01 succeeded",
      ]);
      // 2025-03-31 was never run, so the gap of each held series is one call through 04-01
      expect(
        klineRequests(system)
          .map((r) => r.secid)
          .sort(),
      ).toEqual([...HELD].sort());
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });

  it("starts two pg-boss schedulers at once on a database new to pg-boss (replicas starting together)", async () => {
    // pg-boss 10 creates its queue without a lock: two processes doing it at once can deadlock
    for (let attempt = 0; attempt < 4; attempt++) {
      const fresh = await openTestDatabase("postgres");
      const schedulers: Awaited<ReturnType<typeof startIngestScheduler>>[] = [];
      try {
        const ingest = await ingestFor(fresh, system, new ManualClock(evening("2025-04-01")));
        const start = () =>
          startIngestScheduler({
            ingest,
            databaseUrl: fresh.url!,
            cron: "0 0 1 1 *",
            logger: { info() {}, error() {} },
          });
        const started = await Promise.allSettled([start(), start()]);
        for (const result of started) if (result.status === "fulfilled") schedulers.push(result.value);
        expect(started.map((r) => (r.status === "rejected" ? String(r.reason) : r.value.kind))).toEqual([
          "pg-boss",
          "pg-boss",
        ]);
      } finally {
        await Promise.all(schedulers.map((s) => s.stop()));
        await fresh.close();
      }
    }
  }, 120_000);
});
