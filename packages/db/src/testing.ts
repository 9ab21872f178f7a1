/**
 * Test support: fresh, migrated databases on every driver the tests must pass on.
 * PGlite always; PostgreSQL when DATABASE_URL is set (CI always sets it, and sets
 * QUANTDB_TEST_REQUIRE_POSTGRES=1 so a missing server fails instead of quietly shrinking the suite).
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from "./client.ts";

/** A driver a test suite runs against. */
export type TestDriver = "pglite" | "postgres";

/** The drivers available to this test run. */
export function testDrivers(env: NodeJS.ProcessEnv = process.env): TestDriver[] {
  if (env.DATABASE_URL) return ["pglite", "postgres"];
  if (env.QUANTDB_TEST_REQUIRE_POSTGRES === "1") {
    throw new Error("QUANTDB_TEST_REQUIRE_POSTGRES=1 but DATABASE_URL is not set");
  }
  return ["pglite"];
}

/**
 * Open a fresh, migrated, empty database: in-memory PGlite, or a new PostgreSQL database created
 * next to the one DATABASE_URL names (dropped again on close), so parallel test files never share rows.
 * On PostgreSQL `url` is the new database's URL (for a second connection to it).
 */
export async function openTestDatabase(
  driver: TestDriver,
  env: NodeJS.ProcessEnv = process.env,
  options: Pick<OpenDatabaseOptions, "dataVersionCache"> = {},
): Promise<DatabaseHandle & { url?: string }> {
  if (driver === "pglite") return openDatabase({ dataDir: null, ...options });
  const baseUrl = env.DATABASE_URL;
  if (!baseUrl) throw new Error("DATABASE_URL is not set");
  const name = `quantdb_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), ...options });
  return {
    ...handle,
    url: url.toString(),
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** A fault a storage test turns on and off. */
export interface StorageFault {
  on(): Promise<void>;
  off(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The PostgreSQL storage fault for a test database from openTestDatabase (its `url`): the database
 * refuses writes (`default_transaction_read_only`) while on. A setting of the database applies to new
 * sessions, so each switch ends the open ones and the pool reconnects.
 */
export function readOnlyFault(url: string, env: NodeJS.ProcessEnv = process.env): StorageFault {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  const name = new URL(url).pathname.slice(1);
  // Connections reopen with the new default. LISTEN connections are left alone: they never write, and
  // postgres.js reports a terminated listener's reconnection failure as an unhandled error.
  const reconnect = () =>
    admin.unsafe(
      "select pg_terminate_backend(pid) from pg_stat_activity" +
        ` where datname = '${name}' and pid <> pg_backend_pid() and query not ilike 'listen %'`,
    );
  return {
    async on() {
      await admin.unsafe(`alter database ${name} set default_transaction_read_only = on`);
      await reconnect();
    },
    async off() {
      await admin.unsafe(`alter database ${name} reset default_transaction_read_only`);
      await reconnect();
    },
    async cleanup() {
      await admin.end();
    },
  };
}
