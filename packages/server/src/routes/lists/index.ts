/**
 * The stock list and asset endpoints: `GET /api/v1/stocks/list` (daily market snapshots),
 * `GET /api/v1/assets/symbol/{symbol}` (company information) and `GET /api/v1/assets` (held instruments).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { registerAssetRoutes } from "./assets.ts";
import { registerGetStockList } from "./stocks.ts";

/** Register every list operation on the app. */
export function registerListRoutes(app: OpenAPIHono<AppEnv>): void {
  registerGetStockList(app);
  registerAssetRoutes(app);
}
