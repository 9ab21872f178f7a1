/**
 * The data directory's lock, in-process: a live holder refuses a second opener at once (naming its
 * pid), a dead holder's lock is taken over at once, a lock whose holder has not named itself is
 * left alone, and the holder file is readable by its owner only. (Two processes on one directory
 * are tested by spawning: packages/cli/test/single-writer.test.ts, packages/embedded/test/embedded.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirectoryInUseError, lockDataDir, readDataDirHolder } from "./data-dir-lock.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "quantdb-lock-"));
  dirs.push(dir);
  return dir;
}

describe("data directory lock", () => {
  it("refuses a second opener at once, naming the holder; released, the directory opens again", async () => {
    const dir = freshDir();
    const lock = await lockDataDir(dir, "server");
    lock.announce({ url: "http://127.0.0.1:8000", adminToken: "qdb_token" });
    const refused = await lockDataDir(dir, "quantdb keys").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DataDirectoryInUseError);
    expect((refused as Error).message).toContain(
      `data directory ${dir} is in use by QuantDB process ${process.pid} (server at http://127.0.0.1:8000, since`,
    );
    expect((refused as DataDirectoryInUseError).holder).toMatchObject({
      pid: process.pid,
      url: "http://127.0.0.1:8000",
      adminToken: "qdb_token",
    });
    expect(statSync(join(dir, "quantdb.lock", "holder.json")).mode & 0o777).toBe(0o600);
    await lock.release();
    expect(readDataDirHolder(dir)).toBeNull();
    const again = await lockDataDir(dir, "quantdb keys");
    expect(again.holder).toMatchObject({ pid: process.pid, owner: "quantdb keys" });
    await again.release();
  });

  it("takes over at once the lock of a holder that no longer runs", async () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!; // ran and exited
    mkdirSync(join(dir, "quantdb.lock"));
    writeFileSync(
      join(dir, "quantdb.lock", "holder.json"),
      JSON.stringify({ pid: dead, hostname: hostname(), owner: "server", startedAt: "2026-01-01T00:00:00.000Z" }),
    );
    const lock = await lockDataDir(dir, "server");
    expect(lock.holder.pid).toBe(process.pid);
    expect(readDataDirHolder(dir)?.pid).toBe(process.pid);
    await lock.release();
  });

  it("leaves alone a fresh lock whose holder has not named itself yet", async () => {
    const dir = freshDir();
    mkdirSync(join(dir, "quantdb.lock"));
    await expect(lockDataDir(dir, "server")).rejects.toThrow("in use by a QuantDB process that is starting");
  });
});
