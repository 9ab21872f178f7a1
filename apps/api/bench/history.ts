/**
 * `pnpm bench` (root; it starts a throwaway PostgreSQL and sets DATABASE_URL): the performance
 * figures of issue 8 against the API on the replay upstream, for PGlite (a data directory) and
 * PostgreSQL, printed as ONE table with each figure, its target and the ratio to the limit measured
 * in the same run, followed by before/after figures of each optimisation.
 *
 * The API runs as shipped — the built server entry (dist/index.mjs) in a child process, configured
 * through its environment — so the load generator (autocannon, in this process, loopback only, each
 * run bounded in time) does not share its event loop and its resident memory can be read from /proc. The limit is a
 * bare Hono server returning the same bytes from memory (bench/limit-server.ts). Every figure is the median of several
 * runs. The machines are shared and noisy: compare ratios within one run. Figures are printed, never asserted.
 *
 * Knobs (env): BENCH_RUNS (3), BENCH_SECONDS per load run (3), BENCH_SEQUENTIAL requests per
 * latency run (100), BENCH_CONNECTIONS (32).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { calendarFor } from "@quantdb/core/calendar";
import type { DailyBar } from "@quantdb/core/history";
import { parseStockSymbol } from "@quantdb/core/symbols";
import {
  barsViaDrizzleRows,
  bulkUpsertBars,
  createHistoryStore,
  deleteBars,
  openDatabase,
  upsertBarsViaDrizzle,
  vacuumBars,
  withoutIndexOnlyScans,
  barsViaBuiltJson,
  type DatabaseHandle,
} from "@quantdb/db";
import { startReplay } from "@quantdb/replay";
import { runLoad } from "./load.ts";
import { API_DIR, apiEntryArgs, freePort, rssMiB, waitUntilReady } from "./processes.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 100);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const NOW = "2026-11-20T12:00:00Z";

/** One year of 600519 (replay data), the figure the targets speak of. */
const ONE_YEAR = "/api/v1/historical/stock/600519?start_date=20250811&end_date=20260811";
/** Cold: one year of an instrument never fetched before in this database (the replay delays it by 300 ms). */
const COLD = (i: number) =>
  `/api/v1/historical/stock/${["300750", "000001", "688981", "430047", "830799"][i % 5]}` +
  "?start_date=20250101&end_date=20251231&adjust=qfq";
const UPSTREAM_LATENCY_MS = 300;
/** Twenty years of a synthetic instrument written by the ingest step (every CN session 2006–2026). */
const TWENTY_YEARS = (code: string) => `/api/v1/historical/stock/${code}?start_date=20060101&end_date=20261120`;

const alive = (pid: number | undefined) => {
  try {
    return pid !== undefined && process.kill(pid, 0);
  } catch {
    return false;
  }
};
let watched: number | undefined;
const step = (message: string) =>
  console.error(
    `bench: ${message} ` +
      `(${Math.round(performance.now() / 1000)} s${watched ? `; API ${alive(watched) ? "up" : "DOWN"}` : ""})`,
  );
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------- child processes

interface Child {
  process: ChildProcess;
  port: number;
  url: string;
  info: Record<string, number>;
  spawnToReadyMs: number;
}

function startChild(script: string, args: string[]): Promise<Child> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", join(HERE, script), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    cwd: join(HERE, ".."),
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.on("exit", (code, signal) =>
      reject(new Error(`${script} exited with ${code ?? signal} before it was ready`)),
    );
    child.on("error", reject);
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line) {
        const info = JSON.parse(line) as Record<string, number>;
        child.removeAllListeners("exit");
        child.on("exit", (code, signal) => console.error(`bench: ${script} exited (${code ?? signal})`));
        resolve({
          process: child,
          port: info.port!,
          url: `http://127.0.0.1:${info.port}`,
          info,
          spawnToReadyMs: performance.now() - started,
        });
      }
    });
  });
}

async function stopChild(child: Child): Promise<void> {
  child.process.removeAllListeners("exit");
  const exited = new Promise((resolve) => child.process.once("exit", resolve));
  child.process.kill("SIGTERM");
  await exited;
}

