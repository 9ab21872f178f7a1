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

/** Routes whose 200 bodies carry bars (`metadata.count`, or `results.*.metadata.count` for the batch). */
const ROWS_ROUTES = new Set(["/api/v1/historical/stock/:symbol", "/api/v1/stocks/stock/:symbol", "/api/v1/index/historical/:symbol", "/api/v1/batch/stocks"]);

/** The route pattern that matched (`/api/v1/historical/stock/:symbol`), or `unmatched`: never the raw path. */
export function routeLabel(c: Context): string {
  const path = routePath(c, -1);
  return path === "" || path === "*" || path === "/*" ? "unmatched" : path;
}

function countRows(body: unknown): number {
  if (typeof body !== "object" || body === null) return 0;
  const b = body as { metadata?: { count?: unknown }; results?: Record<string, { metadata?: { count?: unknown } }> };
  if (typeof b.metadata?.count === "number") return b.metadata.count;
  if (b.results && typeof b.results === "object") return Object.values(b.results).reduce((n, r) => n + (typeof r?.metadata?.count === "number" ? r.metadata.count : 0), 0);
  return 0;
}

/**
 * Counts the bars in history responses (`quantdb_rows_served_total`). Sits innermost, next to the
 * routes, so it sees bodies before any compression; the clone is parsed off the response path.
 */
export function rowsServed(metrics: AppMetrics): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const route = routeLabel(c);
    if (c.res.status !== 200 || !ROWS_ROUTES.has(route) || c.res.headers.has("content-encoding")) return;
    c.res
      .clone()
      .json()
      .then((body) => {
        const n = countRows(body);
        if (n > 0) metrics.rowsServed(route, n);
      })
      .catch(() => {});
  };
}

/** Request log + latency metrics. `metrics` may be undefined (metrics off). */
export function requestLog(options: { logger: Logger; metrics: AppMetrics | undefined; logClientIp: boolean }): MiddlewareHandler {
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
        const line: Record<string, unknown> = { method: c.req.method, route, path: c.req.path, status, duration_ms: Math.round(seconds * 1e5) / 100 };
        const key = c.get("apiKey");
        if (key) line.key = key.prefix;
        if (logClientIp) line.client_ip = c.get("clientIp");
        log[status >= 500 ? "error" : "info"](line, "request");
      }
    }
  };
}
