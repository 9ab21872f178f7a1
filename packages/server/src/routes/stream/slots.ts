/** The per-client stream limit as the stream routes apply it (the rule and the count are core's `StreamSlots`). */
import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import "../../middleware/types.ts";

/**
 * Take one open-stream slot for the caller of `c`: its API key (header or stream token) when it sent one, else its
 * client IP. Call before the stream starts; call the returned function once it ended.
 * @throws {QuantDbError} `TOO_MANY_STREAMS` (429) when the caller holds `QUANTDB_STREAM_MAX_PER_CLIENT` streams
 */
export function takeStreamSlot(c: Context<AppEnv>): () => void {
  const key = c.get("apiKey");
  return c.get("services").streamSlots.acquire(key ? `key:${key.id}` : `ip:${c.get("clientIp") ?? "local"}`);
}
