/**
 * The system a command works on, opened from the same environment variables as the API
 * (`DATABASE_URL`, `QUANTDB_DATA_DIR`, upstream URLs, `QUANTDB_UPSTREAM=replay`, `QUANTDB_NOW`) and
 * wired by the API's own `createSystem`, so a command and the API answer exactly alike.
 */
import { loadEnv, type Env } from "@quantdb/server/env";
import type { createSystem, upstreamUrlsFromEnv } from "@quantdb/server";
import { ManualClock, systemClock, type Clock } from "@quantdb/core/clock";
import { DataDirectoryInUseError, openDatabase, type DatabaseHandle } from "@quantdb/db";
import { CliError } from "./output.ts";
import { inUseRefusal, runningServerOf, WHILE_A_SERVER_RUNS, type RunningServer } from "./remote.ts";

/** An open system and how to close it. */
export interface CliSystem {
  env: Env;
  database: DatabaseHandle;
  clock: Clock;
  services: Awaited<ReturnType<typeof createSystem>>["services"];
  /**
   * The API's HTTP app over these services (open: no auth, no rate limit), for a command that answers exactly as
   * an endpoint does (`app.request(path, init)`, no socket).
   */
  app: Awaited<ReturnType<typeof createSystem>>["app"];
  /** Base URLs of the upstreams in use. */
  urls: ReturnType<typeof upstreamUrlsFromEnv>;
  close(): Promise<void>;
}

/** The configured clock: frozen at QUANTDB_NOW when set, else the system clock. */
export function clockFromEnv(env: Env): Clock {
  return env.QUANTDB_NOW ? new ManualClock(env.QUANTDB_NOW) : systemClock;
}

/**
 * How a command opens the database: what it is (for the data directory's lock) and what to suggest when another process
 * holds it.
 */
export interface OpenAs {
  /** The command, recorded in the lock ("quantdb keys"). */
  owner: string;
  /** What to do while another process holds the data directory. @default WHILE_A_SERVER_RUNS */
  whatToDo?: string;
}

/**
 * Open the database only (migrations are applied on open).
 * @throws {CliError} when another process holds the embedded data directory (its pid and what to do).
 */
export async function openConfiguredDatabase(
  env: Env = loadEnv(),
  as: OpenAs = { owner: "quantdb" },
): Promise<DatabaseHandle> {
  try {
    return await openDatabase({
      url: env.DATABASE_URL,
      dataDir: env.QUANTDB_DATA_DIR,
      owner: as.owner,
    });
  } catch (error) {
    if (error instanceof DataDirectoryInUseError) throw inUseRefusal(error, as.whatToDo ?? WHILE_A_SERVER_RUNS);
    throw error;
  }
}

/**
 * Open the database, or — when a running QuantDB server holds the embedded data directory — name
 * that server, for a command that can work through its API.
 * @throws {CliError} when another process that is not a reachable server holds the data directory.
 */
export async function openDatabaseOrServer(
  env: Env,
  owner: string,
): Promise<{ database: DatabaseHandle; server?: undefined } | { server: RunningServer; database?: undefined }> {
  try {
    return {
      database: await openDatabase({
        url: env.DATABASE_URL,
        dataDir: env.QUANTDB_DATA_DIR,
        owner,
      }),
    };
  } catch (error) {
    const server = runningServerOf(error);
    if (server) return { server };
    if (error instanceof DataDirectoryInUseError) throw inUseRefusal(error, "wait until it has finished, or stop it");
    throw error;
  }
}

/**
 * Load `@quantdb/replay` (the recorded-data upstream). It is a private workspace package that reads
 * its data files from the repository, so it is not part of the published CLI.
 * @throws {CliError} when it cannot be loaded (an npm install of `@quantdb/cli`).
 */
export async function loadReplay(): Promise<typeof import("@quantdb/replay")> {
  try {
    return await import("@quantdb/replay");
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message?.includes("@quantdb/replay")) {
      throw new CliError(
        "replay mode needs the QuantDB workspace (QUANTDB_UPSTREAM=replay works only from a checkout: pnpm " +
          "quantdb ...); unset QUANTDB_UPSTREAM to use the live upstreams",
      );
    }
    throw error;
  }
}

/** Open the database and wire the services (no HTTP listener, no scheduler). */
export async function openSystem(env: Env = loadEnv(), as: OpenAs = { owner: "quantdb" }): Promise<CliSystem> {
  return systemOn(env, await openConfiguredDatabase(env, as));
}

/**
 * Wire the services over an open database (closed with the system, or here on failure).
 * @param options - `movingQuotes`: in replay mode, quotes that move (recorded bars replayed in a loop), as
 * `quantdb serve` has them, for live quotes.
 */
export async function systemOn(
  env: Env,
  database: DatabaseHandle,
  options: { movingQuotes?: boolean } = {},
): Promise<CliSystem> {
  // the API's wiring is loaded only by commands that need it (keys and status start faster)
  const { createSystem, replayUrls, upstreamPolicyFromEnv, upstreamUrlsFromEnv } = await import(
    "@quantdb/server"
  ).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  let urls = upstreamUrlsFromEnv(env);
  let closeReplay: (() => Promise<void>) | undefined;
  let closeSystem: (() => Promise<void>) | undefined;
  try {
    if (env.QUANTDB_UPSTREAM === "replay") {
      const { startReplay } = await loadReplay();
      const replay = await startReplay({ port: env.QUANTDB_REPLAY_PORT, movingQuotes: options.movingQuotes ?? false });
      const replayed = replayUrls(replay);
      // QUANTDB_CCXT_<EXCHANGE>_URL wins over the replay's stand-in, as for the server (serve.ts).
      urls = { ...replayed, ccxt: { ...replayed.ccxt, ...urls.ccxt } };
      closeReplay = () => replay.close();
    }
    const clock = clockFromEnv(env);
    const system = await createSystem({
      database,
      clock,
      // QUANTDB_NOW freezes the day, not the upstream breakers' cool-downs or the rate budget
      upstreamClock: systemClock,
      urls,
      // As the server: the replay records binance alone, so replay mode serves binance unless configured.
      cryptoExchanges: env.QUANTDB_CRYPTO_EXCHANGES ?? (env.QUANTDB_UPSTREAM === "replay" ? ["binance"] : undefined),
      timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS,
      realtimeTtlSeconds: env.QUANTDB_REALTIME_TTL_SECONDS,
      stream: { intervalMs: env.QUANTDB_STREAM_INTERVAL_MS, stallMs: env.QUANTDB_STREAM_STALL_MS },
      onSkippedExtension: (message) => console.warn(`[quantdb] ${message}`),
      // the same upstream politeness as the server (rate budget shared with it on PostgreSQL)
      upstreamPolicy: upstreamPolicyFromEnv(env),
      coordinationUrl: env.DATABASE_URL,
    });
    closeSystem = system.close;
    const { services, app } = system;
    return {
      env,
      database,
      clock,
      services,
      app,
      urls,
      async close() {
        await closeSystem?.();
        await closeReplay?.();
        await database.close();
      },
    };
  } catch (error) {
    await closeSystem?.();
    await closeReplay?.();
    await database.close();
    throw error;
  }
}
