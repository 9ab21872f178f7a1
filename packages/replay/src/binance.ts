/**
 * Replay of Binance's public spot REST API (`https://api.binance.com`), for the crypto market (issue 17):
 * the paths a `ccxt.binance` instance calls once every REST host in its `urls.api` is rewritten to the
 * replay's base URL (`QUANTDB_CCXT_BINANCE_URL`), answered from real recordings in
 * `fixtures/crypto/binance/` (provenance and what is derived: `fixtures/README.md`, "Crypto: Binance spot").
 *
 * - `GET /api/v3/exchangeInfo`: the recorded 2021-04-29 document, trimmed to 37 symbols (`symbol` /
 *   `symbols` select entries; an unlisted one is HTTP 400 -1121).
 * - `GET /api/v3/klines`: recorded bars of BTCUSDT (`1d`, `1h`) and ETHUSDT (`1d`), re-emitted with the
 *   recorded strings as Binance's 12-element rows. Open and close times in epoch ms UTC; prices in the
 *   quote currency (USDT), `volume` in the base currency (BTC, ETH), quote volume in USDT.
 * - `GET /api/v3/ticker/24hr` and `GET /api/v3/ticker/price`: **derived** from the last served `1d` bar of
 *   each pair with bars (see {@link tickerOf}); pairs without bars are left out of "all tickers" and
 *   are HTTP 400 -1121 when named.
 * - `GET /api/v3/time`: the replay host's clock.
 *
 * MOVING QUOTES (off by default, `ReplayServer.setMovingQuotes`): each ticker of a pair (24 h or price,
 * counted together per symbol) is derived as above from the next of the last `MOVING_QUOTE_BARS` (60)
 * served `1d` bars instead of the last one, oldest first, in a loop, with `prevClosePrice` the bar before
 * it. `openTime`/`closeTime` stay that bar's own, so ccxt's ticker timestamp steps through those days
 * and goes back 60 days when the loop wraps. Real recorded day bars replayed, not a live recording.
 *
 * Errors use Binance's JSON error shape `{"code": -1121, "msg": "Invalid symbol."}` with HTTP 400.
 * Requests go into the replay's request log (with `path`, `query` and `symbol`); faults apply only when
 * they name the path (`Fault.path`), see `ReplayServer.injectFault`.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { FaultKind, ReplayRequest } from "./index.ts";
import { movingQuoteIndex } from "./quotes.ts";

/** Binance spot exchange information (symbols, filters, rate limits). */
export const BINANCE_EXCHANGE_INFO_PATH = "/api/v3/exchangeInfo";
/** Binance spot klines (candlesticks). */
export const BINANCE_KLINES_PATH = "/api/v3/klines";
/** Binance spot 24-hour ticker statistics. */
export const BINANCE_TICKER_24HR_PATH = "/api/v3/ticker/24hr";
/** Binance spot latest price. */
export const BINANCE_TICKER_PRICE_PATH = "/api/v3/ticker/price";
/** Binance server time. */
export const BINANCE_TIME_PATH = "/api/v3/time";

const BINANCE_PATHS: ReadonlySet<string> = new Set([
  BINANCE_EXCHANGE_INFO_PATH,
  BINANCE_KLINES_PATH,
  BINANCE_TICKER_24HR_PATH,
  BINANCE_TICKER_PRICE_PATH,
  BINANCE_TIME_PATH,
]);

/** Whether `pathname` is one of the Binance paths the replay answers. */
export function isBinancePath(pathname: string | undefined): boolean {
  return pathname !== undefined && BINANCE_PATHS.has(pathname);
}

