/**
 * A calendar horizon that maintains itself: sessions after the official horizon, up to today, are
 * learnt from the market's benchmark index. A day after `knownThrough` is a session if and only if
 * the index (the market's `benchmarkIndex`: CN the SSE Composite, HK the Hang Seng Index) has a daily
 * bar on it. One kline call per market covers every missing day; the observation is stored as a
 * calendar extension (source `observed:<instrument key>`, e.g. `observed:index:SH:000001`) and
 * applied, so the history cache plans and caches those days like any other known day. Dates after today stay unknown.
 *
 * For HK the next year's regular schedule is also computed by HKEX's rules (`./hkex-rules.ts`)
 * and served as *provisional* by the calendar endpoints; it never moves `knownThrough` and never
 * decides a past day: observed bars do.
 */
import type { Clock } from "../clock.ts";
import { addCalendarDays, localTime, type IsoDate } from "../dates.ts";
import { UpstreamError } from "../errors.ts";
import type { DailyBarSource } from "../history/source.ts";
import { instrumentKey } from "../markets/instrument-key.ts";
import { anyMarket, market, STOCK_MARKET_IDS } from "../markets/registry.ts";
import { parseIndexSymbol, type IndexSymbol } from "../symbols/index.ts";
import { withoutCallGate } from "../upstream/gate.ts";
import { applyCalendarExtension, observedExtension, provisionalHkCalendar, type CalendarExtension } from "./extend.ts";
import { applyStoredExtensions, type CalendarExtensionStore } from "./extension-service.ts";
import { finalThroughOn } from "./finality.ts";
import { hkexSchedule } from "./hkex-rules.ts";
import type { CalendarRegistry } from "./registry.ts";
import type { CalendarId, ExchangeCalendar } from "./types.ts";

/** The index whose daily bars say which days a stock market traded (a continuous market has none). */
export const BENCHMARK_INDEX: Readonly<Partial<Record<CalendarId, IndexSymbol>>> = Object.freeze(
  Object.fromEntries(STOCK_MARKET_IDS.map((id) => [id, parseIndexSymbol(market(id).benchmarkIndex)])) as Partial<
    Record<CalendarId, IndexSymbol>
  >,
);

/** Whether a market has a computed (provisional) schedule after its horizon: HKEX's holiday rules. */
function hasComputedSchedule(id: CalendarId): boolean {
  const calendar = anyMarket(id).calendar;
  return calendar.kind === "exchange" && calendar.computedSchedule === "hkex";
}

/**
 * What the history service and the daily ingest call before they plan from a calendar: make the
 * calendar known through `date` (or as far towards it as upstream allows) when `date` lies beyond
 * its horizon and not after today.
 */
export interface CalendarHorizonHook {
  /**
   * Never throws for an upstream failure (the days stay unknown and pass through to upstream, as
   * before); resolves once the calendar in use knows what could be learnt.
   * @param calendar which calendar
   * @param date the last exchange-local date a request needs (its `end_date`); later than today is fine
   * @param signal stops this caller's wait; the shared observation itself goes on
   */
  ensureThrough(calendar: CalendarId, date: IsoDate, signal?: AbortSignal): Promise<void>;
}

/** The calendar endpoints' view: the calendar in use, plus HKEX's computed schedule after its horizon. */
export interface ProvisionalView {
  /** The calendar in use (its horizon is `known.knownThrough`). */
  known: ExchangeCalendar;
  /** `known` plus the provisional days through `provisionalThrough` (equal to `known` for CN). */
  withProvisional: ExchangeCalendar;
  /** Last provisional date, or null when there is no provisional schedule (CN). */
  provisionalThrough: IsoDate | null;
}

/** Options of {@link CalendarHorizon}. */
export interface CalendarHorizonOptions {
  /** The system's calendars: observations extend them. */
  calendars: CalendarRegistry;
  store: CalendarExtensionStore;
  /** Where index bars come from (the Eastmoney kline client, through the upstream policy). */
  upstream: DailyBarSource;
  clock: Clock;
  /** Minutes after the close before today's bar, and so today's observation, is final. @default 30 */
  finalizeAfterCloseMinutes?: number;
  /** After a failed observation, how long until a request may try again (same day and state). @default 600_000 */
  retryAfterFailureMs?: number;
  /** @default console */
  logger?: { warn(message: string, details: Record<string, unknown>): void };
}

/** What one observation did (for the daily ingest's and an operator's logs). */
export interface ObservationOutcome {
  calendar: CalendarId;
  /** The horizon afterwards. */
  known_through: IsoDate;
  /** Sessions learnt (days with an index bar). */
  added_sessions: number;
  /** Upstream calls made (0 or 1). */
  upstream_requests: number;
}

interface Attempt {
  /** `today|finalThrough`: the exchange-local day and whether today is final. */
  state: string;
  ok: boolean;
  at: number;
}

