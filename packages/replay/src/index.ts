/**
 * `@quantdb/replay`: a loopback replay of Eastmoney's daily kline endpoint
 * (`GET https://push2his.eastmoney.com/api/qt/stock/kline/get`) serving real recorded bars,
 * with request counting and fault injection, for tests, offline runs and benchmarks.
 *
 * Served data (see `fixtures/README.md`): A-shares (secid `0.`/`1.<6-digit code>`) with prices in
 * CNY to 2 decimals, volume in lots (手, 100 shares) and amount in CNY; Hong Kong stocks (secid
 * `116.<5-digit code>`) with prices in HKD to 3 decimals, volume in shares and amount in HKD.
 * Amplitude / pct change / turnover in percent, dates exchange-local `YYYY-MM-DD`.
 *
 * The same server also answers Binance's public spot REST paths (`/api/v3/exchangeInfo`, `/api/v3/klines`,
 * `/api/v3/ticker/24hr`, `/api/v3/ticker/price`, `/api/v3/time`) from recorded BTCUSDT / ETHUSDT bars, for
 * a `ccxt.binance` whose REST hosts are rewritten to {@link ReplayServer.url}: see `./binance.ts`.
 */

import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { datasetKey, loadFixtures } from "./data.ts";
import type { Bar, Dataset, FixtureStore } from "./data.ts";
import { sinaTradeDatesBody } from "./data.ts";
import { handleUlist, ULIST_PATH, type QuoteReplayContext } from "./quotes.ts";
import { handleListRequest, isListPath } from "./lists.ts";
import { createDatacenterReplay } from "./datacenter.ts";
import { createBinanceReplay, isBinancePath, type CryptoDatasetInfo } from "./binance.ts";
import { syntheticBars, type SyntheticBarSpec } from "./synthetic.ts";

export type { SyntheticBarSpec } from "./synthetic.ts";
export type { BinanceKlineRow, CryptoDatasetInfo } from "./binance.ts";
export {
  BINANCE_EXCHANGE_INFO_PATH,
  BINANCE_KLINES_PATH,
  BINANCE_TICKER_24HR_PATH,
  BINANCE_TICKER_PRICE_PATH,
  BINANCE_TIME_PATH,
} from "./binance.ts";
export { freePort, upstreamEnv } from "./process-env.ts";
export { FAKE_TIMEFRAME_MS, startFakeExchange } from "./fake-exchange.ts";
export type {
  FakeBar,
  FakeExchange,
  FakeExchangeFault,
  FakeExchangeFaultKind,
  FakeExchangeId,
  FakeExchangeOptions,
  FakeExchangeRequest,
  FakePair,
  FakePairBar,
  FakeTimeframe,
} from "./fake-exchange.ts";

/** Path of Eastmoney's kline endpoint. */
const KLINE_PATH = "/api/qt/stock/kline/get";
/** Sina's A-share trading-date list (docs/upstream-spec.md §8), served from the recorded 2023 body. */
const SINA_TRADE_DATES_PATH = "/realstock/company/klc_td_sh.txt";
/** Prefix of the replay's own control endpoints. */
const CONTROL_PREFIX = "/__replay/";

/** One request to a data path the replay received (logged on arrival, including faulted ones). */
export interface ReplayRequest {
  /** Arrival time, milliseconds since the Unix epoch. */
  at: number;
  /**
   * Request path: `/api/qt/stock/kline/get`, or `/api/qt/ulist.np/get` for batch quotes (see `./quotes.ts`; their
   * secids are in `query.secids`), the list, company-info and datacenter paths, or a Binance path
   * (`/api/v3/klines`, `/api/v3/ticker/24hr`, … see `./binance.ts`).
   */
  path: string;
  /** Every query parameter as sent (the last value wins if a name repeats). */
  query: Record<string, string>;
  /** `secid` as sent, e.g. `"0.000001"` or `"116.00700"` (`<market>.<code>`). */
  secid?: string;
  /** `fqt` as sent: `"0"` unadjusted, `"1"` qfq (forward-adjusted), `"2"` hfq. */
  fqt?: string;
  /** `klt` as sent: `"101"` daily (the only period served). */
  klt?: string;
  /** `beg` as sent: `YYYYMMDD` (inclusive, exchange-local) or `"0"`. */
  beg?: string;
  /** `end` as sent: `YYYYMMDD` (inclusive, exchange-local) or a sentinel such as `"20500000"`. */
  end?: string;
  /** `lmt` as sent: cap to the last N bars within the range. */
  lmt?: string;
  /** Binance requests: `symbol` as sent, e.g. `"BTCUSDT"` (a `symbols` list stays in `query.symbols`). */
  symbol?: string;
  /**
   * Kline requests: how many earlier requests to the same kline path (Eastmoney's `/api/qt/stock/kline/get`,
   * or Binance's `/api/v3/klines`, counted separately) were still being answered when this one arrived (0
   * when the client waited for each answer), so tests check concurrency by events.
   */
  inFlight?: number;
}

