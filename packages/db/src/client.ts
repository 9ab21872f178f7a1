/**
 * Opening the database: embedded PGlite (a file-backed PostgreSQL in WASM) by default, or a
 * PostgreSQL 15+ server when a URL is given. Migrations are applied on open.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { DataDirectoryInUseError, lockDataDir, type DataDirLock } from "./data-dir-lock.ts";
import {
  watchDataVersions,
  type DATA_VERSIONS,
  type DataVersionCache,
  type DataVersionCacheOptions,
} from "./data-versions.ts";
import * as schema from "./schema/index.ts";
import { probeWritable, RecoverablePglite, StorageError, type StorageHealth } from "./storage.ts";

/**
 * A drizzle database over either driver; one opened by {@link openDatabase} carries its data
 * version cache (see data-versions.ts).
 */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema> & { [DATA_VERSIONS]?: DataVersionCache };

/** An open database and how to close it. */
export interface DatabaseHandle {
  db: Database;
  /** "pglite" (embedded) or "postgres" (server). */
  driver: "pglite" | "postgres";
  /** Where the data lives: a data directory, "memory", or the server URL without its password. */
  location: string;
  /**
   * Subscribe to `NOTIFY` on `channel`: `onNotify(payload)` runs for each notification, after the
   * sender's commit; `onListen` each time the subscription is (re)established — notifications sent
   * while it was down are lost. Resolves once listening, with the unsubscribe.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  /**
   * This database's data versions kept in memory (see data-versions.ts); absent when opened with
   * `dataVersionCache: false`. Owned by this handle: closing it stops the cache.
   */
  dataVersions?: DataVersionCache;
  /**
   * The exclusive lock of the embedded data directory (PGlite on disk only; see data-dir-lock.ts),
   * released by `close()`. A server announces its URL and local admin token through it.
   */
  dataDirLock?: DataDirLock;
  /**
   * PGlite on a data directory only: whether its storage works (the directory writable, no write
   * failure left unrecovered; recovers first when it can, see storage.ts). Used by `/ready`.
   */
  storageHealth?(): Promise<StorageHealth>;
  close(): Promise<void>;
}

/** Where to open the database. */
export interface OpenDatabaseOptions {
  /** PostgreSQL URL (`postgres://user@host:port/db`); when set, PGlite is not used. */
  url?: string | undefined;
  /**
   * Directory for the embedded database (created if missing); `null` for an in-memory one.
   * @default "./.quantdb"
   */
  dataDir?: string | null | undefined;
  /**
   * What this process is, recorded in the data directory's lock for the messages other openers
   * get ("server", "quantdb backfill", "SDK embedded"). PGlite on disk only.
   * @default "process"
   */
  owner?: string | undefined;
  /**
   * Where the committed migrations are; default: the `migrations` folder of this package. A
   * bundle that ships them elsewhere (the SDK's embedded mode) passes its own.
   */
  migrationsFolder?: string | undefined;
  /**
   * Keep instruments' data versions in memory, kept exact by `NOTIFY` (see data-versions.ts), so
   * a reused answer needs no database round trip; `false` reads the version on every call.
   * @default {} (on, versions trusted without a notification for at most 1 s)
   */
  dataVersionCache?: DataVersionCacheOptions | false;
  /**
   * PGlite only: shared_buffers in MB. PostgreSQL's default (128 MB) lives inside PGlite's WASM
   * memory and is resident from start-up; pages it does not hold are read from the data
   * directory through the operating system's file cache.
   * @default 32
   */
  pgliteSharedBuffersMb?: number;
}

/** The committed migrations folder, found through the package itself so it also resolves from bundles. */
export function migrationsFolder(): string {
  // A bundle that includes this module (the published CLI, @quantdb/embedded) ships the
  // migrations next to itself, where @quantdb/db/package.json cannot be resolved.
  const beside = fileURLToPath(new URL("./migrations/", import.meta.url));
  if (existsSync(join(beside, "meta", "_journal.json"))) return beside;
  const packageJson = createRequire(import.meta.url).resolve("@quantdb/db/package.json");
  return join(dirname(packageJson), "migrations");
}

