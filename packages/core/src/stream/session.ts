/**
 * A message-driven stream session (the WebSocket protocol of issue 19): the client names what it wants with
 * `{"op":"subscribe"|"unsubscribe","symbols":[…]}` messages and the set it holds grows and shrinks over the
 * connection's life. The session holds exactly one {@link QuoteHub} subscription for the whole current set and
 * replaces it on every change, so the hub's rules (one poller per market, snapshots, fan-out) apply unchanged; what
 * it adds is the per-connection bound and which part of a snapshot is news to the connection.
 */
import { InputError } from "../errors.ts";
import type { CryptoExchangeId } from "../crypto/types.ts";
import {
  MAX_STREAM_SYMBOLS,
  parseStreamSymbols,
  type QuoteHub,
  type StreamEvent,
  type StreamMarket,
  type StreamSubscriber,
  type StreamSymbol,
} from "./hub.ts";

/** A client message, validated: what to add to or remove from the session's set. */
export interface StreamMessage {
  op: "subscribe" | "unsubscribe";
  /** Parsed and de-duplicated, in the order given. */
  symbols: StreamSymbol[];
}

const EXAMPLE = '{"op":"subscribe","symbols":["600519","binance:BTC-USDT"]}';

/**
 * Parse one client message: a JSON object `{op, symbols}` with `op` `subscribe` or `unsubscribe` and `symbols` an
 * array of 1 to {@link MAX_STREAM_SYMBOLS} strings, each a symbol as the SSE route's `symbols` list takes it (stock
 * codes in any form history accepts, crypto `exchange:BASE-QUOTE` or `exchange:BASE/QUOTE`).
 * @param text the message as received (a text frame)
 * @param exchanges the crypto exchanges symbols may name ({@link QuoteHub.exchanges})
 * @throws {InputError} `VALIDATION_ERROR` when the text is not JSON, not such an object, names an unknown `op`, or
 *   `symbols` is not an array of 1 to 200 strings; `INVALID_SYMBOL` naming the first malformed symbol
 */
export function parseStreamMessage(text: string, exchanges: readonly CryptoExchangeId[]): StreamMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError("VALIDATION_ERROR", `A message is a JSON object such as ${EXAMPLE}; this one is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InputError("VALIDATION_ERROR", `A message is a JSON object such as ${EXAMPLE}`);
  const { op, symbols } = value as { op?: unknown; symbols?: unknown };
  if (op !== "subscribe" && op !== "unsubscribe")
    throw new InputError("VALIDATION_ERROR", `Unknown op ${JSON.stringify(op ?? null)}: subscribe or unsubscribe`, {
      op: op ?? null,
    });
  if (!Array.isArray(symbols) || symbols.some((s) => typeof s !== "string"))
    throw new InputError("VALIDATION_ERROR", `symbols is an array of strings, such as ${EXAMPLE}`);
  if (symbols.length > MAX_STREAM_SYMBOLS)
    throw new InputError(
      "VALIDATION_ERROR",
      `symbols: ${symbols.length} symbols, at most ${MAX_STREAM_SYMBOLS} per connection`,
      { count: symbols.length, max: MAX_STREAM_SYMBOLS },
    );
  return { op, symbols: parseStreamSymbols((symbols as string[]).join(","), exchanges) };
}

/**
 * One connection's subscriptions: a set of at most {@link MAX_STREAM_SYMBOLS} symbols that `subscribe` and
 * `unsubscribe` change, held as one hub subscription of the whole set. From construction until {@link close} the
 * session is the hub's subscriber (with an empty set at first), so the hub's `end()` at shutdown reaches the
 * connection whether or not it subscribed to anything.
 *
 * @example
 * const session = new StreamSession(hub, queue); // queue: a LatestQueue the transport drains
 * const snapshot = session.subscribe(parseStreamMessage(text, hub.exchanges).symbols);
 */
export class StreamSession {
  readonly #hub: Pick<QuoteHub, "subscribe">;
  readonly #subscriber: StreamSubscriber;
  #symbols = new Map<string, StreamSymbol>();
  #unsubscribe: () => void;
  #closed = false;

  /**
   * Subscribe `subscriber` to `hub` with an empty set.
   * @throws {QuantDbError} `UPSTREAM_UNAVAILABLE` when the hub is shutting down
   */
  constructor(hub: Pick<QuoteHub, "subscribe">, subscriber: StreamSubscriber) {
    this.#hub = hub;
    this.#subscriber = subscriber;
    this.#unsubscribe = this.#attach([]).unsubscribe;
  }

  /** Keys of the symbols subscribed now (`600519`, `binance:BTC/USDT`), in subscription order. */
  get symbols(): string[] {
    return [...this.#symbols.keys()];
  }

  /**
   * Add `symbols` to the set. Returns the snapshot of what is new to this connection, to send before anything the
   * hub delivers later: the `status` of each market none of its symbols was in before, and the latest held quote
   * (and the `UNKNOWN_SYMBOL` error) of each symbol it did not hold; nothing for symbols it already held.
   * @throws {InputError} `VALIDATION_ERROR` when the set would exceed {@link MAX_STREAM_SYMBOLS} (nothing changes)
   * @throws {QuantDbError} `UPSTREAM_UNAVAILABLE` when the hub is shutting down
   */
  subscribe(symbols: readonly StreamSymbol[]): StreamEvent[] {
    this.#assertOpen();
    const next = new Map(this.#symbols);
    for (const s of symbols) if (!next.has(s.key)) next.set(s.key, s);
    if (next.size > MAX_STREAM_SYMBOLS)
      throw new InputError(
        "VALIDATION_ERROR",
        `This connection would hold ${next.size} symbols, at most ${MAX_STREAM_SYMBOLS}: unsubscribe some first ` +
          `(or open another connection)`,
        { count: next.size, max: MAX_STREAM_SYMBOLS },
      );
    if (next.size === this.#symbols.size) return [];
    const heldMarkets = new Set<StreamMarket>([...this.#symbols.values()].map((s) => s.market));
    const added = new Set([...next.keys()].filter((key) => !this.#symbols.has(key)));
    const snapshot = this.#replace(next);
    return snapshot.filter((event) =>
      event.event === "status" ? !heldMarkets.has(event.data.market) : added.has(event.data.symbol),
    );
  }

  /** Remove `symbols` from the set (ones it does not hold are ignored); no more events come for them. */
  unsubscribe(symbols: readonly StreamSymbol[]): void {
    this.#assertOpen();
    const next = new Map(this.#symbols);
    for (const s of symbols) next.delete(s.key);
    if (next.size !== this.#symbols.size) this.#replace(next);
  }

  /** End the hub subscription (the connection closed); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
  }

  #assertOpen(): void {
    if (this.#closed) throw new InputError("VALIDATION_ERROR", "The stream session is closed");
  }

  /** Subscribe the new set before leaving the old one, so a market's poller never stops in between. */
  #replace(next: Map<string, StreamSymbol>): StreamEvent[] {
    const { snapshot, unsubscribe } = this.#attach([...next.values()]);
    const previous = this.#unsubscribe;
    this.#unsubscribe = unsubscribe;
    this.#symbols = next;
    previous();
    return snapshot;
  }

  /** A hub subscription through a subscriber object of its own (the hub keys its subscriptions by subscriber). */
  #attach(symbols: StreamSymbol[]): { snapshot: StreamEvent[]; unsubscribe: () => void } {
    const subscriber = this.#subscriber;
    return this.#hub.subscribe(symbols, {
      deliver: (event) => subscriber.deliver(event),
      end: () => subscriber.end?.(),
    });
  }
}