/** Kline fixtures, relative to `fixtures/crypto/binance/`: each the shared CSV gzipped byte for byte. */
const KLINE_FIXTURES: ReadonlyArray<{ symbol: string; interval: string; file: string }> = [
  { symbol: "BTCUSDT", interval: "1d", file: "klines_1d/BTCUSDT_1d_2024-07-27_2026-07-26.csv.gz" },
  { symbol: "ETHUSDT", interval: "1d", file: "klines_1d/ETHUSDT_1d_2024-07-27_2026-07-26.csv.gz" },
  { symbol: "BTCUSDT", interval: "1h", file: "klines_1h/BTCUSDT_1h_2026-01-27_2026-07-26.csv.gz" },
];
const EXCHANGE_INFO_FIXTURE = "exchange_info/exchangeInfo_spot_2021-04-29.trimmed.json";
const KLINE_HEADER =
  "open_time,datetime,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote";
/** Interval lengths in ms of the intervals recorded. */
const INTERVAL_MS: Readonly<Record<string, number>> = { "1h": 3_600_000, "1d": 86_400_000 };
/** Binance's documented default and largest `limit` of `/api/v3/klines`. */
const KLINES_DEFAULT_LIMIT = 500;
const KLINES_MAX_LIMIT = 1000;
const DECIMAL_RE = /^\d+(\.\d+)?$/;
const LONG_RE = /^\d{1,20}$/;
const JSON_CONTENT_TYPE = "application/json;charset=UTF-8";

/**
 * One Binance kline row as the API sends it: `[openTime, open, high, low, close, volume, closeTime,
 * quoteAssetVolume, numberOfTrades, takerBuyBaseVolume, takerBuyQuoteVolume, "0"]`, times in epoch ms UTC,
 * decimals as the recorded strings.
 */
export type BinanceKlineRow = readonly [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
];

interface Series {
  readonly symbol: string;
  readonly interval: string;
  readonly file: string;
  /** Ascending by open time. */
  readonly rows: readonly BinanceKlineRow[];
}

/** A kline series the replay serves, as reported by `ReplayServer.cryptoDatasets()`. */
export interface CryptoDatasetInfo {
  /** Binance symbol, e.g. `"BTCUSDT"` (base BTC, quote USDT). */
  symbol: string;
  /** Binance interval: `"1d"` or `"1h"`. */
  interval: string;
  /** Fixture file under `fixtures/crypto/binance/`. */
  file: string;
  /** Bars recorded. */
  recordedBars: number;
  /** Open time (epoch ms UTC) of the first recorded bar. */
  firstOpenTime: number;
  /** Open time (epoch ms UTC) of the last recorded bar. */
  lastOpenTime: number;
  /** Bars served now (after `setCryptoDataEnd`). */
  servedBars: number;
  /** Open time (epoch ms UTC) of the last bar served now, or null when none is. */
  servedUntil: number | null;
}

let cachedSeries: ReadonlyMap<string, Series> | undefined;
let cachedExchangeInfo: { readonly document: Record<string, unknown>; readonly symbols: readonly Row[] } | undefined;

type Row = Record<string, unknown>;

function binanceFixturesDir(): string {
  return join(
    dirname(createRequire(import.meta.url).resolve("@quantdb/replay/package.json")),
    "fixtures",
    "crypto",
    "binance",
  );
}

const seriesKey = (symbol: string, interval: string): string => `${symbol} ${interval}`;

/**
 * Parse one recorded kline CSV (header {@link KLINE_HEADER}, CRLF or LF) into Binance rows, checking
 * every row: integer times, `closeTime = openTime + interval − 1`, consecutive bars, decimal strings.
 * @throws {Error} on any row that does not fit, naming the file and line.
 */
