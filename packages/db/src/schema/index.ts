export * from "./instruments.ts";
export * from "./bars.ts";
export * from "./coverage.ts";
export * from "./crypto.ts";
export * from "./calendars.ts";
export * from "./snapshots.ts";
export * from "./operations.ts";
export * from "./stream.ts";
