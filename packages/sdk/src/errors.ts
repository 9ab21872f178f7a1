/**
 * The one error class of the SDK: every failed call rejects with a {@link QuantDbApiError}.
 */
import type { components } from "./openapi.d.ts";
import type { ApiErrorBody } from "./types.ts";

/**
 * Codes the client itself produces (status 0 unless noted):
 * - `NETWORK_ERROR`: the request never got an HTTP answer (DNS, refused or reset connection); retried.
 * - `TIMEOUT`: an attempt took longer than `timeoutMs`; retried.
 * - `ABORTED`: the caller's `signal` aborted the call; never retried.
 * - `INVALID_RESPONSE`: a 2xx answer whose body is not JSON (status = the HTTP status); never retried.
 * - `HTTP_ERROR`: an error status without QuantDB's envelope, e.g. from a proxy (status = the HTTP
 *   status); retried when 5xx.
 */
export type ClientErrorCode = "NETWORK_ERROR" | "TIMEOUT" | "ABORTED" | "INVALID_RESPONSE" | "HTTP_ERROR";

/**
 * A code of the API's error envelope (`error.code`), generated from the server's OpenAPI document,
 * whose list is core's `ERROR_CODES`: `INVALID_SYMBOL`, `INVALID_DATE`, `INVALID_RANGE`,
 * `INVALID_ADJUST`, `INVALID_PERIOD`, `VALIDATION_ERROR` (400), `UNAUTHORIZED` (401), `FORBIDDEN`
 * (403), `NOT_FOUND` (404), `METHOD_NOT_ALLOWED` (405), `CALENDAR_CONFLICT` (409),
 * `PAYLOAD_TOO_LARGE` (413), `URI_TOO_LONG` (414), `RATE_LIMITED`, `TOO_MANY_STREAMS` (429),
 * `INTERNAL_ERROR` (500),
 * `UPSTREAM_UNAVAILABLE`, `UPSTREAM_INVALID` (502; `UPSTREAM_UNAVAILABLE` 503 with Retry-After),
 * `DATABASE_UNAVAILABLE`, `MIGRATIONS_PENDING` (503), `UPSTREAM_TIMEOUT` (504).
 */
export type ApiErrorCode = components["schemas"]["Error"]["error"]["code"];

/** A {@link ClientErrorCode} or an {@link ApiErrorCode}. */
export type QuantDbErrorCode = ClientErrorCode | ApiErrorCode;

/** What a {@link QuantDbApiError} is built from. */
export interface QuantDbApiErrorInit {
  /** Machine-readable code: the envelope's `error.code` or a {@link ClientErrorCode}. */
  code: QuantDbErrorCode;
  /** HTTP status; 0 when there was no HTTP answer (network error, timeout, abort). */
  status: number;
  /** What went wrong, for people. */
  message: string;
  /** The envelope's `error.details` (the offending value, accepted values, upstream problems). */
  details?: ApiErrorBody["details"];
  /** The underlying error (a fetch `TypeError`, an abort reason, a JSON `SyntaxError`). */
  cause?: unknown;
}

/**
 * Every failure of a client call: an API error envelope (`code` from `error.code`, `status` the HTTP
 * status), or a client-side failure (`NETWORK_ERROR`, `TIMEOUT`, `ABORTED` with status 0;
 * `INVALID_RESPONSE`, `HTTP_ERROR` with the HTTP status).
 *
 * Retries happen before you see this error: network errors, timeouts and 5xx answers are retried
 * (`retries` times, exponential backoff with jitter); 4xx answers, `INVALID_RESPONSE` and `ABORTED`
 * never are. The error you get is the last attempt's.
 *
 * @example
 * try {
 *   await client.getHistory("ABC", { days: 5 });
 * } catch (error) {
 *   if (error instanceof QuantDbApiError && error.code === "INVALID_SYMBOL") console.log(error.status, error.details);
 *   // 400 else throw error;
 * }
 */
export class QuantDbApiError extends Error {
  /** Always `"QuantDbApiError"`. */
  override readonly name: "QuantDbApiError" = "QuantDbApiError";
  /** The envelope's `error.code` (e.g. `INVALID_SYMBOL`, `UPSTREAM_UNAVAILABLE`) or a {@link ClientErrorCode}. */
  readonly code: QuantDbErrorCode;
  /** HTTP status (400, 404, 502, …); 0 for `NETWORK_ERROR`, `TIMEOUT` and `ABORTED`. */
  readonly status: number;
  /**
   * The envelope's `error.details`, when the server sent any; for `HTTP_ERROR` / `INVALID_RESPONSE`, `{ body }` (the
   * first 500 characters).
   */
  readonly details: ApiErrorBody["details"];

  /**
   * @param init - code, status, message, optional details and cause.
   * @example new QuantDbApiError({ code: "TIMEOUT", status: 0, message: "GET /health timed out after 1000 ms" })
   */
  constructor(init: QuantDbApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
  }

  /** Whether a retry may succeed: network errors, timeouts and 5xx answers. */
  get retryable(): boolean {
    return this.code === "NETWORK_ERROR" || this.code === "TIMEOUT" || this.status >= 500;
  }
}
