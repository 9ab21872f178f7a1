/**
 * The HTTP app: routes, OpenAPI document, docs page and the error envelope. Transport only: every
 * rule lives in @quantdb/core.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { systemClock } from "@quantdb/core/clock";
import { cors } from "hono/cors";
import { apiKeyAuth } from "./middleware/auth.ts";
import { clientIp } from "./middleware/client-ip.ts";
import { requestLimits } from "./middleware/limits.ts";
import type { HttpOptions } from "./middleware/options.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { edge } from "./middleware/edge.ts";
import { silentLogger } from "./observability/logger.ts";
import { createMetrics } from "./observability/metrics.ts";
import type { AppEnv, Services } from "./context.ts";
import { errorResponse, handleError } from "./errors.ts";
import { registerAktoolsRoutes } from "./routes/aktools/index.ts";
import { registerBatchAssets } from "./routes/batch/assets.ts";
import { registerBatchStocks } from "./routes/batch/stocks.ts";
import { registerCacheManagement } from "./routes/cache/manage.ts";
import { registerRefreshCache } from "./routes/cache/refresh.ts";
import { registerGetVersion } from "./routes/version/get.ts";
import { registerCalendarRoutes } from "./routes/calendar/index.ts";
import { registerCryptoRoutes } from "./routes/crypto/index.ts";
import { registerGetIndicators } from "./routes/indicators/get.ts";
import { registerScreen } from "./routes/screen/post.ts";
import { registerStreamQuotes } from "./routes/stream/quotes.ts";
import { registerStreamTokens } from "./routes/stream/tokens.ts";
import { registerStreamWebSocket } from "./routes/stream/ws.ts";
import { registerDocs } from "./routes/docs.ts";
import { registerFinancialRoutes } from "./routes/financial/index.ts";
import { registerGetHealth } from "./routes/health/get.ts";
import { registerGetStockHistory } from "./routes/history/get.ts";
import { registerRealtimeRoutes } from "./routes/realtime/index.ts";
import { registerGetIndexHistory } from "./routes/index/historical.ts";
import { registerListRoutes } from "./routes/lists/index.ts";
import { registerJobRoutes } from "./routes/jobs/list.ts";
import { registerKeyRoutes } from "./routes/keys/index.ts";

/** Version reported in the OpenAPI document (the package version). */
const API_VERSION = "0.1.0";

/** Turn a route path with `:param` segments into a matcher. */
function pathMatcher(path: string): RegExp {
  const pattern = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_][A-Za-z0-9_]*/g, "[^/]+");
  return new RegExp(`^${pattern}/?$`);
}

/** Every answer varies by Origin (CORS) and Accept-Encoding (compression, and the cached variants). */
const VARY = "Origin, Accept-Encoding";

/** Headers a browser may send cross-origin (Last-Event-ID: the SDK's stream reconnects), and read back. */
const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "X-Request-Id", "Last-Event-ID"];
const CORS_EXPOSE_HEADERS = [
  "X-Request-Id",
  "Retry-After",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "ETag",
  "X-QuantDB-Complete",
];

/**
 * Build the app around already-constructed services.
 *
 * Middleware order: edge (request id, Server-Timing, security headers, Vary, compression, request log and
 * metrics) → CORS (requests with Origin) → size limits → client IP → API-key auth → rate limit → routes; client IP,
 * auth and the rate limit only when configured.
 * Without `http` options the app is open (auth off, no rate limit, silent log): the server entry
 * passes the environment's (default auth `admin`).
 * @throws when `http.auth` is not "off" and no `http.apiKeys` store is given.
 */
