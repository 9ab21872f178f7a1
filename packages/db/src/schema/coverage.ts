import { date, index, integer, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import { ADJUST_VALUES } from "./bars.ts";
import { instruments } from "./instruments.ts";

/**
 * Date spans already fetched per (instrument, adjust). Every session inside a span is held,
 * whether or not upstream had a bar for it (suspensions, days before listing): `bar_count` 0 is a
 * remembered empty answer, with the time it was fetched.
 */
export const coverageSpans = pgTable(
  "coverage_spans",
  {
    id: serial("id").primaryKey(),
    instrumentId: integer("instrument_id")
      .notNull()
      .references(() => instruments.id, { onDelete: "cascade" }),
    adjust: text("adjust", { enum: ADJUST_VALUES }).notNull(),
    startDate: date("start_date", { mode: "string" }).notNull(),
    endDate: date("end_date", { mode: "string" }).notNull(),
    barCount: integer("bar_count").notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("coverage_spans_lookup_idx").on(t.instrumentId, t.adjust, t.startDate, t.endDate)],
);
