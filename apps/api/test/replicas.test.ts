/**
 * Many replicas, one database: real API processes (`node --import tsx src/index.ts`, the server
 * entry) on one PostgreSQL database, every upstream pointed at ONE replay upstream started here.
 *
 * - 20 concurrent requests for one missing span, split between two processes → one upstream call
 *   (PostgreSQL advisory locks, then re-planning);
 * - the upstream rate budget is shared: a token taken through one process is gone for the other;
 * - a process SIGKILLed during a large fetch leaves nothing half-written and holds no lock; a
 *   restarted one completes the request, with no duplicate bars and consistent coverage;
 * - an API key created or revoked through one process works, or is refused, on the other at once
 *   (keys are looked up in the database on every request: there is no per-process copy to go stale);
 * - a calendar extension stored through one process is used by the other without a restart (each
 *   process's calendars are its own; the store's NOTIFY makes the others reload them).
 *
 * Needs PostgreSQL: runs whenever DATABASE_URL is set (always in CI, `bash scripts/with-postgres.sh`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateApiKey } from "@quantdb/core/auth";
import {
  clearAll,
  clearUpstreamRateBudget,
  countRows,
  createApiKeyStore,
  deleteCalendarExtensions,
  type DatabaseHandle,
} from "@quantdb/db";
import { openTestDatabase, testDrivers } from "@quantdb/db/testing";
import { freePort, startReplay, upstreamEnv, type ReplayServer } from "@quantdb/replay";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AFTER_CLOSE } from "@quantdb/server/testing";

const API_DIR = fileURLToPath(new URL("..", import.meta.url));
const HISTORY = "/api/v1/historical/stock";
const KLINE = "/api/qt/stock/kline/get";

interface Replica {
  url: string;
  child: ChildProcess;
  output: () => string;
  get(path: string): Promise<{ status: number; body: any }>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

const usesPostgres = testDrivers().includes("postgres");

describe.runIf(usesPostgres)("API replicas on one PostgreSQL", () => {
  let database: DatabaseHandle;
  let databaseUrl: string;
  let replay: ReplayServer;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    // A fresh, migrated database of its own (so the processes find every migration applied).
    database = await openTestDatabase("postgres");
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = new URL(database.location).pathname;
    databaseUrl = url.toString();
    replay = await startReplay();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
    replay.reset();
  });
  afterAll(async () => {
    await replay?.close();
    await database?.close();
  });

  /** Start the server entry as its own process on this database, upstreams at the replay. */
  async function startReplica(env: Record<string, string> = {}): Promise<Replica> {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: API_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl,
        ...upstreamEnv(replay),
        QUANTDB_NOW: AFTER_CLOSE,
        QUANTDB_DAILY_INGEST: "off",
        QUANTDB_AUTH: "off",
        QUANTDB_RATE_LIMIT: "off",
        QUANTDB_LOG_LEVEL: "warn",
        QUANTDB_UPSTREAM_TIMEOUT_MS: "20000",
        QUANTDB_UPSTREAM_RATE_PER_SECOND: "20",
        QUANTDB_UPSTREAM_CONCURRENCY: "4",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const replica: Replica = {
      url,
      child,
      output: () => output,
      async get(path) {
        const response = await fetch(url + path);
        const text = await response.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        return { status: response.status, body };
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
      },
    };
    replicas.push(replica);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output}`);
      try {
        if ((await fetch(url + "/ready")).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`replica did not become ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return replica;
  }

  it("20 concurrent requests for one missing span, split between two processes, make one upstream call", async () => {
    const [a, b] = await Promise.all([startReplica(), startReplica()]);
    replay.setLatency(800); // the first call is still in flight when every request has arrived
    const path = `${HISTORY}/600519?start_date=20230103&end_date=20231229&adjust=qfq`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a! : b!).get(path)));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect(replay.requestCount({ path: KLINE })).toBe(1);
    const first = answers[0]!.body;
    expect(first.data.length).toBe(242);
    for (const answer of answers) expect(answer.body.data).toEqual(first.data);
    // Exactly one request made the call; the other 19 (in both processes) found the span held.
    expect(answers.filter((r) => r.body.metadata.cache.upstream_requests === 1)).toHaveLength(1);
    expect(await countRows(database.db)).toMatchObject({ bars: 242, spans: 1 });
    // Every replica is ready and reports the upstream host it called (or none).
    for (const replica of [a!, b!])
      expect((await replica.get("/ready")).body).toMatchObject({ status: "ready", database: "postgres" });
  }, 120_000);

  it("a key created or revoked through one process works, or is refused, on the other at once", async () => {
    const env = { QUANTDB_AUTH: "all" };
    const [a, b] = await Promise.all([startReplica(env), startReplica(env)]);
    const bootstrap = generateApiKey();
    await createApiKeyStore(database.db).create({
      name: "bootstrap",
      scope: "admin",
      prefix: bootstrap.prefix,
      hash: bootstrap.hash,
      createdAt: new Date(),
    });
    const call = (replica: Replica, path: string, key: string, init: RequestInit = {}) =>
      fetch(replica.url + path, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` },
      });

    const created = await call(a!, "/api/v1/keys", bootstrap.key, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "desk", scope: "read" }),
    });
    expect(created.status).toBe(201);
    const desk = (await created.json()) as { key: string; prefix: string };
    const session = "/api/v1/calendar/CN/sessions/20240209";
    expect((await call(b!, session, desk.key)).status).toBe(200);

    expect((await call(a!, `/api/v1/keys/${desk.prefix}`, bootstrap.key, { method: "DELETE" })).status).toBe(200);
    expect((await call(b!, session, desk.key)).status).toBe(401);
    expect((await call(a!, session, desk.key)).status).toBe(401);
  }, 120_000);

  it("a calendar extension applied through one process is used by the other without a restart", async () => {
    await deleteCalendarExtensions(database.db);
    try {
      const [a, b] = await Promise.all([startReplica(), startReplica()]);
      // QUANTDB_NOW is in 2026: nothing after the bundled horizon can be learnt from index bars
      const day = "/api/v1/calendar/HK/sessions/20270104";
      expect((await b.get(day)).body).toMatchObject({ known: false, is_session: null, known_through: "2026-12-31" });
      const added = await fetch(`${a.url}/api/v1/calendar/HK/holidays`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ year: 2027, holidays: ["2027-01-01"], half_days: [] }),
      });
      expect(added.status).toBe(200);
      expect((await a.get(day)).body).toMatchObject({ known: true, is_session: true, known_through: "2027-12-31" });
      // The other process hears of it through PostgreSQL's NOTIFY and reloads its calendars.
      const known = { known: true, is_session: true, known_through: "2027-12-31" };
      const learnt = async () => expect((await b.get(day)).body).toMatchObject(known);
      await vi.waitFor(learnt, { timeout: 15_000, interval: 50 });
      const holiday = await b.get("/api/v1/calendar/HK/sessions/20270101");
      expect(holiday.body).toMatchObject({ known: true, is_session: false });
    } finally {
      await deleteCalendarExtensions(database.db);
    }
  }, 120_000);

  it("shares one upstream rate budget across processes: one token serves one call, whichever asks", async () => {
    // One token per 1000 s for both processes together, and 3 s for an upstream call including its
    // wait for a token: of two requests for different series, one through each process, one gets the
    // token; the other waits past its bound and answers 503. Two separate budgets would answer both.
    await clearUpstreamRateBudget(database.db);
    try {
      const env = { QUANTDB_UPSTREAM_RATE_PER_SECOND: "0.001", QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS: "3000" };
      const [a, b] = await Promise.all([startReplica(env), startReplica(env)]);
      const range = "start_date=20230103&end_date=20230131&adjust=qfq";
      const answers = await Promise.all([a.get(`${HISTORY}/300750?${range}`), b.get(`${HISTORY}/688981?${range}`)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 503]);
      expect(answers.find((r) => r.status === 503)!.body).toMatchObject({ error: { code: "UPSTREAM_UNAVAILABLE" } });
      expect(replay.requests.filter((r) => r.path === KLINE)).toHaveLength(1);
    } finally {
      await clearUpstreamRateBudget(database.db);
    }
  }, 120_000);

  it("a process SIGKILLed mid-fetch leaves nothing half-written; a restart serves the request exactly", async () => {
    const path = "/api/v1/index/historical/000001?start_date=20100104&end_date=20260616";
    const before = await countRows(database.db);
    const victim = await startReplica();
    replay.setLatency(3000);
    const pending = victim.get(path).catch(() => null);
    const deadline = Date.now() + 20_000;
    while (replay.requestCount({ path: KLINE, secid: "1.000001" }) === 0) {
      if (Date.now() > deadline) throw new Error(`no upstream call:\n${victim.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    victim.child.kill("SIGKILL");
    await victim.stop();
    await pending;
    expect(victim.child.signalCode).toBe("SIGKILL");
    // Nothing from the interrupted fetch was stored: no bars, no coverage, no instrument.
    expect(await countRows(database.db)).toEqual(before);

    replay.setLatency(0);
    const restarted = await startReplica();
    const answer = await restarted.get(path);
    expect(answer.status).toBe(200);
    const upstream = (await (
      await fetch(`${replay.url}${KLINE}?secid=1.000001&klt=101&fqt=0&beg=20100104&end=20260616`)
    ).json()) as { data: { klines: string[] } };
    expect(answer.body.data).toHaveLength(upstream.data.klines.length);
    expect(answer.body.data.map((bar: { date: string }) => bar.date)).toEqual(
      upstream.data.klines.map((line) => line.split(",")[0]),
    );
    // The advisory lock died with the killed process (the restarted one was not blocked), and the
    // stored rows are exactly the served bars: no duplicates, one span covering the range.
    const after = await countRows(database.db);
    expect(after.bars - before.bars).toBe(upstream.data.klines.length);
    const coverage = await restarted.get("/api/v1/cache/coverage/000001?kind=index");
    expect(coverage.body.spans).toEqual([
      expect.objectContaining({
        adjust: "",
        start_date: "2010-01-04",
        end_date: "2026-06-16",
        bars: upstream.data.klines.length,
      }),
    ]);
    // A repeat is answered from the database alone.
    const calls = replay.requestCount({ path: KLINE });
    const repeat = await restarted.get(path);
    expect(repeat.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    expect(repeat.body.data).toEqual(answer.body.data);
    expect(replay.requestCount({ path: KLINE })).toBe(calls);
  }, 180_000);

  it("a SIGKILL around the write itself leaves all of the fetch or none of it, never a part", async () => {
    const path = "/api/v1/index/historical/000001?start_date=20100104&end_date=20260616";
    const total = 3993; // sessions of the recorded SSE Composite series in the range
    const latency = 300;
    const outcomes: string[] = [];
    // Kill at several moments after upstream answers: while parsing, while writing, after committing.
    for (const afterAnswerMs of [0, 40, 90, 160, 300]) {
      await clearAll(database.db);
      replay.reset();
      const victim = await startReplica();
      replay.setLatency(latency);
      const pending = victim.get(path).catch(() => null);
      const deadline = Date.now() + 20_000;
      while (replay.requestCount({ path: KLINE }) === 0) {
        if (Date.now() > deadline) throw new Error(`no upstream call:\n${victim.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, latency + afterAnswerMs));
      victim.child.kill("SIGKILL");
      await victim.stop();
      await pending;
      const rows = await countRows(database.db);
      // All or nothing: either no bar and no span, or every bar with its one span.
      if (rows.bars === 0) expect(rows.spans).toBe(0);
      else expect(rows).toMatchObject({ bars: total, spans: 1 });
      outcomes.push(rows.bars === 0 ? "none" : "all");
    }
    // Whatever the kills left, a restarted replica completes the request exactly.
    replay.setLatency(0);
    const restarted = await startReplica();
    const answer = await restarted.get(path);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(total);
    expect(await countRows(database.db)).toMatchObject({ bars: total, spans: 1 });
    expect(outcomes).toHaveLength(5);
  }, 300_000);
});
