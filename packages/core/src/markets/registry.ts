/**
 * The market registry: one {@link Market} per market QuantDB serves. Nothing else in the code lists
 * markets; callers look them up (`market("HK").timeZone`, `marketOfExchange("SZ").currency`).
 */
import type {
  AnyMarket,
  CryptoMarket,
  Currency,
  IndexCompiler,
  Market,
  MarketId,
  StockExchange,
  StockMarketId,
} from "./types.ts";

/** Which A-share exchange lists a 6-digit code, or null if the prefix is not a stock code. */
function aShareExchange(code: string): StockExchange | null {
  if (code.startsWith("92")) return "BJ"; // Beijing's 920xxx codes (since 2025-10)
  if (code.startsWith("6") || code.startsWith("900")) return "SH"; // main board, STAR, B-shares
  if (/^(00|30|20)/.test(code)) return "SZ"; // main board, ChiNext, B-shares
  if (/^(4|8)/.test(code)) return "BJ"; // 43/83/87/88 legacy NEEQ-origin codes
  return null;
}

/** The compiler of a bare 6-digit CN index code (docs/upstream-spec.md §1.2). */
function cnIndexCompiler(code: string): IndexCompiler | null {
  if (code.startsWith("000")) return "SH";
  if (code.startsWith("399")) return "SZ";
  if (code.startsWith("899")) return "BJ";
  if (code.startsWith("93")) return "CSI";
  return null;
}

const CN: Market = {
  id: "CN",
  name: "A-shares (SSE/SZSE/BSE)",
  calendar: {
    kind: "exchange",
    description: "A-shares: SSE, SZSE, BSE",
    firstSession: "1990-12-19",
    halfDayClose: null,
    computedSchedule: null,
    officialSchedule: "sina-trade-dates",
  },
  timeZone: "Asia/Shanghai",
  hours: { open: "09:30", close: "15:00", breakStart: "11:30", breakEnd: "13:00" },
  closingAuctionEnd: null,
  finalAfterCloseMinutes: 30,
  currency: "CNY",
  priceDecimals: { stock: 2, index: 2 },
  volume: { unit: "shares", fractional: false },
  lotSize: 100,
  exchanges: ["SH", "SZ", "BJ"],
  exchangeInfo: {
    SH: { operator: "SSE", place: "Shanghai" },
    SZ: { operator: "SZSE", place: "Shenzhen" },
    BJ: { operator: "BSE", place: "Beijing" },
  },
  indexCompilers: ["SH", "SZ", "BJ", "CSI"],
  symbols: {
    stock: [/^(?<code>\d{6})$/, /^(?<code>\d{6})\.(?<exchange>SH|SS|SZ|BJ)$/, /^(?<exchange>SH|SZ|BJ)(?<code>\d{6})$/],
    index: [/^(?<exchange>SH|SZ|BJ|CSI)(?<code>\d{6})$/, /^(?<code>\d{6})(?:\.(?<exchange>SH|SS|SZ|BJ|CSI))?$/],
    exchangeAliases: { SS: "SH" },
    stockCode: (code) => {
      const exchange = aShareExchange(code);
      return exchange ? { code, exchange } : { error: `${code} is not an A-share stock code` };
    },
    indexCompilerOfCode: cnIndexCompiler,
    stockExamples: "600519, sh600519, SH600519, 600519.SH, 600519.SS, 000001.SZ, 830799 or 830799.BJ (Beijing)",
    indexExamples:
      "000001 (SSE Composite), 000300, sh000300, 000300.SH, 399001, sz399001, 399006.SZ, csi931151, 899050.BJ",
  },
  namedIndices: {},
  benchmarkIndex: "000001", // SSE Composite
  adjustments: ["", "qfq", "hfq"],
  sources: { dailyBars: ["eastmoney"], financials: ["eastmoney-datacenter"] },
};

