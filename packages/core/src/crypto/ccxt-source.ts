/**
 * The crypto source adapter: spot markets, OHLCV pages and tickers of binance, okx, bybit, coinbase
 * and kraken through the `ccxt` package (pinned 4.5.84), public endpoints only
 * (docs/adr/0008-crypto-through-ccxt.md).
 *
 * ccxt builds each exchange's requests and parses its answers; the HTTP itself is ours: every
 * instance's `fetch` is replaced by {@link fetchUpstreamText}, so each request runs through the
 * host's upstream policy (budget, breaker, retries, deadline) and the caller's call gate like every
 * other upstream call, a body that is not JSON (an HTML ban page, truncated JSON, nothing) is an
 * `UPSTREAM_INVALID` error instead of ccxt's silent `[]`, and the request's AbortSignal reaches the
 * socket. ccxt's own throttle (`enableRateLimit`, each exchange's documented spacing: binance 50 ms
 * between requests, kraken 1 s) stays on in front of the policy: a request waits for both.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Exchange, Market as CcxtMarket, Ticker } from "ccxt";
import { QuantDbError, UpstreamError } from "../errors.ts";
import { fetchUpstreamText } from "../http.ts";
import type { UpstreamPolicies } from "../upstream/policy.ts";
import { checkRows } from "./quality.ts";
import type {
  CryptoBar,
  CryptoBarsPage,
  CryptoExchangeId,
  CryptoMarketInfo,
  CryptoSource,
  CryptoTicker,
} from "./types.ts";

/** Options of {@link CcxtSource}. */
export interface CcxtSourceOptions {
  /** Exchanges to serve (`QUANTDB_CRYPTO_EXCHANGES`). */
  exchanges: readonly CryptoExchangeId[];
  /**
   * Per exchange, a base URL replacing the scheme and host of every REST URL of the exchange
   * (`QUANTDB_CCXT_<EXCHANGE>_URL`): a replay, a fake exchange or a proxy. Paths are kept.
   */
  urls?: Partial<Record<CryptoExchangeId, string>>;
  /** Per-call timeout, ms. */
  timeoutMs: number;
  /** The system's upstream policies; each request runs through its host's. */
  policies?: UpstreamPolicies | undefined;
  /** Injected fetch (tests). @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /**
   * How long loaded markets are reused before they are loaded again, ms (listings change rarely).
   * @default 86_400_000 (a day)
   */
  marketsTtlMs?: number;
  /** Monotonic-enough clock for the markets TTL, ms. @default Date.now */
  now?: () => number;
}

/** Most bars one OHLCV request returns, per exchange (each exchange's documented maximum). */
export const PAGE_LIMIT: Readonly<Record<CryptoExchangeId, number>> = Object.freeze({
  binance: 1000,
  okx: 100,
  bybit: 1000,
  coinbase: 300,
  kraken: 720,
});

/** Exchanges whose ccxt `fetchOHLCV` understands `params.until` (the others would send it on as a query parameter). */
const TAKES_UNTIL: ReadonlySet<CryptoExchangeId> = new Set(["binance", "okx", "bybit", "coinbase"]);

/**
 * The traded value (quote volume) of an exchange's raw OHLCV row, which ccxt drops: binance kline
 * field 7 (quote asset volume), okx candle field 7 (`volCcyQuote`), bybit field 6 (`turnover`),
 * kraken `vwap × volume` (fields 5 and 6: the value traded, by the definition of a VWAP); coinbase
 * candles carry none.
 */
function amountOf(exchange: CryptoExchangeId, raw: unknown): number | null {
  if (!Array.isArray(raw)) return null;
  const num = (value: unknown): number | null => {
    const n = typeof value === "string" ? Number(value) : typeof value === "number" ? value : Number.NaN;
    return Number.isFinite(n) ? n : null;
  };
  switch (exchange) {
    case "binance":
    case "okx":
      return num(raw[7]);
    case "bybit":
      return num(raw[6]);
    case "kraken": {
      const vwap = num(raw[5]);
      const volume = num(raw[6]);
      return vwap === null || volume === null ? null : vwap * volume;
    }
    default:
      return null;
  }
}

/**
 * Replace the scheme and host of every URL string in ccxt's `urls.api` (any nesting), keeping paths
 * and placeholders.
 */
