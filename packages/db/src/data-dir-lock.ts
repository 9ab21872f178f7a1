/**
 * One process per embedded data directory. PGlite is PostgreSQL in WASM with the whole server inside
 * the process that opens it: two processes on one directory each keep their own buffers and WAL
 * position, so the second one's writes are invisible to the first, and lost or corrupting when
 * either checkpoints. Every opener of a data directory (`openDatabase`: the API server, the CLI,
 * the SDK's embedded mode) therefore takes this exclusive lock first.
 *
 * The lock is `proper-lockfile`'s atomic `mkdir` of `<dataDir>/quantdb.lock` (its mtime refreshed
 * every 10 s while held). Inside it, `holder.json` (mode 0600: only the same OS user can read it)
 * names the holder: pid, host, what it is, and — for a server, once it listens — the URL of its
 * API and a per-process local admin token, so the `quantdb` CLI can reach it (see the CLI's
 * `remote.ts`). A second opener fails at once with {@link DataDirectoryInUseError}, before anything
 * is written.
 *
 * A holder that died without releasing (SIGKILL, power loss) is recovered at once: its pid no
 * longer runs on this host. A lock without `holder.json` (its process died between taking the
 * lock and naming itself) is recovered once its mtime is older than {@link ABANDONED_AFTER_MS}.
 * Recoveries are serialised by a second lock, and remove only the very holder they judged dead.
 */
import { mkdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import lockfile from "proper-lockfile";

/** Name of the lock directory inside a data directory. */
export const DATA_DIR_LOCK_NAME = "quantdb.lock";

/**
 * A lock without its holder file whose mtime is older than this is abandoned, ms (it is refreshed every 10 s while
 * held).
 */
export const ABANDONED_AFTER_MS = 60_000;

/** Who holds a data directory (`<dataDir>/quantdb.lock/holder.json`). */
export interface DataDirHolder {
  /** Process id of the holder, on `hostname`. */
  pid: number;
  hostname: string;
  /** What the holder is, e.g. "server", "quantdb backfill", "SDK embedded". */
  owner: string;
  /** When it took the lock, ISO 8601 UTC. */
  startedAt: string;
  /** A server's API base URL, reachable from this machine (set once it listens). */
  url?: string;
  /**
   * A server's local admin token (`qdb_…`, random per process): the server accepts it as an admin
   * key from this machine only. Readable only by the OS user that runs the server (mode 0600).
   */
  adminToken?: string;
}

/** Opening a data directory another live process holds. Nothing was written. */
export class DataDirectoryInUseError extends Error {
  readonly code = "EDATADIRINUSE";
  /**
   * @param dataDir - the data directory (absolute).
   * @param holder - who holds it; null when the holder is starting and has not named itself yet.
   */
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder | null,
  ) {
    const advice =
      holder?.owner === "server"
        ? "stop that server first, or work through it while it runs " +
          "(the quantdb CLI's keys, backfill and migrate commands use its admin API)"
        : "stop that process first, or use another data directory";
    super(`data directory ${dataDir} is in use by ${describeHolder(holder)}; ${advice}`);
    this.name = "DataDirectoryInUseError";
  }
}

/** "QuantDB process 1234 (server at http://127.0.0.1:8000, since …)" */
export function describeHolder(holder: DataDirHolder | null): string {
  if (!holder) return "a QuantDB process that is starting (its pid is not recorded yet)";
  const where = holder.hostname === hostname() ? "" : ` on host ${holder.hostname}`;
  const what = holder.owner === "server" ? (holder.url ? `server at ${holder.url}` : "server, starting") : holder.owner;
  return `QuantDB process ${holder.pid}${where} (${what}, since ${holder.startedAt})`;
}

/** A held data directory. */
export interface DataDirLock {
  /** The data directory (absolute). */
  readonly dataDir: string;
  /** What `holder.json` says now. */
  readonly holder: DataDirHolder;
  /** Add a server's URL and local admin token to `holder.json` (mode 0600). */
  announce(details: { url: string; adminToken: string }): void;
  /** Release the lock (idempotent). */
  release(): Promise<void>;
}

function lockDirOf(dataDir: string): string {
  return join(dataDir, DATA_DIR_LOCK_NAME);
}

function holderFile(dataDir: string): string {
  return join(lockDirOf(dataDir), "holder.json");
}

