import { z } from "@hono/zod-openapi";
import type { Session } from "@quantdb/core/calendar";
import { MARKET_IDS, TIME_ZONES } from "@quantdb/core/markets";

/** What the calendar horizon means; part of every calendar operation's description. */
export const HORIZON_NOTE = `Each calendar is known through known_through. The bundled data ends 2026-12-31; the horizon
then maintains itself: a day after it, up to today, is learnt from the market's benchmark index (CN: SSE
Composite 1.000001; HK: Hang Seng Index) - a session if and only if the index has a daily bar on it - once
that day is final (close + 30 min). A request reaching such days triggers the observation (one upstream
kline call per market, at most once per day and finality state, shared by concurrent requests), so
known_through is normally the last final day. Official schedules move it further ahead: CN from Sina's
trading-date list (POST /api/v1/calendar/CN/extend), HK from HKEX's published holidays (POST
/api/v1/calendar/HK/holidays). A date after known_through is unknown, not a weekday: it is never listed
as a session, is_session is null for it rather than a guess, and a previous/next session that would
depend on it is null. QuantDB's history cache passes such dates through to upstream on every request
and never caches them. For HK, the schedule computed by HKEX's holiday rules (lunar dates, Sunday
substitution, half days on the eves) through the end of next year is served separately as provisional
(provisional_sessions, provisional): a forecast, never used by the cache; observed bars decide every
past day.`;

/** Where the calendar data comes from; part of every calendar operation's description. */
export const SOURCES_NOTE =
  "Sources: CN (A-shares; SSE, SZSE and BSE share one calendar) " +
  `is the exchanges' trading-date list
as published via AKShare (Sina's trade-date list), from the first SSE session, 1990-12-19; every
session is 09:30-15:00 with a lunch break 11:30-13:00. HK is HKEX's sessions per exchange_calendars
(XHKG) from 1990-01-02, with its half days (Christmas Eve, New Year's Eve, Lunar New Year's Eve:
morning only, no lunch break), corrected for the full-day closures of 2023-09-01 (typhoon Saola)
and 2023-09-08 (black rainstorm) that the source lists as sessions. XHKG models neither
weather-delayed openings nor morning-only cancellations. Times are exchange-local HH:MM
(Asia/Shanghai, Asia/Hong_Kong; both UTC+8 without daylight saving).`;

/** Path parameter: the calendar's market. */
export const MarketParam = z.object({
  market: z.string().openapi({
    param: { name: "market", in: "path" },
    description: "Calendar: CN (A-shares: SSE, SZSE, BSE) or HK (HKEX), case-insensitive",
    example: "CN",
  }),
});

/** Path parameters of the one-date endpoint. */
export const MarketDateParams = MarketParam.extend({
  date: z.string().openapi({
    param: { name: "date", in: "path" },
    description: "Exchange-local date, YYYYMMDD or YYYY-MM-DD",
    example: "20240209",
  }),
});

/** Query of the range endpoint. Values are validated by the calendar query rules (errors name the field). */
export const CalendarRangeQuerySchema = z.object({
  start_date: z.string().optional().openapi({
    description: "First date, YYYYMMDD or YYYY-MM-DD, exchange-local. Default: 1 January of end_date's year.",
    example: "20240101",
  }),
  end_date: z
    .string()
    .optional()
    .openapi({
      description:
        "Last date, YYYYMMDD or YYYY-MM-DD, exchange-local. Default: 31 December of the current year on the " +
        "exchange. A date beyond known_through is fine: the list is clipped there, never extended by guesses.",
      example: "20241231",
    }),
});

const MarketSchema = z
  .enum(MARKET_IDS)
  .openapi({ description: "Calendar: CN (A-shares: SSE, SZSE, BSE) or HK (HKEX)", example: "CN" });
const TimeZoneSchema = z.enum(TIME_ZONES).openapi({
  description: "The exchange's IANA time zone, in which every date and time of this calendar is local",
  example: "Asia/Shanghai",
});
const KnownThroughSchema = z.string().openapi({
  description: "Last date the calendar is known through, YYYY-MM-DD; a later date is unknown, not a weekday",
  example: "2026-12-31",
});

