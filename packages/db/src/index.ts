/** QuantDB storage: schema, connection and queries. Only this package writes SQL. */
export * from "./client.ts";
export * from "./data-dir-lock.ts";
export * from "./data-versions.ts";
export { describeStorageCause, probeWritable, StorageError, type StorageHealth } from "./storage.ts";
export * as schema from "./schema/index.ts";
export * from "./queries/history.ts";
export * from "./queries/crypto.ts";
export * from "./queries/calendars.ts";
export * from "./queries/fundamentals.ts";
export * from "./queries/lists.ts";
export * from "./queries/cache-admin.ts";
export * from "./queries/api-keys.ts";
export * from "./queries/jobs.ts";
export * from "./queries/locks.ts";
export * from "./queries/rate-limit.ts";
export * from "./queries/readiness.ts";
export * from "./queries/stream.ts";