/** Who holds `dataDir` according to its holder file, or null (no lock, or a holder not named yet). */
export function readDataDirHolder(dataDir: string): DataDirHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(holderFile(resolve(dataDir)), "utf8")) as DataDirHolder;
    return typeof parsed.pid === "number" && typeof parsed.hostname === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** Whether a holder's process still runs; one on another host cannot be checked and counts as alive. */
function isAlive(holder: DataDirHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // runs, as another user
  }
}

function lockAgeMs(dataDir: string): number | null {
  try {
    return Date.now() - statSync(lockDirOf(dataDir)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Create the holder file in the lock just taken. proper-lockfile keeps the lock directory's mtime
 * as its own (a different mtime means the lock was taken over), and adding a file to a directory
 * changes it: it is set back at once, before proper-lockfile's first refresh (10 s later).
 */
function createHolder(dataDir: string, holder: DataDirHolder): void {
  const lockDir = lockDirOf(dataDir);
  const { atime, mtime } = statSync(lockDir);
  writeFileSync(holderFile(dataDir), `${JSON.stringify(holder)}\n`, { mode: 0o600, flag: "wx" });
  utimesSync(lockDir, atime, mtime);
}

/** Rewrite the holder file in place (no directory entry changes, so the lock's mtime stays proper-lockfile's). */
function rewriteHolder(dataDir: string, holder: DataDirHolder): void {
  writeFileSync(holderFile(dataDir), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
}

function sameHolder(a: DataDirHolder | null, b: DataDirHolder | null): boolean {
  return a !== null && b !== null && a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;
}

/** Remove the lock of a dead or abandoned holder, if it is still that one (under the recovery lock). */
async function recover(dataDir: string, judged: DataDirHolder | null): Promise<void> {
  // A second lock, so two openers recovering at once cannot remove each other's fresh lock.
  const releaseRecovery = await lockfile.lock(join(dataDir, `${DATA_DIR_LOCK_NAME}-recovery`), {
    realpath: false,
    stale: 10_000,
    retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
  });
  try {
    const now = readDataDirHolder(dataDir);
    const stillDead = judged
      ? sameHolder(now, judged)
      : now === null && (lockAgeMs(dataDir) ?? 0) >= ABANDONED_AFTER_MS;
    if (stillDead) rmSync(lockDirOf(dataDir), { recursive: true, force: true });
  } finally {
    await releaseRecovery();
  }
}

/**
 * Take the exclusive lock of a data directory (created if missing).
 * @param owner - what the opener is, recorded for other openers' messages ("server", "quantdb keys", …).
 * @throws {DataDirectoryInUseError} when a live process holds it (at once, no waiting).
 */
export async function lockDataDir(dataDir: string, owner: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(dir, {
        lockfilePath: lockDirOf(dir),
        // Staleness is judged here by the holder's pid (see recover), not by proper-lockfile's mtime
        // rule, which would take the lock of a live holder whose event loop a long PGlite query blocks.
        stale: 365 * 24 * 3600 * 1000,
        update: 10_000,
        onCompromised: (error) =>
          process.emitWarning(
            `QuantDB: the lock of data directory ${dir} was removed while held (${error.message}); another ` +
              "process may open it now",
          ),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
      const holder = readDataDirHolder(dir);
      const abandoned = holder === null && (lockAgeMs(dir) ?? 0) >= ABANDONED_AFTER_MS;
      if (attempt >= 2 || (holder !== null && isAlive(holder)) || (holder === null && !abandoned))
        throw new DataDirectoryInUseError(dir, holder);
      await recover(dir, holder);
      continue;
    }
    let holder: DataDirHolder = { pid: process.pid, hostname: hostname(), owner, startedAt: new Date().toISOString() };
    try {
      createHolder(dir, holder);
    } catch (error) {
      await release().catch(() => {});
      throw error;
    }
    let released = false;
    return {
      dataDir: dir,
      get holder() {
        return holder;
      },
      announce(details) {
        holder = { ...holder, ...details };
        rewriteHolder(dir, holder);
      },
      async release() {
        if (released) return;
        released = true;
        // proper-lockfile removes the lock with rmdir: empty it first
        try {
          unlinkSync(holderFile(dir));
        } catch {
          // already gone
        }
        await release().catch(() => {});
      },
    };
  }
}