/** One trading session with its hours. */
export const SessionHoursSchema = z
  .object({
    date: z.string().openapi({ description: "Exchange-local session date, YYYY-MM-DD", example: "2024-02-08" }),
    open: z.string().openapi({ description: "Start of continuous trading, exchange-local HH:MM", example: "09:30" }),
    close: z.string().openapi({
      description: "End of continuous trading, exchange-local HH:MM (HK half days: 12:00, 12:30 before 2011-03-07)",
      example: "15:00",
    }),
    break_start: z.string().nullable().openapi({
      description: "Start of the lunch break, HH:MM; null when the session has none (half days)",
      example: "11:30",
    }),
    break_end: z.string().nullable().openapi({
      description: "End of the lunch break, HH:MM; null when the session has none (half days)",
      example: "13:00",
    }),
    half_day: z.boolean().openapi({
      description:
        "true for an early-close, morning-only session (HK: Christmas Eve, New Year's Eve, Lunar New Year's Eve)",
      example: false,
    }),
  })
  .openapi("CalendarSession");

/** A core session in its wire form. */
export function sessionHoursBody(session: Session): z.infer<typeof SessionHoursSchema> {
  return {
    date: session.date,
    open: session.open,
    close: session.close,
    break_start: session.breakStart,
    break_end: session.breakEnd,
    half_day: session.halfDay,
  };
}

const ProvisionalThroughSchema = z
  .string()
  .nullable()
  .openapi({
    description:
      "HK: last date of the provisional schedule computed by HKEX's holiday rules (31 December of next year); " +
      "null for CN or when nothing lies beyond known_through",
    example: "2027-12-31",
  });

/** The range response. */
export const CalendarRangeResponseSchema = z
  .object({
    market: MarketSchema,
    timezone: TimeZoneSchema,
    start_date: z
      .string()
      .openapi({ description: "First date asked for (after defaults), YYYY-MM-DD", example: "2024-01-01" }),
    end_date: z.string().openapi({
      description: "Last date asked for (after defaults), YYYY-MM-DD; may lie beyond known_through",
      example: "2024-12-31",
    }),
    known_through: KnownThroughSchema,
    sessions: z.array(SessionHoursSchema).openapi({
      description: "Every session with start_date <= date <= min(end_date, known_through), ascending",
    }),
    provisional_through: ProvisionalThroughSchema,
    provisional_sessions: z.array(SessionHoursSchema).openapi({
      description:
        "HK only: the sessions after known_through through min(end_date, provisional_through) that HKEX's " +
        "holiday rules predict, ascending; a forecast (unconfirmed: ad-hoc closures are unknown), never used " +
        "by the cache. Empty for CN",
    }),
  })
  .openapi("TradingCalendar");

/** The one-date response. */
export const CalendarDateResponseSchema = z
  .object({
    market: MarketSchema,
    timezone: TimeZoneSchema,
    date: z.string().openapi({ description: "The date asked about, YYYY-MM-DD", example: "2024-02-09" }),
    known: z.boolean().openapi({
      description: "Whether the date is within the calendar's horizon (date <= known_through)",
      example: true,
    }),
    is_session: z.boolean().nullable().openapi({
      description:
        "Whether the date is a trading session; null when the date is beyond known_through (unknown, not closed)",
      example: false,
    }),
    session: SessionHoursSchema.nullable().openapi({
      description: "The session's hours, or null when the date is not a known session",
    }),
    previous: z
      .string()
      .nullable()
      .openapi({
        description:
          "The last session strictly before the date, YYYY-MM-DD; null if there is none or it would depend on " +
          "unknown days",
        example: "2024-02-08",
      }),
    next: z
      .string()
      .nullable()
      .openapi({
        description:
          "The first session strictly after the date, YYYY-MM-DD; null if none is known (at or after the last " +
          "known session)",
        example: "2024-02-19",
      }),
    known_through: KnownThroughSchema,
    provisional: z
      .object({
        is_session: z
          .boolean()
          .openapi({ description: "Whether HKEX's holiday rules make the date a session", example: true }),
        session: SessionHoursSchema.nullable().openapi({
          description: "The predicted hours, or null when predicted closed",
        }),
        previous: z
          .string()
          .nullable()
          .openapi({ description: "The last session before the date, counting predicted ones", example: "2027-03-30" }),
        next: z
          .string()
          .nullable()
          .openapi({ description: "The first session after the date, counting predicted ones", example: "2027-04-01" }),
      })
      .nullable()
      .openapi({
        description:
          "HK only, for a date after known_through and on or before provisional_through: what HKEX's holiday " +
          "rules predict (a forecast, unconfirmed); null otherwise",
      }),
    provisional_through: ProvisionalThroughSchema,
  })
  .openapi("CalendarDate");
