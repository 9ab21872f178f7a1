import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { describeDate, getCalendar, parseCalendarMarket } from "@quantdb/core/calendar";
import { parseDateParam } from "@quantdb/core/params";
import { CalendarDateResponseSchema, HORIZON_NOTE, MarketDateParams, SOURCES_NOTE, sessionHoursBody } from "./schema.ts";

const description = `Whether one exchange-local date is a trading session, its hours if so, and the sessions
strictly before and after it.

${HORIZON_NOTE} For such a date known is false and is_session is null; known is true otherwise.
Dates before the first session (CN: 1990-12-19; HK: 1990-01-02) are reported as closed.

${SOURCES_NOTE}`;

const route = createRoute({
  method: "get",
  path: "/api/v1/calendar/{market}/sessions/{date}",
  operationId: "getCalendarDate",
  tags: ["Calendar"],
  summary: "Whether a date is a trading session, and its neighbours",
  description,
  request: { params: MarketDateParams },
  responses: {
    200: { description: "What the calendar knows about the date", content: { "application/json": { schema: CalendarDateResponseSchema } } },
    ...openApiErrorResponses,
  },
});

/** `GET /api/v1/calendar/{market}/sessions/{date}`. */
export function registerGetCalendarDate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const params = c.req.valid("param");
    const calendar = getCalendar(parseCalendarMarket(params.market));
    const status = describeDate(calendar, parseDateParam("date", params.date));
    const body: z.infer<typeof CalendarDateResponseSchema> = {
      market: calendar.id,
      timezone: calendar.timeZone,
      date: status.date,
      known: status.known,
      is_session: status.isSession,
      session: status.session && sessionHoursBody(status.session),
      previous: status.previous,
      next: status.next,
      known_through: calendar.knownThrough,
    };
    return c.json(body, 200);
  });
}
