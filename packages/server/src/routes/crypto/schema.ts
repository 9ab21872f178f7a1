/**
 * OpenAPI schemas of the crypto endpoints (issue 17): history of a spot pair, the exchanges'
 * market lists and 24 h tickers. Times are UTC; prices and amounts in the pair's quote currency,
 * volumes in its base currency.
 */
import { z } from "@hono/zod-openapi";
import { CRYPTO_EXCHANGES } from "@quantdb/core/crypto";

/** Path parameters `{exchange}/{pair}`. */
export const PairParams = z.object({
  exchange: z.string().openapi({
    param: { name: "exchange", in: "path" },
    description: `Exchange (ccxt id): ${CRYPTO_EXCHANGES.join(", ")} (those this server is configured for)`,
    example: "binance",
  }),
  pair: z.string().openapi({
    param: { name: "pair", in: "path" },
    description: "Spot pair as BASE-QUOTE (in the SDK and CLI: exchange:BASE/QUOTE)",
    example: "BTC-USDT",
  }),
});

/** Query of the crypto history endpoint. */
export const CryptoHistoryQuerySchema = z.object({
  start_date: z.string().optional().openapi({
    description: "First UTC day, YYYYMMDD or YYYY-MM-DD. Default: 365 days (1d) or 6 days (1h) before end_date.",
    example: "2025-01-01",
  }),
  end_date: z.string().optional().openapi({
    description: "Last UTC day (inclusive), YYYYMMDD or YYYY-MM-DD. Default: today (UTC). Nothing after now is served.",
    example: "2025-12-31",
  }),
  timeframe: z.string().optional().openapi({
    description: "Bar length: 1d (default; bars open at 00:00 UTC) or 1h (bars open on the hour, UTC)",
    example: "1d",
  }),
  format: z
    .enum(["json", "columns", "csv"])
    .optional()
    .openapi({
      description:
        "json (default): bars as objects in `data`. columns: one array per field in `columns` (media type " +
        "application/vnd.quantdb.columns+json). csv: a header line then one line per bar (no metadata).",
      example: "json",
    }),
});

const nullableNumber = (description: string, example: number) =>
  z.number().nullable().openapi({ description, example });

/** One crypto bar. */
const CryptoBarSchema = z
  .object({
    date: z.string().openapi({ description: "The bar's UTC day, YYYY-MM-DD", example: "2025-01-01" }),
    time: z.string().openapi({
      description: "The bar's open time, ISO 8601 UTC (1d bars open at 00:00, 1h bars on the hour)",
      example: "2025-01-01T00:00:00Z",
    }),
    open: z.number().openapi({ description: "Opening price, quote currency", example: 93576.0 }),
    high: z.number().openapi({ description: "Highest price, quote currency", example: 95151.15 }),
    low: z.number().openapi({ description: "Lowest price, quote currency", example: 92888.0 }),
    close: z.number().openapi({ description: "Closing price, quote currency", example: 94591.79 }),
    volume: z.number().openapi({ description: "Volume traded, base currency (fractional)", example: 10373.32613 }),
    amount: nullableNumber(
      "Traded value, quote currency: the exchange's quote volume (kraken: VWAP × volume); null where the " +
        "exchange reports none (coinbase)",
      972206672.2,
    ),
    provisional: z.boolean().openapi({
      description:
        "true for a bar whose period has not ended plus one minute: it may still change, and is never stored",
      example: false,
    }),
  })
  .openapi("CryptoBar");

const TimeSpanSchema = z.object({
  start: z.string().openapi({ description: "First open time, ISO 8601 UTC", example: "2017-01-01T00:00:00Z" }),
  end: z.string().openapi({ description: "Last open time, ISO 8601 UTC", example: "2017-08-16T00:00:00Z" }),
});

/** `metadata.cache` of a crypto history answer. */
const CryptoCacheSchema = z.object({
  hit: z.boolean().openapi({ description: "True when no upstream request was made" }),
  rows_from_cache: z.number().int(),
  rows_from_upstream: z.number().int(),
  upstream_requests: z
    .number()
    .int()
    .openapi({ description: "OHLCV requests made for this answer; each page of a paged fetch counts" }),
  trading_periods: z
    .number()
    .int()
    .openapi({ description: "Bar periods in the range up to now (every UTC day, or every hour for 1h)" }),
  series_replaced: z.null().openapi({ description: "Always null for crypto (no adjustment to rebase)" }),
  unconfirmed_empty: z.array(TimeSpanSchema).openapi({
    description:
      "Spans the exchange answered with no bar once (before listing, an outage), served empty and not yet " +
      "remembered: the next request asks again, and a second empty answer makes them held",
  }),
});

