/** `@quantdb/sdk/embedded`: QuantDB in this process, no server (see `./embedded/index.ts`). */
export * from "./embedded/index.ts";
