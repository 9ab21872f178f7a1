/**
 * The financial-summary endpoints: `GET /api/v1/financial/{symbol}/summary` and its alias
 * `GET /api/v1/financial/{symbol}`.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { registerGetFinancialSummary } from "./summary.ts";

/** Register every financial operation on the app. */
export function registerFinancialRoutes(app: OpenAPIHono<AppEnv>): void {
  registerGetFinancialSummary(app);
}
