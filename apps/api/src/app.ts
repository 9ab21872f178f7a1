/**
 * The HTTP app: routes, OpenAPI document, docs page and the error envelope. Transport only: every
 * rule lives in @quantdb/core.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import type { AppEnv, Services } from "./context.ts";
import { errorResponse, handleError } from "./errors.ts";
import { registerAktoolsRoutes } from "./routes/aktools/index.ts";
import { registerBatchAssets } from "./routes/batch/assets.ts";
import { registerBatchStocks } from "./routes/batch/stocks.ts";
import { registerCacheManagement } from "./routes/cache/manage.ts";
import { registerRefreshCache } from "./routes/cache/refresh.ts";
import { registerGetVersion } from "./routes/version/get.ts";
import { registerCalendarRoutes } from "./routes/calendar/index.ts";
import { registerFinancialRoutes } from "./routes/financial/index.ts";
import { registerGetHealth } from "./routes/health/get.ts";
import { registerGetStockHistory } from "./routes/history/get.ts";
import { registerRealtimeRoutes } from "./routes/realtime/index.ts";
import { registerGetIndexHistory } from "./routes/index/historical.ts";
import { registerListRoutes } from "./routes/lists/index.ts";

/** Version reported in the OpenAPI document (the package version). */
export const API_VERSION = "0.1.0";

/** Turn a route path with `:param` segments into a matcher. */
function pathMatcher(path: string): RegExp {
  const pattern = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_][A-Za-z0-9_]*/g, "[^/]+");
  return new RegExp(`^${pattern}/?$`);
}

/** Build the app around already-constructed services. */
export function createApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Request validation failures get the same envelope as every other error.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue?.path.join(".") || "request";
        return errorResponse(c, "VALIDATION_ERROR", `Invalid ${field}: ${issue?.message ?? "bad value"}`, 400, {
          issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        });
      }
      return undefined;
    },
  });

  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });

  registerGetHealth(app);
  registerGetStockHistory(app);
  registerGetIndexHistory(app);
  registerCalendarRoutes(app);
  registerRefreshCache(app);
  registerFinancialRoutes(app);
  registerRealtimeRoutes(app);
  registerListRoutes(app);
  registerCacheManagement(app);
  registerBatchStocks(app);
  registerBatchAssets(app);
  registerGetVersion(app, API_VERSION);
  registerAktoolsRoutes(app);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "QuantDB API",
      version: API_VERSION,
      description:
        "A trading-calendar-aware cache in front of Eastmoney for Chinese A-share (SH, SZ, BJ) and Hong Kong market data. " +
        "Dates are exchange-local (Asia/Shanghai, Asia/Hong_Kong). Every error has the envelope {error: {code, message, status, details?}}.",
    },
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "QuantDB API" }));

  app.notFound((c) => {
    const known = app.routes.filter((r) => r.method !== "ALL" && pathMatcher(r.path).test(c.req.path));
    if (known.length > 0) {
      const allowed = [...new Set(known.map((r) => r.method))].join(", ");
      c.header("Allow", allowed);
      return errorResponse(c, "METHOD_NOT_ALLOWED", `Method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed}`, 405);
    }
    return errorResponse(c, "NOT_FOUND", `No such path: ${c.req.path}`, 404);
  });
  app.onError(handleError);
  return app;
}