/**
 * The API as shipped: the built server entry (dist/index.mjs, `pnpm start:api`) in a child process,
 * configured only through its environment — every upstream pointed at the replay, the clock frozen
 * at NOW, auth and per-client rate limits off, request logs at warn (none written), the upstream
 * rate budget off (the replay is local). `bodyCacheMb` 0 builds every answer. Ready = spawn → the
 * first 200 from /health (polled every 10 ms).
 */
async function startApi(
  database: { url?: string; dataDir?: string },
  replayUrl: string,
  bodyCacheMb: number,
): Promise<Child> {
  const port = await freePort();
  const started = performance.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    QUANTDB_NOW: NOW,
    QUANTDB_UPSTREAM: "live",
    QUANTDB_EASTMONEY_HISTORY_URL: replayUrl,
    QUANTDB_EASTMONEY_LIST_URL: replayUrl,
    QUANTDB_EASTMONEY_QUOTE_URL: replayUrl,
    QUANTDB_EASTMONEY_DATACENTER_URL: replayUrl,
    QUANTDB_SINA_CALENDAR_URL: `${replayUrl}/realstock/company/klc_td_sh.txt`,
    QUANTDB_AUTH: "off",
    QUANTDB_RATE_LIMIT: "off",
    QUANTDB_DAILY_INGEST: "off",
    QUANTDB_LOG_LEVEL: "warn",
    QUANTDB_UPSTREAM_RATE_PER_SECOND: "0",
    QUANTDB_UPSTREAM_TIMEOUT_MS: "10000",
    QUANTDB_BODY_CACHE_MB: String(bodyCacheMb),
    DATABASE_URL: database.url ?? "",
    QUANTDB_DATA_DIR: database.dataDir ?? "",
  };
  const child = spawn(process.execPath, apiEntryArgs(), { stdio: ["ignore", "ignore", "inherit"], env, cwd: API_DIR });
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(`${url}/health`, () => exited);
  const readyMs = performance.now() - started;
  child.removeAllListeners("exit");
  child.on("exit", (code, signal) => console.error(`bench: the API exited (${code ?? signal})`));
  return { process: child, port, url, info: { readyMs }, spawnToReadyMs: readyMs };
}

