/**
 * Live quotes (`@quantdb/core/stream`): the hub that polls each market once for every subscriber and
 * fans quotes out (`./hub.ts`), the bounded per-subscriber queue transports drain (`./queue.ts`), and the
 * port through which replicas share polling (`./relay.ts`).
 */
export * from "./hub.ts";
export * from "./queue.ts";
export * from "./relay.ts";
