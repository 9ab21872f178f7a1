/**
 * `@quantdb/embedded`: QuantDB with no server. The same client interface as `createClient`,
 * answered in-process by QuantDB's own core and storage on an embedded PostgreSQL (PGlite) in a
 * data directory, calling the real upstream sites for what it does not hold yet: a local,
 * persistent, incremental cache. Node.js only.
 *
 * @example
 * import { createEmbedded } from "@quantdb/embedded";
 * const quantdb = await createEmbedded();              // ~/.cache/quantdb on Linux
 * const bars = await quantdb.getHistory("600519", { days: 30 });
 * await quantdb.close();
 */
import { mkdirSync } from "node:fs";
import { createSystem, upstreamPolicyFromEnv, upstreamUrlsFromEnv } from "@quantdb/server";
import { systemClock } from "@quantdb/core/clock";
import { DataDirectoryInUseError, describeHolder, openDatabase } from "@quantdb/db";
import envPaths from "env-paths";
import { createClient, type CryptoExchange, type QuantDbClient } from "@quantdb/sdk";
import { dataDirFromEnv, embeddedEnv } from "./env.ts";

/** Base URLs of the upstream sites (defaults: the real hosts, or the environment's `QUANTDB_*_URL`). */
export interface EmbeddedUpstreamUrls {
  /** Eastmoney push2his, daily klines (`QUANTDB_EASTMONEY_HISTORY_URL`). */
  eastmoneyHistory: string;
  /** Eastmoney push2, realtime quotes and company info (`QUANTDB_EASTMONEY_QUOTE_URL`). */
  eastmoneyQuote: string;
  /** Eastmoney push2, stock lists (`QUANTDB_EASTMONEY_LIST_URL`). */
  eastmoneyList: string;
  /** Eastmoney datacenter, financial reports (`QUANTDB_EASTMONEY_DATACENTER_URL`). */
  eastmoneyDatacenter: string;
  /** Sina's A-share trading-date list (`QUANTDB_SINA_CALENDAR_URL`). */
  sinaCalendar: string;
  /**
   * Per crypto exchange, a base URL replacing every REST host ccxt would call (`QUANTDB_CCXT_<EXCHANGE>_URL`, e.g.
   * `{ binance: replayUrl }`); merged over the environment's. Exchanges not named are called on their real hosts.
   */
  ccxt: Partial<Record<CryptoExchange, string>>;
}

/** A source of the current instant (tests inject one). */
export interface EmbeddedClock {
  now(): Date;
}

/** Options of {@link createEmbedded}; each overrides the matching environment variable. */
export interface EmbeddedOptions {
  /**
   * Directory of the embedded database (created if missing).
   * @default QUANTDB_DATA_DIR, else the per-user cache directory (`~/.cache/quantdb` on Linux,
   *   `~/Library/Caches/quantdb` on macOS, `%LOCALAPPDATA%\quantdb\Cache` on Windows)
   */
  dataDir?: string;
  /** Upstream base URLs (e.g. a replay server); default from the environment, else the real sites. */
  upstream?: Partial<EmbeddedUpstreamUrls>;
  /** Per-call upstream timeout, ms. @default QUANTDB_UPSTREAM_TIMEOUT_MS, else 8000 */
  upstreamTimeoutMs?: number;
  /** Where "now" comes from (tests). @default the system clock */
  clock?: EmbeddedClock;
}

/** The embedded client: the remote client's interface plus the data directory and `close()`. */
export interface EmbeddedClient extends QuantDbClient {
  /** Absolute path of the data directory in use. */
  readonly dataDir: string;
  /** Close the database and release the data directory's lock. */
  close(): Promise<void>;
}

/** The per-user cache directory QuantDB uses when none is given. */
export function defaultDataDir(): string {
  return envPaths("quantdb", { suffix: "" }).cache;
}

/**
 * Open QuantDB in this process.
 * @throws {Error} when another process holds the data directory ("in use by another process: QuantDB
 *   process <pid> (…)"): one process per directory at a time — this one, a QuantDB server, the CLI —
 *   so the database is never opened twice (the lock is `openDatabase`'s, see @quantdb/db).
 */
export async function createEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedClient> {
  const env = embeddedEnv();
  const dataDir = options.dataDir ?? dataDirFromEnv() ?? defaultDataDir();
  mkdirSync(dataDir, { recursive: true });
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({ dataDir, owner: "SDK embedded" });
  } catch (error) {
    if (error instanceof DataDirectoryInUseError) {
      throw new Error(
        `QuantDB data directory ${dataDir} is in use by another process: ${describeHolder(error.holder)}; ` +
          "close it there first or choose another dataDir",
        { cause: error },
      );
    }
    throw error;
  }
  try {
    const fromEnv = upstreamUrlsFromEnv(env);
    const { app, close: closeSystem } = await createSystem({
      database,
      clock: options.clock ?? systemClock,
      // An injected clock says what day it is; breakers and the rate budget keep real time.
      upstreamClock: systemClock,
      urls: { ...fromEnv, ...options.upstream, ccxt: { ...fromEnv.ccxt, ...options.upstream?.ccxt } },
      // QUANTDB_CRYPTO_EXCHANGES, else every exchange QuantDB supports (ccxt is loaded on the first crypto call).
      cryptoExchanges: env.QUANTDB_CRYPTO_EXCHANGES,
      timeoutMs: options.upstreamTimeoutMs ?? env.QUANTDB_UPSTREAM_TIMEOUT_MS,
      realtimeTtlSeconds: env.QUANTDB_REALTIME_TTL_SECONDS,
      // The same politeness as the server (concurrency cap, rate budget, retries, breaker): an
      // embedded client calls the real sites directly and would otherwise risk an IP ban.
      upstreamPolicy: upstreamPolicyFromEnv(env),
    });
    const client = createClient({
      baseUrl: "http://quantdb.embedded",
      // In-process: the request goes straight to QuantDB's HTTP app, no socket.
      fetch: (input, init) => app.fetch(new Request(input, init)),
      retries: 0,
    });
    let closed = false;
    return Object.assign(client, {
      dataDir,
      async close() {
        if (closed) return;
        closed = true;
        await closeSystem(); // its subscription to other processes' calendar extensions first
        await database.close();
      },
    });
  } catch (error) {
    await database.close();
    throw error;
  }
}