const HK: Market = {
  id: "HK",
  name: "Hong Kong (HKEX)",
  calendar: {
    kind: "exchange",
    description: "HKEX",
    firstSession: "1990-01-02",
    halfDayClose: "12:00",
    computedSchedule: "hkex",
    officialSchedule: "hkex-holidays",
  },
  timeZone: "Asia/Hong_Kong",
  hours: { open: "09:30", close: "16:00", breakStart: "12:00", breakEnd: "13:00" },
  closingAuctionEnd: "16:10",
  finalAfterCloseMinutes: 30,
  currency: "HKD",
  priceDecimals: { stock: 3, index: 2 },
  volume: { unit: "shares", fractional: false },
  lotSize: null, // board lots differ per stock; upstream reports shares
  exchanges: ["HK"],
  exchangeInfo: { HK: { operator: "HKEX", place: "Hong Kong" } },
  indexCompilers: ["HK"],
  symbols: {
    stock: [/^(?<code>\d{5})$/, /^(?<code>\d{1,5})\.HK$/, /^HK[.:]?(?<code>\d{1,5})$/],
    index: [],
    exchangeAliases: {},
    stockCode: (code) =>
      /^0+$/.test(code) ? { error: "HK code cannot be zero" } : { code: code.padStart(5, "0"), exchange: "HK" },
    indexCompilerOfCode: () => null,
    stockExamples: "00700, 0700.HK, 700.HK, HK.00700, hk00700",
    indexExamples: "HSI, HSCEI, HSTECH (and aliases such as ^HSI, HANG SENG)",
  },
  namedIndices: {
    HSI: ["^HSI", "HK.HSI", "HSI.HK", "HANG SENG", "HANG SENG INDEX", "HANGSENG", "恒生指数"],
    HSCEI: ["^HSCE", "HSCE", "HK.HSCEI", "HANG SENG CHINA ENTERPRISES", "HS CHINA ENTERPRISES", "H SHARES", "国企指数"],
    HSTECH: ["^HSTECH", "HK.HSTECH", "HANGSENG TECH", "HANG SENG TECH", "HANG SENG TECH INDEX", "恒生科技指数"],
  },
  benchmarkIndex: "HSI", // Hang Seng Index
  adjustments: ["", "qfq", "hfq"],
  sources: { dailyBars: ["eastmoney"], financials: [] },
};

const CRYPTO: CryptoMarket = {
  id: "CRYPTO",
  name: "Crypto spot pairs (binance, okx, bybit, coinbase, kraken)",
  calendar: { kind: "continuous", finalAfterPeriodMinutes: 1 },
  timeZone: "UTC",
  volume: { unit: "base currency", fractional: true },
  lotSize: null,
  adjustments: [""],
  timeframes: ["1d", "1h"],
  exchanges: ["binance", "okx", "bybit", "coinbase", "kraken"],
  symbolExamples: { sdk: "binance:BTC/USDT", url: "binance/BTC-USDT" },
  sources: { bars: ["ccxt"] },
};

/** Every stock market, by id, in the order they are documented. */
export const MARKETS: Readonly<Record<StockMarketId, Market>> = Object.freeze({ CN, HK });

/** Every stock market id, in registry order (`["CN", "HK"]`). */
export const STOCK_MARKET_IDS = Object.freeze(Object.keys(MARKETS)) as readonly [StockMarketId, ...StockMarketId[]];

/** The crypto market's entry. */
export const CRYPTO_MARKET: CryptoMarket = Object.freeze(CRYPTO);

/** Every market id, in registry order (`["CN", "HK", "CRYPTO"]`): the calendar endpoints' `market`. */
export const MARKET_IDS = Object.freeze([...STOCK_MARKET_IDS, CRYPTO.id]) as readonly [MarketId, ...MarketId[]];

/** The distinct values of `pick` over every market, in registry order (a non-empty tuple, as zod's enums take). */
function distinct<T>(pick: (m: Market) => readonly T[]): readonly [T, ...T[]] {
  return Object.freeze([...new Set(STOCK_MARKET_IDS.flatMap((id) => pick(MARKETS[id])))]) as unknown as readonly [
    T,
    ...T[],
  ];
}

/** Every listing exchange, in registry order (`["SH", "SZ", "BJ", "HK"]`). */
export const STOCK_EXCHANGES = distinct<StockExchange>((m) => m.exchanges);

