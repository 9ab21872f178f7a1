/**
 * Server entry: read the environment, open the database (PGlite in QUANTDB_DATA_DIR, or
 * PostgreSQL at DATABASE_URL), start the replay upstream in replay mode, and serve.
 */
import { isIPv6 } from "node:net";
import { serve } from "@hono/node-server";
import { generateApiKey } from "@quantdb/core/auth";
import { ManualClock, systemClock } from "@quantdb/core/clock";
import { DataDirectoryInUseError, openDatabase } from "@quantdb/db";
import { loadEnv } from "./env.ts";
import type { Server } from "node:http";
import { httpOptionsFromEnv } from "./middleware/options.ts";
import { createLogger } from "./observability/logger.ts";
import { trackRequests } from "./shutdown.ts";
import { createSystem, replayUrls, upstreamPolicyFromEnv, upstreamUrlsFromEnv } from "./system.ts";

const env = loadEnv();
/** JSON lines on stdout: start-up messages and one line per request. */
const logger = createLogger(env.QUANTDB_LOG_LEVEL);

/**
 * Stop start-up with one line naming what failed and why (e.g. the data directory is read-only,
 * the disk is full, PostgreSQL refused the connection), on stderr and in the log; no stack trace
 * (it would show bundled, minified source). Exit code 1.
 */
function startupFailed(what: string, error: unknown): never {
  const reason = (error instanceof Error ? error.message : String(error)).split("\n", 1)[0];
  logger.fatal(`${what} failed: ${reason}`);
  process.stderr.write(`quantdb: ${what} failed: ${reason}\n`);
  process.exit(1);
}

const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.QUANTDB_DATA_DIR, owner: "server" }).catch((error: unknown) => {
  if (error instanceof DataDirectoryInUseError) {
    // Another process holds the data directory: say who, in one line, and stop (nothing was written).
    logger.error(error.message);
    process.exit(1);
  }
  return startupFailed(env.DATABASE_URL ? "opening the PostgreSQL database" : `opening the embedded database in ${env.QUANTDB_DATA_DIR}`, error);
});
// Holding an embedded data directory, this server is its only writer: the `quantdb` CLI reaches it
// through the URL and this per-process admin token, which the data directory's lock records
// (mode 0600) once the server listens. PostgreSQL needs neither: every process opens the database.
const localAdminToken = database.dataDirLock ? generateApiKey().key : undefined;

let urls = upstreamUrlsFromEnv(env);
let closeReplay: (() => Promise<void>) | undefined;
if (env.QUANTDB_UPSTREAM === "replay") {
  const { startReplay } = await import("@quantdb/replay");
  const replay = await startReplay({ port: env.QUANTDB_REPLAY_PORT });
  urls = replayUrls(replay);
  closeReplay = () => replay.close();
  logger.info(`replay upstream (real recorded data, offline) at ${replay.url}`);
}

const { app, restoredExtensions, scheduler, close: closeSystem } = await createSystem({
  database,
  clock: env.QUANTDB_NOW ? new ManualClock(env.QUANTDB_NOW) : systemClock,
  urls,
  timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS,
  realtimeTtlSeconds: env.QUANTDB_REALTIME_TTL_SECONDS,
  onSkippedExtension: (message) => logger.warn(message),
  upstreamPolicy: upstreamPolicyFromEnv(env),
  // On PostgreSQL, replicas share the upstream rate budget and the per-series locks through it.
  coordinationUrl: env.DATABASE_URL,
  http: { ...httpOptionsFromEnv(env), logger, localAdminToken },
  bodyCacheBytes: env.QUANTDB_BODY_CACHE_MB * 1024 * 1024,
  ...(env.QUANTDB_DAILY_INGEST === "on" ? { dailyIngest: { databaseUrl: env.DATABASE_URL, cron: env.QUANTDB_DAILY_INGEST_CRON } } : {}),
}).catch((error: unknown) => startupFailed("starting the services", error));
if (scheduler) logger.info(`daily ingest scheduled (${scheduler.kind})`);
if (restoredExtensions > 0) logger.info(`${restoredExtensions} calendar extension(s) applied`);
/** The API's URL as reached from this machine (an all-interfaces bind is reached on loopback). */
function localUrl(port: number): string {
  const host = !env.HOST || env.HOST === "0.0.0.0" || env.HOST === "::" ? "127.0.0.1" : env.HOST;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

const server = serve({ fetch: app.fetch, port: env.PORT, ...(env.HOST ? { hostname: env.HOST } : {}) }, (info) => {
  if (localAdminToken) database.dataDirLock?.announce({ url: localUrl(info.port), adminToken: localAdminToken });
  logger.info(`API on http://localhost:${info.port} (database: ${database.driver} ${database.location}; docs: /docs)`);
});
const requests = trackRequests(server as Server);

let stopping = false;
/**
 * Stop accepting connections, let the requests in flight finish (at most QUANTDB_SHUTDOWN_GRACE_MS),
 * then stop the scheduler and close the coordination pool and the database. Exit 0 after a clean
 * drain, 1 when requests had to be cut at the end of the grace period. A second signal exits at once.
 */
async function shutdown(signal: string) {
  if (stopping) {
    logger.warn(`${signal} again: exiting without waiting for ${requests.inFlight} request(s) in flight`);
    process.exit(1);
  }
  stopping = true;
  logger.info(`${signal}: shutting down; no new connections, waiting up to ${env.QUANTDB_SHUTDOWN_GRACE_MS} ms for ${requests.inFlight} request(s) in flight`);
  const outcome = await requests.drain(env.QUANTDB_SHUTDOWN_GRACE_MS);
  if (!outcome.drained) logger.warn(`grace period over: ${outcome.abandoned} request(s) still in flight were cut`);
  let clean = outcome.drained;
  for (const [name, close] of [
    ["scheduler", () => scheduler?.stop()],
    ["replay upstream", () => closeReplay?.()],
    ["coordination", () => closeSystem()],
    ["database", () => database.close()],
  ] as const) {
    try {
      await close();
    } catch (error) {
      clean = false;
      logger.error(`closing the ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  logger.info(`stopped (${outcome.inFlightAtStart} request(s) were in flight, ${outcome.abandoned} cut)`);
  process.exit(clean ? 0 : 1);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
