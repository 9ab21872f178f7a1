/**
 * Run QuantDB as an HTTP server: open the database (PGlite in QUANTDB_DATA_DIR, or PostgreSQL at
 * DATABASE_URL), create the system, listen, and shut down gracefully. Shared by `apps/api` (the
 * server's entry) and `quantdb serve`, so both start and stop exactly alike.
 */
import { isIPv6 } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { generateApiKey } from "@quantdb/core/auth";
import { ManualClock, systemClock } from "@quantdb/core/clock";
import { CRYPTO_EXCHANGES } from "@quantdb/core/crypto";
import { DataDirectoryInUseError, openDatabase } from "@quantdb/db";
import { ccxtUrlsFromEnv, type Env } from "./env.ts";
import { httpOptionsFromEnv } from "./middleware/options.ts";
import type { Logger } from "./observability/logger.ts";
import { trackRequests } from "./shutdown.ts";
import { closeWebSockets, createWebSocketServer } from "./websocket.ts";
import { createSystem, upstreamPolicyFromEnv, upstreamUrlsFromEnv, type UpstreamUrls } from "./system.ts";

/** A start-up step that failed (the database, the services); `message` is one line naming it and why. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** Upstream sites other than the configured ones (the replay upstream in offline mode), and how to stop them. */
export interface UpstreamOverride {
  urls: UpstreamUrls;
  close(): Promise<void>;
}

/** A server that listens. */
export interface RunningServer {
  /** The API's URL as reached from this machine (an all-interfaces bind is reached on loopback). */
  readonly url: string;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /**
   * Stop accepting connections, let the requests in flight finish (at most QUANTDB_SHUTDOWN_GRACE_MS),
   * then stop the scheduler and close the upstream override, the coordination pool and the database.
   * Resolves with `clean: false` when requests had to be cut or something failed to close (logged).
   */
  shutdown(signal: string): Promise<{ clean: boolean }>;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n", 1)[0] ?? "";
}

/**
 * Open the database, create the system and listen on HOST:PORT.
 * @throws {DataDirectoryInUseError} when another process holds the embedded data directory (nothing was written).
 * @throws {StartupError} when opening the database or starting the services failed (one line: what and why).
 */