function parseKlineCsv(text: string, interval: string, file: string): BinanceKlineRow[] {
  const step = INTERVAL_MS[interval]!;
  const lines = text.split(/\r?\n/).filter((line) => line !== "");
  if (lines[0] !== KLINE_HEADER) throw new Error(`${file}: unexpected header ${JSON.stringify(lines[0])}`);
  const rows: BinanceKlineRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.split(",");
    const where = `${file} line ${i + 1}`;
    if (c.length !== 12) throw new Error(`${where}: ${c.length} cells, expected 12`);
    const [openTime, , open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote] = c as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    for (const cell of [openTime, closeTime, trades])
      if (!LONG_RE.test(cell)) throw new Error(`${where}: ${cell} is not an integer`);
    for (const cell of [open, high, low, close, volume, quoteVolume, takerBase, takerQuote])
      if (!DECIMAL_RE.test(cell)) throw new Error(`${where}: ${cell} is not a decimal`);
    const openMs = Number(openTime);
    if (Number(closeTime) !== openMs + step - 1)
      throw new Error(`${where}: close time is not open time + ${interval} − 1`);
    const previous = rows.at(-1);
    if (previous && openMs !== previous[0] + step) throw new Error(`${where}: not ${interval} after the previous bar`);
    // Field 11 is Binance's unused "0"; the recorder dropped it, the API always sends it.
    rows.push([
      openMs,
      open,
      high,
      low,
      close,
      volume,
      Number(closeTime),
      quoteVolume,
      Number(trades),
      takerBase,
      takerQuote,
      "0",
    ]);
  }
  return rows;
}

/** Every recorded kline series, by `"<symbol> <interval>"` (loaded once per process). */
function klineSeries(): ReadonlyMap<string, Series> {
  if (!cachedSeries) {
    const dir = binanceFixturesDir();
    const map = new Map<string, Series>();
    for (const { symbol, interval, file } of KLINE_FIXTURES) {
      const text = gunzipSync(readFileSync(join(dir, file))).toString("utf8");
      map.set(seriesKey(symbol, interval), { symbol, interval, file, rows: parseKlineCsv(text, interval, file) });
    }
    cachedSeries = map;
  }
  return cachedSeries;
}

/** The trimmed exchangeInfo recording (loaded once per process). */
function exchangeInfo(): { readonly document: Record<string, unknown>; readonly symbols: readonly Row[] } {
  if (!cachedExchangeInfo) {
    const document = JSON.parse(readFileSync(join(binanceFixturesDir(), EXCHANGE_INFO_FIXTURE), "utf8")) as Row;
    if (!Array.isArray(document.symbols)) throw new Error(`${EXCHANGE_INFO_FIXTURE}: no symbols array`);
    cachedExchangeInfo = { document, symbols: document.symbols as Row[] };
  }
  return cachedExchangeInfo;
}

// ---------------------------------------------------------------------------------------------
// Exact decimal arithmetic on Binance's decimal strings (no binary floating point in derived prices)
// ---------------------------------------------------------------------------------------------

const decimalsOf = (text: string): number => text.split(".")[1]?.length ?? 0;

function toScaled(text: string, scale: number): bigint {
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const value = BigInt(whole! + fraction.padEnd(scale, "0"));
  return negative ? -value : value;
}

function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** `a − b` exactly, with as many decimals as the longer of the two. */
function decimalSub(a: string, b: string): string {
  const scale = Math.max(decimalsOf(a), decimalsOf(b));
  return fromScaled(toScaled(a, scale) - toScaled(b, scale), scale);
}

/** `a / b` rounded half up to `scale` decimals (both non-negative); `"0…"` when `b` is zero. */
function decimalDiv(a: string, b: string, scale: number): string {
  const inner = Math.max(decimalsOf(a), decimalsOf(b));
  const numerator = toScaled(a, inner) * 10n ** BigInt(scale);
  const denominator = toScaled(b, inner);
  if (denominator === 0n) return fromScaled(0n, scale);
  return fromScaled((numerator * 2n + denominator) / (denominator * 2n), scale);
}

