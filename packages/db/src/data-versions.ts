/**
 * Instruments' data versions (see `dataVersion` in queries/history.ts) kept in memory between
 * changes, so a reused answer costs no database round trip.
 *
 * Exactness: every bump of a version also sends `NOTIFY quantdb_data_versions` (migration 0005)
 * with the instrument ids, delivered after the writer's commit to every process listening on the
 * database — this one, other API replicas, a CLI writing to the same PostgreSQL. A notification
 * drops the cached versions of those instruments (and of every instrument not stored yet). Writes
 * made through this package in this process drop the whole cache as soon as they commit, so this
 * process's own next read never waits for its notification. A version read that was in flight
 * while a change arrived is not kept.
 *
 * Versions are only kept while the subscription is live (from its `onListen` on), and each for at
 * most `maxAgeMs`: if the listening connection drops, notifications sent before it is back are
 * lost, so a version read before the drop is trusted for at most that long.
 *
 * The cache belongs to one open database: `openDatabase` creates it, the handle exposes it
 * (`DatabaseHandle.dataVersions`) and the handle's `db` carries it ({@link DATA_VERSIONS}), so the
 * queries, which take `db`, read and clear that database's cache and no other.
 */
import type { Database } from "./client.ts";

/** The property of a `Database` that holds its version cache (see {@link watchDataVersions}). */
export const DATA_VERSIONS: unique symbol = Symbol("quantdb.dataVersions");

/** The NOTIFY channel the version triggers send on. */
export const DATA_VERSIONS_CHANNEL = "quantdb_data_versions";

/** A version as read from the database, with the instrument id it belongs to (null: not stored). */
export interface ReadVersion {
  version: string;
  id: number | null;
}

interface Entry extends ReadVersion {
  readAt: number;
}

/** Options of {@link DataVersionCache}. */
export interface DataVersionCacheOptions {
  /**
   * Longest time a version read from the database is reused without a notification, ms: the bound
   * on staleness if the listening connection drops and misses notifications.
   * @default 1000
   */
  maxAgeMs?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/** Most entries kept; beyond it the cache starts again (a few hundred bytes each). */
const MAX_ENTRIES = 100_000;

/** Data versions by instrument key, dropped by notifications and local writes. */
export class DataVersionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #generation = 0;
  #listening = false;

  constructor(options: DataVersionCacheOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * The version under `key`: from memory while the subscription is live and the entry is younger
   * than `maxAgeMs`, else from `read` (kept unless a change arrived while it was in flight).
   */
  async get(key: string, read: () => Promise<ReadVersion>): Promise<string> {
    if (this.#listening) {
      const entry = this.#entries.get(key);
      if (entry && this.#now() - entry.readAt < this.#maxAgeMs) return entry.version;
    }
    const generation = this.#generation;
    const readAt = this.#now();
    const fresh = await read();
    if (this.#listening && generation === this.#generation) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { ...fresh, readAt });
    }
    return fresh.version;
  }

  /**
   * A notification's payload: comma-separated instrument ids whose versions changed, or `*` for
   * all. Drops those entries and every "not stored" entry (a new instrument's id is not known here).
   */
  changed(payload: string): void {
    this.#generation++;
    if (payload === "*" || payload.trim() === "") {
      this.#entries.clear();
      return;
    }
    const ids = new Set(payload.split(",").map((id) => Number(id)));
    for (const [key, entry] of this.#entries) if (entry.id === null || ids.has(entry.id)) this.#entries.delete(key);
  }

  /** Drop every entry (a write by this process committed, or the subscription restarted). */
  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /** Whether notifications are being received; entries are kept only while they are. */
  setListening(listening: boolean): void {
    this.#listening = listening;
    this.clear();
  }

  /** Entries held (tests, diagnostics). */
  get size(): number {
    return this.#entries.size;
  }
}

/** Subscribe to a NOTIFY channel (see `DatabaseHandle.listen`). */
export type Listen = (
  channel: string,
  onNotify: (payload: string) => void,
  onListen: () => void,
) => Promise<() => Promise<void>>;

/**
 * Keep `db`'s data versions in memory, kept exact by notifications (see the module comment): a new
 * cache, carried by `db` until the unsubscribe. Resolves once listening. Called by `openDatabase`
 * unless turned off.
 */
export async function watchDataVersions(
  db: Database,
  listen: Listen,
  options: DataVersionCacheOptions = {},
): Promise<{ cache: DataVersionCache; unwatch: () => Promise<void> }> {
  const cache = new DataVersionCache(options);
  Object.defineProperty(db, DATA_VERSIONS, { value: cache, configurable: true });
  try {
    const unlisten = await listen(
      DATA_VERSIONS_CHANNEL,
      (payload) => cache.changed(payload),
      () => cache.setListening(true),
    );
    const unwatch = async () => {
      cache.setListening(false);
      delete db[DATA_VERSIONS];
      await unlisten();
    };
    return { cache, unwatch };
  } catch (error) {
    delete db[DATA_VERSIONS];
    throw error;
  }
}

/** The version cache of `db`, if its versions are watched. */
export function dataVersionCacheOf(db: Database): DataVersionCache | undefined {
  return db[DATA_VERSIONS];
}

/**
 * Tell the cache that a write by this process to instruments, bars or coverage has committed:
 * every cached version is dropped at once (its notification would arrive a moment later).
 */
export function dataVersionsWritten(db: Database): void {
  db[DATA_VERSIONS]?.clear();
}
