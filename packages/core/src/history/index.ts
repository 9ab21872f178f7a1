/** Cached daily history: request validation, gap planning and the history service. */
export * from "./types.ts";
export type { DailyBarSource, DailyBarsRequest } from "./source.ts";
export * from "./planner.ts";
export * from "./request.ts";
export * from "./service.ts";
export * from "./quality.ts";
export * from "./periods.ts";
export * from "./aktools.ts";
export * from "./batch.ts";
export * from "./cache-admin.ts";
export * from "./activity.ts";
export { KeyedLock } from "./keyed-lock.ts";