/** `100 × change / base` rounded half away from zero to 3 decimals (Binance's `priceChangePercent` format). */
function percentOf(change: string, base: string): string {
  const scale = Math.max(decimalsOf(change), decimalsOf(base));
  const denominator = toScaled(base, scale);
  if (denominator === 0n) return "0.000";
  const numerator = toScaled(change, scale) * 100_000n; // 100 (percent) × 10^3 (three decimals)
  const negative = numerator < 0n;
  const magnitude = ((negative ? -numerator : numerator) * 2n + denominator) / (denominator * 2n);
  return fromScaled(negative && magnitude !== 0n ? -magnitude : magnitude, 3);
}

/**
 * The 24-hour ticker (`GET /api/v3/ticker/24hr`, `type=FULL`) DERIVED from a pair's last served day bar,
 * as if the 24 h window were that UTC day (not Binance's rolling window, and not recorded):
 * `openPrice`, `highPrice`, `lowPrice`, `lastPrice` (= close), `volume` (base currency), `quoteVolume`
 * (quote currency), `openTime`, `closeTime` (epoch ms UTC) and `count` (trades) are the bar's own;
 * `prevClosePrice` is the previous bar's close (`"0.00000000"` when there is none);
 * `priceChange` = last − open (exact), `priceChangePercent` = its percentage of open (3 decimals),
 * `weightedAvgPrice` = quoteVolume ÷ volume (8 decimals); `bidPrice` = `askPrice` = last.
 * Not recorded, so placeholders: `lastQty`, `bidQty`, `askQty` `"0.00000000"`; trade ids `firstId` and
 * `lastId` −1.
 */
function tickerOf(symbol: string, last: BinanceKlineRow, previous: BinanceKlineRow | undefined): Row {
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades] = last;
  const priceChange = decimalSub(close, open);
  const zero = fromScaled(0n, decimalsOf(close));
  return {
    symbol,
    priceChange,
    priceChangePercent: percentOf(priceChange, open),
    weightedAvgPrice: decimalDiv(quoteVolume, volume, 8),
    prevClosePrice: previous?.[4] ?? zero,
    lastPrice: close,
    lastQty: fromScaled(0n, decimalsOf(volume)),
    bidPrice: close,
    bidQty: fromScaled(0n, decimalsOf(volume)),
    askPrice: close,
    askQty: fromScaled(0n, decimalsOf(volume)),
    openPrice: open,
    highPrice: high,
    lowPrice: low,
    volume,
    quoteVolume,
    openTime,
    closeTime,
    firstId: -1,
    lastId: -1,
    count: trades,
  };
}

/** The keys of a `type=MINI` 24-hour ticker, in Binance's order. */
const MINI_TICKER_KEYS = [
  "symbol",
  "openPrice",
  "highPrice",
  "lowPrice",
  "lastPrice",
  "volume",
  "quoteVolume",
  "openTime",
  "closeTime",
  "firstId",
  "lastId",
  "count",
] as const;

// ---------------------------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------------------------

/** What the Binance replay needs from the replay server it is mounted in. */
export interface BinanceReplayHost {
  /** Append to the server's request log. */
  log(entry: ReplayRequest): void;
  /**
   * Take the first active fault for a request to `path` concerning these symbols (consuming one of its
   * `times`), if any.
   */
  takeFault(
    symbols: readonly string[],
    path: string,
  ): { readonly kind: FaultKind; readonly delayMs: number } | undefined;
  /** Wait the server's latency plus `extraMs`; false when the response closed or the server stops meanwhile. */
  wait(extraMs: number, res: ServerResponse): Promise<boolean>;
  /** Moving quotes: the step of this symbol's next ticker, advancing its cursor; undefined when static. */
  quoteStep?(symbol: string): number | undefined;
}

/** The Binance replay as mounted in a replay server. */
export interface BinanceReplay {
  /** Whether a path is one of the Binance paths answered here. */
  handles(pathname: string): boolean;
  /** Answer a request for one of {@link BinanceReplay.handles}' paths. Never rejects. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** See `ReplayServer.setCryptoDataEnd`. */
  setDataEnd(symbol: string, interval: string, lastOpenTime: number | null): void;
  /** Every kline series with what is served of it now. */
  datasets(): CryptoDatasetInfo[];
  /** Serve every recorded bar again. */
  reset(): void;
}