export function createApp(services: Services, http: HttpOptions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // `/health/` is `/health`: a trailing slash names the same route on every path.
    strict: false,
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

  const metrics =
    http.metrics === false
      ? undefined
      : createMetrics({
          history: () => services.history.stats(),
          upstream: () => services.upstreamHealth.snapshot(),
          processMetrics: http.processMetrics ?? false,
        });
  const corsOrigins = http.corsOrigins ?? ["http://localhost:3000"];

  // One middleware for everything done after the route answers (see middleware/edge.ts).
  app.use(
    "*",
    edge({
      logger: http.logger ?? silentLogger(),
      metrics,
      logClientIp: http.logClientIp ?? false,
      secureHeaders: { crossOriginResourcePolicy: "same-site" },
      vary: VARY,
      services,
    }),
  );
  const corsHandler = cors({
    origin: corsOrigins.includes("*") ? "*" : corsOrigins,
    allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: 600,
  });
  // Browsers send Origin with every cross-origin request; only those need CORS headers. Vary is set
  // before cors appends Origin to it, so it keeps Accept-Encoding.
  app.use("*", (c, next) => {
    if (c.req.header("origin") === undefined) return next();
    c.header("Vary", VARY);
    return corsHandler(c, next);
  });
  app.use("*", requestLimits(http.maxUrlLength ?? 4096, http.maxBodyBytes ?? 65_536));
  // Only what this configuration uses is in the chain: each level costs every request, cache hits included.
  const auth = http.auth ?? "off";
  // The stream limit counts callers without a key by their IP.
  if (auth !== "off" || http.rateLimitPerMinute || http.logClientIp || services.streamSlots.max !== undefined)
    app.use("*", clientIp(http.trustProxy ?? 0));
  const streamTokenClock = http.streamTokenClock ?? systemClock;
  if (auth !== "off")
    app.use(
      "*",
      apiKeyAuth({
        mode: auth,
        store: http.apiKeys,
        localAdminToken: http.localAdminToken,
        metricsPublic: http.metricsPublic ?? false,
        metrics,
        now: () => services.clock.now(),
        streamTokenClock,
        failuresPerMinute: http.authFailuresPerMinute ?? false,
      }),
    );
  if (http.rateLimitPerMinute)
    app.use(
      "*",
      rateLimit({
        pointsPerMinute: http.rateLimitPerMinute,
        clock: http.rateLimitClock,
        metrics,
      }),
    );

  if (metrics) {
    /** `GET /metrics`: Prometheus text format (not in the OpenAPI document). */
    app.get("/metrics", async (c) => {
      c.header("Content-Type", metrics.registry.contentType);
      c.header("Cache-Control", "no-store");
      return c.body(await metrics.registry.metrics(), 200);
    });
  }

  registerGetHealth(app);
  registerGetStockHistory(app);
  registerGetIndexHistory(app);
  registerCalendarRoutes(app);
  registerRefreshCache(app);
  registerFinancialRoutes(app);
  registerRealtimeRoutes(app);
  registerCryptoRoutes(app);
  registerGetIndicators(app);
  registerScreen(app);
  registerStreamQuotes(app);
  registerStreamTokens(app, { auth, clock: streamTokenClock, ttlSeconds: http.streamTokenTtlSeconds });
  registerStreamWebSocket(app, { pingIntervalMs: http.webSocketPingMs ?? 15_000 });
  registerListRoutes(app);
  registerCacheManagement(app);
  registerBatchStocks(app);
  registerBatchAssets(app);
  registerGetVersion(app, API_VERSION);
  registerAktoolsRoutes(app);
  registerJobRoutes(app);
  registerKeyRoutes(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description:
      "An API key (`qdb_…`, made with `quantdb keys create`) as `Authorization: Bearer <key>`. Needed for " +
      "admin operations (QUANTDB_AUTH=admin, the default) or for every endpoint but /health and /ready " +
      "(QUANTDB_AUTH=all).",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "QuantDB API",
      version: API_VERSION,
      description:
        "A trading-calendar-aware cache in front of Eastmoney for Chinese A-share (SH, SZ, BJ) and Hong Kong " +
        "market data. Dates are exchange-local (Asia/Shanghai, Asia/Hong_Kong). " +
        "Every error has the envelope {error: {code, message, status, details?}}.",
    },
    security: [{ bearerAuth: [] }, {}],
  });
  registerDocs(app);

  app.notFound((c) => {
    const known = app.routes.filter((r) => r.method !== "ALL" && pathMatcher(r.path).test(c.req.path));
    if (known.length > 0) {
      const allowed = [...new Set(known.map((r) => r.method))].join(", ");
      c.header("Allow", allowed);
      return errorResponse(
        c,
        "METHOD_NOT_ALLOWED",
        `Method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed}`,
        405,
      );
    }
    return errorResponse(c, "NOT_FOUND", `No such path: ${c.req.path}`, 404);
  });
  app.onError(handleError);
  return app;
}
