/**
 * Realtime quotes for A-shares and HK stocks, served from an in-process cache that is refreshed
 * from Eastmoney's batch quote endpoint only when the exchange's state requires it.
 */
import { calendarIdOf, type CalendarId, type Calendars } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import {
  EASTMONEY_QUOTE_SETTLE_MINUTES,
  MAX_SECIDS_PER_CALL,
  type QuoteSource,
  type UpstreamQuote,
} from "../eastmoney/quotes.ts";
import { InputError, QuantDbError, RateLimitedError, type ErrorCode } from "../errors.ts";
import { STOCK_MARKET_IDS } from "../markets/registry.ts";
import type { Currency } from "../markets/types.ts";
import { parseStockSymbol, type Market, type StockSymbol } from "../symbols/index.ts";
import { currentCallGate, firstWillingGate, withCallGate, type CallGate } from "../upstream/gate.ts";
import { marketPhase, type MarketPhase } from "./phase.ts";

/** Most symbols one batch request may name. */
export const MAX_BATCH_SYMBOLS = 100;

/**
 * One realtime quote as served. Prices, `change` and `amount` are in `currency` (CNY for A-shares,
 * HKD for HK); `volume` is in **shares** (Eastmoney reports A-shares in lots of 100; converted);
 * `pct_change` and `turnover_rate` are in **percent** (1.5 means 1.5 %). A value upstream did not
 * report (a suspended stock has no price) is `null`. Source: Eastmoney `push2 …/api/qt/ulist.np/get`.
 */
export interface Quote extends Omit<UpstreamQuote, "secid" | "code" | "quote_time"> {
  /** Canonical code: 6 digits (A-share) or 5 digits (HK). */
  symbol: string;
  /** Listing exchange. */
  market: Market;
  /** Trading currency of prices, `change` and `amount`. */
  currency: Currency;
  /** When QuantDB asked upstream for this quote (ISO 8601, UTC). */
  fetched_at: string;
  /** When upstream last updated the quote (ISO 8601, UTC), or null when it sent no time. */
  quote_time: string | null;
  /**
   * Whether the quote's exchange is in continuous trading now (lunch break and pre-open auction
   * count as closed); null when today is beyond the exchange calendar's known horizon.
   */
  market_open: boolean | null;
}

/** A per-symbol error inside a batch answer (the same fields as the error envelope). */
export interface QuoteError {
  /**
   * `INVALID_SYMBOL`, `NOT_FOUND`, `UPSTREAM_UNAVAILABLE`, `UPSTREAM_TIMEOUT`, `UPSTREAM_INVALID` or `INTERNAL_ERROR`.
   */
  code: ErrorCode;
  message: string;
  /** The HTTP status this error would have on its own. */
  status: number;
  details?: Record<string, unknown>;
}

/** One entry of a batch answer, in request order: exactly one of `quote` and `error` is set. */
export interface QuoteBatchEntry {
  /** The symbol as the caller wrote it. */
  symbol: string;
  quote: Quote | null;
  error: QuoteError | null;
}

/**
 * Cache accounting of one quote request (`cache` of the single-quote answer, `metadata.cache` of a
 * batch answer).
 */
export interface QuoteCacheReport {
  /** True when every quote came from the cache: the request neither made nor waited for an upstream call. */
  hit: boolean;
  /**
   * Upstream calls of the refreshes this request waited for (one call per 100 secids). A refresh
   * is shared by every request that joins it, so each of them reports its calls.
   */
  upstream_requests: number;
}

/** Options of a quote request. */
export interface QuoteRequestOptions {
  /**
   * Ignore the cache: fetch every requested symbol from upstream in a refresh that starts after
   * this request arrived (never a refresh already running), cache the answer and serve it.
   * @default false
   */
  forceRefresh?: boolean;
}

/** Where the service reports failed refreshes. */
export interface QuoteLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

/** Options for {@link QuoteService}. */
export interface QuoteServiceOptions {
  upstream: QuoteSource;
  clock: Clock;
  /** The system's calendars (extended at run time): which exchange trades now. */
  calendars: Calendars;
  /**
   * While an exchange trades, a cached quote is reused for this many seconds before a request
   * refreshes it (`QUANTDB_REALTIME_TTL_SECONDS`).
   * @default 15
   */
  ttlSeconds?: number;
  /**
   * Minutes after a trading segment ends (the close, or the start of the lunch break) during which
   * upstream's quote may still change, so quotes keep being refreshed by TTL. CN: the closing call
   * auction ends at the close, 2 minutes cover upstream's publishing lag. HK: Eastmoney's free HK
   * quotes are delayed by 15 minutes (docs/upstream-spec.md §6.2) and the closing auction runs until about
   * 16:10, hence 25.
   * @default EASTMONEY_QUOTE_SETTLE_MINUTES ({ CN: 2, HK: 25 })
   */
  settleMinutes?: Partial<Record<CalendarId, number>>;
  /** Most secids held in the cache; the least recently fetched are dropped beyond it. @default 20000 */
  maxEntries?: number;
  /** @default console */
  logger?: QuoteLogger;
}

