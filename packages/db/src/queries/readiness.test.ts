import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder, openDatabase, type DatabaseHandle } from "../client.ts";
import { checkReadiness } from "./readiness.ts";

describe("checkReadiness", () => {
  let handle: DatabaseHandle;
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string; when: number }[];
  };
  beforeAll(async () => {
    handle = await openDatabase({ dataDir: null });
  }, 60_000);
  afterAll(async () => handle?.close());

  it("is ready when every committed migration is applied", async () => {
    expect(await checkReadiness(handle.db)).toEqual({
      reachable: true,
      expected: journal.entries.length,
      applied: journal.entries.length,
      pending: [],
      error: null,
    });
  });

  it("lists a committed migration that is not applied", async () => {
    const folder = mkdtempSync(join(tmpdir(), "quantdb-journal-"));
    try {
      mkdirSync(join(folder, "meta"));
      const entries = [
        ...journal.entries,
        {
          idx: journal.entries.length,
          version: "7",
          when: Date.UTC(2030, 0, 1),
          tag: "9999_future",
          breakpoints: true,
        },
      ];
      writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
      expect(await checkReadiness(handle.db, folder)).toMatchObject({
        reachable: true,
        expected: entries.length,
        applied: journal.entries.length,
        pending: ["9999_future"],
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("reports an unreachable database", async () => {
    const other = await openDatabase({ dataDir: null });
    await other.close();
    const state = await checkReadiness(other.db);
    expect(state).toMatchObject({ reachable: false, applied: 0, error: expect.any(String) });
  });
});
