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
import { httpOptionsFromEnv } from "./middleware/options.ts";
import { createLogger } from "./observability/logger.ts";
import { createSystem, replayUrls, upstreamPolicyFromEnv, upstreamUrlsFromEnv } from "./system.ts";

const env = loadEnv();
/** JSON lines on stdout: start-up messages and one line per request. */
const logger = createLogger(env.QUANTDB_LOG_LEVEL);
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.QUANTDB_DATA_DIR, owner: "server" }).catch((error: unknown) => {
  if (!(error instanceof DataDirectoryInUseError)) throw error;
  // Another process holds the data directory: say who, in one line, and stop (nothing was written).
  logger.error(error.message);
  process.exit(1);
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
});
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

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: shutting down`);
  server.close();
  await scheduler?.stop();
  await closeReplay?.();
  await closeSystem();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
