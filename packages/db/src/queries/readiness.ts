/**
 * Readiness: the database answers, would accept writes, its storage works (PGlite on a data
 * directory), and every committed migration is applied.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { migrationsFolder, type Database } from "../client.ts";
import type { StorageHealth } from "../storage.ts";

/** What `GET /ready` reports about the database. */
export interface DatabaseReadiness {
  /**
   * The database answered, would accept writes (not read-only, not a standby) and, for PGlite on a data directory, its
   * storage works.
   */
  reachable: boolean;
  /** Migrations in the committed journal (null when the journal cannot be read, e.g. from a bundle without it). */
  expected: number | null;
  /** Migrations recorded as applied (drizzle's `__drizzle_migrations`). */
  applied: number;
  /** Tags of committed migrations not applied yet. */
  pending: string[];
  /**
   * Why the database is not usable, if it is not, in one line (no internals: the error's first line or the storage
   * cause).
   */
  error: string | null;
}

interface JournalEntry {
  tag: string;
  when: number;
}

/** The committed journal's entries (tag and creation time, which drizzle records as `created_at`). */
function journal(folder: string): JournalEntry[] {
  const parsed = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: JournalEntry[] };
  return parsed.entries;
}

/**
 * Check the database: reachable, and the applied migrations match the committed journal (every
 * journal entry's timestamp is recorded as applied).
 * @param folder the migrations folder the database was opened with (default: this package's)
 */
export async function checkReadiness(
  db: Database,
  folder: string = migrationsFolder(),
  storageHealth?: () => Promise<StorageHealth>,
): Promise<DatabaseReadiness> {
  let entries: JournalEntry[] | null;
  try {
    entries = journal(folder);
  } catch {
    entries = null;
  }
  const unusable = (error: string) => ({
    reachable: false,
    expected: entries?.length ?? null,
    applied: 0,
    pending: entries?.map((e) => e.tag) ?? [],
    error,
  });
  // PGlite on a data directory: the directory must be writable and no write failure left unrecovered.
  const storage = await storageHealth?.();
  if (storage && !storage.ok) return unusable(storage.error ?? "the storage failed");
  let writable: { read_only: string; recovery: boolean } | undefined;
  try {
    // One round trip: answers at all, and would accept writes (not a read-only session or a standby).
    const result = await db.execute(
      sql`select current_setting('transaction_read_only') as read_only, pg_is_in_recovery() as recovery`,
    );
    writable = (
      (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        read_only: string;
        recovery: boolean;
      }[]
    )[0];
  } catch (error) {
    return unusable(error instanceof Error ? error.message.split("\n", 1)[0]! : String(error));
  }
  if (writable?.read_only === "on" || writable?.recovery === true) {
    return unusable(
      writable.recovery
        ? "the database is a standby in recovery: it accepts no writes"
        : "the database accepts no writes (transaction_read_only is on)",
    );
  }
  let applied: number[] = [];
  try {
    const result = await db.execute(sql`select created_at from drizzle.__drizzle_migrations`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
      created_at: string | number;
    }[];
    applied = rows.map((row) => Number(row.created_at));
  } catch {
    applied = []; // no migrations table: nothing applied
  }
  const done = new Set(applied);
  const pending = (entries ?? []).filter((entry) => !done.has(entry.when)).map((entry) => entry.tag);
  return { reachable: true, expected: entries?.length ?? null, applied: applied.length, pending, error: null };
}
