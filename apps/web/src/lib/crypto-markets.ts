/**
 * The exchanges' market lists for the search box, in the browser: loaded from
 * `GET /api/v1/crypto/markets?exchange=…` only when someone types what may be a pair, kept in memory
 * for the page and in localStorage for {@link TTL_MS} (the API reloads a list once a day; a list is
 * large: Binance's is thousands of pairs, so only symbol, activity and 24 h volume are kept).
 *
 * Which exchanges the API serves is not listed anywhere: binance is asked first, then the others one
 * at a time. The first exchange the API does not serve answers 400 INVALID_SYMBOL naming the ones it
 * does (`details.accepted`); from then on only those are asked, and that list is kept like the lists.
 * So a browser sees at most one such 400 per {@link TTL_MS}.
 */
import { type CryptoMarketListEntry, QuantDbApiError } from "@quantdb/sdk";
import { browserClient } from "./browser-client.ts";
import { CRYPTO_EXCHANGES, type ExchangeMarkets } from "./crypto.ts";

/** How long a stored list (and the list of exchanges served) is used before it is asked for again. */
const TTL_MS = 6 * 3_600_000;
const LIST_KEY = (exchange: string) => `quantdb.crypto.markets.${exchange}`;
const EXCHANGES_KEY = "quantdb.crypto.exchanges";

/** A market as stored: [symbol, active (1/0), 24 h quote volume]. */
type Compact = [string, 0 | 1, number | null];

export interface MarketsSnapshot {
  /** The lists loaded so far, in the order of {@link CRYPTO_EXCHANGES}. */
  lists: readonly ExchangeMarkets[];
  /** Exchanges being loaded. */
  loading: readonly string[];
  /** Failures by exchange (an exchange the API does not serve, or the exchange being down). */
  errors: Readonly<Record<string, string>>;
  /** The exchanges the API serves, once known. */
  served: readonly string[] | null;
}

const lists = new Map<string, ExchangeMarkets>();
const loading = new Set<string>();
const errors: Record<string, string> = {};
let served: string[] | null = null;
let discovery: Promise<void> | null = null;
const pending = new Map<string, Promise<void>>();
const listeners = new Set<() => void>();
const EMPTY: MarketsSnapshot = { lists: [], loading: [], errors: {}, served: null };
let snapshot: MarketsSnapshot = EMPTY;

function publish(): void {
  const order = (e: string) => {
    const i = (CRYPTO_EXCHANGES as readonly string[]).indexOf(e);
    return i < 0 ? CRYPTO_EXCHANGES.length : i;
  };
  snapshot = {
    lists: [...lists.values()].sort((a, b) => order(a.exchange) - order(b.exchange)),
    loading: [...loading],
    errors: { ...errors },
    served,
  };
  for (const listener of listeners) listener();
}

/** For useSyncExternalStore. */
export function subscribeMarkets(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function marketsSnapshot(): MarketsSnapshot {
  return snapshot;
}

export function serverMarketsSnapshot(): MarketsSnapshot {
  return EMPTY;
}

function readStored<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    if (!raw) return null;
    const stored = JSON.parse(raw) as { savedAt?: number; value?: T };
    if (typeof stored.savedAt !== "number" || Date.now() - stored.savedAt > TTL_MS || stored.value === undefined)
      return null;
    return stored.value;
  } catch {
    return null;
  }
}

function store(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify({ savedAt: Date.now(), value }));
  } catch {
    // storage full or unavailable: kept in memory for this page only
  }
}

function expand(exchange: string, compact: readonly Compact[]): ExchangeMarkets {
  return {
    exchange,
    markets: compact.map(([symbol, active, volume]) => {
      const [base = symbol, quote = ""] = symbol.split("/");
      return { symbol, base, quote, active: active === 1, quote_volume_24h: volume };
    }),
  };
}

function compactOf(markets: readonly CryptoMarketListEntry[]): Compact[] {
  return markets.map((m) => [m.symbol, m.active ? 1 : 0, m.quote_volume_24h]);
}

function setServed(list: readonly string[]): void {
  served = list.filter((e): e is string => typeof e === "string").map((e) => e.toLowerCase());
  store(EXCHANGES_KEY, served);
}

/** The accepted exchanges a 400 names, when it is the API's "unknown exchange" answer. */
function acceptedOf(error: unknown): string[] | null {
  if (!(error instanceof QuantDbApiError) || error.status !== 400) return null;
  const accepted = (error.details as { accepted?: unknown } | undefined)?.accepted;
  return Array.isArray(accepted) ? accepted.filter((e): e is string => typeof e === "string") : null;
}

/** Load one exchange's list (from storage when fresh); resolves when done, never rejects. */
export function loadExchange(exchange: string): Promise<void> {
  const id = exchange.toLowerCase();
  if (lists.has(id)) return Promise.resolve();
  const running = pending.get(id);
  if (running) return running;
  const stored = readStored<Compact[]>(LIST_KEY(id));
  if (stored) {
    lists.set(id, expand(id, stored));
    publish();
    return Promise.resolve();
  }
  loading.add(id);
  delete errors[id];
  publish();
  const job = browserClient()
    .getCryptoMarkets(id)
    .then((answer) => {
      const compact = compactOf(answer.markets);
      lists.set(id, expand(id, compact));
      store(LIST_KEY(id), compact);
    })
    .catch((error: unknown) => {
      const accepted = acceptedOf(error);
      if (accepted) setServed(accepted);
      errors[id] = error instanceof QuantDbApiError ? `${error.message} (${error.code})` : String(error);
    })
    .finally(() => {
      loading.delete(id);
      pending.delete(id);
      publish();
    });
  pending.set(id, job);
  return job;
}

/**
 * Load the lists of every exchange the API serves (see the module comment); once per page. The
 * lists arrive one by one through {@link subscribeMarkets}.
 */
export function loadServedExchanges(): Promise<void> {
  // read through a function: loadExchange sets `served` when an answer names the exchanges served
  const known = (): string[] | null => served;
  discovery ??= (async () => {
    served ??= readStored<string[]>(EXCHANGES_KEY);
    for (const exchange of CRYPTO_EXCHANGES) {
      if (known()) break;
      await loadExchange(exchange);
    }
    const list = known();
    if (list) {
      await Promise.all(list.map(loadExchange));
    } else if (CRYPTO_EXCHANGES.every((e) => lists.has(e))) {
      setServed([...CRYPTO_EXCHANGES]); // every exchange answered: all are served
    } else {
      // some failed otherwise (down, unreachable): use what loaded, and keep nothing for later pages
      served = CRYPTO_EXCHANGES.filter((e) => lists.has(e));
    }
    publish();
  })();
  return discovery;
}

/** The exchange a pair typed without one goes to: the first served (binance unless it is not). */
export function defaultExchange(): string {
  return served?.[0] ?? snapshot.lists[0]?.exchange ?? CRYPTO_EXCHANGES[0] ?? "binance";
}
