import { MARKET_IDS } from "@quantdb/core/markets";
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
 * Calendar days added at run time beyond the bundled data: years from Sina's A-share list or an
 * operator's HKEX holiday list, and days learnt from the benchmark index's bars (source
 * `observed:<instrument key>`, e.g. `observed:index:SH:000001`); re-applied at every start, oldest
 * horizon first.
 */
export const calendarExtensions = pgTable(
  "calendar_extensions",
  {
    id: serial("id").primaryKey(),
    /** The market's id (`MARKET_IDS`: CN, HK). */
    calendar: text("calendar", { enum: MARKET_IDS }).notNull(),
    knownThrough: date("known_through", { mode: "string" }).notNull(),
    sessions: jsonb("sessions").$type<StoredSession[]>().notNull(),
    source: text("source").notNull(),
    /**
     * The horizon the extension was built against: it vouches for (starts_after, known_through]. Null on rows stored
     * before this column.
     */
    startsAfter: date("starts_after", { mode: "string" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("calendar_extensions_calendar_known_through_key").on(t.calendar, t.knownThrough)],
);
