/**
 * The API server's entry: read the environment, start the replay upstream in offline mode
 * (`QUANTDB_UPSTREAM=replay`), then run the server (`@quantdb/server`: open the database, create the
 * system, listen, shut down gracefully on SIGINT/SIGTERM).
 */
import { loadEnv } from "@quantdb/server/env";
import { createLogger } from "@quantdb/server/logger";
import { replayUrls, runServerProcess, type UpstreamOverride } from "@quantdb/server";

const env = loadEnv();
/** JSON lines on stdout: start-up messages and one line per request. */
const logger = createLogger(env.QUANTDB_LOG_LEVEL);

let upstream: UpstreamOverride | undefined;
if (env.QUANTDB_UPSTREAM === "replay") {
  // Real recorded upstream data served on loopback: a workspace tool for offline runs, not a dependency of the server.
  const { startReplay } = await import("@quantdb/replay");
  // Moving quotes: recorded bars replayed in a loop, so live quotes (the stream, the dashboard) change offline.
  const replay = await startReplay({ port: env.QUANTDB_REPLAY_PORT, movingQuotes: true });
  upstream = { urls: replayUrls(replay), close: () => replay.close() };
  logger.info(`replay upstream (real recorded data, offline) at ${replay.url}`);
}

await runServerProcess(env, { logger, ...(upstream ? { upstream } : {}) });
