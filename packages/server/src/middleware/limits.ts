/**
 * Request size limits: the request target (path + query) and the body. Both answer in the error
 * envelope: 414 `URI_TOO_LONG`, 413 `PAYLOAD_TOO_LARGE`. (Node itself answers 431 without a body
 * for request heads over its own 16 KiB limit.)
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorResponse } from "../errors.ts";

/**
 * 414 for a request target longer than `maxUrlLength` characters; 413 for a body over `maxBodyBytes`
 * (declared Content-Length or counted while streaming). Requests that declare no body (neither
 * Content-Length nor Transfer-Encoding: every ordinary GET) skip the body check, because merely
 * looking for a body makes the Node adapter build a full WHATWG Request on every request. (A GET's
 * body is never read, as before.) One middleware for both: each level of the chain costs every request.
 */
export function requestLimits(maxUrlLength: number, maxBodyBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      errorResponse(c, "PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBodyBytes} bytes.`, 413, {
        max_bytes: maxBodyBytes,
      }),
  });
  return async (c, next) => {
    const url = c.req.url;
    const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    if (target.length > maxUrlLength) {
      return errorResponse(
        c,
        "URI_TOO_LONG",
        `The request path and query are ${target.length} characters long; at most ${maxUrlLength} are accepted.`,
        414,
        { max_length: maxUrlLength },
      );
    }
    if (c.req.header("content-length") === undefined && c.req.header("transfer-encoding") === undefined) return next();
    return limit(c, next);
  };
}
