/**
 * Live quotes from the API's stream, `GET /api/v1/stream/quotes?symbols=…` (server-sent events), read
 * through the dashboard's `/qdb` proxy with fetch streaming (so the tab's API key can go in the
 * `Authorization` header, which `EventSource` cannot send). Framework-free: the SSE parser, the state
 * the events build, the indicator a market shows, when to reconnect and when to fall back to polling,
 * and the connection that does it. `use-live-quotes.ts` is the React side.
 *
 * The dashboard computes nothing here: every figure is the API's, merged as it arrives.
 */
import type { MarketStatus, StreamQuote } from "@quantdb/sdk";

/** A market the stream reports on. */
export type StreamMarket = MarketStatus["market"];

/**
 * A `quote` event's data (the SDK's type, from the API's OpenAPI document): the realtime endpoints' fields
 * and units. `symbol` is the API's canonical name (`600519`, `00700`, `binance:BTC/USDT`); `time` is
 * upstream's quote time, ISO 8601 with offset.
 */
export type LiveQuote = StreamQuote;

/** One server-sent event as the wire carries it (`event` defaults to `message`). */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * How the live data arrives: `connecting` (no stream yet, or reconnecting after a drop), `streaming`
 * (events arrive), `polling` (the stream failed repeatedly or is unavailable: the caller polls as before,
 * and the stream is tried again later).
 */
export type LiveMode = "connecting" | "streaming" | "polling";

/** What the live stream has told so far. */
export interface LiveState {
  mode: LiveMode;
  /** Latest quote per canonical symbol. */
  quotes: Readonly<Record<string, LiveQuote>>;
  /** Latest status per market. */
  markets: Readonly<Partial<Record<StreamMarket, MarketStatus>>>;
  /** Symbols the API said upstream does not know (`error` events, `UNKNOWN_SYMBOL`). */
  unknown: readonly string[];
}

export const INITIAL_LIVE_STATE: LiveState = { mode: "connecting", quotes: {}, markets: {}, unknown: [] };

/**
 * An incremental server-sent-events parser (the WHATWG rules for `event`, `data`, `id` and comments;
 * `retry` ignored): feed it text as it arrives, in any pieces; it calls `onMessage` once per complete
 * event that carries data.
 */
export function createSseParser(onMessage: (message: SseMessage) => void): { push(text: string): void } {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  const dispatch = () => {
    if (data.length > 0) onMessage({ event: event || "message", data: data.join("\n"), ...(id ? { id } : {}) });
    event = "";
    data = [];
  };
  const line = (text: string) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return; // a comment (keep-alive)
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
  };
  return {
    push(text) {
      buffer += text;
      for (;;) {
        const end = buffer.search(/\r\n|\r|\n/);
        // a lone \r at the end may be the first half of \r\n: wait for the next piece
        if (end < 0 || (buffer[end] === "\r" && end === buffer.length - 1)) return;
        const breakLength = buffer.startsWith("\r\n", end) ? 2 : 1;
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + breakLength);
      }
    },
  };
}

/** The state after one stream message; messages of other kinds or with unreadable data leave it as it was. */
export function applyStreamMessage(state: LiveState, message: SseMessage): LiveState {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return state;
  }
  if (typeof data !== "object" || data === null) return state;
  const mode: LiveMode = "streaming";
  if (message.event === "quote" && typeof (data as LiveQuote).symbol === "string") {
    const quote = data as LiveQuote;
    return { ...state, mode, quotes: { ...state.quotes, [quote.symbol]: quote } };
  }
  if (message.event === "status" && typeof (data as MarketStatus).market === "string") {
    const status = data as MarketStatus;
    return { ...state, mode, markets: { ...state.markets, [status.market]: status } };
  }
  if (message.event === "error") {
    const { symbol, code } = data as { symbol?: unknown; code?: unknown };
    if (code === "UNKNOWN_SYMBOL" && typeof symbol === "string" && !state.unknown.includes(symbol))
      return { ...state, mode, unknown: [...state.unknown, symbol] };
  }
  return state;
}

