/**
 * Stored calendar extensions: the `CalendarExtensionStore` port of `@quantdb/core/calendar`.
 */
import type { CalendarExtension, CalendarExtensionStore } from "@quantdb/core/calendar";
import { and, asc, eq, gt } from "drizzle-orm";
import type { Database } from "../client.ts";
import { calendarExtensions } from "../schema/index.ts";

/** The calendar-extension store over a database. Saving the same (calendar, horizon) twice keeps the first (replicas that observed the same day race harmlessly). */
export function createCalendarExtensionStore(db: Database): CalendarExtensionStore {
  return {
    async saveExtension(extension: CalendarExtension) {
      await db
        .insert(calendarExtensions)
        .values({
          calendar: extension.id,
          knownThrough: extension.knownThrough,
          sessions: [...extension.sessions],
          source: extension.source,
          startsAfter: extension.startsAfter ?? null,
        })
        .onConflictDoNothing();
    },
    async loadExtensions(filter) {
      const where = filter ? and(eq(calendarExtensions.calendar, filter.calendar), gt(calendarExtensions.knownThrough, filter.after)) : undefined;
      const rows = await db.select().from(calendarExtensions).where(where).orderBy(asc(calendarExtensions.knownThrough), asc(calendarExtensions.id));
      return rows.map((row) => ({
        id: row.calendar,
        knownThrough: row.knownThrough,
        sessions: row.sessions,
        source: row.source,
        ...(row.startsAfter !== null ? { startsAfter: row.startsAfter } : {}),
      }));
    },
  };
}

/** Delete every stored calendar extension (tests). */
export async function deleteCalendarExtensions(db: Database): Promise<void> {
  await db.delete(calendarExtensions);
}
