/**
 * One error envelope for every error response, 404 and 405 included:
 * `{ error: { code, message, status, details? } }`. Messages never carry stack traces or paths.
 */
import { z } from "@hono/zod-openapi";
import { ERROR_CODES, QuantDbError, type ErrorCode } from "@quantdb/core/errors";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import "./middleware/types.ts";

/** The error envelope (OpenAPI component `Error`). */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).openapi({
        description: "Stable machine-readable error code (the list is core's ERROR_CODES)",
        example: "INVALID_SYMBOL",
      }),
      message: z.string().openapi({
        description: "What went wrong, for people",
        example: "Invalid symbol 'ABC': not a recognised stock symbol.",
      }),
      status: z.number().int().openapi({ description: "HTTP status, repeated", example: 400 }),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({ description: "Extra facts about the error (the offending value, accepted values)" }),
    }),
  })
  .openapi("Error");

/** Build an envelope response. */
export function errorResponse(
  c: Context,
  code: ErrorCode,
  message: string,
  status: number,
  details?: Record<string, unknown>,
) {
  return c.json({ error: { code, message, status, ...(details ? { details } : {}) } }, status as ContentfulStatusCode);
}

const errorContent = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses every operation can give, spread into each route's `responses`. */
export const openApiErrorResponses = {
  400: errorContent(
    "Bad input: symbol, date, range or adjust (codes INVALID_SYMBOL, INVALID_DATE, INVALID_RANGE, " +
      "INVALID_ADJUST, VALIDATION_ERROR)",
  ),
  401: errorContent(
    "No API key, or one that is unknown, revoked or malformed, where one is needed (UNAUTHORIZED; " +
      "WWW-Authenticate: Bearer)",
  ),
  403: errorContent("The API key lacks the admin scope this operation needs (FORBIDDEN)"),
  404: errorContent("No such resource (NOT_FOUND)"),
  405: errorContent("Method not allowed on this path (METHOD_NOT_ALLOWED)"),
  429: errorContent(
    "Over the caller's budget of upstream calls a minute (answers from the cache cost nothing), or too many " +
      "failed authentications from its address (RATE_LIMITED); Retry-After says when to retry, in seconds",
  ),
  500: errorContent("Unexpected server error (INTERNAL_ERROR)"),
  502: errorContent(
    "Upstream unreachable, dropped the connection or sent invalid data (UPSTREAM_UNAVAILABLE, " +
      "UPSTREAM_INVALID); nothing was stored",
  ),
  503: errorContent(
    "Upstream is unavailable now: its circuit breaker is open or retries are exhausted (UPSTREAM_UNAVAILABLE); " +
      "Retry-After says when to retry, in seconds; nothing was stored",
  ),
  504: errorContent("Upstream did not answer in time (UPSTREAM_TIMEOUT); nothing was stored"),
} as const;

/**
 * `app.onError`: domain errors keep their code; anything else is a 500 without internals (no
 * message, stack or path in the response; the stack goes to the request's log line only).
 */
export function handleError(error: Error, c: Context) {
  const log = c.get("edge")?.logger();
  if (error instanceof QuantDbError) {
    if (error.status >= 500) {
      if (log) log.error({ code: error.code, err_message: error.message }, "upstream or domain failure");
      else console.error(`[quantdb] ${c.req.method} ${c.req.path} → ${error.code}: ${error.message}`);
    }
    const retryAfter = error.details?.retry_after_seconds;
    if (typeof retryAfter === "number" && (error.status === 503 || error.status === 429))
      c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfter))));
    return errorResponse(c, error.code, error.message, error.status, error.details);
  }
  if (error instanceof HTTPException && error.status === 413)
    return errorResponse(c, "PAYLOAD_TOO_LARGE", "The request body is too large.", 413);
  if (error instanceof HTTPException && error.status < 500) {
    return errorResponse(c, "VALIDATION_ERROR", error.message || "Bad request", error.status);
  }
  if (log) log.error({ err: error }, "unhandled error");
  else console.error(`[quantdb] ${c.req.method} ${c.req.path} → unhandled`, error);
  return errorResponse(c, "INTERNAL_ERROR", "Internal server error", 500);
}
