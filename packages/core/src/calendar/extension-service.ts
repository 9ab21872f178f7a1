/**
 * Extending the calendars at run time, durably: fetch or receive the new year's sessions, check
 * them against the known past ({@link cnExtensionFromSinaDates}, {@link hkExtensionFromHolidays}),
 * store them, apply them to the system's {@link CalendarRegistry}; re-apply stored extensions at
 * start-up, and when another process stored one ({@link CalendarExtensions.refresh}).
 */
import { QuantDbError, InputError } from "../errors.ts";
import { fetchUpstreamText } from "../http.ts";
import type { IsoDate } from "../dates.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import {
  applyCalendarExtension,
  cnExtensionFromSinaDates,
  HKEX_CALENDAR,
  hkExtensionFromHolidays,
  SINA_CALENDAR,
  type CalendarExtension,
} from "./extend.ts";
import type { CalendarRegistry } from "./registry.ts";
import { decodeSinaTradeDates } from "./sina.ts";
import { STOCK_MARKET_IDS } from "../markets/registry.ts";
import type { CalendarId } from "./types.ts";

/** Sina's A-share trading-date list (docs/upstream-spec.md §8): published through 31 Dec of the current year. */
export const DEFAULT_SINA_TRADE_DATES_URL = "https://finance.sina.com.cn/realstock/company/klc_td_sh.txt";

/** Durable storage of applied extensions (implemented by `@quantdb/db`). */
export interface CalendarExtensionStore {
  /**
   * Store an extension; one with the same calendar and `knownThrough` as a stored one is ignored
   * (the first wins). A store shared by several processes tells the others (the database's NOTIFY),
   * which then {@link CalendarExtensions.refresh}.
   */
  saveExtension(extension: CalendarExtension): Promise<void>;
  /**
   * Stored extensions, oldest horizon first: every one, or with `filter` only those of
   * `filter.calendar` whose `knownThrough` is after `filter.after`.
   */
  loadExtensions(filter?: { calendar: CalendarId; after: IsoDate }): Promise<CalendarExtension[]>;
}

/** What an extension did. */
export interface ExtensionOutcome {
  calendar: CalendarId;
  /** The calendar's horizon after the extension. */
  known_through: IsoDate;
  /** Sessions added (0 when the source had nothing beyond the horizon). */
  added_sessions: number;
  source: string;
}

/**
 * Stored extensions with each run of a calendar's extensions that follow one another (each built
 * against the previous one's horizon, as daily observations are) joined into one, so start-up
 * rebuilds a calendar once per run rather than once per stored day. Calendars are independent, so
 * a run may skip over another calendar's rows; the order of each calendar's rows is kept.
 */
function chained(extensions: readonly CalendarExtension[]): { extension: CalendarExtension; rows: number }[] {
  const out: { extension: CalendarExtension; rows: number }[] = [];
  const last = new Map<CalendarId, number>();
  for (const extension of extensions) {
    const i = last.get(extension.id);
    const previous = i === undefined ? undefined : out[i];
    if (previous && extension.startsAfter !== undefined && extension.startsAfter === previous.extension.knownThrough) {
      const sources = new Set([...previous.extension.source.split("+"), extension.source]);
      previous.extension = {
        ...previous.extension,
        sessions: [...previous.extension.sessions, ...extension.sessions],
        knownThrough: extension.knownThrough,
        source: [...sources].join("+"),
      };
      previous.rows++;
      continue;
    }
    last.set(extension.id, out.length);
    out.push({ extension, rows: 1 });
  }
  return out;
}

/**
 * Apply the stored extensions of calendar `id` beyond `calendars`' horizon for it, oldest first
 * (what other processes learnt or were given since), skipping any that conflict with what is
 * already known.
 * @returns how many stored extensions were applied
 */
export async function applyStoredExtensions(
  calendars: CalendarRegistry,
  store: CalendarExtensionStore,
  id: CalendarId,
  onSkip: (extension: CalendarExtension, error: Error) => void = () => {},
): Promise<number> {
  let applied = 0;
  const stored = await store.loadExtensions({ calendar: id, after: calendars.get(id).knownThrough });
  for (const { extension, rows } of chained(stored)) {
    try {
      applyCalendarExtension(calendars, extension);
      applied += rows;
    } catch (error) {
      onSkip(extension, error as Error);
    }
  }
  return applied;
}

/** Where to get Sina's trade-date list. */
export interface SinaTradeDateOptions {
  /** @default DEFAULT_SINA_TRADE_DATES_URL */
  url?: string;
  /** @default 8000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The system's upstream policies; the request runs through Sina's host's. Default: one plain call. */
  policies?: UpstreamPolicies;
}

