/**
 * The embedded database's storage: checking that its data directory is writable, naming the cause
 * when it is not (in one line, for start-up errors and `/ready`), and an embedded PGlite that
 * recovers from a write failure once its cause is gone.
 *
 * Why a reopen: when a write into the data directory fails (permission, read-only mount, disk
 * full), PGlite's in-memory view of the directory and the directory itself disagree from then on
 * (e.g. "could not create file …: File exists" for every later write), even after the cause is
 * removed; a fresh PGlite on the same directory is consistent again (PostgreSQL's own crash-safe
 * storage: nothing half-written is visible).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";

/** What errno codes mean for a data directory, in words. */
const CAUSES: Record<string, string> = {
  EROFS: "it is on a read-only file system",
  EACCES: "it is not writable (permission denied)",
  EPERM: "it is not writable (operation not permitted: permissions, or an immutable attribute)",
  ENOSPC: "the disk is full (no space left on device)",
  EDQUOT: "the disk quota is exceeded",
  ENOTDIR: "a file is in the way (not a directory)",
  EEXIST: "a file is in the way (not a directory)",
  EIO: "the disk reported an I/O error",
};

/** Why an error from the file system happened, in words ("it is not writable (permission denied)"). */
export function describeStorageCause(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && CAUSES[code]) return `${CAUSES[code]} [${code}]`;
  return error instanceof Error ? error.message : String(error);
}

/** The data directory cannot be used: `message` names the directory and the cause in one line. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly directory: string,
    readonly reason: string,
  ) {
    super(
      `The embedded database's directory ${directory} cannot be used: ${reason}. Fix that (or point ` +
        "QUANTDB_DATA_DIR elsewhere) and start again.",
    );
  }
}

/**
 * Create `directory` if needed and check that a file can be written, synced and removed in it.
 * @returns null when it can, else the cause in words (see {@link describeStorageCause}).
 */
export function probeWritable(directory: string): string | null {
  try {
    mkdirSync(directory, { recursive: true });
    if (!statSync(directory).isDirectory()) return CAUSES.ENOTDIR!;
    const probe = join(directory, ".quantdb-write-probe");
    const fd = openSync(probe, "w");
    try {
      writeSync(fd, "ok");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
    return null;
  } catch (error) {
    return describeStorageCause(error);
  }
}

/** Whether an error from PGlite means its storage failed (rather than a bad query). */
function isStorageFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    // Class 58 (system error: I/O, missing or duplicate file), disk full, and file access refused.
    if (code.startsWith("58") || code === "53100") return true;
    if (code === "42501" && /could not/i.test(error.message)) return true;
    const verbs = "create|write|extend|open|fsync|truncate|rename|link|unlink|remove|access";
    return new RegExp(`could not (${verbs}) (file|directory)`, "i").test(error.message);
  }
  // Not a PostgreSQL error: PGlite itself is closed or its WASM instance aborted.
  return /closed|abort|RuntimeError|unreachable/i.test(`${error.name} ${error.message}`);
}

/** State of the embedded database's storage, for `/ready`. */
export interface StorageHealth {
  ok: boolean;
  /** Why not, in one line; null when ok. */
  error: string | null;
}

interface Subscription {
  channel: string;
  callback: (payload: string) => void;
  unlisten: () => Promise<void>;
}

/**
 * A PGlite on a data directory that notices storage failures and reopens itself once their cause
 * is gone. `client` stands in for the PGlite instance (drizzle and listeners use it); each query or
 * transaction runs on the current instance. After a storage failure, the next use first checks the
 * directory ({@link probeWritable}): still failing, it runs on the old instance (reads keep working,
 * writes fail with the database's error); writable again, it waits for the queries in flight, closes
 * the old instance and opens a new one (listeners re-attached), then runs.
 */
export class RecoverablePglite {
  readonly #location: string;
  readonly #options: PGliteOptions;
  #current: PGlite;
  #failure: string | null = null;
  #active = 0;
  #idle: (() => void) | undefined;
  #reopening: Promise<void> | null = null;
  #lastReopenFailedAt = 0;
  #closed = false;
  readonly #subscriptions = new Set<Subscription>();
  /** Stands in for the PGlite instance: `query`, `exec`, `transaction` and `listen` go to the current one. */
  readonly client: PGlite;

