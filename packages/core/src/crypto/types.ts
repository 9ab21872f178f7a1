/**
 * Shapes of the crypto market (issue 17; docs/adr/0008-crypto-through-ccxt.md): spot pairs on a few
 * exchanges, bars on a UTC time grid (`1d`, `1h`), fetched through CCXT and cached with the same
 * guarantees as stock history. Times are epoch milliseconds, UTC; prices are in the pair's quote
 * currency; `volume` is in the base currency (fractional); `amount` is the quote volume.
 */

/** Exchanges QuantDB can serve crypto from (ccxt ids), in the order they are documented. */
export const CRYPTO_EXCHANGES = ["binance", "okx", "bybit", "coinbase", "kraken"] as const;

/** A ccxt exchange id QuantDB supports. */
export type CryptoExchangeId = (typeof CRYPTO_EXCHANGES)[number];

/** Bar timeframes served: one UTC day, one hour. */
export const TIMEFRAMES = ["1d", "1h"] as const;

/** A bar timeframe: `1d` (UTC day, bars open at 00:00 UTC) or `1h` (bars open on the hour). */
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Length of each timeframe's bar, ms. */
export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = Object.freeze({ "1d": 86_400_000, "1h": 3_600_000 });

/** A spot pair on one exchange. */
export interface CryptoPair {
  exchange: CryptoExchangeId;
  /** Base currency, upper case (`BTC`). */
  base: string;
  /** Quote currency, upper case (`USDT`): the currency of prices and amounts. */
  quote: string;
  /** The unified symbol, `BASE/QUOTE` (`BTC/USDT`). */
  symbol: string;
}

/**
 * One OHLCV bar of a pair. `time` is the bar's open time (epoch ms, UTC, on the timeframe's grid);
 * prices in the quote currency; `volume` in the base currency; `amount` the traded value in the
 * quote currency (the exchange's quote volume), or null when the exchange does not report it.
 */
export interface CryptoBar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  amount: number | null;
}

/** Inclusive span of bar open times (epoch ms, UTC), both on the timeframe's grid. */
export interface TimeSpan {
  start: number;
  end: number;
}

/** A held span and when it was fetched. */
export interface HeldTimeSpan extends TimeSpan {
  fetchedAt: Date;
}

/** What {@link CryptoBarStore.read} returns for one series (pair, timeframe) and range. */
export interface CryptoSeriesRead {
  /** The stored instrument's id, or null when the pair was never fetched (then everything else is empty). */
  instrumentId: number | null;
  /** Held spans overlapping the range (bars or remembered-empty). */
  held: HeldTimeSpan[];
  /** Unconfirmed empty spans overlapping the range (answered empty once, not held). */
  pendingEmpty: TimeSpan[];
  /** Stored bars with `start <= time <= end`, ascending. */
  bars: CryptoBar[];
}

/** One completed fetch of a series, written atomically by {@link CryptoBarStore.saveFetched}. */
export interface CryptoFetched {
  pair: CryptoPair;
  timeframe: Timeframe;
  /** The whole span asked of upstream: pending-empty spans overlapping it are deleted. */
  asked: TimeSpan;
  /** Spans now held (each bar of `bars` lies in one; confirmed-empty spans included). May be empty. */
  held: TimeSpan[];
  /** Final bars, ascending; upserted on (instrument, timeframe, time). */
  bars: CryptoBar[];
  /** Spans answered empty for the first time: remembered as unconfirmed (not held). */
  pendingEmpty: TimeSpan[];
  fetchedAt: Date;
}

/** A held series, for the daily ingest and cache statistics. */
export interface HeldCryptoSeries {
  pair: CryptoPair;
  timeframe: Timeframe;
  /** Open time of the last held bar (or end of the last held span), epoch ms. */
  heldThrough: number;
  /** Stored bars. */
  bars: number;
}

/**
 * Storage of crypto bars (implemented by `@quantdb/db` for PGlite and PostgreSQL). Instruments are
 * keyed `crypto:<exchange>:<BASE/QUOTE>` (kind `crypto`, market = the exchange, code = the symbol,
 * currency = the quote currency).
 */