/**
 * Learns sessions after the horizon from the benchmark index, on demand and in the daily ingest.
 *
 * Cost, per market: at most one upstream call per exchange-local day and finality state (before
 * and after today's close + margin), i.e. at most two a day, and none when every missing day is a
 * weekend (weekends are never sessions on either exchange), charged to no caller's rate budget.
 * Concurrent callers share one call;
 * each process checks at most that often, and first reads what other processes stored. A failed
 * call is retried no sooner than `retryAfterFailureMs` later.
 *
 * Finality: the observation covers days up to the last final one (today once its close plus the
 * margin has passed, else yesterday), exactly as HistoryService's `finalThrough`; a bar for today
 * before that is not recorded (today's bars are served provisionally, passed through, until then).
 *
 * Trust: the kline call starts at the last known session, which must be in the answer; an answer
 * without it (`data: null`, an empty or truncated list) is refused and nothing is stored, so a
 * glitch cannot turn real sessions into closed days.
 */
export class CalendarHorizon implements CalendarHorizonHook {
  readonly #calendars: CalendarRegistry;
  readonly #store: CalendarExtensionStore;
  readonly #upstream: DailyBarSource;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #retryMs: number;
  readonly #logger: { warn(message: string, details: Record<string, unknown>): void };
  readonly #attempts = new Map<CalendarId, Attempt>();
  readonly #flights = new Map<CalendarId, Promise<ObservationOutcome | null>>();
  #provisional: { base: ExchangeCalendar; through: IsoDate; view: ProvisionalView } | undefined;

