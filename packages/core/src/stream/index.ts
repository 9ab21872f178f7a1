/**
 * Live quotes (`@quantdb/core/stream`): the hub that polls each market once for every subscriber and
 * fans quotes out (`./hub.ts`), the bounded per-subscriber queue transports drain (`./queue.ts`), the port
 * through which replicas share polling (`./relay.ts`), a message-driven session over the hub for the WebSocket
 * (`./session.ts`) and the open-streams-per-client limit (`./limits.ts`).
 */
export * from "./hub.ts";
export * from "./limits.ts";
export * from "./queue.ts";
export * from "./relay.ts";
export * from "./session.ts";