export interface CryptoBarStore {
  /** Held spans, pending-empty spans and bars of (pair, timeframe) overlapping [start, end], in one read. */
  read(pair: CryptoPair, timeframe: Timeframe, start: number, end: number): Promise<CryptoSeriesRead>;
  /**
   * Persist one fetch in a single transaction: create the instrument if needed, upsert the bars,
   * record the held spans, delete pending-empty spans overlapping `asked`, insert the new ones, and
   * change the instrument's data version. All of it or none of it.
   */
  saveFetched(fetched: CryptoFetched): Promise<void>;
  /** The pair's data version (changes with every write to its bars or spans, by any process); "none" if not stored. */
  dataVersion(pair: CryptoPair): Promise<string>;
  /** Every held series (pair, timeframe) with its last held time and bar count. */
  heldSeries(): Promise<HeldCryptoSeries[]>;
  /** Held spans of a pair by timeframe then start, or null when the pair is not stored. */
  coverage(pair: CryptoPair): Promise<CryptoCoverageSpan[] | null>;
  /** Totals over every stored crypto pair (cache statistics). */
  totals(): Promise<CryptoTotals>;
}

/** One held span of a crypto series. */
export interface CryptoCoverageSpan {
  timeframe: Timeframe;
  /** First and last bar open time, epoch ms UTC. */
  start: number;
  end: number;
  /** Bars the exchange had for the span when it was fetched (0: a confirmed empty span). */
  bars: number;
  fetchedAt: Date;
}

/** What the crypto tables hold. */
export interface CryptoTotals {
  pairs: number;
  bars: number;
  spans: number;
  /** Open time of the earliest and latest stored bar, epoch ms UTC; null when none. */
  firstBar: number | null;
  lastBar: number | null;
}

/** One page request to an exchange: bars with `since <= time <= until`, at most `limit`, ascending. */
export interface CryptoBarsPage {
  pair: CryptoPair;
  timeframe: Timeframe;
  since: number;
  until: number;
  limit: number;
  signal?: AbortSignal | undefined;
}

/** A spot market as an exchange lists it. */
export interface CryptoMarketInfo {
  /** `BASE/QUOTE`. */
  symbol: string;
  base: string;
  quote: string;
  /** The exchange's own id of the pair (`BTCUSDT`, `BTC-USDT`, `XXBTZUSD`). */
  exchangeSymbol: string;
  /** Whether the exchange lists it as trading now. */
  active: boolean;
}

/** A 24-hour ticker of a pair (prices in the quote currency, volume in base, quoteVolume in quote). */
export interface CryptoTicker {
  symbol: string;
  /** Quote time, epoch ms UTC (the exchange's, or the fetch time when it sent none). */
  time: number;
  last: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
  /** Close 24 h ago (or the exchange's `previousClose`), null when unknown. */
  previousClose: number | null;
  change: number | null;
  /** Percent. */
  percentage: number | null;
  bid: number | null;
  ask: number | null;
  /** 24 h volume, base currency. */
  baseVolume: number | null;
  /** 24 h traded value, quote currency. */
  quoteVolume: number | null;
}

/** The crypto upstream port (the ccxt adapter implements it; a fake in unit tests). */
export interface CryptoSource {
  /** Exchanges this source can reach (configured). */
  readonly exchanges: readonly CryptoExchangeId[];
  /**
   * The exchange's spot markets (one upstream request per market-loading call).
   * @throws {UpstreamError} on any failure.
   */
  markets(exchange: CryptoExchangeId, signal?: AbortSignal): Promise<CryptoMarketInfo[]>;
  /**
   * ONE upstream request: bars of a page, validated (finite, OHLC order, on the grid, no duplicates).
   * @throws {UpstreamError} on any failure, including an answer that is not data (HTML, truncated JSON).
   */
  fetchBarsPage(page: CryptoBarsPage): Promise<CryptoBar[]>;
  /**
   * 24 h tickers of every spot pair of one exchange, in one request (the markets list ranks pairs by
   * them; quotes share one snapshot of them).
   * @throws {UpstreamError} on any failure.
   */
  tickers(exchange: CryptoExchangeId, signal?: AbortSignal): Promise<CryptoTicker[]>;
}