/** A cached answer from upstream: the quote, or null when upstream did not know the secid. */
interface Entry {
  quote: UpstreamQuote | null;
  fetchedAt: number;
}

type Outcome = Entry | QuantDbError;

/** One upstream refresh: the secids it fetches and its outcome per secid, once done. */
class Flight {
  readonly secids = new Set<string>();
  /**
   * The call gates of the requests that added secids to it, in order: each of its calls is charged
   * to the first that accepts (see `firstWillingGate`); undefined for a request without one.
   */
  readonly gates: Array<CallGate | undefined> = [];
  /** Upstream calls it made (set before `done` resolves). */
  calls = 0;
  readonly done: Promise<Map<string, Outcome>>;
  #resolve!: (outcomes: Map<string, Outcome>) => void;
  constructor() {
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
  finish(outcomes: Map<string, Outcome>): void {
    this.#resolve(outcomes);
  }
}

/**
 * Parse a batch request's symbol list.
 * @returns one entry per input in order: the parsed symbol, or the `INVALID_SYMBOL` error for it
 * @throws {InputError} `VALIDATION_ERROR` when the list is empty or longer than {@link MAX_BATCH_SYMBOLS}
 */
export function parseSymbolBatch(
  inputs: readonly string[],
): Array<{ input: string; symbol: StockSymbol } | { input: string; error: InputError }> {
  if (inputs.length === 0)
    throw new InputError("VALIDATION_ERROR", "Invalid symbols: the list is empty; name 1 to 100 symbols", {
      count: 0,
      max: MAX_BATCH_SYMBOLS,
    });
  if (inputs.length > MAX_BATCH_SYMBOLS) {
    throw new InputError(
      "VALIDATION_ERROR",
      `Invalid symbols: ${inputs.length} symbols, at most ${MAX_BATCH_SYMBOLS} per request`,
      {
        count: inputs.length,
        max: MAX_BATCH_SYMBOLS,
      },
    );
  }
  return inputs.map((input) => {
    try {
      return { input, symbol: parseStockSymbol(input) };
    } catch (error) {
      if (error instanceof InputError) return { input, error };
      throw error;
    }
  });
}

function errorBody(error: QuantDbError): QuoteError {
  return {
    code: error.code,
    message: error.message,
    status: error.status,
    ...(error.details ? { details: error.details } : {}),
  };
}

/**
 * Serves realtime quotes from an in-process cache per market (CN = SH, SZ, BJ; HK), keyed by
 * Eastmoney secid, refreshed from upstream's batch quote endpoint (never the whole-market list).
 *
 * Freshness of a cached quote, decided from the exchange calendar (session hours, lunch breaks,
 * half days) at the time of the request:
 * - while the exchange trades, and for the settle margin after a segment ends, a quote is fresh for
 *   `ttlSeconds` after it was fetched;
 * - once the exchange is closed and its last segment has settled (after the close, during the
 *   lunch break, on holidays), a quote fetched after that point is final and is served without any
 *   upstream call until trading resumes; an older one is refreshed once;
 * - when today is beyond the calendar's horizon, the TTL applies (the market may be open).
 * Secids upstream does not know are remembered the same way (answered `NOT_FOUND`).
 *
 * Refreshes are single-flight: one upstream refresh at a time for the whole service (both markets
 * share the push2 host, docs/upstream-spec.md §10.3). A request whose stale secids are all in the running
 * refresh waits for it; secids that are not join the next refresh, which starts when the running
 * one ends and fetches the union of everything asked for meanwhile (one call per 100 secids). So N
 * concurrent requests for the same symbol make one upstream call. A failed refresh caches nothing
 * and every request waiting on it gets the error; the next request tries again.
 *
 * A forced refresh (`forceRefresh`, the API's admin-only `force_refresh=true`) skips the cache for
 * its symbols and never joins a refresh already running: it waits for the next one, so what it
 * serves was fetched after it was asked for.
 *
 * Rate budgets (see upstream/gate.ts): each call of a refresh is charged to the first of the
 * requests that added secids to it whose budget accepts it. When every one refuses, the call is not
 * made and those requests fail with {@link RateLimitedError}; a request that only joined a refresh
 * someone else paid for asks again in a refresh of its own, charged to itself.
 */
export class QuoteService {
  readonly #upstream: QuoteSource;
  readonly #clock: Clock;
  readonly #calendars: Calendars;
  readonly #ttlMs: number;
  readonly #settleMs: Record<CalendarId, number>;
  readonly #maxEntries: number;
  readonly #logger: QuoteLogger;
  readonly #cache = new Map<string, Entry>();
  #running: Flight | null = null;
  #next: Flight | null = null;

