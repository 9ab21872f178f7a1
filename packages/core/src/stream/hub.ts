/**
 * Live quotes fanned out to subscribers (issue 19): one poller per market (CN, HK, CRYPTO) polls upstream
 * only for the symbols someone subscribed to, only while that market trades, in as few calls as upstream
 * allows (Eastmoney's batch quote endpoint: 100 secids a call, through {@link QuoteService}, whose cache
 * the realtime endpoints read; crypto: one all-pairs ticker request per exchange, through
 * {@link CryptoService.tickers}). The number of upstream calls per interval does not depend on the number
 * of subscribers. Each subscriber gets the latest held quote of every symbol it subscribes to at once (a
 * snapshot), then a `quote` event whenever a symbol's price, volume or amount changes, and `status` events
 * when its markets open, break, close or degrade. Delivery never waits for a subscriber: a transport
 * keeps, per subscriber, only the latest undelivered event per symbol (see `./queue.ts`). With a
 * {@link QuoteRelay} (replicas on PostgreSQL), one replica per market polls the symbols every replica
 * wants and the others receive its quotes (`receive`), so N replicas make the upstream calls of one.
 */
import type { Calendars, ExchangeCalendar } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { looksLikeCryptoSymbol, parseCryptoSymbol } from "../crypto/pairs.ts";
import type { CryptoService } from "../crypto/service.ts";
import type { CryptoExchangeId, CryptoPair } from "../crypto/types.ts";
import { addCalendarDays, instantAt, localTime } from "../dates.ts";
import { InputError, QuantDbError } from "../errors.ts";
import type { QuoteService } from "../realtime/service.ts";
import { parseStockSymbol, type StockSymbol } from "../symbols/index.ts";
import { withoutCallGate } from "../upstream/gate.ts";
import { UpstreamUnavailableError } from "../upstream/index.ts";
import type { QuoteRelay, RelayedEvent, RelayMessage } from "./relay.ts";

/** The markets a stream reports on. */
export type StreamMarket = "CN" | "HK" | "CRYPTO";

/** Most symbols one stream may subscribe to. */
export const MAX_STREAM_SYMBOLS = 200;

/** Poll intervals by default, ms: CN/HK every 3 s, crypto every 2 s (`QUANTDB_STREAM_INTERVAL_MS` overrides both). */
export const DEFAULT_STREAM_INTERVAL_MS = { stock: 3000, crypto: 2000 } as const;

/** Shortest poll interval honoured, ms. */
export const MIN_STREAM_INTERVAL_MS = 100;

/** Share of an upstream host's rate budget the pollers may take; the rest stays for requests (cache misses). */
export const STREAM_BUDGET_SHARE = 0.5;

/** Longest wait at close for a poll in flight, ms. */
const CLOSE_WAIT_MS = 5_000;

/** Longest wait after a failed poll when upstream asked for a pause (`Retry-After`), ms. */
const MAX_BACKOFF_MS = 60_000;

/**
 * A poller's interval, ms: the configured `intervalMs`, stretched when `callsPerPoll` upstream calls every
 * interval would take more than {@link STREAM_BUDGET_SHARE} of the host's `ratePerSecond` budget (0 or
 * undefined: no budget, nothing stretched). E.g. 10 calls a poll (1,000 stocks) at 3 calls/s: 6,667 ms.
 */
export function stretchedInterval(intervalMs: number, callsPerPoll: number, ratePerSecond: number | undefined): number {
  if (!ratePerSecond || ratePerSecond <= 0 || callsPerPoll <= 0) return intervalMs;
  return Math.max(intervalMs, Math.ceil((callsPerPoll * 1000) / (ratePerSecond * STREAM_BUDGET_SHARE)));
}

/** A subscribed symbol: a stock (A-share or HK) or a crypto pair; `key` is how events name it. */
export type StreamSymbol =
  | { kind: "stock"; key: string; market: "CN" | "HK"; symbol: StockSymbol }
  | { kind: "crypto"; key: string; market: "CRYPTO"; pair: CryptoPair };