/**
 * Calendar extensions: Sina's list for A-shares, an operator's holiday list for HKEX. Both only
 * ever add days after the calendar's horizon; a source that disagrees with the known past is refused.
 */
export class CalendarExtensions {
  readonly #calendars: CalendarRegistry;
  readonly #store: CalendarExtensionStore;
  readonly #sina: Required<Pick<SinaTradeDateOptions, "url" | "timeoutMs">> &
    Pick<SinaTradeDateOptions, "fetch" | "policies">;

  /**
   * @param options.calendars the system's calendars, which the extensions extend
   * @param options.store where extensions are kept (and shared with other processes)
   */
  constructor(options: { calendars: CalendarRegistry; store: CalendarExtensionStore; sina?: SinaTradeDateOptions }) {
    this.#calendars = options.calendars;
    this.#store = options.store;
    const sina = options.sina ?? {};
    this.#sina = {
      url: sina.url ?? DEFAULT_SINA_TRADE_DATES_URL,
      timeoutMs: sina.timeoutMs ?? 8000,
      ...(sina.fetch ? { fetch: sina.fetch } : {}),
      ...(sina.policies ? { policies: sina.policies } : {}),
    };
  }

  /**
   * Re-apply stored extensions (at start-up), oldest horizon first, observed ones included. An
   * extension the bundled data (or an earlier stored extension) now contradicts is skipped: what is
   * already known wins.
   * @returns how many were applied
   */
  async restore(onSkip: (extension: CalendarExtension, error: Error) => void = () => {}): Promise<number> {
    let applied = 0;
    for (const { extension, rows } of chained(await this.#store.loadExtensions())) {
      try {
        applyCalendarExtension(this.#calendars, extension);
        applied += rows;
      } catch (error) {
        onSkip(extension, error as Error);
      }
    }
    return applied;
  }

  /**
   * Apply what other processes stored since (the NOTIFY path: another replica extended a calendar,
   * or this process missed notifications while its subscription was down). Extensions that
   * conflict with what is already known are skipped, as at start-up.
   * @param id the calendar that changed; every calendar when omitted
   * @returns how many stored extensions were applied
   */
  async refresh(id?: CalendarId, onSkip?: (extension: CalendarExtension, error: Error) => void): Promise<number> {
    let applied = 0;
    for (const calendar of id === undefined ? STOCK_MARKET_IDS : [id]) {
      applied += await applyStoredExtensions(this.#calendars, this.#store, calendar, onSkip);
    }
    return applied;
  }

  /**
   * Fetch Sina's A-share trading-date list, check it against every known date, and add the days
   * after the horizon.
   * @throws {UpstreamError} when Sina is unreachable or sends something that is not the list
   * @throws {QuantDbError} `CALENDAR_CONFLICT` (409) when the list disagrees with the known calendar
   */
  async extendCnFromSina(signal?: AbortSignal): Promise<ExtensionOutcome> {
    const { url, timeoutMs, fetch, policies } = this.#sina;
    const headers = { Referer: "https://finance.sina.com.cn/" };
    const body = await fetchUpstreamText(url, { timeoutMs, fetch, policies, signal, headers });
    const dates = decodeSinaTradeDates(body);
    let extension: CalendarExtension;
    try {
      extension = cnExtensionFromSinaDates(dates, this.#calendars.get(SINA_CALENDAR));
    } catch (error) {
      throw new QuantDbError(
        "CALENDAR_CONFLICT",
        `Sina's trading-date list disagrees with the known A-share calendar: ${(error as Error).message}`,
      );
    }
    return this.#apply(extension);
  }

  /**
   * Add HKEX's next year from an operator-supplied holiday list (every other weekday is a session;
   * `halfDays` close at noon).
   * @throws {InputError} `VALIDATION_ERROR` when the year is not the one after the horizon, or a
   *   date is outside that year, on a weekend, or in both lists
   */
  async extendHkFromHolidays(input: {
    year: number;
    holidays: IsoDate[];
    halfDays: IsoDate[];
  }): Promise<ExtensionOutcome> {
    let extension: CalendarExtension;
    try {
      extension = hkExtensionFromHolidays(input, this.#calendars.get(HKEX_CALENDAR));
    } catch (error) {
      throw new InputError("VALIDATION_ERROR", (error as Error).message, { year: input.year });
    }
    return this.#apply(extension);
  }

  async #apply(extension: CalendarExtension): Promise<ExtensionOutcome> {
    const before = this.#calendars.get(extension.id).knownThrough;
    const calendar = applyCalendarExtension(this.#calendars, extension);
    if (calendar.knownThrough !== before) await this.#store.saveExtension(extension);
    return {
      calendar: extension.id,
      known_through: calendar.knownThrough,
      added_sessions: extension.sessions.length,
      source: extension.source,
    };
  }
}
