/**
 * Live quotes (`@quantdb/core/stream`): the hub that polls each market once for every subscriber and
 * fans quotes out (`./hub.ts`), and the bounded per-subscriber queue transports drain (`./queue.ts`).
 */
export * from "./hub.ts";
export * from "./queue.ts";
