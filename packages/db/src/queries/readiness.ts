/**
 * Readiness: the database answers a trivial query and every committed migration is applied.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { migrationsFolder, type Database } from "../client.ts";

/** What `GET /ready` reports about the database. */
export interface DatabaseReadiness {
  /** The database answered `select 1`. */
  reachable: boolean;
  /** Migrations in the committed journal (null when the journal cannot be read, e.g. from a bundle without it). */
  expected: number | null;
  /** Migrations recorded as applied (drizzle's `__drizzle_migrations`). */
  applied: number;
  /** Tags of committed migrations not applied yet. */
  pending: string[];
  /** Why the database is not reachable, if it is not (no internals: the error's message only). */
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
export async function checkReadiness(db: Database, folder: string = migrationsFolder()): Promise<DatabaseReadiness> {
  let entries: JournalEntry[] | null;
  try {
    entries = journal(folder);
  } catch {
    entries = null;
  }
  try {
    await db.execute(sql`select 1`);
  } catch (error) {
    return { reachable: false, expected: entries?.length ?? null, applied: 0, pending: entries?.map((e) => e.tag) ?? [], error: error instanceof Error ? error.message : String(error) };
  }
  let applied: number[] = [];
  try {
    const result = await db.execute(sql`select created_at from drizzle.__drizzle_migrations`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { created_at: string | number }[];
    applied = rows.map((row) => Number(row.created_at));
  } catch {
    applied = []; // no migrations table: nothing applied
  }
  const done = new Set(applied);
  const pending = (entries ?? []).filter((entry) => !done.has(entry.when)).map((entry) => entry.tag);
  return { reachable: true, expected: entries?.length ?? null, applied: applied.length, pending, error: null };
}
