/**
 * Opening the database: embedded PGlite (a file-backed PostgreSQL in WASM) by default, or a
 * PostgreSQL 15+ server when a URL is given. Migrations are applied on open.
 */
import { existsSync, mkdirSync } from "node:fs";
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
import * as schema from "./schema/index.ts";

/** A drizzle database over either driver. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database and how to close it. */
export interface DatabaseHandle {
  db: Database;
  /** "pglite" (embedded) or "postgres" (server). */
  driver: "pglite" | "postgres";
  /** Where the data lives: a data directory, "memory", or the server URL without its password. */
  location: string;
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
   * Where the committed migrations are; default: the `migrations` folder of this package. A
   * bundle that ships them elsewhere (the SDK's embedded mode) passes its own.
   */
  migrationsFolder?: string | undefined;
}

/** The committed migrations folder, found through the package itself so it also resolves from bundles. */
export function migrationsFolder(): string {
  // A bundle that includes this module (the published CLI, the SDK's embedded mode) ships the
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
 * Open (and migrate) the database.
 * @example const { db, close } = await openDatabase({ url: process.env.DATABASE_URL, dataDir: "./.quantdb" });
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
    return { db: db as unknown as Database, driver: "postgres", location: redact(options.url), close: () => client.end({ timeout: 5 }) };
  }
  const dataDir = options.dataDir === undefined ? "./.quantdb" : options.dataDir;
  let location = "memory";
  let client: PGlite;
  if (dataDir === null) {
    client = await PGlite.create();
  } else {
    location = resolve(dataDir, "pglite");
    mkdirSync(location, { recursive: true });
    client = await PGlite.create(location);
  }
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder: folder });
  return { db: db as unknown as Database, driver: "pglite", location, close: () => client.close() };
}
