/**
 * The realtime quote endpoints: `GET /api/v1/realtime/stock/{symbol}` and `POST /api/v1/realtime/batch`,
 * served by the core `QuoteService` (`@quantdb/core/realtime`).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { registerRealtimeBatch } from "./batch.ts";
import { registerGetRealtimeQuote } from "./get.ts";

/** Register every realtime operation on the app. */
export function registerRealtimeRoutes(app: OpenAPIHono<AppEnv>): void {
  registerGetRealtimeQuote(app);
  registerRealtimeBatch(app);
}