/** Advisory-lock key serialising migrations across processes (an arbitrary constant: "qdbmigr" in hex-ish). */
const MIGRATION_LOCK_KEY = 0x7164626d6967;

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "postgres";
  }
}

/**
 * Open (and migrate) the database. An embedded data directory is locked first, for as long as the
 * handle is open: one process per directory (PostgreSQL servers take any number of processes).
 * @example const { db, close } = await openDatabase({ url: process.env.DATABASE_URL, dataDir: "./.quantdb" });
 * @throws {DataDirectoryInUseError} when another live process holds the data directory (nothing is written).
 * @throws when the server cannot be reached or a migration fails.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  const folder = options.migrationsFolder ?? migrationsFolder();
  if (options.url) {
    const client = postgres(options.url, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres({ client, schema });
    try {
      // Replicas starting together would race on the migrations table: one migrates at a time,
      // the others wait on a session advisory lock and then find nothing left to apply.
      const lockConnection = await client.reserve();
      try {
        await lockConnection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(db, { migrationsFolder: folder });
      } finally {
        await lockConnection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
        lockConnection.release();
      }
    } catch (error) {
      await client.end({ timeout: 1 });
      throw error;
    }
    const listen: DatabaseHandle["listen"] = async (channel, onNotify, onListen) => {
      const { unlisten } = await client.listen(channel, onNotify, onListen);
      return unlisten;
    };
    return withVersionWatch(
      {
        db: db as unknown as Database,
        driver: "postgres",
        location: redact(options.url),
        listen,
        close: () => client.end({ timeout: 5 }),
      },
      options,
    );
  }
  const dataDir = options.dataDir === undefined ? "./.quantdb" : options.dataDir;
  let location = "memory";
  let client: PGlite;
  let storage: RecoverablePglite | undefined;
  const pgliteOptions = {
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.pgliteSharedBuffersMb ?? 32}MB`],
  };
  let lock: DataDirLock | undefined;
  if (dataDir === null) {
    client = await PGlite.create(pgliteOptions);
  } else {
    location = resolve(dataDir, "pglite");
    // Before anything touches the directory: a second opener fails here, having written nothing. A
    // directory that cannot hold the lock either (read-only, a file in the way, disk full) is named
    // in one line, as the database itself would be.
    lock = await lockDataDir(dataDir, options.owner ?? "process").catch((error: unknown) => {
      if (error instanceof DataDirectoryInUseError) throw error;
      const cause = probeWritable(location);
      throw cause ? new StorageError(location, cause) : error;
    });
    try {
      // Checks the directory first (StorageError naming the cause in one line) and reopens after a write failure.
      storage = await RecoverablePglite.open(location, pgliteOptions);
      client = storage.client;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  const closeClient = async () => {
    try {
      await client.close();
    } finally {
      await lock?.release();
    }
  };
  const db = drizzlePglite({ client, schema });
  try {
    await migratePglite(db, { migrationsFolder: folder });
  } catch (error) {
    await closeClient().catch(() => {});
    const cause = storage ? probeWritable(location) : null;
    throw cause ? new StorageError(location, cause) : error;
  }
  const listen: DatabaseHandle["listen"] = async (channel, onNotify, onListen) => {
    const unlisten = await client.listen(channel, onNotify);
    onListen?.(); // one in-process connection: it cannot drop while the database is open
    return () => unlisten();
  };
  return withVersionWatch(
    {
      db: db as unknown as Database,
      driver: "pglite",
      location,
      listen,
      ...(lock ? { dataDirLock: lock } : {}),
      ...(storage ? { storageHealth: storage.health.bind(storage) } : {}),
      close: closeClient,
    },
    options,
  );
}

/** Start watching data versions on an opened handle (unless turned off); closing stops it first. */
async function withVersionWatch(handle: DatabaseHandle, options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.dataVersionCache === false) return handle;
  let watch: Awaited<ReturnType<typeof watchDataVersions>>;
  try {
    watch = await watchDataVersions(handle.db, handle.listen, options.dataVersionCache ?? {});
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  const { cache, unwatch } = watch;
  return {
    ...handle,
    dataVersions: cache,
    close: async () => {
      await unwatch().catch(() => {});
      await handle.close();
    },
  };
}