export function rewriteApiUrls(api: unknown, base: string): unknown {
  const target = new URL(base);
  const origin = `${target.protocol}//${target.host}`;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(/^https?:\/\/[^/]+/, origin);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewrite(inner)]));
    }
    return value;
  };
  return rewrite(api);
}

interface Loaded {
  exchange: Exchange;
  markets: CryptoMarketInfo[];
  loadedAt: number;
}

/** The request's signal, carried through ccxt's calls to our `fetch`. */
const requestSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/** The {@link CryptoSource} over ccxt. One ccxt instance per exchange, made on first use. */
export class CcxtSource implements CryptoSource {
  readonly exchanges: readonly CryptoExchangeId[];
  readonly #options: CcxtSourceOptions;
  readonly #loaded = new Map<CryptoExchangeId, Promise<Loaded>>();
  readonly #marketsTtlMs: number;
  readonly #now: () => number;

  constructor(options: CcxtSourceOptions) {
    this.exchanges = options.exchanges;
    this.#options = options;
    this.#marketsTtlMs = options.marketsTtlMs ?? 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  /** @inheritdoc */
  async markets(exchange: CryptoExchangeId, signal?: AbortSignal): Promise<CryptoMarketInfo[]> {
    return (await this.#instance(exchange, signal)).markets;
  }

  /** @inheritdoc */
  async fetchBarsPage(page: CryptoBarsPage): Promise<CryptoBar[]> {
    const { exchange: id } = page.pair;
    const { exchange } = await this.#instance(id, page.signal);
    // okx's `after` (what ccxt sends `until` as) is exclusive; the others' end bounds are inclusive.
    const params = TAKES_UNTIL.has(id) ? { until: id === "okx" ? page.until + 1 : page.until } : {};
    const rows = await this.#call(id, page.signal, () =>
      exchange.fetchOHLCV(page.pair.symbol, page.timeframe, page.since, page.limit, params),
    );
    return checkRows(
      (rows as unknown[][]).map((row) => [...row.slice(0, 6), row[6] ?? null]),
      page,
      this.#host(id),
    );
  }

  /** @inheritdoc */
  async tickers(exchange: CryptoExchangeId, signal?: AbortSignal): Promise<CryptoTicker[]> {
    const { exchange: instance } = await this.#instance(exchange, signal);
    // `type: spot`: bybit's default category is linear (perpetuals), which lists no spot pair.
    const all = await this.#call(exchange, signal, () => instance.fetchTickers(undefined, { type: "spot" }));
    const fetched = Object.values(all).filter((t): t is Ticker => t !== undefined);
    const now = this.#now();
    return fetched.map((t) => ({
      symbol: String(t.symbol),
      time: typeof t.timestamp === "number" && Number.isFinite(t.timestamp) ? t.timestamp : now,
      last: finite(t.last ?? t.close),
      open: finite(t.open),
      high: finite(t.high),
      low: finite(t.low),
      previousClose: finite(t.previousClose),
      change: finite(t.change),
      percentage: finite(t.percentage),
      bid: finite(t.bid),
      ask: finite(t.ask),
      baseVolume: finite(t.baseVolume),
      quoteVolume: finite(t.quoteVolume),
    }));
  }

  /** The host a request of `exchange` goes to, for error details. */
  #host(exchange: CryptoExchangeId): string {
    const base = this.#options.urls?.[exchange];
    return base ? new URL(base).host : exchange;
  }

