import type { CalendarExtension, CalendarId } from "@quantdb/core/calendar";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type DatabaseHandle } from "../client.ts";
import { openTestDatabase, testDrivers } from "../testing.ts";
import { createCalendarExtensionStore, deleteCalendarExtensions, watchCalendarExtensions } from "./calendars.ts";

const HOURS = { open: "09:30", close: "16:00", breakStart: "12:00", breakEnd: "13:00", halfDay: false };
const hk: CalendarExtension = {
  id: "HK",
  sessions: [{ date: "2027-01-04", ...HOURS }],
  knownThrough: "2027-01-04",
  source: "test",
  startsAfter: "2026-12-31",
};
const cn: CalendarExtension = {
  id: "CN",
  sessions: [],
  knownThrough: "2027-01-01",
  source: "test",
  startsAfter: "2026-12-31",
};

describe.each(testDrivers())("calendar extension store on %s", (driver) => {
  let handle: DatabaseHandle & { url?: string };
  beforeAll(async () => {
    handle = await openTestDatabase(driver);
  }, 60_000);
  afterAll(async () => handle?.close());
  beforeEach(async () => deleteCalendarExtensions(handle.db));

  it("announces each stored extension to every listener after its commit, a duplicate not again", async () => {
    // PostgreSQL: another process's connection listens; PGlite has one connection
    const listener = driver === "postgres" ? await openDatabase({ url: handle.url!, dataVersionCache: false }) : handle;
    const heard: (CalendarId | undefined)[] = [];
    const unwatch = await watchCalendarExtensions(listener, (calendar) => heard.push(calendar));
    try {
      const store = createCalendarExtensionStore(handle.db);
      await store.saveExtension(hk);
      await vi.waitFor(() => expect(heard).toEqual(["HK"]), { timeout: 10_000, interval: 20 });
      // same calendar and horizon: the first wins, nothing is announced
      await store.saveExtension({ ...hk, source: "again" });
      await store.saveExtension(cn);
      // notifications arrive in commit order: a second HK would come before CN
      await vi.waitFor(() => expect(heard).toEqual(["HK", "CN"]), { timeout: 10_000, interval: 20 });
      expect((await store.loadExtensions()).map((e) => [e.id, e.source])).toEqual([
        ["CN", "test"],
        ["HK", "test"],
      ]);
    } finally {
      await unwatch();
      if (listener !== handle) await listener.close();
    }
  });
});
