/**
 * Request size limits: the request target (path + query) and the body. Both answer in the error
 * envelope: 414 `URI_TOO_LONG`, 413 `PAYLOAD_TOO_LARGE`. (Node itself answers 431 without a body
 * for request heads over its own 16 KiB limit.)
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorResponse } from "../errors.ts";

/** 414 for a request target longer than `maxLength` characters. */
export function urlLimit(maxLength: number): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    if (target.length > maxLength) {
      return errorResponse(
        c,
        "URI_TOO_LONG",
        `The request path and query are ${target.length} characters long; at most ${maxLength} are accepted.`,
        414,
        { max_length: maxLength },
      );
    }
    await next();
  };
}

/**
 * 413 for a body over `maxBytes` (declared Content-Length or counted while streaming). Requests
 * that declare no body (neither Content-Length nor Transfer-Encoding: every ordinary GET) skip
 * the check, because merely looking for a body makes the Node adapter build a full WHATWG Request
 * on every request. (A GET's body is never read, as before.)
 */
export function bodySizeLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      errorResponse(c, "PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes.`, 413, {
        max_bytes: maxBytes,
      }),
  });
  return async (c, next) => {
    if (c.req.header("content-length") === undefined && c.req.header("transfer-encoding") === undefined) return next();
    return limit(c, next);
  };
}
