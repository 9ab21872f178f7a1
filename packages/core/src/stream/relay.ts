/**
 * The port through which replicas of one deployment share live-quote polling (issue 19): per market, one
 * replica at a time is elected to poll (it polls the symbols every replica asked for) and publishes what
 * it polled; every other replica receives those events and fans them out to its own subscribers. So N
 * replicas make the upstream calls of one. `@quantdb/db` implements it on PostgreSQL (an advisory lock
 * per market, an interest table, NOTIFY); without a relay (PGlite, one process) the hub polls itself.
 */
import type { StreamMarket, StreamQuote, StreamStatus } from "./hub.ts";

/** One polled fact sent between replicas: a quote of a symbol key, a key upstream does not know, a market's state. */
export type RelayedEvent =
  | {
      kind: "quote";
      key: string;
      quote: StreamQuote;
      /** Stocks: what else the realtime endpoints serve, so the receiving replica's quote cache holds it too. */
      realtime?: { turnover_rate: number | null; fetched_at: string };
    }
  | { kind: "unknown"; key: string }
  | { kind: "status"; status: StreamStatus };

/** What the polling replica publishes after each poll of `market`: every quote it polled (not only changes). */
export interface RelayMessage {
  /** The publishing replica's id (a replica ignores its own messages). */
  from: string;
  market: StreamMarket;
  events: RelayedEvent[];
}

/** Election, interest and publication between the replicas on one database. */
export interface QuoteRelay {
  /** This replica's id, unique per process. */
  readonly replica: string;
  /**
   * Become, or stay, the replica that polls `market`. Resolves `true` while this replica holds the
   * market's lock (taken over from a replica that died or resigned), `false` while another one does.
   */
  lead(market: StreamMarket): Promise<boolean>;
  /** Stop polling `market` (this replica has no subscriber left there), so another replica may take over. */
  resign(market: StreamMarket): Promise<void>;
  /**
   * State the symbol keys this replica's subscribers want in `market`, valid for `ttlMs` (a replica that
   * dies stops being polled for after that). An empty list withdraws the replica's interest.
   */
  announce(market: StreamMarket, keys: readonly string[], ttlMs: number): Promise<void>;
  /** Every symbol key some replica wants in `market` now (what the polling replica polls). */
  wanted(market: StreamMarket): Promise<string[]>;
  /** Send a poll's events to every other replica. */
  publish(message: RelayMessage): Promise<void>;
}