/**
 * A failure mode the replay can inject into kline responses:
 * - `"reset"`: destroy the socket without any HTTP response (Eastmoney's ban signature);
 * - `"http500"`: HTTP 500 with a small text body;
 * - `"slow"`: wait `delayMs`, then answer normally;
 * - `"malformed"`: HTTP 200 with truncated JSON;
 * - `"captcha"`: HTTP 200 `text/html` slider-captcha page (Binance paths: a synthetic bot-check page);
 * - `"bad-row"`: valid envelope, but one kline string has only 7 comma-separated fields (Binance klines:
 *   the last row keeps only its first 4 elements; Binance tickers: the last price is `"not-a-number"`);
 * - `"data-null"`: valid envelope with `data: null` (Binance paths: HTTP 200 with the body `[]`).
 */
export type FaultKind = "reset" | "http500" | "slow" | "malformed" | "captcha" | "bad-row" | "data-null";

/**
 * A fault to inject into upcoming requests. The first matching active fault (in injection order) applies.
 *
 * Which requests a fault matches: with `path`, only requests to that exact path (any endpoint the replay
 * serves, Eastmoney's or Binance's); without `path`, every Eastmoney data request (klines, ulist quotes, clist,
 * stock/get, datacenter), as before Binance paths existed, and **never a Binance path** (so a test that injects a
 * fault without a path is not affected by crypto requests).
 */
export interface Fault {
  /** What goes wrong. */
  kind: FaultKind;
  /** How many upcoming matching requests it applies to; default: all until cleared. */
  times?: number;
  /** For "slow": delay (ms) before answering normally; default 60000. */
  delayMs?: number;
  /**
   * Only requests for this secid (e.g. `"1.600519"`); for datacenter requests, the report name; for Binance
   * requests, the `symbol` sent (or one of the `symbols` list), e.g. `"ETHUSDT"`.
   */
  secid?: string;
  /**
   * Only requests to this path, e.g. `"/api/v3/klines"` (exact match, no query). Needed for a fault to
   * apply to a Binance path.
   */
  path?: string;
}

