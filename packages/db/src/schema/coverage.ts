import { date, index, integer, pgTable, primaryKey, serial, text, timestamp } from "drizzle-orm/pg-core";
import { ADJUST_VALUES } from "./bars.ts";
import { instruments } from "./instruments.ts";

/** The columns of a date span of one series (instrument, adjust), fresh builders for each table. */
function seriesSpanColumns() {
  return {
    instrumentId: integer("instrument_id")
      .notNull()
      .references(() => instruments.id, { onDelete: "cascade" }),
    adjust: text("adjust", { enum: ADJUST_VALUES }).notNull(),
    startDate: date("start_date", { mode: "string" }).notNull(),
    endDate: date("end_date", { mode: "string" }).notNull(),
  };
}

/**
 * Date spans already fetched per (instrument, adjust). Every session inside a span is held,
 * whether or not upstream had a bar for it (suspensions, days before listing): `bar_count` 0 is a
 * remembered empty answer, with the time it was fetched.
 */
export const coverageSpans = pgTable(
  "coverage_spans",
  {
    id: serial("id").primaryKey(),
    ...seriesSpanColumns(),
    barCount: integer("bar_count").notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("coverage_spans_lookup_idx").on(t.instrumentId, t.adjust, t.startDate, t.endDate)],
);

/**
 * Spans of sessions for which upstream answered with no bar once, not yet confirmed by a second
 * empty answer from a later request. They are not held: the next request that needs them asks
 * upstream again; a second empty answer turns them into a held span (`coverage_spans`, bar_count 0),
 * a bar deletes them. Served empty meanwhile (`metadata.cache.unconfirmed_empty`).
 */
export const pendingEmptySpans = pgTable(
  "pending_empty_spans",
  {
    id: serial("id").primaryKey(),
    ...seriesSpanColumns(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("pending_empty_spans_lookup_idx").on(t.instrumentId, t.adjust, t.startDate)],
);

/**
 * The exchange-local session day on which each held series (instrument, adjust) was last checked
 * against upstream: adjusted (qfq/hfq) history is rewritten upstream after a dividend, so a held
 * adjusted series is compared with upstream at most once per session day.
 */
export const seriesChecks = pgTable(
  "series_checks",
  {
    instrumentId: integer("instrument_id")
      .notNull()
      .references(() => instruments.id, { onDelete: "cascade" }),
    adjust: text("adjust", { enum: ADJUST_VALUES }).notNull(),
    checkedOn: date("checked_on", { mode: "string" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instrumentId, t.adjust] })],
);