/**
 * A quote event's data: the fields and units of `/api/v1/realtime/stock/{symbol}` (prices, `change`,
 * `amount` in the trading currency, CNY or HKD; `volume` in shares; `pct_change` in percent) or of a
 * crypto ticker (quote currency; volume in the base currency). `time` is upstream's quote time, ISO
 * 8601 with the exchange's offset (`+08:00`; crypto `+00:00`), null when upstream sent none.
 */
export interface StreamQuote {
  symbol: string;
  market: string;
  name: string | null;
  price: number | null;
  change: number | null;
  pct_change: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  prev_close: number | null;
  volume: number | null;
  amount: number | null;
  time: string | null;
}

/** A market's trading state as a stream reports it. */
export interface StreamStatus {
  market: StreamMarket;
  /** `degraded` while polls fail (quotes resume with the next good poll). */
  state: "open" | "break" | "closed" | "degraded";
  /** Next start of continuous trading, ISO 8601 with offset; null when trading or beyond the calendar. */
  next_open: string | null;
  reason?: string;
}

/** One event to a subscriber; `id` increases over the hub's life. */
export type StreamEvent =
  | { id: string; event: "quote"; data: StreamQuote }
  | { id: string; event: "status"; data: StreamStatus }
  | { id: string; event: "error"; data: { symbol: string; code: "UNKNOWN_SYMBOL"; message: string } };

/** Where the hub delivers a subscriber's events; must return at once (never block the poller). */
export interface StreamSubscriber {
  deliver(event: StreamEvent): void;
  /** The hub is shutting down: no more events will come; the transport should end the connection. */
  end?(): void;
}

/**
 * Parse a stream's symbol list (comma separated): stock codes in any form history accepts, crypto pairs
 * `exchange:BASE-QUOTE` or `exchange:BASE/QUOTE`. Duplicates are dropped.
 * @throws {InputError} `VALIDATION_ERROR` for an empty list or more than {@link MAX_STREAM_SYMBOLS};
 *   `INVALID_SYMBOL` naming the first malformed symbol
 */
export function parseStreamSymbols(text: string, exchanges: readonly CryptoExchangeId[]): StreamSymbol[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new InputError("VALIDATION_ERROR", "symbols is empty: name 1 to 200 symbols");
  if (items.length > MAX_STREAM_SYMBOLS)
    throw new InputError(
      "VALIDATION_ERROR",
      `symbols: ${items.length} symbols, at most ${MAX_STREAM_SYMBOLS} per stream (open another stream for more)`,
      { count: items.length, max: MAX_STREAM_SYMBOLS },
    );
  const seen = new Map<string, StreamSymbol>();
  for (const item of items) {
    let parsed: StreamSymbol;
    if (looksLikeCryptoSymbol(item)) {
      const pair = parseCryptoSymbol(item, exchanges);
      parsed = { kind: "crypto", key: `${pair.exchange}:${pair.symbol}`, market: "CRYPTO", pair };
    } else {
      const symbol = parseStockSymbol(item);
      parsed = { kind: "stock", key: symbol.code, market: symbol.market === "HK" ? "HK" : "CN", symbol };
    }
    seen.set(parsed.key, parsed);
  }
  return [...seen.values()];
}