/** A running replay server. */
export interface ReplayServer {
  /**
   * Base URL, `"http://127.0.0.1:<port>"`. Also the base a `ccxt.binance` instance's REST hosts are rewritten
   * to (`QUANTDB_CCXT_BINANCE_URL`): its paths (`/api/v3/klines`, …) are served here too.
   */
  readonly url: string;
  /** Sina's trading-date list URL: `url + "/realstock/company/klc_td_sh.txt"` (the recorded 2023 body). */
  readonly sinaTradeDatesUrl: string;
  /** Full kline endpoint URL: `url + "/api/qt/stock/kline/get"`. */
  readonly eastmoneyHistoryUrl: string;
  /**
   * Data requests received (kline, quote, list, datacenter and Binance requests, including faulted ones), in
   * arrival order. A copy; later requests are not added to it.
   */
  readonly requests: readonly ReplayRequest[];
  /**
   * Number of data requests received, optionally only those whose `secid` / `fqt` query values, Binance `symbol`
   * and `path` equal the filter's (e.g. `{ path: "/api/v3/klines", symbol: "BTCUSDT" }`).
   */
  requestCount(filter?: RequestFilter): number;
  /**
   * Add a fault (see {@link Fault} for which requests it matches). Throws on an unknown kind, a non-positive
   * `times`, a negative `delayMs` or a `path` that does not start with `/`.
   */
  injectFault(fault: Fault): void;
  /** Remove every fault. */
  clearFaults(): void;
  /** Fixed extra latency (ms) on every data response, Binance's included (for benchmarks). */
  setLatency(ms: number): void;
  /** Simulate a suspension: omit bars of `secid` (all fqt) with from <= date <= to (YYYY-MM-DD, exchange-local). */
  suspend(secid: string, from: string, to: string): void;
  /**
   * Switch which snapshot serves (secid, fqt); 000001 qfq has "2024-06-26" (default) and "2025-03-05". Throw on
   * unknown.
   */
  useSnapshot(secid: string, fqt: string, snapshot: string): void;
  /**
   * TEST-ONLY, SYNTHETIC DATA: append made-up bars (see `./synthetic.ts`) to the served dataset of
   * (secid, fqt), after its last recorded bar, e.g. to serve days past the recordings' end. They are
   * not recorded data. Appends to earlier synthetic bars of the same dataset; `reset()` drops them.
   * Throws for an unknown dataset or a date not after the last bar served.
   */
  addSyntheticKlines(secid: string, fqt: string, bars: readonly SyntheticBarSpec[]): void;
  /**
   * Serve these clist field values for one stock code (e.g. `{ f10: 1.23, f22: -0.05 }`) over the
   * fixture's, until `reset`. For fields the recorded lists do not have (f10 量比, f11 5分钟涨跌,
   * f22 涨速, f24 60日涨跌幅, f25 年初至今涨跌幅, f115 市盈率TTM): the values are the test's, NOT recorded
   * upstream data.
   * Throws on a field id that is not `f<digits>` or names the row (f12 code, f13 market).
   */
  setListFields(code: string, fields: Readonly<Record<string, number | string>>): void;
  /**
   * Crypto "extension" control: serve the recorded Binance bars of (`symbol`, `interval`) only up to the bar
   * whose open time is `lastOpenTime` (epoch ms UTC, inclusive); later bars are hidden from `/api/v3/klines`,
   * and for `interval` `"1d"` the tickers are derived from the last bar still served. A test can so serve
   * data up to T, let the client store it, then move the end (or pass `null`: every recorded bar again) and
   * check the client fetches only the new bars. Every bar served is recorded data (bars are hidden, never
   * made up); bars before T are the final recorded values, not what Binance served at T. `reset()` serves
   * everything again. Throws for a (symbol, interval) without recorded bars (see {@link cryptoDatasets}) or a
   * non-finite time.
   */
  setCryptoDataEnd(symbol: string, interval: string, lastOpenTime: number | null): void;
  /** The recorded Binance kline series (symbol, interval, first/last open time) and how much of each is served. */
  cryptoDatasets(): CryptoDatasetInfo[];
  /**
   * Moving quotes on or off (off by default, see {@link ReplayOptions.movingQuotes}). On: every batch quote
   * (`/api/qt/ulist.np/get`) row and every BTCUSDT / ETHUSDT ticker (`/api/v3/ticker/24hr`, `/api/v3/ticker/price`)
   * steps through the last 60 recorded bars of its dataset in a loop, one bar per answer, oldest first, with a
   * cursor per secid or symbol (see `./quotes.ts` and `./binance.ts`): real recorded prices replayed, not a live
   * recording. Off: the last bar again, as before. Either call restarts every cursor at the oldest bar.
   */
  setMovingQuotes(on: boolean): void;
  /**
   * Clear request log, faults, latency, suspensions, snapshot choices, synthetic bars, list fields and crypto
   * data ends, and turn moving quotes off (whatever `startReplay` was given).
   */
  reset(): void;
  /** Stop listening and destroy every open socket (including ones held by "slow"); resolves promptly. */
  close(): Promise<void>;
}

/** Options of {@link startReplay}. */
export interface ReplayOptions {
  /** Port to listen on; default 0 (an ephemeral port). */
  port?: number;
  /** Host to listen on; default `127.0.0.1`. */
  host?: string;
  /**
   * Start with moving quotes on (see {@link ReplayServer.setMovingQuotes}); default false: quotes and tickers
   * are the last recorded bar's on every call.
   */
  movingQuotes?: boolean;
}

/** Which logged requests `requestCount` counts: those equal to every given field. */
export interface RequestFilter {
  /** Eastmoney `secid` as sent. */
  secid?: string;
  /** Eastmoney `fqt` as sent. */
  fqt?: string;
  /** Request path, e.g. `"/api/qt/stock/kline/get"` or `"/api/v3/klines"`. */
  path?: string;
  /** Binance `symbol` as sent, e.g. `"BTCUSDT"`. */
  symbol?: string;
}