  constructor(options: CalendarHorizonOptions) {
    this.#calendars = options.calendars;
    this.#store = options.store;
    this.#upstream = options.upstream;
    this.#clock = options.clock;
    this.#marginMs = (options.finalizeAfterCloseMinutes ?? 30) * 60_000;
    this.#retryMs = options.retryAfterFailureMs ?? 600_000;
    this.#logger = options.logger ?? {
      warn: (message, details) => console.warn(`[quantdb] ${message}`, JSON.stringify(details)),
    };
  }

  /** @inheritdoc */
  async ensureThrough(id: CalendarId, date: IsoDate, signal?: AbortSignal): Promise<void> {
    const calendar = this.#calendars.get(id);
    if (date <= calendar.knownThrough) return;
    const { finalThrough, state } = this.#now(calendar);
    if (finalThrough <= calendar.knownThrough) return;
    const attempt = this.#attempts.get(id);
    if (attempt?.state === state && (attempt.ok || this.#clock.now().getTime() - attempt.at < this.#retryMs)) return;
    const flight = this.#observeShared(id);
    if (!signal) return void (await flight);
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      void flight.finally(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * Observe now, whatever this process did earlier today (the daily ingest, an operator); shares
   * a call already in flight.
   * @returns what was learnt, or null when the observation failed (logged)
   */
  observe(id: CalendarId): Promise<ObservationOutcome | null> {
    return this.#observeShared(id);
  }

  /**
   * The calendar in use and, for HK, HKEX's computed schedule after its horizon through Dec 31 of
   * the year after today's (provisional: served marked as such, never used for caching).
   */
  provisional(id: CalendarId): ProvisionalView {
    const known = this.#calendars.get(id);
    if (!hasComputedSchedule(id)) return { known, withProvisional: known, provisionalThrough: null };
    const nextYear = Number(localTime(this.#clock.now(), known.timeZone).date.slice(0, 4)) + 1;
    const through = `${nextYear}-12-31`;
    const cached = this.#provisional;
    if (cached && cached.base === known && cached.through === through) return cached.view;
    const firstYear = Number(addCalendarDays(known.knownThrough, 1).slice(0, 4));
    const years = [];
    for (let year = firstYear; year <= nextYear; year++) years.push(hkexSchedule(year));
    const withProvisional = provisionalHkCalendar(known, years);
    const view: ProvisionalView = {
      known,
      withProvisional,
      provisionalThrough: withProvisional.knownThrough > known.knownThrough ? withProvisional.knownThrough : null,
    };
    this.#provisional = { base: known, through, view };
    return view;
  }

  /** Today, the last final date and the finality state key, on `calendar`'s exchange. */
  #now(calendar: ExchangeCalendar): { today: IsoDate; finalThrough: IsoDate; state: string } {
    const now = this.#clock.now();
    const today = localTime(now, calendar.timeZone).date;
    const finalThrough = finalThroughOn(calendar, now, this.#marginMs);
    return { today, finalThrough, state: `${today}|${finalThrough}` };
  }

  #observeShared(id: CalendarId): Promise<ObservationOutcome | null> {
    let flight = this.#flights.get(id);
    if (!flight) {
      // Charged to nobody (see upstream/gate.ts): at most a few calls a day, shared by every caller,
      // and it must not fail for everyone because the request that started it had spent its budget.
      flight = withoutCallGate(() => this.#observe(id)).finally(() => this.#flights.delete(id));
      this.#flights.set(id, flight);
    }
    return flight;
  }

  async #observe(id: CalendarId): Promise<ObservationOutcome | null> {
    const { finalThrough, state } = this.#now(this.#calendars.get(id));
    const at = this.#clock.now().getTime();
    const index = BENCHMARK_INDEX[id];
    // A continuous calendar (crypto) knows every day already: there is nothing to observe.
    if (index === undefined) return null;
    try {
      await this.#restoreStored(id);
      const base = this.#calendars.get(id);
      let upstreamRequests = 0;
      let extension: CalendarExtension | null = null;
      if (finalThrough > base.knownThrough) {
        let observed: IsoDate[] = [];
        if (hasWeekday(addCalendarDays(base.knownThrough, 1), finalThrough)) {
          const anchor = base.sessionOnOrBefore(base.knownThrough);
          if (anchor === null) throw new Error(`calendar ${id} has no session to anchor an observation`);
          upstreamRequests++;
          const { bars } = await this.#upstream.fetchDailyBars({
            symbol: index,
            adjust: "",
            start: anchor,
            end: finalThrough,
          });
          if (!bars.some((bar) => bar.date === anchor)) {
            throw new UpstreamError(
              "UPSTREAM_INVALID",
              `${index.secid} daily bars from ${anchor} lack the known session ${anchor}: the answer is not ` +
                "trusted, nothing was learnt",
              {
                secid: index.secid,
                bars: bars.length,
              },
            );
          }
          observed = bars.map((bar) => bar.date).filter((date) => date > base.knownThrough);
        }
        const halfDays = hasComputedSchedule(id)
          ? new Set(yearsBetween(base.knownThrough, finalThrough).flatMap((year) => hkexSchedule(year).halfDays))
          : undefined;
        extension = observedExtension(base, observed, finalThrough, `observed:${instrumentKey(index)}`, halfDays);
        this.#compareWithProvisional(id, base, extension);
        await this.#store.saveExtension(extension);
        applyCalendarExtension(this.#calendars, extension);
      }
      this.#attempts.set(id, { state, ok: true, at });
      const knownThrough = this.#calendars.get(id).knownThrough;
      return {
        calendar: id,
        known_through: knownThrough,
        added_sessions: extension?.sessions.length ?? 0,
        upstream_requests: upstreamRequests,
      };
    } catch (error) {
      this.#attempts.set(id, { state, ok: false, at });
      const e = error as { code?: string; message?: string };
      this.#logger.warn(
        "calendar observation failed; days after the horizon stay unknown and pass through to upstream",
        {
          calendar: id,
          secid: index.secid,
          through: finalThrough,
          code: e.code ?? "INTERNAL_ERROR",
          message: e.message ?? String(error),
        },
      );
      return null;
    }
  }

  /** Apply extensions other processes stored beyond this process's horizon (skipping any that conflict). */
  async #restoreStored(id: CalendarId): Promise<void> {
    await applyStoredExtensions(this.#calendars, this.#store, id, (extension, error) =>
      this.#logger.warn("stored calendar extension skipped", {
        calendar: id,
        known_through: extension.knownThrough,
        source: extension.source,
        message: error.message,
      }),
    );
  }

  /** Log where observed bars contradict HKEX's computed schedule (a rule the engine lacks, or an ad-hoc closure). */
  #compareWithProvisional(id: CalendarId, base: ExchangeCalendar, extension: CalendarExtension): void {
    if (!hasComputedSchedule(id)) return;
    const observed = new Set(extension.sessions.map((s) => s.date));
    const predicted = provisionalHkCalendar(
      base,
      yearsBetween(base.knownThrough, extension.knownThrough).map(hkexSchedule),
    );
    const differences: string[] = [];
    for (
      let date = addCalendarDays(base.knownThrough, 1);
      date <= extension.knownThrough;
      date = addCalendarDays(date, 1)
    ) {
      if (predicted.isSession(date) !== observed.has(date))
        differences.push(`${date} (${observed.has(date) ? "traded" : "closed"})`);
    }
    if (differences.length > 0)
      this.#logger.warn("HKEX traded differently from its computed schedule; the observed bars win", {
        calendar: id,
        dates: differences,
      });
  }
}

/** Whether [from, to] holds a Monday–Friday. */
function hasWeekday(from: IsoDate, to: IsoDate): boolean {
  for (let date = from, n = 0; date <= to && n < 7; date = addCalendarDays(date, 1), n++) {
    const day = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (day !== 0 && day !== 6) return true;
  }
  return false;
}

/** The years of the days in (after, through]. */
function yearsBetween(after: IsoDate, through: IsoDate): number[] {
  const years: number[] = [];
  for (let year = Number(addCalendarDays(after, 1).slice(0, 4)); year <= Number(through.slice(0, 4)); year++)
    years.push(year);
  return years;
}
