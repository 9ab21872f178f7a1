/**
 * Domain errors. Each carries a stable machine-readable `code` that transports map to an HTTP
 * status (see {@link httpStatusFor}); messages are safe to show to users (no stack traces, no paths).
 */

/**
 * Every error code QuantDB reports, the one list the API's response schema (an enum in OpenAPI)
 * and the SDK's generated types are built from. Stable: clients may switch on them.
 */
export const ERROR_CODES = [
  "INVALID_SYMBOL",
  "INVALID_DATE",
  "INVALID_RANGE",
  "INVALID_ADJUST",
  "INVALID_PERIOD",
  "VALIDATION_ERROR",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CALENDAR_CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "URI_TOO_LONG",
  "RATE_LIMITED",
  "TOO_MANY_STREAMS",
  "UPSTREAM_UNAVAILABLE",
  "UPSTREAM_TIMEOUT",
  "UPSTREAM_INVALID",
  "DATABASE_UNAVAILABLE",
  "MIGRATIONS_PENDING",
  "INTERNAL_ERROR",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The usual HTTP status of each code (`UPSTREAM_UNAVAILABLE` is 503 when a circuit is open or a time bound is reached).
 */
const STATUS: Record<ErrorCode, number> = {
  INVALID_SYMBOL: 400,
  INVALID_DATE: 400,
  INVALID_RANGE: 400,
  INVALID_ADJUST: 400,
  INVALID_PERIOD: 400,
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CALENDAR_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  RATE_LIMITED: 429,
  TOO_MANY_STREAMS: 429,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_INVALID: 502,
  UPSTREAM_TIMEOUT: 504,
  DATABASE_UNAVAILABLE: 503,
  MIGRATIONS_PENDING: 503,
  INTERNAL_ERROR: 500,
};

/** The HTTP status a transport should answer with for an error code. */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code];
}

/** A failure QuantDB can explain to its caller. */
export class QuantDbError extends Error {
  override readonly name: string = "QuantDbError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** HTTP status for this error's code. */
  get status(): number {
    return httpStatusFor(this.code);
  }
}

/** Bad input from the caller (4xx). */
export class InputError extends QuantDbError {
  override readonly name = "InputError";
}

/**
 * The upstream data source failed: unreachable or connection reset (`UPSTREAM_UNAVAILABLE`),
 * too slow (`UPSTREAM_TIMEOUT`), or answered with something that is not valid data
 * (`UPSTREAM_INVALID`: HTML captcha page, malformed JSON, wrong field count). Nothing from a
 * failed call is ever stored.
 */
export class UpstreamError extends QuantDbError {
  override readonly name = "UpstreamError";
}

/**
 * The caller's budget of upstream calls is spent: HTTP 429 `RATE_LIMITED`, `retryAfterSeconds`
 * (at least 1; also `details.retry_after_seconds`, sent as `Retry-After`) says when it is renewed.
 * Thrown by a `CallGate` (see `upstream/gate.ts`) before an upstream call, so nothing was asked of
 * upstream for it and nothing from it is stored. Not an {@link UpstreamError}: upstream did not
 * fail, and other requests waiting for the same data do not share it.
 */
export class RateLimitedError extends QuantDbError {
  override readonly name = "RateLimitedError";
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, details: Record<string, unknown> = {}) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super("RATE_LIMITED", message, { ...details, retry_after_seconds: seconds });
    this.retryAfterSeconds = seconds;
  }
}