export async function startServer(
  env: Env,
  options: { logger: Logger; upstream?: UpstreamOverride },
): Promise<RunningServer> {
  const { logger, upstream } = options;
  // Live quotes over WebSocket (GET /api/v1/ws) are served here only; the embedded mode has SSE alone.
  const webSockets = await createWebSocketServer().catch((error: unknown) => {
    throw new StartupError(`loading the WebSocket server (ws) failed: ${firstLine(error)}`, { cause: error });
  });
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.QUANTDB_DATA_DIR, owner: "server" }).catch(
    (error: unknown) => {
      if (error instanceof DataDirectoryInUseError) throw error;
      const what = env.DATABASE_URL
        ? "opening the PostgreSQL database"
        : `opening the embedded database in ${env.QUANTDB_DATA_DIR}`;
      throw new StartupError(`${what} failed: ${firstLine(error)}`, { cause: error });
    },
  );
  // Holding an embedded data directory, this server is its only writer: the `quantdb` CLI reaches it
  // through the URL and this per-process admin token, which the data directory's lock records
  // (mode 0600) once the server listens. PostgreSQL needs neither: every process opens the database.
  const localAdminToken = database.dataDirLock ? generateApiKey().key : undefined;

  const system = await createSystem({
    database,
    clock: env.QUANTDB_NOW ? new ManualClock(env.QUANTDB_NOW) : systemClock,
    // QUANTDB_NOW freezes the day, not the breakers' cool-downs or the rate budget (SystemOptions.upstreamClock).
    upstreamClock: systemClock,
    // QUANTDB_CCXT_<EXCHANGE>_URL wins over the replay's stand-in: a fake exchange or a proxy is asked for on purpose.
    urls: upstream?.urls
      ? { ...upstream.urls, ccxt: { ...upstream.urls.ccxt, ...ccxtUrlsFromEnv(env) } }
      : upstreamUrlsFromEnv(env),
    // The replay records binance alone; the other exchanges are served offline only when configured.
    cryptoExchanges:
      env.QUANTDB_CRYPTO_EXCHANGES ?? (env.QUANTDB_UPSTREAM === "replay" ? ["binance"] : CRYPTO_EXCHANGES),
    timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS,
    realtimeTtlSeconds: env.QUANTDB_REALTIME_TTL_SECONDS,
    stream: {
      intervalMs: env.QUANTDB_STREAM_INTERVAL_MS,
      stallMs: env.QUANTDB_STREAM_STALL_MS,
      onRelayError: (message) => logger.warn(message),
      maxPerClient: env.QUANTDB_STREAM_MAX_PER_CLIENT,
    },
    onSkippedExtension: (message) => logger.warn(message),
    upstreamPolicy: upstreamPolicyFromEnv(env),
    // On PostgreSQL, replicas share the upstream rate budget and the per-series locks through it.
    coordinationUrl: env.DATABASE_URL,
    http: { ...httpOptionsFromEnv(env), logger, localAdminToken },
    bodyCacheBytes: env.QUANTDB_BODY_CACHE_MB * 1024 * 1024,
    ...(env.QUANTDB_DAILY_INGEST === "on"
      ? { dailyIngest: { databaseUrl: env.DATABASE_URL, cron: env.QUANTDB_DAILY_INGEST_CRON } }
      : {}),
  }).catch(async (error: unknown) => {
    await database.close().catch(() => {});
    throw new StartupError(`starting the services failed: ${firstLine(error)}`, { cause: error });
  });
  if (system.scheduler) logger.info(`daily ingest scheduled (${system.scheduler.kind})`);
  if (system.restoredExtensions > 0) logger.info(`${system.restoredExtensions} calendar extension(s) applied`);

  const host = !env.HOST || env.HOST === "0.0.0.0" || env.HOST === "::" ? "127.0.0.1" : env.HOST;
  let url = "";
  const server = await new Promise<Server>((resolve) => {
    const listening = serve(
      {
        fetch: system.app.fetch,
        port: env.PORT,
        ...(env.HOST ? { hostname: env.HOST } : {}),
        websocket: { server: webSockets },
      },
      (info) => {
        url = `http://${isIPv6(host) ? `[${host}]` : host}:${info.port}`;
        if (localAdminToken) database.dataDirLock?.announce({ url, adminToken: localAdminToken });
        logger.info(
          `API on http://localhost:${info.port} (database: ${database.driver} ${database.location}; docs: /docs)`,
        );
        resolve(listening as Server);
      },
    );
  });
  const requests = trackRequests(server);

  return {
    get url() {
      return url;
    },
    get inFlight() {
      return requests.inFlight;
    },
    async shutdown(signal) {
      logger.info(
        `${signal}: shutting down; no new connections, waiting up to ${env.QUANTDB_SHUTDOWN_GRACE_MS} ms ` +
          `for ${requests.inFlight} request(s) in flight`,
      );
      // Live-quote streams never finish on their own: end them first so the drain does not wait out its grace
      // (the hub's end closes SSE responses and WebSockets; WebSockets without a subscription are closed here).
      void system.services.stream.close();
      const sockets = closeWebSockets(webSockets, env.QUANTDB_SHUTDOWN_GRACE_MS);
      const outcome = await requests.drain(env.QUANTDB_SHUTDOWN_GRACE_MS);
      const terminated = await sockets;
      if (terminated > 0) logger.warn(`${terminated} WebSocket connection(s) did not close in time and were cut`);
      if (!outcome.drained) logger.warn(`grace period over: ${outcome.abandoned} request(s) still in flight were cut`);
      let clean = outcome.drained;
      for (const [name, close] of [
        ["scheduler", () => system.scheduler?.stop()],
        ["replay upstream", () => upstream?.close()],
        ["coordination", () => system.close()],
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
      return { clean };
    },
  };
}

/**
 * Run a server as this process's job: start it, exit 1 with one line on stderr (no stack trace: it
 * would show bundled, minified source) when start-up fails, and on SIGINT/SIGTERM shut down and exit
 * 0 after a clean drain, 1 otherwise. A second signal exits at once with 1.
 */
export async function runServerProcess(
  env: Env,
  options: { logger: Logger; upstream?: UpstreamOverride },
): Promise<RunningServer> {
  const { logger } = options;
  let server: RunningServer;
  try {
    server = await startServer(env, options);
  } catch (error) {
    await options.upstream?.close().catch(() => {});
    if (error instanceof DataDirectoryInUseError) {
      // Another process holds the data directory: say who, in one line, and stop (nothing was written).
      logger.error(error.message);
      process.exit(1);
    }
    const line = firstLine(error);
    logger.fatal(line);
    process.stderr.write(`quantdb: ${line}\n`);
    process.exit(1);
  }
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting for ${server.inFlight} request(s) in flight`);
      process.exit(1);
    }
    stopping = true;
    const { clean } = await server.shutdown(signal);
    process.exit(clean ? 0 : 1);
  };
  process.on("SIGINT", () => void onSignal("SIGINT"));
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
  return server;
}
