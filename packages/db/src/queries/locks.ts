/**
 * Coordination between API replicas on one PostgreSQL server: session-level advisory locks
 * (`pg_advisory_lock`), held on a dedicated `pg` connection for as long as a series is planned and
 * fetched. A process that dies (even by SIGKILL) loses its connection, and PostgreSQL releases
 * its locks with it.
 */
import pg from "pg";
import type { SeriesLock } from "@quantdb/core/history";

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

/**
 * Series locks through PostgreSQL advisory locks, keyed by `quantdb:series:<key>` (the key is the
 * instrument's secid and the adjustment). Two replicas asking for the same series serialise here;
 * the second re-plans after the first has stored its span and finds nothing missing.
 */
export function createAdvisoryLocks(coordination: CoordinationPool): SeriesLock {
  return {
    async run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const name = `quantdb:series:${key}`;
      const client = await coordination.pool.connect();
      let broken = false;
      try {
        await client.query(LOCK_SQL, [name]);
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
