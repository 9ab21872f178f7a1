import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { parseCalendarRange, sessionsWithHours } from "@quantdb/core/calendar";
import { addCalendarDays } from "@quantdb/core/dates";
import {
  CalendarRangeQuerySchema,
  CalendarRangeResponseSchema,
  HORIZON_NOTE,
  MarketParam,
  SOURCES_NOTE,
  sessionHoursBody,
} from "./schema.ts";

const description = `The trading sessions of an exchange calendar in a date range, with their hours: what
QuantDB's history cache uses to decide which sessions of a request it holds and which it must fetch.
With no dates, the current year on the exchange.

${HORIZON_NOTE} A range reaching past known_through is clipped there.

${SOURCES_NOTE}`;

const route = createRoute({
  method: "get",
  path: "/api/v1/calendar/{market}",
  operationId: "getTradingCalendar",
  tags: ["Calendar"],
  summary: "Trading sessions of an exchange in a date range",
  description,
  request: { params: MarketParam, query: CalendarRangeQuerySchema },
  responses: {
    200: {
      description: "Sessions in ascending date order",
      content: { "application/json": { schema: CalendarRangeResponseSchema } },
    },
    ...openApiErrorResponses,
  },
});

/** `GET /api/v1/calendar/{market}`. */
export function registerListCalendarSessions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { services } = c.var;
    const input = { market: c.req.valid("param").market, ...c.req.valid("query") };
    const requested = parseCalendarRange(input, services.clock, services.calendars);
    await services.calendarHorizon.ensureThrough(requested.calendar.id, requested.end, c.req.raw.signal);
    const { start, end } = requested;
    const {
      known: calendar,
      withProvisional,
      provisionalThrough,
    } = services.calendarHorizon.provisional(requested.calendar.id);
    const provisionalStart = start > calendar.knownThrough ? start : addCalendarDays(calendar.knownThrough, 1);
    const body: z.infer<typeof CalendarRangeResponseSchema> = {
      market: calendar.id,
      timezone: calendar.timeZone,
      start_date: start,
      end_date: end,
      known_through: calendar.knownThrough,
      sessions: sessionsWithHours(calendar, start, end).map(sessionHoursBody),
      provisional_through: provisionalThrough,
      provisional_sessions: provisionalThrough
        ? sessionsWithHours(withProvisional, provisionalStart, end).map(sessionHoursBody)
        : [],
    };
    return c.json(body, 200);
  });
}
