/**
 * The exchange calendar endpoints: `GET /api/v1/calendar/{market}` (sessions in a range) and
 * `GET /api/v1/calendar/{market}/sessions/{date}` (one date and its neighbours), and the admin
 * extensions `POST /api/v1/calendar/CN/extend` and `POST /api/v1/calendar/HK/holidays`.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { registerExtendCalendar } from "./extend.ts";
import { registerListCalendarSessions } from "./list.ts";
import { registerGetCalendarDate } from "./session.ts";

/** Register every calendar operation on the app. */
export function registerCalendarRoutes(app: OpenAPIHono<AppEnv>): void {
  registerListCalendarSessions(app);
  registerGetCalendarDate(app);
  registerExtendCalendar(app);
}