  /**
   * Run a ccxt call with `signal` reaching our fetch; errors ccxt raises itself (an exchange's error
   * answer, a parse failure) become `UPSTREAM_INVALID`.
   */
  async #call<T>(exchange: CryptoExchangeId, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await requestSignal.run(signal, call);
    } catch (error) {
      if (error instanceof QuantDbError) throw error;
      throw new UpstreamError(
        "UPSTREAM_INVALID",
        `Upstream ${exchange} answered with an error: ${(error as Error).message ?? String(error)}`.slice(0, 300),
        { host: this.#host(exchange), exchange, reason: "exchange_error", ccxt_error: (error as Error).name },
        { cause: error },
      );
    }
  }

  /** The exchange's instance with its spot markets loaded (again after the TTL, or after a failed load). */
  #instance(id: CryptoExchangeId, signal: AbortSignal | undefined): Promise<Loaded> {
    if (!this.exchanges.includes(id)) {
      return Promise.reject(new RangeError(`crypto: exchange ${id} is not configured`));
    }
    const current = this.#loaded.get(id);
    if (current) {
      return current.then((loaded) => {
        if (this.#now() - loaded.loadedAt < this.#marketsTtlMs) return loaded;
        if (this.#loaded.get(id) === current) this.#loaded.delete(id);
        return this.#instance(id, signal);
      });
    }
    const loading = this.#load(id, signal);
    this.#loaded.set(id, loading);
    // A failed load is forgotten: the next request makes a fresh instance (ccxt keeps state on it).
    loading.catch(() => {
      if (this.#loaded.get(id) === loading) this.#loaded.delete(id);
    });
    return loading;
  }

  async #load(id: CryptoExchangeId, signal: AbortSignal | undefined): Promise<Loaded> {
    // Loaded on first use: ccxt is large (60 MB, ~0.5 s to import) and stock-only systems never need it.
    const ccxt = await import("ccxt");
    const classes = {
      binance: ccxt.binance,
      okx: ccxt.okx,
      bybit: ccxt.bybit,
      coinbase: ccxt.coinbase,
      kraken: ccxt.kraken,
    };
    const exchange: Exchange = new classes[id]({
      // Each exchange's own request spacing, as ccxt knows it; then the host's policy (budget, breaker, retries).
      enableRateLimit: true,
      timeout: this.#options.timeoutMs,
      // Only the spot market list (binance, okx, bybit; kraken is spot-only and coinbase has no such option).
      options: { fetchMarkets: { types: ["spot"] } },
    });
    // Coinbase's three currency requests feed nothing QuantDB serves (markets carry base and quote codes).
    if (id === "coinbase") exchange.has.fetchCurrencies = false;
    const base = this.#options.urls?.[id];
    if (base) exchange.urls.api = rewriteApiUrls(exchange.urls.api, base) as typeof exchange.urls.api;
    exchange.fetch = (url: string, method = "GET", headers?: Record<string, string>, body?: unknown) =>
      this.#fetch(exchange, id, url, method, headers, body);
    const parseOHLCV = exchange.parseOHLCV.bind(exchange);
    exchange.parseOHLCV = (raw: unknown, market?: CcxtMarket) =>
      [...parseOHLCV(raw, market), amountOf(id, raw)] as never;
    await this.#call(id, signal, () => exchange.loadMarkets());
    const markets = (Object.values(exchange.markets ?? {}) as (CcxtMarket | undefined)[])
      .filter((m): m is NonNullable<CcxtMarket> => m !== undefined && m.spot === true)
      .map((m) => ({
        symbol: m.symbol,
        base: m.base,
        quote: m.quote,
        exchangeSymbol: String(m.id),
        active: m.active !== false,
      }))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    return { exchange, markets, loadedAt: this.#now() };
  }

  /** ccxt's HTTP, replaced: one GET through the host's policy, strict JSON, the exchange's error mapping. */
  async #fetch(
    exchange: Exchange,
    id: CryptoExchangeId,
    url: string,
    method: string,
    headers: Record<string, string> | undefined,
    body: unknown,
  ): Promise<unknown> {
    if (method !== "GET" || body !== undefined) {
      throw new UpstreamError("UPSTREAM_INVALID", `crypto: only public GET requests are made (${method} ${url})`, {
        host: new URL(url).host,
      });
    }
    const signal = requestSignal.getStore();
    const text = await fetchUpstreamText(url, {
      timeoutMs: this.#options.timeoutMs,
      policies: this.#options.policies,
      fetch: this.#options.fetch,
      ...(headers ? { headers } : {}),
      signal,
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamError("UPSTREAM_INVALID", `Upstream ${id} sent a body that is not JSON`, {
        host: new URL(url).host,
        exchange: id,
        reason: text.trim() === "" ? "empty_body" : "not_json",
        body_start: text.slice(0, 120),
      });
    }
    // The exchange's own error answers with HTTP 200 (okx `code`, bybit `retCode`, kraken `error`): ccxt raises them.
    exchange.handleErrors(200, "OK", url, method, {}, text, json, headers ?? {}, undefined);
    return json;
  }
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