const FAULT_KINDS: ReadonlySet<string> = new Set<FaultKind>([
  "reset",
  "http500",
  "slow",
  "malformed",
  "captcha",
  "bad-row",
  "data-null",
]);
const DEFAULT_SLOW_MS = 60_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const JSONP_RE = /^[A-Za-z_$][\w$.]*$/;
const MAX_CONTROL_BODY = 64 * 1024;

/** The synthetic slider-captcha page served by the "captcha" fault (not a recorded Eastmoney page). */
const CAPTCHA_HTML = `<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>安全验证</title></head>
<body>
<div id="captcha" class="slider-captcha">
  <p class="title">请完成安全验证</p>
  <div class="puzzle"><canvas width="280" height="155"></canvas></div>
  <div class="slider"><div class="slider-button">&gt;&gt;</div><span class="slider-text">向右拖动滑块填充拼图</span></div>
</div>
<!-- @quantdb/replay: synthetic slider-captcha page (fault "captcha") -->
</body>
</html>
`;

interface ActiveFault {
  readonly kind: FaultKind;
  readonly delayMs: number;
  readonly secid: string | undefined;
  readonly path: string | undefined;
  remaining: number;
}

interface Suspension {
  readonly secid: string;
  readonly from: string;
  readonly to: string;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** The recorded Eastmoney response envelope around `data` (an object built from fixtures, or null). */
function envelope(data: unknown): Record<string, unknown> {
  return { rc: 0, rt: 17, svr: 183641822, lt: 1, full: 0, dlmkts: "", dsc: "0", data };
}

function validateFault(fault: Fault): ActiveFault {
  if (!fault || typeof fault !== "object" || !FAULT_KINDS.has(fault.kind)) {
    throw new Error(`unknown fault kind ${JSON.stringify((fault as { kind?: unknown } | undefined)?.kind)}`);
  }
  const times = fault.times ?? Number.POSITIVE_INFINITY;
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) {
    throw new Error(`fault times must be a positive integer, got ${String(fault.times)}`);
  }
  const delayMs = fault.delayMs ?? DEFAULT_SLOW_MS;
  if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new Error(`fault delayMs must be a non-negative number, got ${String(fault.delayMs)}`);
  }
  if (fault.secid !== undefined && typeof fault.secid !== "string") throw new Error("fault secid must be a string");
  if (fault.path !== undefined && (typeof fault.path !== "string" || !fault.path.startsWith("/")))
    throw new Error(`fault path must be a path starting with "/", got ${JSON.stringify(fault.path)}`);
  return { kind: fault.kind, delayMs, secid: fault.secid, path: fault.path, remaining: times };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_CONTROL_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(reply.body, "utf8");
  res.writeHead(reply.status, { "Content-Type": reply.contentType, "Content-Length": body.length });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, { status, contentType: "application/json; charset=utf-8", body: JSON.stringify(value) });
}

/** A bar's kline with change, pct and amplitude measured from `previousClose` instead. */
function resumedBar(bar: Bar, previousClose: number, decimals: number): Bar {
  const f = bar.kline.split(",");
  const [high, low] = [Number(f[3]), Number(f[4])];
  f[7] = (((high - low) / previousClose) * 100).toFixed(2);
  f[8] = (((bar.close - previousClose) / previousClose) * 100).toFixed(2);
  f[9] = (bar.close - previousClose).toFixed(decimals);
  return { ...bar, kline: f.join(",") };
}

/**
 * Start a replay server on loopback. Fixtures are loaded (once per process) before it listens.
 * Options: see {@link ReplayOptions}.
 */
