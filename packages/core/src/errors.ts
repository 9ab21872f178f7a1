/**
 * Domain errors. Each carries a stable machine-readable `code` that transports map to an HTTP
 * status (see {@link httpStatusFor}); messages are safe to show to users (no stack traces, no paths).
 */

/** Every error code QuantDB reports. Stable: clients may switch on them. */
export type ErrorCode =
  | "INVALID_SYMBOL"
  | "INVALID_DATE"
  | "INVALID_RANGE"
  | "INVALID_ADJUST"
  | "INVALID_PERIOD"
  | "VALIDATION_ERROR"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CALENDAR_CONFLICT"
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_TIMEOUT"
  | "UPSTREAM_INVALID"
  | "INTERNAL_ERROR";

const STATUS: Record<ErrorCode, number> = {
  INVALID_SYMBOL: 400,
  INVALID_DATE: 400,
  INVALID_RANGE: 400,
  INVALID_ADJUST: 400,
  INVALID_PERIOD: 400,
  VALIDATION_ERROR: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CALENDAR_CONFLICT: 409,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_INVALID: 502,
  UPSTREAM_TIMEOUT: 504,
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
