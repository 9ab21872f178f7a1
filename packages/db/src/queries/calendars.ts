/**
 * Stored calendar extensions: the `CalendarExtensionStore` port of `@quantdb/core/calendar`.
 *
 * Storing an extension also sends `NOTIFY quantdb_calendar_extensions` (payload: the calendar id)
 * in the same transaction, so every process on the database (other API replicas, a CLI) hears of
 * it after the commit and applies it without a restart ({@link watchCalendarExtensions}; the same
 * LISTEN/NOTIFY path the data versions use).
 */
import type { CalendarExtension, CalendarExtensionStore, CalendarId } from "@quantdb/core/calendar";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Database, DatabaseHandle } from "../client.ts";
import { calendarExtensions } from "../schema/index.ts";

/** The NOTIFY channel a stored calendar extension is announced on; the payload is the calendar id. */
export const CALENDAR_EXTENSIONS_CHANNEL = "quantdb_calendar_extensions";

/**
 * The calendar-extension store over a database. Saving the same (calendar, horizon) twice keeps the
 * first (replicas that observed the same day race harmlessly) and announces only the first.
 */
export function createCalendarExtensionStore(db: Database): CalendarExtensionStore {
  return {
    async saveExtension(extension: CalendarExtension) {
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(calendarExtensions)
          .values({
            calendar: extension.id,
            knownThrough: extension.knownThrough,
            sessions: [...extension.sessions],
            source: extension.source,
            startsAfter: extension.startsAfter ?? null,
          })
          .onConflictDoNothing()
          .returning({ id: calendarExtensions.id });
        // Delivered at commit, to this process too (where applying it again changes nothing).
        if (inserted.length > 0) {
          await tx.execute(sql`select pg_notify(${CALENDAR_EXTENSIONS_CHANNEL}, ${extension.id})`);
        }
      });
    },
    async loadExtensions(filter) {
      const where = filter
        ? and(eq(calendarExtensions.calendar, filter.calendar), gt(calendarExtensions.knownThrough, filter.after))
        : undefined;
      const rows = await db
        .select()
        .from(calendarExtensions)
        .where(where)
        .orderBy(asc(calendarExtensions.knownThrough), asc(calendarExtensions.id));
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

/**
 * Listen for calendar extensions stored by any process on `database`: `onChange(id)` for each, after
 * its commit; `onChange(undefined)` each time the subscription is re-established, since
 * announcements sent while it was down are lost (reload every calendar then). Subscribe before
 * loading the stored extensions at start-up, so none stored in between is missed. Resolves once
 * listening, with the unsubscribe.
 */
export function watchCalendarExtensions(
  database: Pick<DatabaseHandle, "listen">,
  onChange: (calendar: CalendarId | undefined) => void,
): Promise<() => Promise<void>> {
  let listening = false;
  return database.listen(
    CALENDAR_EXTENSIONS_CHANNEL,
    (payload) => onChange(payload === "CN" || payload === "HK" ? payload : undefined),
    () => {
      // The caller loads everything after the first subscription; a re-subscription may have missed some.
      if (listening) onChange(undefined);
      listening = true;
    },
  );
}

/** Delete every stored calendar extension (tests). */
export async function deleteCalendarExtensions(db: Database): Promise<void> {
  await db.delete(calendarExtensions);
}