export async function startReplay(options: ReplayOptions = {}): Promise<ReplayServer> {
  const store: FixtureStore = loadFixtures();
  const host = options.host ?? "127.0.0.1";

  let log: ReplayRequest[] = [];
  let faults: ActiveFault[] = [];
  let latencyMs = 0;
  /** Kline requests received and not answered yet (see `ReplayRequest.inFlight`). */
  let klinesAnswering = 0;
  let suspensions: Suspension[] = [];
  let snapshotChoice = new Map<string, string>();
  /** Synthetic (made-up) bars appended per dataset key by `addSyntheticKlines`. */
  let synthetic = new Map<string, Bar[]>();
  const listFields = new Map<string, Record<string, number | string>>();
  let movingQuotes = options.movingQuotes === true;
  /** Moving quotes: per secid (Eastmoney) or symbol (Binance), the step of its next quote. */
  const quoteCursors = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; done: (ok: boolean) => void }>();
  let closing = false;

  /**
   * Take the first active fault matching a request to `path` for these secids (or report name, or Binance
   * symbols): a fault with a `path` matches only that path; one without matches every path but Binance's.
   */
  function takeFault(secid: string | readonly string[] | undefined, path: string): ActiveFault | undefined {
    const binance = isBinancePath(path);
    const index = faults.findIndex(
      (f) =>
        (f.path === undefined ? !binance : f.path === path) &&
        (f.secid === undefined || (typeof secid === "string" ? f.secid === secid : secid?.includes(f.secid) === true)),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Moving quotes: the step of `key`'s next quote, advancing its cursor; undefined when quotes are static. */
  function quoteStep(key: string): number | undefined {
    if (!movingQuotes) return undefined;
    const step = quoteCursors.get(key) ?? 0;
    quoteCursors.set(key, step + 1);
    return step;
  }

  /** Resolve true after `ms`, or false as soon as the response is closed or the server shuts down. */
  function wait(ms: number, res: ServerResponse): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(!closing);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => finish(true), ms),
        done: (ok: boolean) => finish(ok),
      };
      const onClose = (): void => finish(false);
      function finish(ok: boolean): void {
        clearTimeout(entry.timer);
        timers.delete(entry);
        res.off("close", onClose);
        resolve(ok && !closing && !res.destroyed);
      }
      timers.add(entry);
      res.once("close", onClose);
    });
  }

  function activeBars(dataset: Dataset): readonly Bar[] {
    const name = snapshotChoice.get(datasetKey(dataset.secid, dataset.fqt)) ?? dataset.defaultSnapshot;
    const recorded = dataset.snapshots.get(name)!.bars;
    const made = synthetic.get(datasetKey(dataset.secid, dataset.fqt));
    const bars = made ? [...recorded, ...made] : recorded;
    const windows = suspensions.filter((s) => s.secid === dataset.secid);
    if (windows.length === 0) return bars;
    const kept: Bar[] = [];
    let previous: Bar | undefined;
    let skipped = false;
    for (const bar of bars) {
      if (windows.some((w) => w.from <= bar.date && bar.date <= w.to)) {
        skipped = true;
        continue;
      }
      // Like upstream after a real suspension, the first bar back measures its change from the
      // last close before the suspension.
      kept.push(skipped && previous ? resumedBar(bar, previous.close, dataset.decimal) : bar);
      previous = bar;
      skipped = false;
    }
    return kept;
  }

  function basePreKPrice(dataset: Dataset): number | undefined {
    const name = snapshotChoice.get(datasetKey(dataset.secid, dataset.fqt)) ?? dataset.defaultSnapshot;
    return dataset.snapshots.get(name)!.basePreKPrice;
  }

  /**
   * The `data` object for a kline query, or null (unknown secid / wrong market / hfq / unsupported klt / bad dates).
   */
  function klineData(query: Record<string, string>): Record<string, unknown> | null {
    const secid = query.secid;
    if (secid === undefined || query.klt !== "101") return null;
    const fqt = query.fqt === undefined || query.fqt === "" ? "0" : query.fqt;
    const dataset = store.get(datasetKey(secid, fqt));
    if (!dataset) return null;

    const beg = query.beg;
    const end = query.end;
    let begKey = "";
    let endKey = "99999999";
    if (beg !== undefined && beg !== "" && beg !== "0") {
      if (!/^\d{8}$/.test(beg)) return null;
      begKey = beg;
    }
    if (end !== undefined && end !== "") {
      if (!/^\d{8}$/.test(end)) return null;
      endKey = end;
    }
    const all = activeBars(dataset);
    const first = all.findIndex((bar) => bar.key >= begKey);
    const startIndex = first < 0 ? all.length : first;
    let stopIndex = startIndex;
    while (stopIndex < all.length && all[stopIndex]!.key <= endKey) stopIndex++;
    const lmt = query.lmt !== undefined && /^\d+$/.test(query.lmt) ? Number(query.lmt) : 0;
    const from = lmt > 0 ? Math.max(startIndex, stopIndex - lmt) : startIndex;
    const bars = all.slice(from, stopIndex);

    let preKPrice: number;
    if (from > 0) preKPrice = all[from - 1]!.close;
    else preKPrice = basePreKPrice(dataset) ?? all[0]?.open ?? 0;

    return {
      code: dataset.code,
      market: dataset.market,
      name: dataset.name,
      decimal: dataset.decimal,
      dktotal: all.length,
      preKPrice,
      klines: bars.map((bar) => bar.kline),
    };
  }

  function jsonReply(value: unknown, callback: string | undefined): Reply {
    const json = JSON.stringify(value);
    if (callback !== undefined) {
      return { status: 200, contentType: "application/javascript; charset=utf-8", body: `${callback}(${json});` };
    }
    return { status: 200, contentType: "application/json; charset=utf-8", body: json };
  }

  async function handleKline(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    const entry: ReplayRequest = { at: Date.now(), path: url.pathname, query, inFlight: klinesAnswering };
    for (const name of ["secid", "fqt", "klt", "beg", "end", "lmt"] as const) {
      if (query[name] !== undefined) entry[name] = query[name];
    }
    log.push(entry);
    klinesAnswering++;
    try {
      await answerKline(req, res, query);
    } finally {
      klinesAnswering--;
    }
  }

  async function answerKline(req: IncomingMessage, res: ServerResponse, query: Record<string, string>): Promise<void> {
    const fault = takeFault(query.secid, KLINE_PATH);
    const delay = latencyMs + (fault?.kind === "slow" ? fault.delayMs : 0);
    if (!(await wait(delay, res))) return;

    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "http500") {
      send(res, { status: 500, contentType: "text/plain; charset=utf-8", body: "500 Internal Server Error\n" });
      return;
    }
    if (fault?.kind === "captcha") {
      send(res, { status: 200, contentType: "text/html; charset=utf-8", body: CAPTCHA_HTML });
      return;
    }
    const callback = query.cb !== undefined && JSONP_RE.test(query.cb) ? query.cb : undefined;
    let data = fault?.kind === "data-null" ? null : klineData(query);
    if (fault?.kind === "bad-row" && data) {
      const klines = [...(data.klines as string[])];
      const last = klines.length - 1;
      if (last >= 0) {
        klines[last] = klines[last]!.split(",").slice(0, 7).join(",");
        data = { ...data, klines };
      }
    }
    const reply = jsonReply(envelope(data), callback);
    if (fault?.kind === "malformed") reply.body = reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2)));
    send(res, reply);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method ?? "GET"} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
    const readJson = async (): Promise<Record<string, unknown>> => {
      const text = await readBody(req);
      const value: unknown = text.trim() === "" ? {} : JSON.parse(text);
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("body must be a JSON object");
      return value as Record<string, unknown>;
    };
    const str = (body: Record<string, unknown>, key: string): string => {
      const value = body[key];
      if (typeof value !== "string") throw new Error(`${key} must be a string`);
      return value;
    };
    try {
      switch (route) {
        case "GET requests": {
          const filter: RequestFilter = {};
          for (const key of ["secid", "fqt", "path", "symbol"] as const) {
            const value = url.searchParams.get(key);
            if (value !== null) filter[key] = value;
          }
          const requests = log.filter((r) => matches(r, filter));
          sendJson(res, 200, { count: requests.length, requests });
          return;
        }
        case "GET faults":
          sendJson(res, 200, {
            faults: faults.map((f) => ({ ...f, remaining: Number.isFinite(f.remaining) ? f.remaining : null })),
          });
          return;
        case "POST faults":
          server.injectFault((await readJson()) as unknown as Fault);
          sendJson(res, 200, { ok: true, faults: faults.length });
          return;
        case "DELETE faults":
          server.clearFaults();
          sendJson(res, 200, { ok: true });
          return;
        case "POST reset":
          server.reset();
          sendJson(res, 200, { ok: true });
          return;
        case "POST snapshot": {
          const body = await readJson();
          server.useSnapshot(str(body, "secid"), str(body, "fqt"), str(body, "snapshot"));
          sendJson(res, 200, { ok: true });
          return;
        }
        case "POST suspend": {
          const body = await readJson();
          server.suspend(str(body, "secid"), str(body, "from"), str(body, "to"));
          sendJson(res, 200, { ok: true });
          return;
        }
        case "POST synthetic-klines": {
          const body = await readJson();
          if (!Array.isArray(body.bars)) throw new Error("bars must be an array of {date, close}");
          server.addSyntheticKlines(str(body, "secid"), str(body, "fqt"), body.bars as SyntheticBarSpec[]);
          sendJson(res, 200, { ok: true });
          return;
        }
        case "POST crypto-data-end": {
          const body = await readJson();
          const end = body.lastOpenTime;
          if (end !== null && typeof end !== "number") throw new Error("lastOpenTime must be epoch ms or null");
          server.setCryptoDataEnd(str(body, "symbol"), str(body, "interval"), end);
          sendJson(res, 200, { ok: true });
          return;
        }
        case "POST moving-quotes": {
          const body = await readJson();
          if (typeof body.on !== "boolean") throw new Error("on must be true or false");
          server.setMovingQuotes(body.on);
          sendJson(res, 200, { ok: true });
          return;
        }
        case "GET crypto-datasets":
          sendJson(res, 200, { datasets: server.cryptoDatasets() });
          return;
        case "POST latency": {
          const body = await readJson();
          server.setLatency(body.ms as number);
          sendJson(res, 200, { ok: true });
          return;
        }
        case "GET datasets": {
          const datasets = [...store.values()].map((d) => ({
            secid: d.secid,
            fqt: d.fqt,
            name: d.name,
            snapshots: [...d.snapshots.values()].map((s) => ({
              name: s.name,
              bars: s.bars.length,
              first: s.bars[0]?.date,
              last: s.bars.at(-1)?.date,
              source: s.source,
            })),
            active: snapshotChoice.get(datasetKey(d.secid, d.fqt)) ?? d.defaultSnapshot,
          }));
          sendJson(res, 200, { datasets });
          return;
        }
        default:
          sendJson(res, 404, { ok: false, error: `no control endpoint ${route}` });
      }
    } catch (error) {
      sendJson(res, 400, { ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  const quoteReplay: QuoteReplayContext = {
    store,
    bars: activeBars,
    log: (entry) => log.push(entry),
    takeFault: (secids) => takeFault(secids, ULIST_PATH),
    wait: (ms, res) => wait(latencyMs + ms, res),
    captchaHtml: CAPTCHA_HTML,
    listFields,
    quoteStep,
  };
  const datacenter = createDatacenterReplay({
    log: (entry) => log.push(entry),
    takeFault,
    wait,
    latencyMs: () => latencyMs,
  });
  const binance = createBinanceReplay({
    log: (entry) => log.push(entry),
    takeFault,
    wait: (ms, res) => wait(latencyMs + ms, res),
    quoteStep,
  });
  const httpServer = createServer((req, res) => {
    // One request per connection: a client never reuses a socket the replay is about to close
    // (a keep-alive race that shows up as a spurious reset on a loaded machine).
    res.shouldKeepAlive = false;
    const url = new URL(req.url ?? "/", "http://replay.invalid");
    if (datacenter.handles(url.pathname)) return void datacenter.handle(req, res, url);
    if (binance.handles(url.pathname)) return void binance.handle(req, res, url);
    if (url.pathname === ULIST_PATH) return void handleUlist(req, res, url, quoteReplay);
    if (isListPath(url.pathname))
      return void handleListRequest(req, res, url, {
        ...quoteReplay,
        takeFault: (secids) => takeFault(secids, url.pathname),
      });
    if (url.pathname === KLINE_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        send(res, { status: 405, contentType: "text/plain; charset=utf-8", body: "Method Not Allowed\n" });
        return;
      }
      void handleKline(req, res, url).catch((error: unknown) => {
        send(res, { status: 500, contentType: "text/plain; charset=utf-8", body: `replay error: ${String(error)}\n` });
      });
      return;
    }
    if (url.pathname === SINA_TRADE_DATES_PATH) {
      send(res, { status: 200, contentType: "text/plain; charset=utf-8", body: sinaTradeDatesBody() });
      return;
    }
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      void handleControl(req, res, url);
      return;
    }
    send(res, { status: 404, contentType: "text/plain; charset=utf-8", body: "Not Found\n" });
  });
  httpServer.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const address = httpServer.address();
  if (!address || typeof address === "string") throw new Error("replay: unexpected server address");
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const baseUrl = `http://${urlHost}:${address.port}`;
  let closed: Promise<void> | undefined;

  const server: ReplayServer = {
    url: baseUrl,
    eastmoneyHistoryUrl: baseUrl + KLINE_PATH,
    sinaTradeDatesUrl: baseUrl + SINA_TRADE_DATES_PATH,
    get requests(): readonly ReplayRequest[] {
      return log.slice();
    },
    requestCount(filter) {
      if (!filter) return log.length;
      return log.filter((r) => matches(r, filter)).length;
    },
    injectFault(fault) {
      faults.push(validateFault(fault));
    },
    clearFaults() {
      faults = [];
    },
    setLatency(ms) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
        throw new Error(`latency must be a non-negative number of ms, got ${String(ms)}`);
      latencyMs = ms;
    },
    suspend(secid, from, to) {
      if (typeof secid !== "string" || secid === "") throw new Error("suspend: secid must be a non-empty string");
      if (!DATE_RE.test(from) || !DATE_RE.test(to))
        throw new Error(`suspend: dates must be YYYY-MM-DD, got ${from} .. ${to}`);
      if (from > to) throw new Error(`suspend: from ${from} is after to ${to}`);
      suspensions.push({ secid, from, to });
    },
    useSnapshot(secid, fqt, snapshot) {
      const dataset = store.get(datasetKey(secid, fqt));
      if (!dataset) throw new Error(`useSnapshot: no dataset for secid ${secid} fqt ${fqt}`);
      if (!dataset.snapshots.has(snapshot)) {
        throw new Error(
          `useSnapshot: ${secid} fqt ${fqt} has no snapshot ${snapshot} (have ` +
            `${[...dataset.snapshots.keys()].join(", ")})`,
        );
      }
      snapshotChoice.set(datasetKey(secid, fqt), snapshot);
    },
    addSyntheticKlines(secid, fqt, bars) {
      const key = datasetKey(secid, fqt);
      const dataset = store.get(key);
      if (!dataset) throw new Error(`addSyntheticKlines: no dataset for secid ${secid} fqt ${fqt}`);
      const earlier = synthetic.get(key) ?? [];
      const lastRecorded = [...dataset.snapshots.values()].reduce(
        (last, s) => ((s.bars.at(-1)?.date ?? "") > last ? s.bars.at(-1)!.date : last),
        "",
      );
      const last =
        earlier.at(-1) ?? [...dataset.snapshots.values()].flatMap((s) => s.bars).find((b) => b.date === lastRecorded);
      const first = bars[0];
      if (first && last && first.date <= last.date)
        throw new Error(
          `addSyntheticKlines: ${first.date} is not after the last bar served for ${secid} fqt ${fqt} (${last.date})`,
        );
      synthetic.set(key, [...earlier, ...syntheticBars(bars, last?.close ?? first?.close ?? 1, dataset.decimal)]);
    },
    setCryptoDataEnd(symbol, interval, lastOpenTime) {
      binance.setDataEnd(symbol, interval, lastOpenTime);
    },
    cryptoDatasets() {
      return binance.datasets();
    },
    setMovingQuotes(on) {
      if (typeof on !== "boolean") throw new Error(`setMovingQuotes: on must be true or false, got ${String(on)}`);
      movingQuotes = on;
      quoteCursors.clear();
    },
    setListFields(code, fields) {
      for (const [id, value] of Object.entries(fields)) {
        if (!/^f\d+$/.test(id) || id === "f12" || id === "f13")
          throw new Error(`setListFields: ${id} is not a settable clist field`);
        if (typeof value !== "number" && typeof value !== "string")
          throw new Error(`setListFields: ${id} must be a number or text`);
      }
      listFields.set(code, { ...listFields.get(code), ...fields });
    },
    reset() {
      synthetic = new Map();
      listFields.clear();
      movingQuotes = false;
      quoteCursors.clear();
      log = [];
      faults = [];
      latencyMs = 0;
      suspensions = [];
      snapshotChoice = new Map();
      datacenter.reset();
      binance.reset();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const entry of [...timers]) entry.done(false);
        httpServer.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        httpServer.closeAllConnections();
      });
      return closed;
    },
  };
  return server;
}

function matches(request: ReplayRequest, filter: RequestFilter): boolean {
  if (filter.path !== undefined && request.path !== filter.path) return false;
  if (filter.symbol !== undefined && request.symbol !== filter.symbol) return false;
  if (filter.secid !== undefined && request.secid !== filter.secid) return false;
  if (filter.fqt !== undefined && request.fqt !== filter.fqt) return false;
  return true;
}