/** Every index compiler, in registry order (`["SH", "SZ", "BJ", "CSI", "HK"]`). */
export const INDEX_COMPILERS = distinct<IndexCompiler>((m) => m.indexCompilers);

/** Every trading currency, in registry order (`["CNY", "HKD"]`). */
export const CURRENCIES = distinct<Currency>((m) => [m.currency]);

/** Every market's IANA time zone, in registry order (`["Asia/Shanghai", "Asia/Hong_Kong", "UTC"]`). */
export const TIME_ZONES = Object.freeze([...distinct<string>((m) => [m.timeZone]), CRYPTO.timeZone]) as readonly [
  string,
  ...string[],
];

/** Whether `id` names a market (case-sensitive: `"CN"`, `"HK"`, `"CRYPTO"`). */
export function isMarketId(id: string): id is MarketId {
  return (MARKET_IDS as readonly string[]).includes(id);
}

/** Whether `id` names a stock market (`"CN"`, `"HK"`). */
export function isStockMarketId(id: string): id is StockMarketId {
  return Object.hasOwn(MARKETS, id);
}

/**
 * Any market's entry: a stock market's {@link Market} or the {@link CryptoMarket}.
 * @throws RangeError for an unknown id.
 */
export function anyMarket(id: MarketId): AnyMarket {
  return id === "CRYPTO" ? CRYPTO_MARKET : market(id);
}

/**
 * The stock market with this id.
 * @throws RangeError for an unknown id.
 */
export function market(id: StockMarketId): Market {
  const found = Object.hasOwn(MARKETS, id) ? MARKETS[id] : undefined;
  if (found === undefined) throw new RangeError(`market: unknown market ${JSON.stringify(id)}`);
  return found;
}

const BY_EXCHANGE = new Map<string, Market>();
for (const id of STOCK_MARKET_IDS) {
  for (const code of [...MARKETS[id].exchanges, ...MARKETS[id].indexCompilers]) BY_EXCHANGE.set(code, MARKETS[id]);
}

/**
 * The market of a listing exchange or index compiler (`SH`, `SZ`, `BJ`, `CSI` → CN; `HK` → HK).
 * @throws RangeError for an unknown code.
 */
export function marketOfExchange(exchange: IndexCompiler): Market {
  const found = BY_EXCHANGE.get(exchange);
  if (found === undefined) throw new RangeError(`market: unknown exchange ${JSON.stringify(exchange)}`);
  return found;
}

/** Who operates a listing exchange and where (`SH` → SSE, Shanghai). */
export function exchangeInfo(exchange: StockExchange): { operator: string; place: string } {
  const info = marketOfExchange(exchange).exchangeInfo[exchange];
  if (info === undefined) throw new RangeError(`market: no exchange information for ${JSON.stringify(exchange)}`);
  return info;
}

/** Decimals upstream quotes an instrument's prices with (stocks: the market's; index levels: points). */
export function priceDecimalsOf(instrument: { kind: "stock" | "index"; market: IndexCompiler }): number {
  const decimals = marketOfExchange(instrument.market).priceDecimals;
  return instrument.kind === "index" ? decimals.index : decimals.stock;
}

/**
 * Shares in `lots` board lots of the market (A-shares: ×100), rounded to whole shares unless the
 * market trades fractions (×100 of a decimal can leave float dust, e.g. 0.29 × 100).
 * @throws RangeError for a market without a fixed lot size (HK): its volumes are never in lots.
 */
export function lotsToShares(m: Market, lots: number): number {
  if (m.lotSize === null) throw new RangeError(`market ${m.id} has no fixed lot size`);
  const shares = lots * m.lotSize;
  return m.volume.fractional ? shares : Math.round(shares);
}

/**
 * Board lots in `shares` shares of the market (A-shares: ÷100), e.g. for AKShare-compatible output.
 * @throws RangeError for a market without a fixed lot size (HK).
 */
export function sharesToLots(m: Market, shares: number): number {
  if (m.lotSize === null) throw new RangeError(`market ${m.id} has no fixed lot size`);
  return shares / m.lotSize;
}