// ---------------------------------------------------------------- measuring

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET over a kept-alive loopback connection: status, body bytes and wall time (ms). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; ms: number; headers: http.IncomingHttpHeaders }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`GET ${url}: no answer in 60 s`)), 60_000);
    timer.unref();
    http
      .get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => clearTimeout(timer));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
            headers: res.headers,
          }),
        );
      })
      .on("error", reject)
      .setTimeout(60_000, function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${url}: no answer in 60 s`));
      });
  });
}

/** The server's own time on a request (ms) from its `Server-Timing: total;dur=…` header, or NaN. */
function serverTime(headers: http.IncomingHttpHeaders): number {
  const match = /(?:^|,)\s*total;dur=([\d.]+)/.exec(String(headers["server-timing"] ?? ""));
  return match ? Number(match[1]) : NaN;
}

/** p50 (ms) of `n` sequential requests, client-side and as the server timed itself (Server-Timing). */
async function sequential(url: string, n = SEQUENTIAL): Promise<{ p50: number; serverP50: number }> {
  for (let i = 0; i < Math.min(20, n); i++) await get(url);
  const samples: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get(url);
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
    samples.push(r.ms);
    server.push(serverTime(r.headers));
  }
  return { p50: median(samples), serverP50: median(server) };
}

/** req/s and p50 of an autocannon run; max RSS (MB) of `pid` while it ran. */
async function load(
  url: string,
  pid?: number,
  connections = CONNECTIONS,
): Promise<{ rps: number; p50: number; errors: number; rssMb: number }> {
  let maxRss = pid ? rssMiB(pid) : NaN;
  const timer = pid ? setInterval(() => (maxRss = Math.max(maxRss, rssMiB(pid))), 100) : undefined;
  const result = await autocannon({ url, connections, duration: SECONDS });
  if (timer) clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the server finish what was in flight
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    errors: result.errors + result.non2xx,
    rssMb: maxRss,
  };
}

/** Median of `RUNS` repetitions of `measure`. */
async function repeat<T extends Record<string, number>>(measure: () => Promise<T>): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure());
  return Object.fromEntries(Object.keys(runs[0]!).map((k) => [k, median(runs.map((r) => r[k]!))])) as T;
}

// ---------------------------------------------------------------- synthetic 20-year data and ingest

const SESSIONS = calendarFor("SH").sessionsBetween("2006-01-04", "2026-11-20");

function syntheticBars(seed: number): DailyBar[] {
  let close = 10 + seed;
  return SESSIONS.map((date, i) => {
    const previous = close;
    close = Math.max(1, Math.round(close * (1 + Math.sin(i * 0.37 + seed) * 0.02) * 100) / 100);
    const high = Math.max(previous, close) + 0.05;
    const low = Math.min(previous, close) - 0.05;
    return {
      date,
      open: previous,
      high: round(high),
      low: round(low),
      close,
      volume: 1_000_000 + i * 100,
      amount: round(close * 1_000_000, 2),
      amplitude: round(((high - low) / previous) * 100),
      pct_change: round(((close - previous) / previous) * 100),
      change: round(close - previous),
      turnover_rate: 0.5,
    };
  });
}

const syntheticCode = (n: number) => `6000${String(n).padStart(2, "0")}`;

/** Bulk ingest through the production write path (bars + coverage, one transaction per instrument): bars/s. */
async function ingest(database: DatabaseHandle, codes: string[]): Promise<number> {
  const store = createHistoryStore(database.db);
  const series = codes.map((code, i) => ({ code, bars: syntheticBars(i) }));
  const started = performance.now();
  for (const { code, bars } of series) {
    await store.saveFetched({
      symbol: parseStockSymbol(code),
      name: `Synthetic ${code}`,
      adjust: "",
      span: { start: "2006-01-01", end: "2026-11-20" },
      bars,
      fetchedAt: new Date(NOW),
    });
  }
  return (series.length * SESSIONS.length) / ((performance.now() - started) / 1000);
}

/**
 * Bars-only writes of one 20-year series (bars/s each): the previous path (drizzle's builder,
 * 1,000-row VALUES, ON CONFLICT), the bulk path into an empty series (array columns, plain insert),
 * and the bulk path again over the same bars (every row conflicts: ON CONFLICT DO UPDATE).
 */
async function ingestPaths(
  database: DatabaseHandle,
  code: string,
): Promise<{ drizzle: number; bulk: number; overwrite: number }> {
  const store = createHistoryStore(database.db);
  const symbol = parseStockSymbol(code);
  await store.saveFetched({ symbol, name: null, adjust: "hfq", span: null, bars: [], fetchedAt: new Date(NOW) });
  const id = (await store.findInstrument(symbol))!.id;
  const bars = syntheticBars(7);
  const rate = async (write: () => Promise<void>) => {
    const started = performance.now();
    await write();
    return bars.length / ((performance.now() - started) / 1000);
  };
  await deleteBars(database.db, id, "hfq");
  const drizzle = await rate(() => upsertBarsViaDrizzle(database.db, id, "hfq", bars, new Date(NOW)));
  await deleteBars(database.db, id, "hfq");
  const bulk = await rate(() => bulkUpsertBars(database.db, id, "hfq", bars, new Date(NOW)));
  const overwrite = await rate(() => bulkUpsertBars(database.db, id, "hfq", bars, new Date(NOW)));
  return { drizzle, bulk, overwrite };
}

/**
 * In-process read of one range (ms, median of 15): the store's path (stored bar_json concatenated,
 * an index-only scan), the previous path (PostgreSQL building each bar's JSON per request), drizzle
 * rows, and the store's path with index-only scans turned off (every bar from the heap).
 */
async function readPaths(database: DatabaseHandle, code: string, start: string, end: string) {
  const store = createHistoryStore(database.db);
  const id = (await store.findInstrument(parseStockSymbol(code)))!.id;
  const time = async (read: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await read();
    const samples: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      await read();
      samples.push(performance.now() - started);
    }
    return median(samples);
  };
  const json = await time(() => store.bars(id, "", start, end));
  const built = await time(() => barsViaBuiltJson(database.db, id, "", start, end));
  const rows = await time(() => barsViaDrizzleRows(database.db, id, "", start, end));
  const withoutIndex = await withoutIndexOnlyScans(database.db, (txStore) =>
    time(() => txStore.bars(id, "", start, end)),
  );
  return { json, built, rows, withoutIndex };
}

// ---------------------------------------------------------------- one database

interface DriverFigures {
  hitP50: number;
  missP50: number;
  hitServerP50: number;
  missServerP50: number;
  twentyServerP50: number;
  hitRps: number;
  missRps: number;
  twentyP50: number;
  coldOver: number;
  ingest: number;
  rss: number;
  startup: number;
  startupSpawn: number;
  errors: number;
  before: Record<string, number>;
  load64: Record<string, number>;
}

async function benchDriver(
  driver: "pglite" | "postgres",
  limitBody: { write(body: Buffer): void },
): Promise<DriverFigures> {
  const dataDir = driver === "pglite" ? mkdtempSync(join(tmpdir(), "quantdb-bench-")) : undefined;
  const where = driver === "postgres" ? { url: process.env.DATABASE_URL! } : { dataDir: dataDir! };
  const open = () => openDatabase(driver === "postgres" ? { url: process.env.DATABASE_URL } : { dataDir: dataDir! });
  const replay = await startReplay();
  const before: Record<string, number> = {};
  try {
    step(`${driver}: ingest`);
    // 1. bulk ingest (this process), then the database is handed to the API
    let database = await open();
    const perRun = driver === "postgres" ? 10 : 2;
    const ingestRuns: number[] = [];
    for (let r = 0; r < RUNS; r++)
      ingestRuns.push(
        await ingest(
          database,
          Array.from({ length: perRun }, (_, i) => syntheticCode(r * perRun + i)),
        ),
      );
    const paths = await repeat(() => ingestPaths(database, "600099"));
    before.ingest_drizzle = paths.drizzle;
    before.ingest_bulk = paths.bulk;
    before.ingest_overwrite = paths.overwrite;
    await vacuumBars(database.db);
    await database.close();

    step(`${driver}: API with body reuse`);
    // 2. the API with reuse of serialised answers
    let api = await startApi(where, replay.url, 64);
    watched = api.process.pid;
    step(`${driver}: API ready in ${Math.round(api.spawnToReadyMs)} ms`);
    const cold = await get(api.url + ONE_YEAR);
    if (cold.status !== 200)
      throw new Error(`cold one-year request: ${cold.status} ${cold.body.toString().slice(0, 200)}`);
    step(`${driver}: cold one-year ${cold.status}`);
    const warm = await get(api.url + ONE_YEAR);
    limitBody.write(warm.body);
    before.bytes_json = warm.body.length;
    before.bytes_gzip = gzipSync(warm.body).length;
    before.bytes_columns = (await get(api.url + ONE_YEAR + "&format=columns")).body.length;
    before.bytes_304 = (await get(api.url + ONE_YEAR, { "If-None-Match": String(warm.headers.etag) })).body.length;
    step(`${driver}: sequential (reused)`);
    const hit = await repeat(() => sequential(api.url + ONE_YEAR));
    step(`${driver}: load (reused)`);
    const hitLoad = await repeat(() => load(api.url + ONE_YEAR, api.process.pid));
    step(`${driver}: cold with 300 ms upstream`);
    replay.setLatency(UPSTREAM_LATENCY_MS);
    const colds: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const r = await get(api.url + COLD(i));
      if (r.status !== 200 || JSON.parse(r.body.toString()).metadata.cache.upstream_requests !== 1)
        throw new Error(`cold request ${COLD(i)}: ${r.status}`);
      colds.push(r.ms - UPSTREAM_LATENCY_MS);
    }
    replay.setLatency(0);
    await stopChild(api);

    step(`${driver}: API without body reuse`);
    // 3. the API building every answer (no reuse); start-up on the existing data directory
    api = await startApi(where, replay.url, 0);
    watched = api.process.pid;
    const startup = { ready: api.info.readyMs!, spawn: api.spawnToReadyMs };
    step(`${driver}: API (no body reuse) ready in ${Math.round(startup.ready)} ms`);
    const miss = await repeat(() => sequential(api.url + ONE_YEAR));
    const missLoad = await repeat(() => load(api.url + ONE_YEAR, api.process.pid));
    const twenty = await repeat(() => sequential(api.url + TWENTY_YEARS(syntheticCode(0)), 30));
    const rss = Math.max(hitLoad.rssMb, missLoad.rssMb);
    await stopChild(api);

    // 4. the 64-connection load run of bench/load.ts (the server entry with every middleware on)
    step(`${driver}: load.ts (64 connections)`);
    const loadResult = await runLoad({
      databaseUrl: driver === "postgres" ? process.env.DATABASE_URL : undefined,
      seconds: Math.max(5, SECONDS * 2),
    });
    const load64 = Object.fromEntries(
      Object.entries(loadResult).filter((e): e is [string, number] => typeof e[1] === "number"),
    );

    step(`${driver}: read paths`);
    // 5. read paths in this process (same database, no API running on it)
    database = await open();
    const oneYear = await readPaths(database, syntheticCode(0), "2025-08-11", "2026-08-11");
    const twentyYears = await readPaths(database, syntheticCode(0), "2006-01-01", "2026-11-20");
    await database.close();
    Object.assign(before, {
      read1y_rows: oneYear.rows,
      read1y_json: oneYear.json,
      read1y_built: oneYear.built,
      read1y_noindex: oneYear.withoutIndex,
      read20y_rows: twentyYears.rows,
      read20y_json: twentyYears.json,
      read20y_built: twentyYears.built,
      read20y_noindex: twentyYears.withoutIndex,
    });

    return {
      hitP50: hit.p50,
      missP50: miss.p50,
      hitServerP50: hit.serverP50,
      missServerP50: miss.serverP50,
      twentyServerP50: twenty.serverP50,
      hitRps: hitLoad.rps,
      missRps: missLoad.rps,
      twentyP50: twenty.p50,
      coldOver: median(colds),
      ingest: median(ingestRuns),
      rss,
      startup: startup.ready,
      startupSpawn: startup.spawn,
      errors: hitLoad.errors + missLoad.errors,
      before,
      load64,
    };
  } finally {
    await replay.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

const started = performance.now();
const drivers: ("pglite" | "postgres")[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
const bodyFile = join(mkdtempSync(join(tmpdir(), "quantdb-limit-")), "body.json");
const results = new Map<string, DriverFigures>();
for (const driver of drivers) {
  console.error(`bench: ${driver}…`);
  results.set(driver, await benchDriver(driver, { write: (body) => writeFileSync(bodyFile, body) }));
}

// the physical limit: the same one-year bytes from memory through bare Hono
console.error("bench: bare-Hono limit…");
const limitServer = await startChild("limit-server.ts", [bodyFile]);
const limitP50 = (await repeat(async () => ({ p50: (await sequential(limitServer.url + ONE_YEAR)).p50 }))).p50;
const limitRps = (await repeat(() => load(limitServer.url + ONE_YEAR))).rps;
await stopChild(limitServer);
rmSync(dirname(bodyFile), { recursive: true, force: true });

type Line = [
  figure: string,
  target: string,
  better: "lower" | "higher",
  pick: (f: DriverFigures) => number,
  limit?: number,
];
const lines: Line[] = [
  ["1Y warm p50 server time, serialised hit (ms, Server-Timing)", "< 1", "lower", (f) => f.hitServerP50],
  ["1Y warm p50 server time, built per request (ms, Server-Timing)", "< 2", "lower", (f) => f.missServerP50],
  ["1Y warm p50, serialised hit (ms, client-side)", "< 1", "lower", (f) => f.hitP50, limitP50],
  ["1Y warm p50, built per request (ms, client-side)", "< 2", "lower", (f) => f.missP50, limitP50],
  [`1Y req/s at ${CONNECTIONS} conn, serialised hit`, ">= 8000", "higher", (f) => f.hitRps, limitRps],
  [`1Y req/s at ${CONNECTIONS} conn, built per request`, ">= 1500", "higher", (f) => f.missRps, limitRps],
  ["20Y (~5,000 bars) warm p50 server time, built per request (ms)", "< 15", "lower", (f) => f.twentyServerP50],
  ["20Y (~5,000 bars) warm p50, built per request (ms, client-side)", "< 15", "lower", (f) => f.twentyP50],
  [`cold 1Y request: total − ${UPSTREAM_LATENCY_MS} ms upstream (ms)`, "<= 30", "lower", (f) => f.coldOver],
  ["bulk ingest, bars + coverage (bars/s)", ">= 50000 (PG)", "higher", (f) => f.ingest],
  ["API RSS during the load runs (MB)", "< 250", "lower", (f) => f.rss],
  ["start-up on existing data: spawn → /health 200 (ms)", "< 3000", "lower", (f) => f.startup],
  ["load.ts, 64 conn, full middleware: req/s", "—", "higher", (f) => f.load64.requestsPerSecond ?? NaN],
  ["load.ts, 64 conn: API RSS peak (MiB)", "< 250", "lower", (f) => f.load64.rssPeakMiB ?? NaN],
  ["load.ts, 64 conn: errors + non-2xx + timeouts", "0", "lower", (f) => f.load64.errors ?? NaN],
];
const table: Record<string, Record<string, string | number>> = {};
for (const [figure, target, better, pick, limit] of lines) {
  const row: Record<string, string | number> = { target };
  for (const [driver, f] of results) {
    const value = pick(f);
    row[driver] = round(value, value >= 100 ? 0 : 2);
    if (limit !== undefined) row[`${driver} ÷ limit`] = round(better === "lower" ? value / limit : limit / value, 2);
  }
  if (limit !== undefined) row.limit = round(limit, limit >= 100 ? 0 : 3);
  table[figure] = row;
}
const beforeAfter: Record<string, Record<string, number | string>> = {};
const ba = (name: string, key: (f: DriverFigures) => number) => {
  beforeAfter[name] = Object.fromEntries([...results].map(([d, f]) => [d, round(key(f), key(f) >= 100 ? 0 : 3)]));
};
ba("body reuse: 1Y p50 built → reused (×)", (f) => f.missP50 / f.hitP50);
ba("body reuse: 1Y req/s reused ÷ built (×)", (f) => f.hitRps / f.missRps);
ba("read 1Y in-process: drizzle rows (ms)", (f) => f.before.read1y_rows!);
ba("read 1Y in-process: JSON built per request by PostgreSQL (ms)", (f) => f.before.read1y_built!);
ba("read 1Y in-process: stored bar_json (ms)", (f) => f.before.read1y_json!);
ba("read 20Y in-process: drizzle rows (ms)", (f) => f.before.read20y_rows!);
ba("read 20Y in-process: JSON built per request by PostgreSQL (ms)", (f) => f.before.read20y_built!);
ba("read 20Y in-process: stored bar_json (ms)", (f) => f.before.read20y_json!);
ba("read 20Y stored bar_json without index-only scans (ms)", (f) => f.before.read20y_noindex!);
ba("ingest bars only: drizzle builder (bars/s)", (f) => f.before.ingest_drizzle!);
ba("ingest bars only: bulk path, new bars (bars/s)", (f) => f.before.ingest_bulk!);
ba("ingest bars only: bulk path, every bar already held (upsert, bars/s)", (f) => f.before.ingest_overwrite!);
ba("1Y body bytes: json", (f) => f.before.bytes_json!);
ba("1Y body bytes: json gzip", (f) => f.before.bytes_gzip!);
ba("1Y body bytes: format=columns", (f) => f.before.bytes_columns!);
ba("1Y body bytes: 304 Not Modified", (f) => f.before.bytes_304!);
ba("start-up on existing data, spawn → /health 200 (ms)", (f) => f.startupSpawn);
ba("load errors + non-2xx", (f) => f.errors);

console.log(
  `\nQuantDB bench — medians of ${RUNS} runs; load: autocannon, ${CONNECTIONS} connections × ${SECONDS} s, ` +
    "loopback; limit = bare Hono serving the same 1Y bytes from memory",
);
console.table(table);
console.log("Before/after in this run (same machine, same data):");
console.table(beforeAfter);
console.log(`bench finished in ${round((performance.now() - started) / 1000, 1)} s`);