  constructor(options: QuoteServiceOptions) {
    this.#upstream = options.upstream;
    this.#clock = options.clock;
    this.#calendars = options.calendars;
    const ttl = options.ttlSeconds ?? 15;
    if (!(Number.isFinite(ttl) && ttl >= 0))
      throw new RangeError(`ttlSeconds must be a non-negative number, got ${String(ttl)}`);
    this.#ttlMs = ttl * 1000;
    this.#settleMs = Object.fromEntries(
      STOCK_MARKET_IDS.map((id) => [id, (options.settleMinutes?.[id] ?? EASTMONEY_QUOTE_SETTLE_MINUTES[id]) * 60_000]),
    ) as Record<CalendarId, number>;
    this.#maxEntries = options.maxEntries ?? 20_000;
    this.#logger = options.logger ?? {
      warn: (message, details) => console.warn(`[quantdb] ${message}`, JSON.stringify(details)),
    };
  }

  /** Seconds a quote is reused while its exchange trades. */
  get ttlSeconds(): number {
    return this.#ttlMs / 1000;
  }

  /** The trading state of a market now (see {@link MarketPhase}). */
  phase(market: Market): MarketPhase {
    const id = calendarIdOf(market);
    return marketPhase(this.#calendars.get(id), this.#clock.now(), this.#settleMs[id]);
  }

  /**
   * The quote of one symbol.
   * @throws {QuantDbError} `NOT_FOUND` when upstream has no quote for the symbol
   * @throws {UpstreamError} `UPSTREAM_UNAVAILABLE`, `UPSTREAM_TIMEOUT` or `UPSTREAM_INVALID` when a
   *   needed refresh failed (nothing is cached from it)
   * @throws {RateLimitedError} when the caller's rate budget refused the needed refresh
   */
  async quote(symbol: StockSymbol, options: QuoteRequestOptions = {}): Promise<Quote> {
    return (await this.quoteWithCache(symbol, options)).quote;
  }

  /**
   * The quote of one symbol with the request's cache accounting.
   * @throws as {@link QuoteService.quote}
   */
  async quoteWithCache(
    symbol: StockSymbol,
    options: QuoteRequestOptions = {},
  ): Promise<{ quote: Quote; cache: QuoteCacheReport }> {
    const { results, cache } = await this.lookup([symbol], options);
    const [result] = results;
    if (result instanceof QuantDbError) throw result;
    return { quote: result!, cache };
  }

  /**
   * Hold a quote another process fetched (the replica that polls live quotes for every replica; see
   * `@quantdb/core/stream`), as if this service had fetched it at `quote.fetched_at`: requests read it
   * while it is fresh instead of calling upstream. An older quote than the one held is ignored.
   */
  prime(symbol: StockSymbol, quote: Omit<Quote, "symbol" | "market" | "currency" | "market_open">): void {
    const fetchedAt = Date.parse(quote.fetched_at);
    if (!Number.isFinite(fetchedAt)) return;
    const held = this.#cache.get(symbol.secid);
    if (held && held.fetchedAt >= fetchedAt) return;
    const { fetched_at: _fetched, quote_time, ...fields } = quote;
    this.#store(symbol.secid, {
      quote: {
        secid: symbol.secid,
        code: symbol.code,
        ...fields,
        quote_time: quote_time ? new Date(quote_time) : null,
      },
      fetchedAt,
    });
  }

  /**
   * Quotes of several symbols (duplicates allowed), in order; each is a quote or the error for
   * that symbol (`NOT_FOUND`, or the upstream error of a failed refresh). Stale and missing ones
   * are refreshed together, at most one upstream call per 100 secids.
   * @throws {RateLimitedError} when the caller's rate budget refused a needed refresh (the whole
   *   request is refused, not single symbols)
   */
  async quotes(
    symbols: readonly StockSymbol[],
    options: QuoteRequestOptions = {},
  ): Promise<Array<Quote | QuantDbError>> {
    return (await this.lookup(symbols, options)).results;
  }

  /**
   * {@link QuoteService.quotes} with the request's cache accounting. With `forceRefresh` every
   * symbol is fetched from upstream (see {@link QuoteRequestOptions.forceRefresh}).
   * @throws {RateLimitedError} as {@link QuoteService.quotes}
   */
  async lookup(
    symbols: readonly StockSymbol[],
    options: QuoteRequestOptions = {},
  ): Promise<{ results: Array<Quote | QuantDbError>; cache: QuoteCacheReport }> {
    const force = options.forceRefresh === true;
    const now = this.#clock.now().getTime();
    const phases = new Map<CalendarId, MarketPhase>();
    const phaseOf = (symbol: StockSymbol): MarketPhase => {
      const id = calendarIdOf(symbol.market);
      let phase = phases.get(id);
      if (!phase) {
        phase = marketPhase(this.#calendars.get(id), new Date(now), this.#settleMs[id]);
        phases.set(id, phase);
      }
      return phase;
    };

    const outcomes = new Map<string, Outcome>();
    const stale: string[] = [];
    for (const symbol of symbols) {
      if (outcomes.has(symbol.secid) || stale.includes(symbol.secid)) continue;
      const entry = force ? undefined : this.#cache.get(symbol.secid);
      if (entry && this.#isFresh(entry, phaseOf(symbol), now)) outcomes.set(symbol.secid, entry);
      else stale.push(symbol.secid);
    }
    let calls = 0;
    if (stale.length > 0) {
      const loaded = await this.#load(stale, force);
      calls = loaded.calls;
      for (const [secid, outcome] of loaded.outcomes) outcomes.set(secid, outcome);
    }

    for (const outcome of outcomes.values()) if (outcome instanceof RateLimitedError) throw outcome;
    const results = symbols.map((symbol) => {
      const outcome = outcomes.get(symbol.secid);
      if (outcome instanceof QuantDbError) return outcome;
      if (!outcome) return new QuantDbError("INTERNAL_ERROR", "Internal error: the quote refresh lost a symbol");
      if (!outcome.quote) {
        return new QuantDbError("NOT_FOUND", `Upstream has no quote for ${symbol.code} (${symbol.market})`, {
          symbol: symbol.code,
          market: symbol.market,
          secid: symbol.secid,
        });
      }
      return this.#serve(symbol, outcome.quote, outcome.fetchedAt, phaseOf(symbol).open);
    });
    return { results, cache: { hit: stale.length === 0, upstream_requests: calls } };
  }

  /**
   * A batch request: parse each symbol, answer each with its quote or its own error.
   * @throws {InputError} `VALIDATION_ERROR` when the list is empty or has more than 100 symbols
   * @throws {RateLimitedError} as {@link QuoteService.quotes}
   */
  async batch(inputs: readonly string[], options: QuoteRequestOptions = {}): Promise<QuoteBatchEntry[]> {
    return (await this.batchWithCache(inputs, options)).entries;
  }

  /**
   * {@link QuoteService.batch} with the request's cache accounting.
   * @throws {InputError} `VALIDATION_ERROR` when the list is empty or has more than 100 symbols
   * @throws {RateLimitedError} as {@link QuoteService.quotes}
   */
  async batchWithCache(
    inputs: readonly string[],
    options: QuoteRequestOptions = {},
  ): Promise<{ entries: QuoteBatchEntry[]; cache: QuoteCacheReport }> {
    const parsed = parseSymbolBatch(inputs);
    const symbols = parsed.flatMap((item) => ("symbol" in item ? [item.symbol] : []));
    const { results: answers, cache } =
      symbols.length > 0
        ? await this.lookup(symbols, options)
        : { results: [], cache: { hit: true, upstream_requests: 0 } };
    let next = 0;
    const entries = parsed.map((item): QuoteBatchEntry => {
      if ("error" in item) return { symbol: item.input, quote: null, error: errorBody(item.error) };
      const answer = answers[next++]!;
      return answer instanceof QuantDbError
        ? { symbol: item.input, quote: null, error: errorBody(answer) }
        : { symbol: item.input, quote: answer, error: null };
    });
    return { entries, cache };
  }

  #isFresh(entry: Entry, phase: MarketPhase, now: number): boolean {
    if (phase.settledSince) return entry.fetchedAt >= phase.settledSince.getTime();
    return now - entry.fetchedAt < this.#ttlMs;
  }

  #serve(symbol: StockSymbol, quote: UpstreamQuote, fetchedAt: number, open: boolean | null): Quote {
    return {
      symbol: symbol.code,
      market: symbol.market,
      name: quote.name,
      price: quote.price,
      open: quote.open,
      high: quote.high,
      low: quote.low,
      prev_close: quote.prev_close,
      change: quote.change,
      pct_change: quote.pct_change,
      volume: quote.volume,
      amount: quote.amount,
      turnover_rate: quote.turnover_rate,
      currency: symbol.currency,
      fetched_at: new Date(fetchedAt).toISOString(),
      quote_time: quote.quote_time ? quote.quote_time.toISOString() : null,
      market_open: open,
    };
  }

  /**
   * Outcomes for stale secids: from the running refresh if it fetches them, else from the next
   * one; with `force`, always from a refresh that has not started yet. `calls`: the upstream
   * calls of the refreshes waited for. Secids the running refresh could not fetch because its
   * payers' budgets were spent are asked again in the next refresh, which this request pays for.
   */
  async #load(secids: readonly string[], force: boolean): Promise<{ outcomes: Map<string, Outcome>; calls: number }> {
    const running = force ? null : this.#running;
    const joined = running ? secids.filter((secid) => running.secids.has(secid)) : [];
    const rest = running ? secids.filter((secid) => !running.secids.has(secid)) : [...secids];
    const waits: Array<Promise<[readonly string[], Map<string, Outcome>]>> = [];
    const flights: Flight[] = [];
    if (running && joined.length > 0) {
      flights.push(running);
      waits.push(running.done.then((outcomes) => [joined, outcomes]));
    }
    if (rest.length > 0) {
      const flight = this.#enqueue(rest);
      flights.push(flight);
      waits.push(flight.done.then((outcomes) => [rest, outcomes]));
    }
    const result = new Map<string, Outcome>();
    for (const [wanted, outcomes] of await Promise.all(waits)) {
      for (const secid of wanted) {
        const outcome = outcomes.get(secid);
        if (outcome) result.set(secid, outcome);
      }
    }
    let calls = flights.reduce((sum, flight) => sum + flight.calls, 0);
    const refused = joined.filter((secid) => result.get(secid) instanceof RateLimitedError);
    if (refused.length > 0) {
      const again = await this.#load(refused, true);
      for (const [secid, outcome] of again.outcomes) result.set(secid, outcome);
      calls += again.calls;
    }
    return { outcomes: result, calls };
  }

  /** Add secids to the next refresh, starting it at once when none is running. */
  #enqueue(secids: readonly string[]): Flight {
    let flight = new Flight();
    if (this.#running) {
      this.#next ??= flight;
      flight = this.#next;
    }
    for (const secid of secids) flight.secids.add(secid);
    const gate = currentCallGate();
    if (!flight.gates.includes(gate)) flight.gates.push(gate);
    if (!this.#running) this.#launch(flight);
    return flight;
  }

  #launch(flight: Flight): void {
    this.#running = flight;
    // Charged to the requests that asked for this refresh, not to the one whose refresh ran before.
    const refresh = withCallGate(firstWillingGate(flight.gates), () => this.#refresh(flight, [...flight.secids]));
    void refresh.then((outcomes) => {
      this.#running = null;
      const next = this.#next;
      this.#next = null;
      if (next) this.#launch(next);
      flight.finish(outcomes);
    });
  }

  /** Fetch secids from upstream, 100 per call, caching what each successful call answered. Never rejects. */
  async #refresh(flight: Flight, secids: readonly string[]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    for (let i = 0; i < secids.length; i += MAX_SECIDS_PER_CALL) {
      const chunk = secids.slice(i, i + MAX_SECIDS_PER_CALL);
      const fetchedAt = this.#clock.now().getTime();
      try {
        const quotes = await this.#upstream.fetchQuotes(chunk);
        flight.calls++;
        for (const secid of chunk) {
          const entry: Entry = { quote: quotes.get(secid) ?? null, fetchedAt };
          this.#store(secid, entry);
          outcomes.set(secid, entry);
        }
      } catch (caught) {
        const error =
          caught instanceof QuantDbError
            ? caught
            : new QuantDbError("INTERNAL_ERROR", "Internal error while fetching quotes", undefined, { cause: caught });
        // A refusal of the payers' budgets made no call: nothing to count or report.
        if (!(error instanceof RateLimitedError)) {
          flight.calls++;
          this.#logger.warn("realtime quote refresh failed", {
            code: error.code,
            message: error.message,
            secids: chunk.length,
            first: chunk[0],
          });
        }
        for (const secid of chunk) outcomes.set(secid, error);
      }
    }
    return outcomes;
  }

  #store(secid: string, entry: Entry): void {
    this.#cache.delete(secid);
    this.#cache.set(secid, entry);
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done) break;
      this.#cache.delete(oldest.value);
    }
  }
}
