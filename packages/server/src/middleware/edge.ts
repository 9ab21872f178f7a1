/**
 * The first middleware of every request, and the only one that works after the route has answered:
 * request id, Server-Timing, security headers, `Vary`, on-the-fly compression, one log line and the
 * request metrics. Folded into one so that a cache hit pays for one middleware, not seven.
 *
 * The headers every answer carries are computed once (the security headers are hono/secure-headers'
 * own values, captured at the first request) and kept per request in a plain object,
 * `c.var.edge.headers`. A route that answers with {@link respond} sends them in the same plain object
 * as its own headers: Node writes it as it is, with no WHATWG `Headers` built, no header set after
 * the answer exists and nothing compressed again. Any other answer gets them added afterwards,
 * and is compressed on the fly (hono/compress: gzip or deflate) when the client asks.
 */
import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { routePath } from "hono/route";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "pino";
import type { Services } from "../context.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import "./types.ts";

/** Per-request state of the edge middleware (`c.var.edge`). */
export interface EdgeState {
  /** performance.now() when the request arrived. */
  started: number;
  /**
   * Headers every answer to this request carries (security headers, `Vary`, `X-Request-Id`); later
   * middleware adds its own here (e.g. `RateLimit-*`) instead of calling `c.header`.
   */
  headers: Record<string, string>;
  /** Whether something called `c.header()` before the route answered (then {@link respond} goes through Hono). */
  prepared: boolean;
  /** Whether the answer was built by {@link respond} with every header in place. */
  plain: boolean;
  /** The request's logger (bound to `req_id`), made on first use: most requests log nothing but their line. */
  logger(): Logger;
}

/** Incoming X-Request-Id values kept as they are: at most 128 word characters, `-` and `=`. */
const REQUEST_ID = /^[\w\-=]{1,128}$/;

/** The route pattern that matched (`/api/v1/historical/stock/:symbol`), or `unmatched`: never the raw path. */
function routeLabel(c: Context): string {
  const path = routePath(c, -1);
  return path === "" || path === "*" || path === "/*" ? "unmatched" : path;
}

const serverTiming = (ms: number) => `total;dur=${Math.round(ms * 10) / 10};desc="QuantDB"`;

/** Options of hono/secure-headers. */
type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

/** hono/secure-headers' headers for `options`, read once from the middleware itself. */
async function secureHeaderValues(options: SecureHeadersOptions): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const headers = {
    has: (name: string) => name in values,
    set: (name: string, value: string) => (values[name] = value),
    delete: (name: string) => delete values[name],
  };
  const context = { res: { headers }, req: {}, get: () => undefined, set: () => undefined };
  await secureHeaders(options)(context as unknown as Context, async () => {});
  return values;
}

/** The header of `@hono/node-server`'s RESPONSE_ALREADY_SENT (a route answered through the Node response). */
const ALREADY_SENT = "x-hono-already-sent";

/** Options of {@link edge}. */
export interface EdgeOptions {
  logger: Logger;
  /** Request metrics; undefined when metrics are off. */
  metrics: AppMetrics | undefined;
  /** Whether log lines carry the client IP. */
  logClientIp: boolean;
  secureHeaders: SecureHeadersOptions;
  /** `Vary` of every answer. */
  vary: string;
  /** The running system's services (`c.get("services")` for every route). */
  services: Services;
}

/** The edge middleware (see the module comment). */
export function edge(options: EdgeOptions): MiddlewareHandler {
  const { logger, metrics, logClientIp } = options;
  let shared: Record<string, string> | undefined;
  const ready = secureHeaderValues(options.secureHeaders).then(
    (values) => (shared = { ...values, Vary: options.vary }),
  );
  const onTheFly = compress();
  const noop = async () => {};
  return async (c, next) => {
    const started = performance.now();
    let id = c.req.header("x-request-id");
    if (id === undefined || !REQUEST_ID.test(id)) id = randomUUID();
    c.set("requestId", id);
    let log: Logger | undefined;
    const requestId = id;
    const state: EdgeState = {
      started,
      headers: { ...(shared ?? (await ready)), "X-Request-Id": id },
      prepared: false,
      plain: false,
      logger: () => (log ??= logger.child({ req_id: requestId })),
    };
    c.set("edge", state);
    c.set("services", options.services);
    const header = c.header;
    c.header = ((...args: Parameters<typeof header>) => {
      state.prepared = true;
      return header(...args);
    }) as typeof header;
    try {
      await next();
    } finally {
      // A route that wrote to the Node response itself (the live-quote stream) has sent its headers.
      if (!state.plain && !c.res.headers.has(ALREADY_SENT)) {
        const headers = c.res.headers;
        for (const name in state.headers) if (!headers.has(name)) headers.set(name, state.headers[name]!);
        if (c.req.header("accept-encoding") !== undefined) await onTheFly(c, noop);
        c.res.headers.append("Server-Timing", serverTiming(performance.now() - started));
      }
      const status = c.res.status;
      const logged = logger.isLevelEnabled("info");
      const route = metrics || logged ? routeLabel(c) : "";
      if (metrics) {
        metrics.observeRequest({ method: c.req.method, route, status }, (performance.now() - started) / 1000);
        const rows = c.get("rowsServed");
        if (rows && status === 200) metrics.rowsServed(route, rows);
      }
      if (logged) {
        const line: Record<string, unknown> = {
          method: c.req.method,
          route,
          path: c.req.path,
          status,
          duration_ms: Math.round((performance.now() - started) * 100) / 100,
        };
        const key = c.get("apiKey");
        if (key) line.key = key.prefix;
        if (logClientIp) line.client_ip = c.get("clientIp");
        state.logger()[status >= 500 ? "error" : "info"](line, "request");
      }
    }
  };
}

/**
 * Set a header every answer to this request carries: into the edge's shared headers (so an answer
 * built by {@link respond} stays one plain object), or with `c.header` when the app runs without the
 * edge middleware. Only for middleware that runs before the route answers.
 */
export function answerHeader(c: Context, name: string, value: string): void {
  const shared = c.get("edge")?.headers;
  if (shared) shared[name] = value;
  else c.header(name, value);
}

/**
 * An answer with every header in one plain object: the edge's shared headers, `headers` and
 * Server-Timing. Falls back to `c.body` (the edge then adds its headers afterwards) when the app
 * runs without the edge middleware or something already called `c.header()` for this request.
 * @param status 200 with a body, 304 without one
 * @param body bytes to send as they are (already compressed when `headers` say so), or null (304).
 */
export function respond(
  c: Context,
  status: 200 | 304,
  body: Uint8Array | null,
  headers: Record<string, string>,
): Response {
  const state = c.get("edge");
  if (state === undefined || state.prepared)
    return body === null ? c.body(null, status, headers) : c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  state.plain = true;
  const all = Object.assign(state.headers, headers);
  all["Server-Timing"] = serverTiming(performance.now() - state.started);
  return new Response(body as Uint8Array<ArrayBuffer> | null, { status, headers: all });
}
