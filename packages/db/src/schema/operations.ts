import { date, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/** Scopes an API key can carry: `read` (data endpoints) or `admin` (also cache clear/refresh, key management). */
export const API_KEY_SCOPES = ["read", "admin"] as const;

/**
 * API keys. The key itself is never stored: only its SHA-256 hash (hex) and a short public
 * prefix that operators see in listings. A revoked key keeps its row (with `revoked_at`).
 */
export const apiKeys = pgTable("api_keys", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  /** First characters of the key (e.g. `qdb_3fA9x`), shown in listings; not secret. */
  prefix: text("prefix").notNull(),
  /** SHA-256 of the whole key, hex. */
  hash: text("hash").notNull().unique(),
  scope: text("scope", { enum: API_KEY_SCOPES }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
});

/** Outcome of a job run. */
export const JOB_RUN_STATUSES = ["running", "succeeded", "failed"] as const;

/**
 * A record of each scheduled or operator-started job run (e.g. the daily ingest after a
 * session's close): one row per (job, scope, session date), so several replicas agree that a
 * day's run exists. `errors` is a JSON array of `{ symbol?, code, message }`.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: serial("id").primaryKey(),
    /** Job name, e.g. `daily-ingest`. */
    job: text("job").notNull(),
    /** What the run covers, e.g. an exchange calendar id (`CN`, `HK`). */
    scope: text("scope").notNull(),
    /** Exchange-local trading day the run brings data up to. */
    sessionDate: date("session_date", { mode: "string" }).notNull(),
    status: text("status", { enum: JOB_RUN_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(1),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    instrumentsUpdated: integer("instruments_updated").notNull().default(0),
    upstreamCalls: integer("upstream_calls").notNull().default(0),
    errors: jsonb("errors").$type<Array<{ symbol?: string; code: string; message: string }>>().notNull().default([]),
  },
  (t) => [uniqueIndex("job_runs_job_scope_session_idx").on(t.job, t.scope, t.sessionDate)],
);
