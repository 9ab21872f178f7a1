/**
 * The `force_refresh` parameter shared by the cached data endpoints (realtime quotes, company
 * information, financial summary, stock lists): an admin-only request to skip the cache. The
 * auth middleware (`@quantdb/core/auth`, `isAdminOperation`) already demands the admin scope for
 * it and charges it the refresh cost; the route passes it to its service, which fetches upstream.
 */
import { z } from "@hono/zod-openapi";

const ADMIN = "true (admin key needed unless auth is off; costs more of the rate-limit budget):";

/**
 * The `force_refresh` query parameter: `"true"` or `"false"` only (anything else is 400).
 * @param effect what a forced request does, for the OpenAPI description
 */
export function forceRefreshQuery(effect: string) {
  return z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: `${ADMIN} ${effect}`, example: "false" });
}

/**
 * The `force_refresh` field of a batch request body (a JSON boolean).
 * @param effect what a forced request does, for the OpenAPI description
 */
export function forceRefreshBody(effect: string) {
  return z
    .boolean()
    .optional()
    .openapi({ description: `${ADMIN} ${effect}`, example: false });
}

/** The cache accounting every forced-refreshable answer carries. */
export function cacheReportSchema(upstreamRequests: string) {
  return z.object({
    hit: z
      .boolean()
      .openapi({ description: "true when no upstream call was made for this request (never for force_refresh=true)" }),
    upstream_requests: z.number().int().openapi({ description: upstreamRequests }),
  });
}