/** `date`/`time` in `timeZone` as ISO 8601 with that zone's offset (`2026-11-23T09:30:00+08:00`). */
function withOffset(instant: Date, timeZone: string): string {
  const local = localTime(instant, timeZone);
  const asUtc = Date.parse(`${local.date}T${local.time}:00Z`);
  const minutes = Math.round((asUtc - Math.floor(instant.getTime() / 60_000) * 60_000) / 60_000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  const seconds = String(instant.getUTCSeconds()).padStart(2, "0");
  return `${local.date}T${local.time}:${seconds}${offset}`;
}

/**
 * A stock market's state at `now` from its calendar: `open` in continuous trading, `break` in the lunch
 * break, else `closed`; `next_open` the next start of trading. `settling` while upstream's quote may still
 * change after a segment ended (`settleMs`), so the last quote is polled once more after the close.
 */
export function stockMarketState(
  calendar: ExchangeCalendar,
  now: Date,
  settleMs: number,
): { state: "open" | "break" | "closed"; next_open: string | null; settling: boolean } {
  const tz = calendar.timeZone;
  const today = localTime(now, tz).date;
  const t = now.getTime();
  const at = (date: string, time: string) => instantAt(date, time, tz);
  const iso = (date: string, time: string) => withOffset(at(date, time), tz);
  const session = calendar.isKnown(today) ? calendar.session(today) : null;
  if (session) {
    const open = at(today, session.open).getTime();
    const close = at(today, session.close).getTime();
    if (t < open) return { state: "closed", next_open: iso(today, session.open), settling: false };
    if (session.breakStart !== null && session.breakEnd !== null) {
      const breakStart = at(today, session.breakStart).getTime();
      const breakEnd = at(today, session.breakEnd).getTime();
      if (t >= breakStart && t < breakEnd)
        return { state: "break", next_open: iso(today, session.breakEnd), settling: t < breakStart + settleMs };
    }
    if (t < close) return { state: "open", next_open: null, settling: false };
    const next = calendar.nextSession(today);
    const nextHours = next ? calendar.session(next) : null;
    return {
      state: "closed",
      next_open: next && nextHours ? iso(next, nextHours.open) : null,
      settling: t < close + settleMs,
    };
  }
  const next = calendar.sessionOnOrAfter(calendar.isKnown(today) ? today : addCalendarDays(today, 1));
  const nextHours = next ? calendar.session(next) : null;
  return { state: "closed", next_open: next && nextHours ? iso(next, nextHours.open) : null, settling: false };
}

/** How long upstream asked to wait after `error` (`retry_after_seconds` of a 503 or 429), ms; 0 when it did not. */
function retryAfterMs(error: unknown): number {
  const seconds = error instanceof QuantDbError ? Number(error.details?.["retry_after_seconds"]) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** Options of {@link QuoteHub}. */
export interface QuoteHubOptions {
  quotes: QuoteService;
  crypto: CryptoService;
  calendars: Calendars;
  /** Market state follows this clock; poll intervals run in real time. */
  clock: Clock;
  /** Poll interval, ms, every market (≥ {@link MIN_STREAM_INTERVAL_MS}); default {@link DEFAULT_STREAM_INTERVAL_MS}. */
  intervalMs?: number | undefined;
  /** Minutes after a segment ends during which a stock market's quote still changes. @default { CN: 2, HK: 25 } */
  settleMinutes?: Partial<Record<"CN" | "HK", number>>;
  /**
   * Upstream's rate budget per host, calls per second (the upstream policy's `ratePerSecond`; 0 or
   * omitted: none). Polls stretch their interval to stay within {@link STREAM_BUDGET_SHARE} of it.
   */
  upstreamRatePerSecond?: number | undefined;
  /** Share polling with the other replicas on the database; omitted: this process polls for itself. */
  relay?: QuoteRelay | undefined;
  /** Told when the relay fails (the hub then polls for itself until the relay works again). */
  onRelayError?: ((error: unknown) => void) | undefined;
}

/** Counters since start, per market. */
export interface QuoteHubStats {
  /** Markets whose poller is running (it stops when its last subscriber leaves). */
  running: StreamMarket[];
  /** Poller wake-ups per market, polls or not. */
  ticks: Record<StreamMarket, number>;
  /** Polls made per market (each one upstream round: 1 call per 100 secids, or 1 per crypto exchange). */
  polls: Record<StreamMarket, number>;
  /** Upstream calls those polls made (crypto: one ticker request per exchange a poll). */
  calls: Record<StreamMarket, number>;
  /** Markets this replica polls for every replica (with a relay; without one, every running market). */
  leading: StreamMarket[];
  /** Each market's current wait between polls, ms: the interval, stretched for the budget or after a failure. */
  intervals: Record<StreamMarket, number>;
  /** Subscribers now. */
  subscribers: number;
}

interface Held {
  event: Extract<StreamEvent, { event: "quote" }>;
  sig: string;
}

class Poller {
  readonly symbols = new Map<string, { symbol: StreamSymbol; count: number }>();
  readonly unknown = new Set<string>();
  status: StreamStatus | null = null;
  timer: ReturnType<typeof setTimeout> | null = null;
  busy = false;
  ticks = 0;
  polls = 0;
  calls = 0;
  /** Upstream calls of the last poll (what the next one will likely make). */
  lastCalls = 0;
  /** Wait before the next poll, ms. */
  delayMs = 0;
  /** With a relay: whether this replica polls the market for every replica. */
  leader = false;
  /** With a relay: the last status the polling replica published, and when (ms, real time). */
  relayed: { status: StreamStatus; at: number } | null = null;
  /** With a relay: announcements and resignations, in order. */
  relayChain: Promise<void> = Promise.resolve();

  constructor(readonly market: StreamMarket) {}
}

/** The live-quote hub: subscriptions, one poller per market, fan-out. */
export class QuoteHub {
  readonly #quotes: QuoteService;
  readonly #crypto: CryptoService;
  readonly #calendars: Calendars;
  readonly #clock: Clock;
  readonly #intervalMs: number | undefined;
  readonly #settleMs: Record<"CN" | "HK", number>;
  readonly #relay: QuoteRelay | undefined;
  readonly #ratePerSecond: number | undefined;
  readonly #onRelayError: (error: unknown) => void;
  readonly #pollers = new Map<StreamMarket, Poller>();
  readonly #latest = new Map<string, Held>();
  /** Each subscriber's symbol keys and their markets. */
  readonly #subscribers = new Map<StreamSubscriber, { keys: Set<string>; markets: Set<StreamMarket> }>();
  #nextId = 1;
  #closed = false;
  /** Ticks running now (a poll in flight). */
  readonly #ticking = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(options: QuoteHubOptions) {
    this.#quotes = options.quotes;
    this.#crypto = options.crypto;
    this.#calendars = options.calendars;
    this.#clock = options.clock;
    if (options.intervalMs !== undefined && !(options.intervalMs >= MIN_STREAM_INTERVAL_MS))
      throw new RangeError(`intervalMs must be at least ${MIN_STREAM_INTERVAL_MS}, got ${options.intervalMs}`);
    this.#intervalMs = options.intervalMs;
    this.#settleMs = {
      CN: (options.settleMinutes?.CN ?? 2) * 60_000,
      HK: (options.settleMinutes?.HK ?? 25) * 60_000,
    };
    this.#relay = options.relay;
    this.#ratePerSecond = options.upstreamRatePerSecond;
    this.#onRelayError = options.onRelayError ?? (() => {});
    for (const market of ["CN", "HK", "CRYPTO"] as const) {
      const poller = new Poller(market);
      poller.delayMs = this.#interval(market);
      this.#pollers.set(market, poller);
    }
  }

  /** The exchanges crypto symbols may name. */
  get exchanges(): readonly CryptoExchangeId[] {
    return this.#crypto.exchanges;
  }

  /**
   * Subscribe to `symbols`. Returns the snapshot to send first (the status of every subscribed market and
   * the latest held quote of every symbol; no upstream call) and `unsubscribe`. Later events go to
   * `subscriber.deliver`; the markets' pollers start if they were idle.
   * @throws {UpstreamUnavailableError} (503, Retry-After 1 s) once the hub is closed (shutting down)
   */
  subscribe(
    symbols: readonly StreamSymbol[],
    subscriber: StreamSubscriber,
  ): { snapshot: StreamEvent[]; unsubscribe: () => void } {
    // 503 with Retry-After: a client reconnects (to another replica, or this one once restarted).
    if (this.#closed) throw new UpstreamUnavailableError("The quote stream is shutting down", 1, {});
    const keys = new Set(symbols.map((s) => s.key));
    const markets = new Set(symbols.map((s) => s.market));
    this.#subscribers.set(subscriber, { keys, markets });
    const snapshot: StreamEvent[] = [];
    const grown = new Set<Poller>();
    for (const s of symbols) {
      const poller = this.#pollers.get(s.market)!;
      const entry = poller.symbols.get(s.key);
      if (entry) entry.count++;
      else {
        poller.symbols.set(s.key, { symbol: s, count: 1 });
        grown.add(poller);
      }
    }
    // Tell the polling replica at once, so a new symbol is polled from its next poll on.
    for (const poller of grown) this.#announce(poller);
    for (const market of markets) {
      const poller = this.#pollers.get(market)!;
      const status = poller.status ?? this.#stateNow(market);
      poller.status = status;
      snapshot.push({ id: this.#id(), event: "status", data: status });
    }
    for (const s of symbols) {
      const held = this.#latest.get(s.key);
      if (held) snapshot.push(held.event);
      const poller = this.#pollers.get(s.market)!;
      if (poller.unknown.has(s.key)) snapshot.push(this.#unknownEvent(s.key));
    }
    for (const market of markets) this.#start(this.#pollers.get(market)!);
    let done = false;
    return {
      snapshot,
      unsubscribe: () => {
        if (done) return;
        done = true;
        this.#subscribers.delete(subscriber);
        const shrunk = new Set<Poller>();
        for (const s of symbols) {
          const poller = this.#pollers.get(s.market)!;
          const entry = poller.symbols.get(s.key);
          if (entry && --entry.count <= 0) {
            poller.symbols.delete(s.key);
            shrunk.add(poller);
          }
        }
        for (const market of markets) {
          const poller = this.#pollers.get(market)!;
          if (poller.symbols.size === 0 && poller.timer) {
            clearTimeout(poller.timer);
            poller.timer = null;
          }
        }
        for (const poller of shrunk) this.#announce(poller);
      },
    };
  }

  /** Counters since start. */
  stats(): QuoteHubStats {
    const pick = (f: (p: Poller) => number) =>
      Object.fromEntries([...this.#pollers].map(([m, p]) => [m, f(p)])) as Record<StreamMarket, number>;
    return {
      running: [...this.#pollers.values()].filter((p) => p.timer !== null || p.busy).map((p) => p.market),
      ticks: pick((p) => p.ticks),
      polls: pick((p) => p.polls),
      calls: pick((p) => p.calls),
      leading: [...this.#pollers.values()]
        .filter((p) => (this.#relay ? p.leader : p.timer !== null || p.busy))
        .map((p) => p.market),
      intervals: pick((p) => p.delayMs),
      subscribers: this.#subscribers.size,
    };
  }

  /**
   * Take events another replica polled (see {@link QuoteRelay}): quotes that changed go to this replica's
   * subscribers of those symbols, a market's state to its subscribers of that market.
   */
  receive(message: RelayMessage): void {
    if (this.#closed || (this.#relay && message.from === this.#relay.replica)) return;
    const poller = this.#pollers.get(message.market);
    if (!poller) return;
    for (const event of message.events) {
      if (event.kind === "quote") {
        this.#accept(event.key, event.quote);
        // The realtime endpoints of this replica read the polled quote too (while fresh), no call of their own.
        if (event.realtime && message.market !== "CRYPTO") this.#prime(event.key, event.quote, event.realtime);
      } else if (event.kind === "unknown") {
        if (!poller.unknown.has(event.key)) {
          poller.unknown.add(event.key);
          this.#fanOut(event.key, this.#unknownEvent(event.key));
        }
      } else {
        poller.relayed = { status: event.status, at: Date.now() };
        if (!poller.leader && poller.symbols.size > 0) this.#setStatus(poller, event.status);
      }
    }
  }

  /**
   * Stop every poller (shutdown) and give up polling for the other replicas; every subscriber's `end`
   * is called and it gets nothing more. Resolves once the relay has been told and a poll in flight has
   * ended (at most 5 s).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const poller of this.#pollers.values()) if (poller.timer) clearTimeout(poller.timer);
    const relay = this.#relay;
    const resigned = relay
      ? [...this.#pollers.values()].map((poller) =>
          this.#relayStep(poller, async () => {
            await relay.announce(poller.market, [], 0);
            if (poller.leader) await relay.resign(poller.market);
            poller.leader = false;
          }),
        )
      : [];
    const subscribers = [...this.#subscribers.keys()];
    this.#subscribers.clear();
    for (const subscriber of subscribers) subscriber.end?.();
    await Promise.all(resigned);
    // Let a poll in flight finish (its upstream call, its relay), so the caller may close what it uses; bounded.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
      timer.unref?.();
    });
    await Promise.race([Promise.allSettled([...this.#ticking]), bound]);
    clearTimeout(timer);
  }

  #prime(key: string, quote: StreamQuote, realtime: { turnover_rate: number | null; fetched_at: string }): void {
    let symbol: StockSymbol;
    try {
      symbol = parseStockSymbol(key);
    } catch {
      return;
    }
    const { symbol: _s, market: _m, time, ...fields } = quote;
    this.#quotes.prime(symbol, { ...fields, ...realtime, quote_time: time ? new Date(time).toISOString() : null });
  }

  /** Run a relay step after the poller's earlier ones; a failure is reported, never thrown. */
  #relayStep(poller: Poller, step: () => Promise<void>): Promise<void> {
    poller.relayChain = poller.relayChain.then(step).catch((error: unknown) => this.#onRelayError(error));
    return poller.relayChain;
  }

  /** State this replica's wanted symbols of the poller's market; with none left, resign from polling it. */
  #announce(poller: Poller): void {
    const relay = this.#relay;
    if (!relay || this.#closed) return;
    void this.#relayStep(poller, async () => {
      const keys = [...poller.symbols.keys()];
      await relay.announce(poller.market, keys, this.#interestTtl(poller.market));
      if (keys.length === 0 && poller.leader) {
        poller.leader = false;
        await relay.resign(poller.market);
      }
    });
  }

  /** How long an announcement holds: a few intervals, so a replica that died stops being polled for. */
  #interestTtl(market: StreamMarket): number {
    return Math.max(5 * this.#interval(market), 15_000);
  }

  #id(): string {
    return String(this.#nextId++);
  }

  #unknownEvent(key: string): StreamEvent {
    return {
      id: this.#id(),
      event: "error",
      data: { symbol: key, code: "UNKNOWN_SYMBOL", message: `Upstream has no quote for ${key}` },
    };
  }

  #interval(market: StreamMarket): number {
    return (
      this.#intervalMs ?? (market === "CRYPTO" ? DEFAULT_STREAM_INTERVAL_MS.crypto : DEFAULT_STREAM_INTERVAL_MS.stock)
    );
  }

  #stateNow(market: StreamMarket): StreamStatus {
    if (market === "CRYPTO") return { market, state: "open", next_open: null };
    const { state, next_open } = stockMarketState(
      this.#calendars.get(market),
      this.#clock.now(),
      this.#settleMs[market],
    );
    return { market, state, next_open };
  }

  #start(poller: Poller): void {
    if (poller.timer !== null || poller.busy) return;
    this.#schedule(poller, 0);
  }

  #schedule(poller: Poller, delayMs: number): void {
    // The poller's calls are nobody's request: run them outside the subscribing request's call gate (the
    // hosts' policies and budgets still apply).
    poller.timer = withoutCallGate(() =>
      setTimeout(() => {
        const tick = this.#tick(poller);
        this.#ticking.add(tick);
        void tick.finally(() => this.#ticking.delete(tick));
      }, delayMs),
    );
    poller.timer.unref?.();
  }

  async #tick(poller: Poller): Promise<void> {
    poller.timer = null;
    if (this.#closed || poller.symbols.size === 0) return;
    poller.ticks++;
    poller.busy = true;
    try {
      const market = poller.market;
      let polling = market === "CRYPTO";
      let status: StreamStatus;
      if (market === "CRYPTO") status = { market, state: "open", next_open: null };
      else {
        const s = stockMarketState(this.#calendars.get(market), this.#clock.now(), this.#settleMs[market]);
        status = { market, state: s.state, next_open: s.next_open };
        polling = s.state === "open" || s.settling;
      }
      if (polling) {
        const leading = await this.#lead(poller);
        if (leading) {
          let polled: RelayedEvent[] = [];
          try {
            polled = await this.#poll(poller, await this.#wanted(poller));
            poller.delayMs = this.#budgetedInterval(poller);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            status = { ...status, state: "degraded", reason };
            // Upstream asked for a pause (rate limit, open breaker): wait that long before asking again.
            const retryAfter = retryAfterMs(error);
            poller.delayMs = Math.max(this.#budgetedInterval(poller), Math.min(retryAfter, MAX_BACKOFF_MS));
          }
          this.#publish(poller, [...polled, { kind: "status", status }]);
        } else if (poller.relayed && Date.now() - poller.relayed.at < 3 * this.#interval(market)) {
          // Another replica polls: its view of the market (degraded included) holds while it is fresh.
          status = poller.relayed.status;
        }
      }
      this.#setStatus(poller, status);
    } finally {
      poller.busy = false;
    }
    if (!this.#closed && poller.symbols.size > 0) this.#schedule(poller, poller.delayMs);
  }

  /**
   * The interval stretched for upstream's budget: CN and HK quotes come from one host, so their polls'
   * calls count together; each crypto exchange is its own host (one ticker request a poll).
   */
  #budgetedInterval(poller: Poller): number {
    const interval = this.#interval(poller.market);
    if (poller.market === "CRYPTO") return stretchedInterval(interval, 1, this.#ratePerSecond);
    const cn = this.#pollers.get("CN")!;
    const hk = this.#pollers.get("HK")!;
    const calls = (p: Poller) => (p.symbols.size > 0 ? Math.max(p.lastCalls, 1) : 0);
    return stretchedInterval(interval, calls(cn) + calls(hk), this.#ratePerSecond);
  }

  /** Whether this replica polls the market now: always without a relay, else while it holds the election. */
  async #lead(poller: Poller): Promise<boolean> {
    const relay = this.#relay;
    if (!relay) return true;
    let failed = false;
    // Renew the interest (it expires), then stand for election: the one holding the lock polls. In the
    // poller's relay order, so a resignation queued meanwhile is not undone by a late election.
    await this.#relayStep(poller, async () => {
      try {
        const keys = [...poller.symbols.keys()];
        if (this.#closed || keys.length === 0) return;
        await relay.announce(poller.market, keys, this.#interestTtl(poller.market));
        poller.leader = await relay.lead(poller.market);
      } catch (error) {
        failed = true;
        poller.leader = false;
        throw error;
      }
    });
    // The database is unreachable: serve this replica's subscribers rather than nobody.
    if (failed) return true;
    return poller.leader;
  }

  /** The symbols to poll: this replica's, and, when it polls for every replica, theirs too. */
  async #wanted(poller: Poller): Promise<StreamSymbol[]> {
    const own = [...poller.symbols.values()].map((e) => e.symbol);
    if (!this.#relay || !poller.leader) return own;
    let keys: string[];
    try {
      keys = await this.#relay.wanted(poller.market);
    } catch (error) {
      this.#onRelayError(error);
      return own;
    }
    const all = new Map(own.map((s) => [s.key, s]));
    const others = keys.filter((k) => !all.has(k));
    for (const key of others) {
      try {
        for (const s of parseStreamSymbols(key, this.exchanges)) if (s.market === poller.market) all.set(s.key, s);
      } catch {
        // a key this version cannot read (another release of QuantDB): not polled here
      }
    }
    return [...all.values()];
  }

  /** Send a poll's events to the other replicas (when this one polls for them). */
  #publish(poller: Poller, events: RelayedEvent[]): void {
    const relay = this.#relay;
    if (!relay || !poller.leader) return;
    relay.publish({ from: relay.replica, market: poller.market, events }).catch((e: unknown) => this.#onRelayError(e));
  }

  #setStatus(poller: Poller, status: StreamStatus): void {
    const before = poller.status;
    poller.status = status;
    if (
      before &&
      before.state === status.state &&
      before.next_open === status.next_open &&
      before.reason === status.reason
    )
      return;
    const event: StreamEvent = { id: this.#id(), event: "status", data: status };
    for (const [subscriber, { markets }] of this.#subscribers)
      if (markets.has(poller.market)) subscriber.deliver(event);
  }

  /** Poll `symbols` (those upstream knows), fan out what changed, and return every polled quote and unknown key. */
  async #poll(poller: Poller, symbols: StreamSymbol[]): Promise<RelayedEvent[]> {
    const wanted = symbols.filter((s) => !poller.unknown.has(s.key));
    // Keys known to be unknown are not asked again, but reported again: another replica's new subscriber learns it.
    const known: RelayedEvent[] = symbols.flatMap((s) =>
      poller.unknown.has(s.key) ? [{ kind: "unknown", key: s.key }] : [],
    );
    if (wanted.length === 0) return known;
    poller.polls++;
    const callsBefore = poller.calls;
    const quotes: {
      key: string;
      quote: StreamQuote | null;
      realtime?: { turnover_rate: number | null; fetched_at: string };
    }[] = [];
    if (poller.market === "CRYPTO") {
      const byExchange = new Map<CryptoExchangeId, CryptoPair[]>();
      for (const s of wanted)
        if (s.kind === "crypto") byExchange.set(s.pair.exchange, [...(byExchange.get(s.pair.exchange) ?? []), s.pair]);
      for (const [exchange, pairs] of byExchange) {
        // A fresh snapshot every interval: the poller sets the pace (and a frozen test clock must not freeze prices).
        const { tickers, upstreamRequests } = await this.#crypto.tickers(exchange, pairs, undefined, {
          refresh: true,
          missing: "null", // a pair the exchange lacks is that pair's UNKNOWN_SYMBOL, not every pair's failure
        });
        poller.calls += upstreamRequests;
        pairs.forEach((pair, i) => {
          const t = tickers[i];
          quotes.push({
            key: `${pair.exchange}:${pair.symbol}`,
            quote: t
              ? {
                  symbol: `${pair.exchange}:${pair.symbol}`,
                  market: "CRYPTO",
                  name: pair.symbol,
                  price: t.last,
                  change: t.change,
                  pct_change: t.percentage,
                  open: t.open,
                  high: t.high,
                  low: t.low,
                  prev_close: t.previousClose,
                  volume: t.baseVolume,
                  amount: t.quoteVolume,
                  time: withOffset(new Date(t.time), "UTC"),
                }
              : null,
          });
        });
      }
    } else {
      const stocks = wanted.flatMap((s) => (s.kind === "stock" ? [s] : []));
      const { results, cache } = await this.#quotes.lookup(
        stocks.map((s) => s.symbol),
        { forceRefresh: true },
      );
      poller.calls += cache.upstream_requests;
      const tz = this.#calendars.get(poller.market).timeZone;
      let failure: QuantDbError | null = null;
      results.forEach((result, i) => {
        const s = stocks[i]!;
        if (result instanceof QuantDbError) {
          if (result.code === "NOT_FOUND") quotes.push({ key: s.key, quote: null });
          else failure ??= result;
          return;
        }
        quotes.push({
          key: s.key,
          quote: {
            symbol: result.symbol,
            market: result.market,
            name: result.name,
            price: result.price,
            change: result.change,
            pct_change: result.pct_change,
            open: result.open,
            high: result.high,
            low: result.low,
            prev_close: result.prev_close,
            volume: result.volume,
            amount: result.amount,
            time: result.quote_time ? withOffset(new Date(result.quote_time), tz) : null,
          },
          realtime: { turnover_rate: result.turnover_rate, fetched_at: result.fetched_at },
        });
      });
      if (failure) throw failure;
    }
    poller.lastCalls = poller.calls - callsBefore;
    const polled: RelayedEvent[] = known;
    for (const { key, quote, realtime } of quotes) {
      if (quote === null) {
        poller.unknown.add(key);
        this.#fanOut(key, this.#unknownEvent(key));
        polled.push({ kind: "unknown", key });
        continue;
      }
      this.#accept(key, quote);
      polled.push(realtime ? { kind: "quote", key, quote, realtime } : { kind: "quote", key, quote });
    }
    return polled;
  }

  /** Hold `quote` as the symbol's latest and fan it out, unless its price, volume and amount are unchanged. */
  #accept(key: string, quote: StreamQuote): void {
    const sig = `${quote.price}|${quote.volume}|${quote.amount}`;
    const held = this.#latest.get(key);
    if (held && held.sig === sig) return;
    const event = { id: this.#id(), event: "quote" as const, data: quote };
    this.#latest.set(key, { event, sig });
    this.#fanOut(key, event);
  }

  #fanOut(key: string, event: StreamEvent): void {
    for (const [subscriber, { keys }] of this.#subscribers) if (keys.has(key)) subscriber.deliver(event);
  }
}
