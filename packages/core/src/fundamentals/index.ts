/**
 * Fundamentals: the financial summary of an A-share (newest periodic reports mapped by name from
 * Eastmoney's datacenter), its reporting calendar and cache policy, and the service.
 */
export * from "./fields.ts";
export * from "./schedule.ts";
export * from "./types.ts";
export * from "./eastmoney.ts";
export * from "./service.ts";
