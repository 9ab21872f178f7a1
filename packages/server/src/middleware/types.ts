/**
 * Per-request variables the middleware chain sets (typed for every `c.get` / `c.var` in the app).
 */
import type { ApiKeyRecord } from "@quantdb/core/auth";
import type { EdgeState } from "./edge.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The request id (incoming well-formed X-Request-Id, or a new UUID); also the `X-Request-Id` response header. */
    requestId: string;
    /** The caller's live API key, when one was sent and accepted. */
    apiKey: ApiKeyRecord | undefined;
    /**
     * The caller's IP as configured (socket address, or X-Forwarded-For behind a trusted proxy); undefined in-process.
     */
    clientIp: string | undefined;
    /** The edge middleware's state for this request (headers every answer carries); unset without it. */
    edge: EdgeState | undefined;
    /** Bars in this response's body, set by the history and batch routes for `quantdb_rows_served_total`. */
    rowsServed: number | undefined;
  }
}
