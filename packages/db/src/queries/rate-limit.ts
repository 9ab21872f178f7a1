/**
 * The upstream request-rate budget shared by every replica on one PostgreSQL server:
 * rate-limiter-flexible's `RateLimiterPostgres` over the coordination pool. The library creates
 * its table (`quantdb_upstream_rate`) on first use and tolerates replicas creating it at once.
 */
import { RateLimiterMemory, RateLimiterPostgres } from "rate-limiter-flexible";
import { sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import type { CoordinationPool } from "./locks.ts";

/**
 * A limiter of `points` per `duration` seconds per key, stored in PostgreSQL. While the database
 * cannot be reached, an in-memory limiter with the same budget stands in (per process).
 * @returns the limiter once its table exists
 * @throws when the table cannot be created
 */
export function createPostgresRateLimiter(
  coordination: CoordinationPool,
  options: { points: number; duration: number; keyPrefix?: string },
): Promise<RateLimiterPostgres> {
  return new Promise((resolve, reject) => {
    const limiter: RateLimiterPostgres = new RateLimiterPostgres(
      {
        storeClient: coordination.pool,
        storeType: "pool",
        tableName: "quantdb_upstream_rate",
        keyPrefix: options.keyPrefix ?? "upstream",
        points: options.points,
        duration: options.duration,
        clearExpiredByTimeout: false,
        insuranceLimiter: new RateLimiterMemory({ points: options.points, duration: options.duration }),
      },
      (error?: unknown) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(limiter),
    );
  });
}

/**
 * Forget every replica's consumed upstream tokens (tests that change the rate between processes on
 * one database). The table exists only once a limiter has been created on this database.
 */
export async function clearUpstreamRateBudget(db: Database): Promise<void> {
  await db.execute(sql`do $$ begin
    if to_regclass('quantdb_upstream_rate') is not null then delete from quantdb_upstream_rate; end if;
  end $$`);
}
