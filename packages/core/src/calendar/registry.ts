/**
 * Which calendar is in use. The bundled calendars are immutable constants, built once from the
 * compiled-in data (JSON modules, so nothing is read from the file system at run time). Calendars
 * extended at run time live in a {@link CalendarRegistry} owned by whoever runs the system (one per
 * `createSystem`), never in module state: two systems in one process, or one per replica, each
 * hold their own and learn of the other's extensions through the store (see `extension-service.ts`).
 */
import cn from "./data/cn.json" with { type: "json" };
import hk from "./data/hk.json" with { type: "json" };
import { marketOfExchange } from "../markets/registry.ts";
import { type BundledCalendarJson, decodeCalendar } from "./bundled-data.ts";
import { CRYPTO_CALENDAR } from "./continuous.ts";
import { SessionCalendar } from "./exchange-calendar.ts";
import type { CalendarId, CalendarMarket, ExchangeCalendar } from "./types.ts";

/**
 * The calendars built from the bundled data alone, by the calendar id each data file names;
 * decoding both takes a few milliseconds. Never changed after this line.
 */
const BUNDLED: ReadonlyMap<string, ExchangeCalendar> = new Map([
  ...[cn, hk].map((json: BundledCalendarJson): [string, ExchangeCalendar] => [
    json.id,
    new SessionCalendar(decodeCalendar(json)),
  ]),
  // A continuous market's calendar is a rule, not data (./continuous.ts).
  [CRYPTO_CALENDAR.id, CRYPTO_CALENDAR],
]);

/**
 * The bundled trading calendar of an exchange (the same object on every call), without any
 * extension applied at run time: for time zones, tests and anything about the bundled years. What
 * a running system plans with is its {@link CalendarRegistry}'s `get`, which also knows the years
 * added since.
 * @param id `"CN"` for A-shares (SSE, SZSE, BSE), `"HK"` for HKEX, `"CRYPTO"` for crypto (every UTC day).
 * @throws RangeError for any other id.
 */
export function getCalendar(id: CalendarId): ExchangeCalendar {
  const calendar = BUNDLED.get(id);
  if (calendar === undefined) throw new RangeError(`calendar: unknown calendar id ${JSON.stringify(id)}`);
  return calendar;
}

/**
 * The calendar id a market trades on: `"SH"`, `"SZ"`, `"BJ"` (and CSI indices) all share the CN
 * (A-share) calendar; `"HK"` uses the HKEX calendar.
 * @throws RangeError for any other market code.
 */
export function calendarIdOf(market: CalendarMarket): CalendarId {
  try {
    return marketOfExchange(market).id;
  } catch {
    throw new RangeError(`calendar: unknown market ${JSON.stringify(market)}`);
  }
}

/**
 * The bundled calendar a market trades on (see {@link calendarIdOf} and {@link getCalendar}).
 * @throws RangeError for an unknown market code.
 */
export function calendarFor(market: CalendarMarket): ExchangeCalendar {
  return getCalendar(calendarIdOf(market));
}

/** The calendars a service plans with: by id, or by the market an instrument trades on. */
export interface Calendars {
  /** The calendar in use for `id`. @throws RangeError for an unknown id. */
  get(id: CalendarId): ExchangeCalendar;
  /** The calendar in use for a market (see {@link calendarIdOf}). @throws RangeError for an unknown market. */
  forMarket(market: CalendarMarket): ExchangeCalendar;
}

/** The bundled calendars and nothing else (immutable): for tests and for answers that only need time zones. */
export const bundledCalendars: Calendars = Object.freeze({ get: getCalendar, forMarket: calendarFor });

/**
 * The calendars one system uses: the bundled ones until an extension replaces one. Calendars are
 * immutable; {@link install} swaps the object `get` returns, so a request that already holds a
 * calendar keeps a consistent view. Extensions are checked before they get here (see
 * `applyCalendarExtension` in `./extend.ts`, used by the registry's writers, `CalendarExtensions`
 * and `CalendarHorizon`).
 */
export class CalendarRegistry implements Calendars {
  readonly #current = new Map<CalendarId, ExchangeCalendar>();

  /** @inheritdoc */
  get(id: CalendarId): ExchangeCalendar {
    return this.#current.get(id) ?? getCalendar(id);
  }

  /** @inheritdoc */
  forMarket(market: CalendarMarket): ExchangeCalendar {
    return this.get(calendarIdOf(market));
  }

  /**
   * Make `calendar` the one {@link get} returns for its id. Callers check it extends the current
   * one first: {@link applyCalendarExtension} in `./extend.ts` is the way in.
   */
  install(calendar: ExchangeCalendar): void {
    this.#current.set(calendar.id, calendar);
  }

  /** Back to the bundled calendars (tests: a fresh process over the same database). */
  reset(): void {
    this.#current.clear();
  }
}
