import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { MARKET_IDS } from "@quantdb/core/markets";
import type { AppEnv } from "../../context.ts";
import { ErrorSchema, openApiErrorResponses } from "../../errors.ts";

const ExtensionOutcomeSchema = z
  .object({
    calendar: z.enum(MARKET_IDS),
    known_through: z
      .string()
      .openapi({ description: "The calendar's horizon after the extension", example: "2027-12-31" }),
    added_sessions: z
      .number()
      .int()
      .openapi({ description: "Sessions added; 0 when the source had nothing beyond the horizon", example: 244 }),
    source: z.string().openapi({ example: "sina:klc_td_sh" }),
  })
  .openapi("CalendarExtension");

const conflict = {
  409: {
    description: "The source disagrees with the known past (CALENDAR_CONFLICT); nothing changed",
    content: { "application/json": { schema: ErrorSchema } },
  },
};

const HkHolidaysSchema = z
  .object({
    year: z
      .number()
      .int()
      .openapi({ description: "The year after the HK calendar's current known_through", example: 2027 }),
    holidays: z.array(z.string()).openapi({
      description: "HKEX full-day closures on weekdays that year, YYYY-MM-DD (leave out Saturday holidays)",
      example: ["2027-01-01", "2027-02-08"],
    }),
    half_days: z
      .array(z.string())
      .default([])
      .openapi({
        description: "Morning-only sessions (close 12:00), YYYY-MM-DD",
        example: ["2027-12-24", "2027-12-31"],
      }),
  })
  .openapi("HkHolidayList");

/**
 * `POST /api/v1/calendar/CN/extend` and `POST /api/v1/calendar/HK/holidays`: add the next year to
 * a calendar (admin endpoints; open until API keys exist).
 */
export function registerExtendCalendar(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/calendar/CN/extend",
      operationId: "extendCnCalendar",
      tags: ["Calendar"],
      summary: "Extend the A-share calendar from Sina's trading-date list",
      description:
        "Fetches Sina's A-share trading-date list (klc_td_sh.txt; published through 31 December of the current " +
        "year), decodes it, checks it against every known date from 1990-12-19 to the horizon, and adds the " +
        "sessions after the horizon. A list that disagrees with the known past is refused (409): the past is " +
        "never rewritten silently. Stored and re-applied at every start. Admin endpoint.",
      responses: {
        200: {
          description: "The extension (possibly empty)",
          content: { "application/json": { schema: ExtensionOutcomeSchema } },
        },
        ...openApiErrorResponses,
        ...conflict,
      },
    }),
    async (c) => c.json(await c.get("services").calendarExtensions.extendCnFromSina(c.req.raw.signal), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/calendar/HK/holidays",
      operationId: "extendHkCalendar",
      tags: ["Calendar"],
      summary: "Extend the HKEX calendar with next year's holiday list",
      description:
        "Adds the year after the HK calendar's horizon from HKEX's published holiday list: every weekday not " +
        "listed is a session (09:30-16:00, lunch 12:00-13:00); half days close at 12:00. Only the next year " +
        "can be added, so the past is never rewritten. Stored and re-applied at every start. Admin endpoint.",
      request: { body: { required: true, content: { "application/json": { schema: HkHolidaysSchema } } } },
      responses: {
        200: { description: "The extension", content: { "application/json": { schema: ExtensionOutcomeSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { year, holidays, half_days } = c.req.valid("json");
      return c.json(
        await c.get("services").calendarExtensions.extendHkFromHolidays({ year, holidays, halfDays: half_days }),
        200,
      );
    },
  );
}
