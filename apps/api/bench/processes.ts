/**
 * Child-process helpers shared by the benchmarks (history.ts, load.ts): the API's server entry as
 * shipped, a free loopback port for it, its readiness, and its resident memory; for history.ts, the
 * API configured for the bench and the limit server, each started and stopped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@quantdb/replay";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The API package's folder (the child processes' working directory). */
export const API_DIR = join(HERE, "..");

/**
 * Node arguments that run the API server: the built entry (dist/index.mjs, what `pnpm start:api`
 * runs; `pnpm bench` builds it first) when present, else the source through tsx.
 */
export function apiEntryArgs(): string[] {
  const built = join(API_DIR, "dist", "index.mjs");
  return existsSync(built) ? [built] : ["--import", "tsx", join(API_DIR, "src", "index.ts")];
}

export { freePort };

/**
 * Poll `url` (a fresh connection each time) every `intervalMs` until it answers 200.
 * @throws when `exited()` turns true first, or after `timeoutMs`.
 */
export async function waitUntilReady(
  url: string,
  exited: () => boolean,
  { timeoutMs = 120_000, intervalMs = 10 } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error("the API process exited before it was ready");
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(url, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on("error", () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resident set size of a process, MiB (Linux /proc); NaN when unreadable. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** A server in a child process: its loopback base URL and spawn → ready time (ms). */
export interface ChildServer {
  process: ChildProcess;
  url: string;
  readyMs: number;
}

/** The frozen clock of every API the bench starts (QUANTDB_NOW) and of the bars it writes. */
export const NOW = "2026-11-20T12:00:00Z";

/**
 * The API as shipped: the built server entry (dist/index.mjs, `pnpm start:api`) in a child process,
 * configured only through its environment — every upstream pointed at the replay, the clock frozen
 * at NOW, auth and per-client rate limits off, request logs at warn (none written), the upstream
 * rate budget off (the replay is local). `bodyCacheMb` 0 builds every answer. Ready = spawn → the
 * first 200 from /health (polled every 10 ms).
 */
export async function startApi(options: {
  database: { url: string } | { dataDir: string };
  replayUrl: string;
  bodyCacheMb?: number;
}): Promise<ChildServer> {
  const { database, replayUrl } = options;
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
    DATABASE_URL: "url" in database ? database.url : "",
    QUANTDB_DATA_DIR: "dataDir" in database ? database.dataDir : "",
  };
  if (options.bodyCacheMb !== undefined) env.QUANTDB_BODY_CACHE_MB = String(options.bodyCacheMb);
  const child = spawn(process.execPath, apiEntryArgs(), { stdio: ["ignore", "ignore", "inherit"], env, cwd: API_DIR });
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(`${url}/health`, () => exited);
  const readyMs = performance.now() - started;
  child.removeAllListeners("exit");
  child.on("exit", (code, signal) => console.error(`bench: the API exited (${code ?? signal})`));
  return { process: child, url, readyMs };
}

/**
 * The limit server (bench/limit-server.ts) in a child process, serving the answers listed in
 * `manifestFile`. Ready = it printed its port.
 */
export function startLimit(manifestFile: string): Promise<ChildServer> {
  const started = performance.now();
  const script = join(HERE, "limit-server.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, manifestFile], {
    stdio: ["ignore", "pipe", "inherit"],
    cwd: API_DIR,
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`the limit server exited with ${code ?? signal}`)));
    child.once("error", reject);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes("\n")) return;
      const { port } = JSON.parse(output.split("\n")[0]!) as { port: number };
      child.removeAllListeners("exit");
      child.on("exit", (code, signal) => console.error(`bench: the limit server exited (${code ?? signal})`));
      resolve({ process: child, url: `http://127.0.0.1:${port}`, readyMs: performance.now() - started });
    });
  });
}

/** SIGTERM, then wait for the exit. */
export async function stopServer(server: ChildServer): Promise<void> {
  server.process.removeAllListeners("exit");
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = new Promise((resolve) => server.process.once("exit", resolve));
  server.process.kill("SIGTERM");
  await exited;
}