/** What a page shows for a market: live, closed (with the next open), degraded, polling or connecting. */
export type LiveIndicator =
  | { kind: "live" }
  | { kind: "closed"; state: "break" | "closed"; nextOpen: string | null }
  | { kind: "degraded"; reason: string | null }
  | { kind: "polling" }
  | { kind: "connecting" };

/** The indicator of `market` in `state`. */
export function liveIndicator(state: LiveState, market: StreamMarket): LiveIndicator {
  if (state.mode === "polling") return { kind: "polling" };
  const status = state.markets[market];
  if (state.mode === "connecting" || !status) return { kind: "connecting" };
  if (status.state === "open") return { kind: "live" };
  if (status.state === "degraded") return { kind: "degraded", reason: status.reason ?? null };
  return { kind: "closed", state: status.state, nextOpen: status.next_open };
}

/**
 * An ISO 8601 instant with offset as the exchange writes it, for a label: `2026-11-23T09:30:00+08:00` →
 * `2026-11-23 09:30 (UTC+08:00)`. Text of another shape is returned as it is.
 */
export function exchangeTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!match) return iso;
  return `${match[1]} ${match[2]} (UTC${match[3] === "Z" ? "" : match[3]})`;
}

/** The stream's markets among canonical symbols: crypto pairs (`exchange:BASE/QUOTE`), HK (5 digits) or CN. */
export function marketOfSymbol(symbol: string): StreamMarket {
  if (symbol.includes(":")) return "CRYPTO";
  return /^\d{5}$/.test(symbol) ? "HK" : "CN";
}

/** Reconnect delays after consecutive failures, ms; once they are used up the caller polls. */
export const RECONNECT_DELAYS_MS: readonly number[] = [1_000, 3_000, 5_000];
/** While polling, how long until the stream is tried again, ms. */
export const STREAM_RETRY_MS = 60_000;
/** No byte for this long (the API sends a comment at least every 15 s) and the connection counts as dead, ms. */
const STREAM_SILENCE_MS = 45_000;

/** Why a connection ended: `refused` is an answer that retrying will not change (a 4xx, or not a stream). */
export type StreamFailure = "refused" | "failed";

/**
 * What to do after `failures` consecutive failed connections (the last one of kind `last`): reconnect
 * after a delay, or fall back to polling (or, `polling` already, keep polling) and try the stream again
 * after {@link STREAM_RETRY_MS}.
 */
export function nextStep(
  failures: number,
  last: StreamFailure,
  polling: boolean,
): { action: "reconnect"; delayMs: number } | { action: "poll"; retryMs: number } {
  const delayMs = RECONNECT_DELAYS_MS[failures - 1];
  if (polling || last === "refused" || delayMs === undefined) return { action: "poll", retryMs: STREAM_RETRY_MS };
  return { action: "reconnect", delayMs };
}

