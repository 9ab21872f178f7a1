import { date, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/** A session as stored in an extension (exchange-local date and HH:MM times). */
export interface StoredSession {
  date: string;
  open: string;
  close: string;
  breakStart: string | null;
  breakEnd: string | null;
  halfDay: boolean;
}

/**
 * Calendar years added at run time beyond the bundled data (from Sina's A-share list or an
 * operator's HKEX holiday list); re-applied at every start.
 */
export const calendarExtensions = pgTable(
  "calendar_extensions",
  {
    id: serial("id").primaryKey(),
    /** CN or HK. */
    calendar: text("calendar", { enum: ["CN", "HK"] }).notNull(),
    knownThrough: date("known_through", { mode: "string" }).notNull(),
    sessions: jsonb("sessions").$type<StoredSession[]>().notNull(),
    source: text("source").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("calendar_extensions_calendar_known_through_key").on(t.calendar, t.knownThrough)],
);