  private constructor(location: string, options: PGliteOptions, current: PGlite) {
    this.#location = location;
    this.#options = options;
    this.#current = current;
    const self = this;
    const overrides: Record<string, unknown> = {
      query: (...args: Parameters<PGlite["query"]>) => self.#use((pg) => pg.query(...args)),
      exec: (...args: Parameters<PGlite["exec"]>) => self.#use((pg) => pg.exec(...args)),
      transaction: (...args: Parameters<PGlite["transaction"]>) => self.#use((pg) => pg.transaction(...args)),
      listen: (channel: string, callback: (payload: string) => void) => self.#listen(channel, callback),
      close: () => self.close(),
    };
    this.client = new Proxy({} as PGlite, {
      get(_target, property) {
        if (typeof property === "string" && property in overrides) return overrides[property];
        const value = Reflect.get(self.#current, property, self.#current);
        return typeof value === "function" ? value.bind(self.#current) : value;
      },
    });
  }

  /**
   * Open PGlite on `location` after checking that the directory is writable.
   * @throws {StorageError} naming the directory and the cause (read-only, disk full, not writable,
   *   a file in the way) in one line.
   */
  static async open(location: string, options: PGliteOptions): Promise<RecoverablePglite> {
    const cause = probeWritable(location);
    if (cause) throw new StorageError(location, cause);
    let pg: PGlite;
    try {
      pg = await PGlite.create(location, options);
    } catch (error) {
      // PGlite's own start-up failure dumps WASM internals: name the cause instead.
      throw new StorageError(location, probeWritable(location) ?? `PGlite could not start on it (${firstLine(error)})`);
    }
    return new RecoverablePglite(location, options, pg);
  }

  /** The storage's state: the directory writable and no write failure left unrecovered (recovering first if it can). */
  async health(): Promise<StorageHealth> {
    if (this.#failure) await this.#recover();
    const cause = probeWritable(this.#location);
    // No path in this text: /ready shows it to anyone (the start-up error and the log name the directory).
    if (cause) return { ok: false, error: `the data directory cannot be written: ${cause}` };
    if (this.#failure)
      return { ok: false, error: `the last write failed and the database has not been reopened yet: ${this.#failure}` };
    return { ok: true, error: null };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reopening?.catch(() => {});
    await this.#current.close();
  }

  async #use<T>(run: (pg: PGlite) => Promise<T>): Promise<T> {
    if (this.#failure && !this.#closed) await this.#recover();
    while (this.#reopening) await this.#reopening.catch(() => {});
    this.#active++;
    try {
      return await run(this.#current);
    } catch (error) {
      if (isStorageFailure(error) && !this.#closed) this.#failure = firstLine(error);
      throw error;
    } finally {
      this.#active--;
      if (this.#active === 0) this.#idle?.();
    }
  }

  /**
   * Reopen when the directory is writable again (one reopen at a time; after a failed reopen, at most one try per
   * second).
   */
  async #recover(): Promise<void> {
    if (this.#reopening) return this.#reopening.catch(() => {});
    if (probeWritable(this.#location) !== null) return;
    if (Date.now() - this.#lastReopenFailedAt < 1000) return;
    this.#reopening = (async () => {
      if (this.#active > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      this.#idle = undefined;
      await this.#current.close().catch(() => {});
      this.#current = await PGlite.create(this.#location, this.#options);
      for (const subscription of this.#subscriptions) {
        subscription.unlisten = await this.#current.listen(subscription.channel, subscription.callback);
      }
      this.#failure = null;
    })();
    try {
      await this.#reopening;
    } catch (error) {
      this.#lastReopenFailedAt = Date.now();
      this.#failure = `reopening failed: ${firstLine(error)}`;
    } finally {
      this.#reopening = null;
    }
  }

  async #listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>> {
    const subscription: Subscription = {
      channel,
      callback,
      unlisten: await this.#use((pg) => pg.listen(channel, callback)),
    };
    this.#subscriptions.add(subscription);
    return async () => {
      this.#subscriptions.delete(subscription);
      await subscription.unlisten().catch(() => {});
    };
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n", 1)[0]!.slice(0, 300);
}
