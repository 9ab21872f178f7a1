/**
 * One JSON log line and one latency observation per request: method, route pattern, status,
 * duration in ms and request id (and the client IP only when configured); and
 * {@link rowsServed}, the count of bars served by the history endpoints.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import type { AppMetrics } from "../observability/metrics.ts";
import "./types.ts";

/** The route pattern that matched (`/api/v1/historical/stock/:symbol`), or `unmatched`: never the raw path. */
function routeLabel(c: Context): string {
  const path = routePath(c, -1);
  return path === "" || path === "*" || path === "/*" ? "unmatched" : path;
}

/**
 * Counts the bars in history responses (`quantdb_rows_served_total`): the routes that serve bars
 * say how many (`c.set("rowsServed", n)`), so no body is read again to count them.
 */
export function rowsServed(metrics: AppMetrics): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const rows = c.get("rowsServed");
    if (rows && c.res.status === 200) metrics.rowsServed(routeLabel(c), rows);
  };
}

/** Request log + latency metrics. `metrics` may be undefined (metrics off). */
export function requestLog(options: {
  logger: Logger;
  metrics: AppMetrics | undefined;
  logClientIp: boolean;
}): MiddlewareHandler {
  const { logger, metrics, logClientIp } = options;
  return async (c, next) => {
    const started = performance.now();
    const requestId = c.get("requestId");
    const log = logger.child({ req_id: requestId });
    c.set("logger", log);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = routeLabel(c);
      const status = c.res.status;
      metrics?.observeRequest({ method: c.req.method, route, status }, seconds);
      if (log.isLevelEnabled("info")) {
        const line: Record<string, unknown> = {
          method: c.req.method,
          route,
          path: c.req.path,
          status,
          duration_ms: Math.round(seconds * 1e5) / 100,
        };
        const key = c.get("apiKey");
        if (key) line.key = key.prefix;
        if (logClientIp) line.client_ip = c.get("clientIp");
        log[status >= 500 ? "error" : "info"](line, "request");
      }
    }
  };
}
