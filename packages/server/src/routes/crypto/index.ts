/** The crypto endpoints (issue 17): history, markets, tickers. The calendar is `/api/v1/calendar/CRYPTO`. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { registerGetCryptoHistory } from "./history.ts";
import { registerCryptoMarkets } from "./markets.ts";
import { registerCryptoRealtime } from "./realtime.ts";

/** Register every crypto operation on the app. */
export function registerCryptoRoutes(app: OpenAPIHono<AppEnv>): void {
  registerGetCryptoHistory(app);
  registerCryptoMarkets(app);
  registerCryptoRealtime(app);
}
