/**
 * Coordination between API replicas on one PostgreSQL server: session-level advisory locks
 * (`pg_advisory_lock`), held on a dedicated `pg` connection for as long as a series is planned and
 * fetched. A process that dies (even by SIGKILL) loses its connection, and PostgreSQL releases
 * its locks with it.
 */
import pg from "pg";
import type { SeriesLock } from "@quantdb/core/history";
import { acquireUnlessAborted, DeadlineExceededError } from "@quantdb/core/upstream";

/** A small `pg` pool for coordination (advisory locks, the shared rate budget), apart from the query pool. */
export interface CoordinationPool {
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Open a `pg` pool on `url` for coordination. Lock holders wait on their own connections, so they
 * never starve the queries that run while the lock is held.
 * @param max connections: how many series may be locked by this process at once
 */
export function openCoordinationPool(url: string, max = 8): CoordinationPool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client's error (server restart) must not crash the process; the next checkout reconnects.
  pool.on("error", () => {});
  let closed: Promise<void> | undefined;
  return { pool, close: () => (closed ??= pool.end()) };
}

/** The 64-bit advisory-lock key of a series key (namespaced so other users of the database do not collide). */
const LOCK_SQL = "select pg_advisory_lock(hashtextextended($1, 0))";
const UNLOCK_SQL = "select pg_advisory_unlock(hashtextextended($1, 0))";

/** PostgreSQL's SQLSTATE for a lock wait that reached `lock_timeout`. */
const LOCK_NOT_AVAILABLE = "55P03";

/** Check out a client, giving up when `signal` aborts (a client that arrives later goes straight back). */
function connect(pool: pg.Pool, signal: AbortSignal | undefined): Promise<pg.PoolClient> {
  return acquireUnlessAborted(
    () => pool.connect(),
    (client) => client.release(),
    signal,
  );
}

/**
 * Series locks through PostgreSQL advisory locks, keyed by `quantdb:series:<key>` (the key is the
 * instrument's key and the adjustment). Two replicas asking for the same series serialise here;
 * the second re-plans after the first has stored its span and finds nothing missing.
 *
 * A wait is bounded by the request's time left (`timeoutMs`, as PostgreSQL's `lock_timeout` for
 * the lock statement) and by its signal (checking out a connection); past it the wait ends with
 * the signal's reason (the request deadline's 503) and the task does not run.
 */
export function createAdvisoryLocks(coordination: CoordinationPool): SeriesLock {
  return {
    async run<T>(
      key: string,
      task: () => Promise<T>,
      options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
    ): Promise<T> {
      const name = `quantdb:series:${key}`;
      const { signal, timeoutMs } = options;
      const client = await connect(coordination.pool, signal);
      let broken = false;
      try {
        if (timeoutMs !== undefined) {
          await client.query("select set_config('lock_timeout', $1, false)", [
            `${Math.max(1, Math.ceil(timeoutMs))}ms`,
          ]);
          try {
            await client.query(LOCK_SQL, [name]);
          } catch (error) {
            if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) {
              // lock_timeout may fire a moment before the signal's own timer: the same 503 either way.
              throw signal?.aborted
                ? signal.reason
                : new DeadlineExceededError(
                    Math.ceil(timeoutMs),
                    "Another replica's fetch of the same series did not finish within this request's time bound",
                  );
            }
            throw error;
          } finally {
            await client.query("select set_config('lock_timeout', '0', false)");
          }
        } else {
          await client.query(LOCK_SQL, [name]);
        }
        try {
          return await task();
        } finally {
          try {
            await client.query(UNLOCK_SQL, [name]);
          } catch {
            broken = true; // the connection is gone, and its locks with it
          }
        }
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