/** A synthetic bot-check page for the `captcha` fault (not a recorded Binance page). */
const BINANCE_CAPTCHA_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Human Verification</title></head>
<body>
<div id="challenge-container"><h1>Please verify you are a human</h1><div class="captcha-widget"></div></div>
<!-- @quantdb/replay: synthetic bot-check page (fault "captcha"), not a recorded Binance page -->
</body>
</html>
`;

class BinanceError extends Error {
  constructor(
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

const invalidSymbol = (): BinanceError => new BinanceError(-1121, "Invalid symbol.");
const mandatory = (name: string): BinanceError =>
  new BinanceError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
const illegal = (name: string, range: string): BinanceError =>
  new BinanceError(-1100, `Illegal characters found in parameter '${name}'; legal range is '${range}'.`);

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": bytes.length });
  res.end(bytes);
}

/** An optional epoch-ms query parameter, or undefined when absent. */
function longParam(query: Record<string, string>, name: string): number | undefined {
  const text = query[name];
  if (text === undefined || text === "") return undefined;
  if (!LONG_RE.test(text)) throw illegal(name, "^[0-9]{1,20}$");
  return Number(text);
}

/** `symbols` as Binance takes it: a JSON array of symbol strings (URL-encoded), e.g. `["BTCUSDT","ETHUSDT"]`. */
function symbolsParam(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === "string" && s !== ""))
    throw illegal("symbols", '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$');
  return value as string[];
}

/** Start a Binance replay inside a replay server (fixtures are loaded now, once per process). */
export function createBinanceReplay(host: BinanceReplayHost): BinanceReplay {
  const series = klineSeries();
  exchangeInfo();
  /** Per series key: the last open time served (`setCryptoDataEnd`). */
  const dataEnd = new Map<string, number>();
  /** Binance klines requests received and not answered yet (`ReplayRequest.inFlight`). */
  let klinesAnswering = 0;

  function servedRows(s: Series): readonly BinanceKlineRow[] {
    const end = dataEnd.get(seriesKey(s.symbol, s.interval));
    if (end === undefined) return s.rows;
    let stop = s.rows.length;
    while (stop > 0 && s.rows[stop - 1]![0] > end) stop--;
    return s.rows.slice(0, stop);
  }

  /** Symbols with day bars, in fixture order: the pairs tickers can be derived for. */
  function tickerSymbols(): string[] {
    return [...series.values()].filter((s) => s.interval === "1d").map((s) => s.symbol);
  }

  function ticker(symbol: string): Row | undefined {
    const s = series.get(seriesKey(symbol, "1d"));
    if (!s) return undefined;
    const rows = servedRows(s);
    if (rows.length === 0) return undefined;
    const index = movingQuoteIndex(rows.length, host.quoteStep?.(`binance:${symbol}`));
    return tickerOf(symbol, rows[index]!, index > 0 ? rows[index - 1] : undefined);
  }

  /** The symbols a ticker request names: one (`symbol`), several (`symbols`) or all (neither). */
  function requestedSymbols(query: Record<string, string>): { symbols: string[]; single: boolean; all: boolean } {
    const one = query.symbol;
    const many = query.symbols;
    if (one !== undefined && many !== undefined)
      throw new BinanceError(-1128, "Combination of optional parameters invalid.");
    if (one !== undefined) {
      if (one === "") throw mandatory("symbol");
      return { symbols: [one], single: true, all: false };
    }
    if (many !== undefined) return { symbols: symbolsParam(many), single: false, all: false };
    return { symbols: tickerSymbols(), single: false, all: true };
  }

  function tickers(query: Record<string, string>, shape: (t: Row) => Row): unknown {
    const { symbols, single, all } = requestedSymbols(query);
    const answers: Row[] = [];
    for (const symbol of symbols) {
      const t = ticker(symbol);
      // "All tickers" leaves out a pair whose bars are all hidden (setCryptoDataEnd); naming it is an error.
      if (t) answers.push(shape(t));
      else if (!all) throw invalidSymbol();
    }
    return single ? answers[0] : answers;
  }

  function klines(query: Record<string, string>): BinanceKlineRow[] {
    const symbol = query.symbol;
    if (symbol === undefined || symbol === "") throw mandatory("symbol");
    const interval = query.interval;
    if (interval === undefined || interval === "") throw mandatory("interval");
    const recorded = [...series.values()].filter((s) => s.symbol === symbol);
    if (recorded.length === 0) throw invalidSymbol();
    const s = recorded.find((r) => r.interval === interval);
    if (!s) throw new BinanceError(-1120, "Invalid interval.");
    const startTime = longParam(query, "startTime");
    const endTime = longParam(query, "endTime");
    let limit = KLINES_DEFAULT_LIMIT;
    if (query.limit !== undefined && query.limit !== "") {
      if (!LONG_RE.test(query.limit)) throw illegal("limit", "^[0-9]{1,20}$");
      limit = Number(query.limit);
      if (limit < 1) throw new BinanceError(-1130, "Data sent for parameter 'limit' is not valid.");
      // ccxt never sends more than 1000; what Binance answers for more is not checked, so cap as documented.
      limit = Math.min(limit, KLINES_MAX_LIMIT);
    }
    const rows = servedRows(s);
    const first = startTime === undefined ? 0 : firstAtOrAfter(rows, startTime);
    const stop = endTime === undefined ? rows.length : firstAtOrAfter(rows, endTime + 1);
    if (stop <= first) return [];
    // With a start: the first `limit` bars from it; without: the last `limit` bars up to the end.
    return startTime !== undefined
      ? rows.slice(first, Math.min(stop, first + limit))
      : rows.slice(Math.max(first, stop - limit), stop);
  }

  function exchangeInfoAnswer(query: Record<string, string>): Row {
    const { document, symbols } = exchangeInfo();
    let wanted: string[] | undefined;
    if (query.symbol !== undefined && query.symbols !== undefined)
      throw new BinanceError(-1128, "Combination of optional parameters invalid.");
    if (query.symbol !== undefined) wanted = [query.symbol];
    else if (query.symbols !== undefined) wanted = symbolsParam(query.symbols);
    if (!wanted) return document;
    const picked = wanted.map((id) => {
      const entry = symbols.find((s) => s.symbol === id);
      if (!entry) throw invalidSymbol();
      return entry;
    });
    return { ...document, symbols: picked };
  }

  function answer(path: string, query: Record<string, string>): unknown {
    switch (path) {
      case BINANCE_KLINES_PATH:
        return klines(query);
      case BINANCE_TICKER_24HR_PATH: {
        const type = query.type ?? "FULL";
        if (type !== "FULL" && type !== "MINI")
          throw new BinanceError(-1100, "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'.");
        return tickers(query, (t) =>
          type === "MINI" ? Object.fromEntries(MINI_TICKER_KEYS.map((k) => [k, t[k]])) : t,
        );
      }
      case BINANCE_TICKER_PRICE_PATH:
        return tickers(query, (t) => ({ symbol: t.symbol, price: t.lastPrice }));
      case BINANCE_EXCHANGE_INFO_PATH:
        return exchangeInfoAnswer(query);
      default:
        return { serverTime: Date.now() };
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
      return;
    }
    const path = url.pathname;
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    const isKlines = path === BINANCE_KLINES_PATH;
    const entry: ReplayRequest = { at: Date.now(), path, query };
    if (query.symbol !== undefined) entry.symbol = query.symbol;
    if (isKlines) entry.inFlight = klinesAnswering;
    host.log(entry);
    if (isKlines) klinesAnswering++;
    try {
      let named: string[] = [];
      if (query.symbol !== undefined) named = [query.symbol];
      else if (query.symbols !== undefined) {
        try {
          named = symbolsParam(query.symbols);
        } catch {
          named = [];
        }
      }
      const fault = host.takeFault(named, path);
      if (!(await host.wait(fault?.kind === "slow" ? fault.delayMs : 0, res))) return;
      switch (fault?.kind) {
        case "reset":
          req.socket.destroy();
          return;
        case "http500":
          send(res, 500, "text/plain; charset=utf-8", "500 Internal Server Error\n");
          return;
        case "captcha":
          send(res, 200, "text/html; charset=utf-8", BINANCE_CAPTCHA_HTML);
          return;
        case "data-null":
          send(res, 200, JSON_CONTENT_TYPE, "[]");
          return;
      }
      let body: unknown;
      try {
        body = answer(path, query);
      } catch (error) {
        if (!(error instanceof BinanceError)) throw error;
        send(res, 400, JSON_CONTENT_TYPE, JSON.stringify({ code: error.code, msg: error.message }));
        return;
      }
      if (fault?.kind === "bad-row") body = badRow(body);
      let text = JSON.stringify(body);
      if (fault?.kind === "malformed") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
      send(res, 200, JSON_CONTENT_TYPE, text);
    } finally {
      if (isKlines) klinesAnswering--;
    }
  }

  return {
    handles: (pathname) => BINANCE_PATHS.has(pathname),
    async handle(req, res, url) {
      try {
        await serve(req, res, url);
      } catch (error) {
        send(res, 500, "text/plain; charset=utf-8", `replay error: ${String(error)}\n`);
      }
    },
    setDataEnd(symbol, interval, lastOpenTime) {
      const key = seriesKey(symbol, interval);
      if (!series.has(key)) {
        const have = [...series.values()].map((s) => `${s.symbol} ${s.interval}`).join(", ");
        throw new Error(`setCryptoDataEnd: no recorded ${interval} bars of ${symbol} (have ${have})`);
      }
      if (lastOpenTime === null) {
        dataEnd.delete(key);
        return;
      }
      if (typeof lastOpenTime !== "number" || !Number.isFinite(lastOpenTime))
        throw new Error(
          `setCryptoDataEnd: lastOpenTime must be epoch milliseconds or null, got ${String(lastOpenTime)}`,
        );
      dataEnd.set(key, lastOpenTime);
    },
    datasets() {
      return [...series.values()].map((s) => {
        const served = servedRows(s);
        return {
          symbol: s.symbol,
          interval: s.interval,
          file: s.file,
          recordedBars: s.rows.length,
          firstOpenTime: s.rows[0]![0],
          lastOpenTime: s.rows.at(-1)![0],
          servedBars: served.length,
          servedUntil: served.at(-1)?.[0] ?? null,
        };
      });
    },
    reset() {
      dataEnd.clear();
    },
  };
}

/** Index of the first row whose open time is >= `time` (rows ascending), or `rows.length`. */
function firstAtOrAfter(rows: readonly BinanceKlineRow[], time: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]![0] < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The `bad-row` fault's damage: klines lose all but the first 4 elements of their last row (no close,
 * no volume); tickers get `"not-a-number"` as the last one's price; other answers are left alone.
 */
function badRow(body: unknown): unknown {
  if (Array.isArray(body)) {
    if (body.length === 0) return body;
    const last = body.at(-1) as unknown;
    if (Array.isArray(last)) return [...body.slice(0, -1), last.slice(0, 4)];
    return [...body.slice(0, -1), damageTicker(last as Row)];
  }
  if (body && typeof body === "object" && ("lastPrice" in body || "price" in body)) return damageTicker(body as Row);
  return body;
}

function damageTicker(t: Row): Row {
  return "lastPrice" in t ? { ...t, lastPrice: "not-a-number" } : { ...t, price: "not-a-number" };
}
