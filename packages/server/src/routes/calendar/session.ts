import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { describeDate, parseCalendarMarket } from "@quantdb/core/calendar";
import { parseDateParam } from "@quantdb/core/params";
import {
  CalendarDateResponseSchema,
  HORIZON_NOTE,
  MarketDateParams,
  SOURCES_NOTE,
  sessionHoursBody,
} from "./schema.ts";

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
    200: {
      description: "What the calendar knows about the date",
      content: { "application/json": { schema: CalendarDateResponseSchema } },
    },
    ...openApiErrorResponses,
  },
});

/** `GET /api/v1/calendar/{market}/sessions/{date}`. */
export function registerGetCalendarDate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { calendarHorizon } = c.get("services");
    const id = parseCalendarMarket(params.market);
    const date = parseDateParam("date", params.date);
    await calendarHorizon.ensureThrough(id, date, c.req.raw.signal);
    const { known: calendar, withProvisional, provisionalThrough } = calendarHorizon.provisional(id);
    const status = describeDate(calendar, date);
    const predicted =
      !status.known && provisionalThrough !== null && date <= provisionalThrough
        ? describeDate(withProvisional, date)
        : null;
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
      provisional: predicted && {
        is_session: predicted.isSession === true,
        session: predicted.session && sessionHoursBody(predicted.session),
        previous: predicted.previous,
        next: predicted.next,
      },
      provisional_through: provisionalThrough,
    };
    return c.json(body, 200);
  });
}
