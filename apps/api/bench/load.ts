/**
 * Load run (issue 7): the API as the server entry runs it (dist/index.mjs when built, else
 * src/index.ts through tsx, in a child process: auth,
 * rate limit, CORS, limits, JSON request log, metrics all on) on the replay upstream, hit by
 * autocannon at 64 connections on cached data, bounded in time, loopback only. Prints errors (must
 * be 0), requests/s, latency p50/p99 and the API process's resident memory before, after and at its
 * peak (read from /proc). Figures are printed, never asserted.
 *
 * Alone: `pnpm --filter @quantdb/api exec tsx bench/load.ts` (PGlite in a temp dir; PostgreSQL when
 * DATABASE_URL is set). Knobs: LOAD_SECONDS (10), LOAD_CONNECTIONS (64), LOAD_LOG_LEVEL (info).
 * From another script: `import { runLoad } from "./load.ts"`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { API_DIR, apiEntryArgs, freePort, rssMiB, waitUntilReady } from "./processes.ts";

/** Cached-data requests the run spreads over (warmed before the clock starts). */
export const LOAD_PATHS = [
  "/api/v1/historical/stock/600519?start_date=20250811&end_date=20260811",
  "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240329&adjust=qfq",
  "/api/v1/calendar/CN/sessions/20240209",
];

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Duration of the load, seconds. @default 10 */
  seconds?: number;
  /** Concurrent connections. @default 64 */
  connections?: number;
  /** PostgreSQL URL; PGlite in a temporary directory when unset. */
  databaseUrl?: string | undefined;
  /** The API's QUANTDB_LOG_LEVEL (request lines go to a discarded stdout). @default "info" */
  logLevel?: string;
  /** Requests to spread over. @default LOAD_PATHS */
  paths?: string[];
}

/** What a load run measured. Memory in MiB, latency in ms. */
export interface LoadResult {
  database: "pglite" | "postgres";
  seconds: number;
  connections: number;
  requests: number;
  /** Connection errors + timeouts + non-2xx answers: must be 0. */
  errors: number;
  non2xx: number;
  timeouts: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssPeakMiB: number;
}

const tenths = (x: number) => Math.round(x * 10) / 10;

/**
 * Start the API, warm the cache, run autocannon, stop the API.
 * @throws when the API does not start or a warm-up request fails.
 */
export async function runLoad(options: LoadOptions = {}): Promise<LoadResult> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 64;
  const paths = options.paths ?? LOAD_PATHS;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "quantdb-load-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QUANTDB_UPSTREAM: "replay",
    QUANTDB_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    QUANTDB_NOW: "2026-11-20T12:00:00Z",
    QUANTDB_LOG_LEVEL: options.logLevel ?? "info",
    // the guard runs on every request but never refuses this one client
    QUANTDB_RATE_LIMIT_PER_MINUTE: "1000000",
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, apiEntryArgs(), { cwd: API_DIR, env, stdio: ["ignore", "ignore", "inherit"] });
  let exited = false;
  child.once("exit", () => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(`${base}/health`, () => exited);
    for (const path of paths) {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(base + path);
        if (!response.ok) throw new Error(`warm-up ${path} answered ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }
    }
    const pid = child.pid!;
    const rssBeforeMiB = rssMiB(pid);
    let rssPeakMiB = rssBeforeMiB;
    const sampler = setInterval(() => {
      rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid));
    }, 100);
    const result = await autocannon({
      url: base,
      connections,
      duration: seconds,
      requests: paths.map((path) => ({ method: "GET" as const, path })),
    });
    clearInterval(sampler);
    const rssAfterMiB = rssMiB(pid);
    rssPeakMiB = Math.max(rssPeakMiB, rssAfterMiB);
    return {
      database: options.databaseUrl ? "postgres" : "pglite",
      seconds,
      connections,
      requests: result.requests.total,
      errors: result.errors + result.timeouts + result.non2xx,
      non2xx: result.non2xx,
      timeouts: result.timeouts,
      requestsPerSecond: Math.round(result.requests.average),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      rssBeforeMiB: tenths(rssBeforeMiB),
      rssAfterMiB: tenths(rssAfterMiB),
      rssPeakMiB: tenths(rssPeakMiB),
    };
  } finally {
    if (!exited) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line of figures. */
export function formatLoad(r: LoadResult): string {
  return (
    `load ${r.database}: ${r.connections} connections × ${r.seconds} s → ${r.requests} requests, errors ` +
    `${r.errors} (non-2xx ${r.non2xx}, timeouts ${r.timeouts}), ` +
    `${r.requestsPerSecond} req/s, latency p50 ${r.latencyP50Ms} ms p99 ${r.latencyP99Ms} ms, API RSS before ` +
    `${r.rssBeforeMiB} MiB / after ${r.rssAfterMiB} MiB / peak ${r.rssPeakMiB} MiB`
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runLoad({
    seconds: Number(process.env.LOAD_SECONDS ?? 10),
    connections: Number(process.env.LOAD_CONNECTIONS ?? 64),
    databaseUrl: process.env.DATABASE_URL,
    logLevel: process.env.LOAD_LOG_LEVEL ?? "info",
  });
  console.log(formatLoad(result));
  if (result.errors > 0) process.exitCode = 1;
}
