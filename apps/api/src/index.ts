/**
 * Server entry: read the environment, open the database (PGlite in QUANTDB_DATA_DIR, or
 * PostgreSQL at DATABASE_URL), start the replay upstream in replay mode, and serve.
 */
import { serve } from "@hono/node-server";
import { systemClock } from "@quantdb/core/clock";
import { openDatabase } from "@quantdb/db";
import { loadEnv } from "./env.ts";
import { createSystem, replayUrls, upstreamUrlsFromEnv } from "./system.ts";

const env = loadEnv();
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.QUANTDB_DATA_DIR });

let urls = upstreamUrlsFromEnv(env);
let closeReplay: (() => Promise<void>) | undefined;
if (env.QUANTDB_UPSTREAM === "replay") {
  const { startReplay } = await import("@quantdb/replay");
  const replay = await startReplay({ port: env.QUANTDB_REPLAY_PORT });
  urls = replayUrls(replay);
  closeReplay = () => replay.close();
  console.log(`[quantdb] replay upstream (real recorded data, offline) at ${replay.url}`);
}

const { app, restoredExtensions } = await createSystem({
  database,
  clock: systemClock,
  urls,
  timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS,
  realtimeTtlSeconds: env.QUANTDB_REALTIME_TTL_SECONDS,
  onSkippedExtension: (message) => console.warn(`[quantdb] ${message}`),
});
if (restoredExtensions > 0) console.log(`[quantdb] ${restoredExtensions} calendar extension(s) applied`);
const server = serve({ fetch: app.fetch, port: env.PORT, ...(env.HOST ? { hostname: env.HOST } : {}) }, (info) => {
  console.log(`[quantdb] API on http://localhost:${info.port} (database: ${database.driver} ${database.location}; docs: /docs)`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[quantdb] ${signal}: shutting down`);
  server.close();
  await closeReplay?.();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