/** Whether an HTTP status refuses the stream for good (bad symbols, no key, no such route) rather than failing now. */
function refuses(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Options of {@link LiveQuoteStream}. */
export interface LiveQuoteStreamOptions {
  /** The stream's URL, `…/api/v1/stream/quotes?symbols=…`. */
  url: string;
  /** Headers of each connection (asked afresh each time: the tab's key may change). */
  headers?: () => Record<string, string>;
  onMessage(message: SseMessage): void;
  onMode(mode: LiveMode): void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * One live stream, kept open: reconnects after a drop (sending `Last-Event-ID`; the API answers with
 * the snapshot again), falls back to polling ({@link nextStep}) and tries again later. A connection
 * that delivered an event resets the failure count.
 */
export class LiveQuoteStream {
  readonly #options: LiveQuoteStreamOptions;
  readonly #fetch: typeof fetch;
  #controller: AbortController | null = null;
  #reader: ReadableStreamDefaultReader<string> | undefined;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #failures = 0;
  #lastEventId: string | undefined;
  #polling = false;
  #stopped = false;

  constructor(options: LiveQuoteStreamOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  start(): void {
    void this.#connect();
  }

  /** Close the connection and cancel any retry; nothing more is reported. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#controller) this.#close(this.#controller, this.#reader);
  }

  /** End a connection: abort its request and stop reading its body. */
  #close(controller: AbortController, reader: ReadableStreamDefaultReader<string> | undefined): void {
    controller.abort();
    reader?.cancel().catch(() => {});
  }

  async #connect(): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    const controller = new AbortController();
    this.#controller = controller;
    let delivered = false;
    let failure: StreamFailure = "failed";
    let reader: ReadableStreamDefaultReader<string> | undefined;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const quiet = () => {
      clearTimeout(silence);
      silence = setTimeout(() => this.#close(controller, reader), STREAM_SILENCE_MS);
    };
    try {
      const headers: Record<string, string> = { accept: "text/event-stream", ...this.#options.headers?.() };
      if (this.#lastEventId) headers["last-event-id"] = this.#lastEventId;
      quiet();
      const response = await this.#fetch(this.#options.url, {
        headers,
        cache: "no-store",
        signal: controller.signal,
      });
      const type = response.headers.get("content-type") ?? "";
      if (!response.ok || !type.startsWith("text/event-stream") || !response.body) {
        // a 2xx that is not a stream (something else answers at that path) will not become one either
        if (response.ok || refuses(response.status)) failure = "refused";
        await response.body?.cancel().catch(() => {});
      } else {
        const parser = createSseParser((message) => {
          if (message.id) this.#lastEventId = message.id;
          if (!delivered) {
            delivered = true;
            this.#failures = 0;
            this.#polling = false;
          }
          this.#options.onMessage(message);
        });
        reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        this.#reader = reader;
        for (;;) {
          const { value, done } = await reader.read();
          if (done || this.#stopped) break;
          quiet();
          parser.push(value);
        }
      }
    } catch {
      // network error, abort, or silence: a failure like any other (unless stopped)
    } finally {
      clearTimeout(silence);
      this.#reader = undefined;
    }
    if (this.#stopped) return;
    // A connection that delivered events and then ended is a drop, not a failure: reconnect soon.
    if (!delivered) this.#failures++;
    const step = delivered
      ? ({ action: "reconnect", delayMs: RECONNECT_DELAYS_MS[0]! } as const)
      : nextStep(this.#failures, failure, this.#polling);
    if (step.action === "poll") {
      this.#failures = 0;
      if (!this.#polling) this.#options.onMode("polling");
      this.#polling = true;
      this.#timer = setTimeout(() => void this.#connect(), step.retryMs);
    } else {
      if (delivered) this.#options.onMode("connecting");
      this.#timer = setTimeout(() => void this.#connect(), step.delayMs);
    }
  }
}

/** The figures a polled quote shares with a live one (the realtime endpoints' fields and units). */
type QuoteFigures = Omit<LiveQuote, "symbol" | "market" | "name" | "time"> & { quote_time: string | null };

/**
 * A polled quote (`/realtime/…`, with what only it carries: currency, exchange, names) with the live
 * quote's figures and time over it, when there is one; the polled quote as it is otherwise.
 */
export function withLive<TQuote extends QuoteFigures>(polled: TQuote, live: LiveQuote | undefined): TQuote {
  if (!live) return polled;
  const { price, change, pct_change, open, high, low, prev_close, volume, amount } = live;
  const figures = { price, change, pct_change, open, high, low, prev_close, volume, amount };
  return { ...polled, ...figures, quote_time: live.time ?? polled.quote_time };
}

/**
 * The live quote of `symbol` to show over a polled one: none while polling (the polled quote is then the
 * newer one) or before the stream sent one.
 */
export function liveQuoteOf(state: LiveState, symbol: string): LiveQuote | undefined {
  return state.mode === "polling" ? undefined : state.quotes[symbol];
}