/** Units of a crypto answer. */
const CryptoUnitsSchema = z.object({
  base: z.string().openapi({ example: "BTC" }),
  quote: z.string().openapi({ example: "USDT" }),
  price: z.string().openapi({ description: "Prices are in the quote currency", example: "USDT" }),
  volume: z.string().openapi({ description: "Volumes are in the base currency", example: "BTC" }),
  amount: z.string().openapi({ description: "Amounts are in the quote currency", example: "USDT" }),
  time_zone: z.literal("UTC"),
});

/** The JSON answer of `GET /api/v1/historical/crypto/{exchange}/{pair}`. */
export const CryptoHistoryResponseSchema = z
  .object({
    symbol: z.string().openapi({ description: "Unified pair symbol BASE/QUOTE", example: "BTC/USDT" }),
    exchange: z.string().openapi({ example: "binance" }),
    market: z.literal("CRYPTO"),
    timeframe: z.enum(["1d", "1h"]),
    start_date: z.string().openapi({ example: "2025-01-01" }),
    end_date: z.string().openapi({ example: "2025-12-31" }),
    data: z.array(CryptoBarSchema),
    metadata: z.object({
      count: z.number().int(),
      cache: CryptoCacheSchema,
      units: CryptoUnitsSchema,
    }),
  })
  .openapi("CryptoHistoryResponse");

/** One listed spot pair. */
const CryptoMarketSchema = z
  .object({
    symbol: z.string().openapi({ example: "BTC/USDT" }),
    base: z.string().openapi({ example: "BTC" }),
    quote: z.string().openapi({ example: "USDT" }),
    exchange_symbol: z.string().openapi({ description: "The exchange's own id of the pair", example: "BTCUSDT" }),
    active: z.boolean().openapi({ description: "Whether the exchange lists it as trading" }),
    quote_volume_24h: nullableNumber(
      "24 h traded value in the quote currency when the list was loaded (for ranking); null if unknown",
      1.9e9,
    ),
  })
  .openapi("CryptoMarket");

/** The answer of `GET /api/v1/crypto/markets`. */
export const CryptoMarketsResponseSchema = z
  .object({
    exchange: z.string(),
    quote: z.string().nullable().openapi({ description: "The quote filter applied, or null" }),
    as_of: z.string().openapi({ description: "When the list was loaded from the exchange, ISO 8601 UTC" }),
    count: z.number().int(),
    markets: z.array(CryptoMarketSchema),
  })
  .openapi("CryptoMarketsResponse");

/** One 24 h ticker. */
export const CryptoQuoteSchema = z
  .object({
    symbol: z.string().openapi({ example: "BTC/USDT" }),
    exchange: z.string().openapi({ example: "binance" }),
    market: z.literal("CRYPTO"),
    price: nullableNumber("Last price, quote currency", 67908.0),
    open: nullableNumber("Price 24 h ago (the exchange's rolling-window open), quote currency", 67000.0),
    high: nullableNumber("24 h high", 68500.0),
    low: nullableNumber("24 h low", 66800.0),
    prev_close: nullableNumber("Previous close as the exchange reports it; null if none", null as unknown as number),
    change: nullableNumber("price − open of the 24 h window, quote currency", 908.0),
    pct_change: nullableNumber("Change in percent (1.5 means 1.5 %)", 1.36),
    bid: nullableNumber("Best bid", 67907.9),
    ask: nullableNumber("Best ask", 67908.0),
    volume: nullableNumber("24 h volume, base currency", 12000.5),
    amount: nullableNumber("24 h traded value, quote currency", 8.1e8),
    quote_time: z
      .string()
      .openapi({ description: "The exchange's quote time, ISO 8601 UTC", example: "2026-07-26T23:59:59Z" }),
  })
  .openapi("CryptoQuote");

/** `metadata.cache` of ticker answers. */
export const CryptoQuoteCacheSchema = z.object({
  hit: z.boolean().openapi({ description: "True when the exchange's ticker snapshot was reused (no request)" }),
  upstream_requests: z.number().int(),
  fetched_at: z.string().openapi({ description: "When the snapshot served was fetched, ISO 8601 UTC" }),
});

/** Body of `POST /api/v1/realtime/crypto/batch`. */
export const CryptoQuoteBatchRequestSchema = z.object({
  symbols: z
    .array(z.string())
    .min(1)
    .max(100)
    .openapi({
      description: "1 to 100 pairs as exchange:BASE/QUOTE",
      example: ["binance:BTC/USDT", "binance:ETH/USDT"],
    }),
});
