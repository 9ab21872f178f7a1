/**
 * Recovery from a failing database (issue 14 §6): `/ready` reflects a database that cannot write,
 * and the system recovers once the cause is gone, without a restart; start-up errors name the cause
 * in one line.
 *
 * PGlite: the fault is the data directory becoming unwritable and writable again. Tests run as
 * root, where chmod does not stop writes, so the directory is made immutable with `chattr -R +i`
 * (ext4 here; needs CAP_LINUX_IMMUTABLE, which root has on this machine) and released with
 * `chattr -R -i`; each test first checks that the fault really stops writes. PostgreSQL: the
 * server owns its disk, so the fault is the database refusing writes (`default_transaction_read_only`,
 * as after a failover to a standby), and back.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type DatabaseHandle } from "@quantdb/db";
import { openTestDatabase, readOnlyFault, testDrivers, type StorageFault } from "@quantdb/db/testing";
import { startReplay, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_DIR } from "../bench/processes.ts";
import { serveSystem } from "@quantdb/server/testing";

const HISTORY = "/api/v1/historical/stock";

function immutable(dir: string, on: boolean): void {
  execFileSync("chattr", ["-R", on ? "+i" : "-i", dir]);
}

/** Whether a new file can be written in `dir` (proves the injected fault is real, even as root). */
function canWrite(dir: string): boolean {
  try {
    writeFileSync(join(dir, "fault-check"), "x");
    rmSync(join(dir, "fault-check"));
    return true;
  } catch {
    return false;
  }
}

describe.each(testDrivers())("a database that stops accepting writes, and recovers, on %s", (driver) => {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplay();
  });
  afterAll(async () => replay?.close());

  it("/ready answers 503 naming the cause while writes fail; requests succeed once the cause is gone", async () => {
    let database: DatabaseHandle;
    let fault: StorageFault;
    if (driver === "pglite") {
      const dir = mkdtempSync(join(tmpdir(), "quantdb-storage-"));
      database = await openDatabase({ dataDir: dir });
      fault = {
        async on() {
          immutable(dir, true);
          expect(canWrite(join(dir, "pglite"))).toBe(false);
        },
        async off() {
          immutable(dir, false);
          expect(canWrite(join(dir, "pglite"))).toBe(true);
        },
        async cleanup() {
          immutable(dir, false);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } else {
      const test = await openTestDatabase("postgres");
      database = test;
      fault = readOnlyFault(test.url!);
    }
    const api = await serveSystem({ database, replay, timeoutMs: 5000 });
    try {
      const first = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`);
      expect(first.status).toBe(200);
      expect((await api.get("/ready")).status).toBe(200);

      await fault.on();
      // A request that must store what it fetched fails (the database's error), and /ready says so.
      await vi.waitFor(
        async () => {
          const failing = await api.get(`${HISTORY}/600519?start_date=20240401&end_date=20240430&adjust=qfq`);
          expect(failing.status).toBeGreaterThanOrEqual(500);
        },
        { timeout: 10_000, interval: 50 },
      );
      const notReady = await api.get("/ready");
      expect(notReady.status).toBe(503);
      expect(notReady.body.error.code).toBe("DATABASE_UNAVAILABLE");
      expect(notReady.body.error.details.reason).toMatch(
        driver === "pglite" ? /not writable|operation not permitted|write failed/i : /accepts no writes/,
      );
      // What is already held is still served while writes fail.
      expect((await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240329&adjust=qfq`)).status).toBe(200);

      await fault.off();
      // No restart: the next requests succeed (PGlite: reopened on first use), and /ready is 200 again.
      await vi.waitFor(
        async () => {
          const recovered = await api.get(`${HISTORY}/600519?start_date=20240401&end_date=20240430&adjust=qfq`);
          expect(recovered.status).toBe(200);
          expect(recovered.body.metadata.complete).toBe(true);
        },
        { timeout: 10_000, interval: 50 },
      );
      expect((await api.get("/ready")).status).toBe(200);
      const held = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240430&adjust=qfq`);
      expect(held.status).toBe(200);
      expect(held.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    } finally {
      await fault.off().catch(() => {});
      await api.stop();
      await database.close().catch(() => {});
      await fault.cleanup();
    }
  }, 60_000);
});

describe("start-up on an unusable data directory", () => {
  /** Run the server entry on `dataDir` until it exits (it must, with the error). */
  function start(dataDir: string) {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: API_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        PORT: "0",
        QUANTDB_DATA_DIR: dataDir,
        QUANTDB_DAILY_INGEST: "off",
        QUANTDB_LOG_LEVEL: "silent",
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: result.status, stderr: result.stderr.trim() };
  }

  it("names the cause in one line, without a stack: a read-only (immutable) directory, a file in the way", () => {
    const root = mkdtempSync(join(tmpdir(), "quantdb-startup-"));
    try {
      const readOnly = join(root, "read-only");
      mkdirSync(readOnly);
      immutable(readOnly, true);
      const locked = start(readOnly);
      immutable(readOnly, false);
      expect(locked.status).toBe(1);
      expect(locked.stderr.split("\n")).toHaveLength(1);
      expect(locked.stderr).toMatch(/read-only.*cannot be used: it is not writable/);

      const file = join(root, "a-file");
      writeFileSync(file, "");
      const blocked = start(file);
      expect(blocked.status).toBe(1);
      expect(blocked.stderr.split("\n")).toHaveLength(1);
      expect(blocked.stderr).toMatch(/a file is in the way \(not a directory\)/);
    } finally {
      spawnSync("chattr", ["-R", "-i", root]);
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
