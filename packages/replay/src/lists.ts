/**
 * Replay of Eastmoney's list and one-symbol endpoints on real list data:
 *
 * - `GET /api/qt/clist/get` (docs/upstream-spec.md §6.1–6.2): the A-share list of 2024-06 (5,366 stocks)
 *   and the HK list of 2017 (2,497 stocks), paged (`pn`, `pz` capped at 100, `total`), filtered by
 *   `fs`, sorted by `fid`/`po`, `diff` an array when `np=1` and an object keyed "0","1",… otherwise;
 * - `GET /api/qt/stock/get` (docs/upstream-spec.md §7.1): company information built from the same lists,
 *   plus the recorded 688635 response (spec §12 item 3); an unknown secid gets `data:null`.
 *
 * Values are `fltt=2` style (decimals in natural units, `"-"` for missing). Price fields come from
 * the last real bar of the symbols the replay holds bars for; every other row has `"-"` there.
 * What is recorded and what is derived: `fixtures/README.md`, "Stock lists and company info".
 * Requests are logged in the replay's request log (with `path`), and faults apply.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { datasetKey, type FixtureStore } from "./data.ts";
import type { FaultKind, ReplayRequest } from "./index.ts";

/** Path of Eastmoney's list endpoint. */
const CLIST_PATH = "/api/qt/clist/get";
/** Path of Eastmoney's one-symbol endpoint. */
const STOCK_GET_PATH = "/api/qt/stock/get";
/** Largest page upstream serves, whatever `pz` asks for (docs/upstream-spec.md §6.1). */
const CLIST_MAX_PAGE_SIZE = 100;
/** Page size when `pz` is missing or not a positive integer. */
const CLIST_DEFAULT_PAGE_SIZE = 20;

/** A-share list fixture (the shared file, gzipped byte for byte). */
export const A_SHARE_LIST_FIXTURE = "stocklist/a_share_stock_list_2024-06_tszlam.csv.gz";
/** HK list fixture (6 columns of the shared file, see `scripts/pack-stocklist-fixtures.ts`). */
export const HK_LIST_FIXTURE = "stocklist/hk_stock_list_2017_abu.subset.csv.gz";
/**
 * CSI 300 constituents as of 2026-07 (`Symbol,Name`, Yahoo-style `600519.SS`), served as Eastmoney's
 * CSI 300 board `b:BK0500` (docs/upstream-spec.md §7.4).
 */
const CSI300_CONSTITUENTS_FIXTURE = "stocklist/constituents-csi300_2026-07_yfiua.csv";
/** Recorded index boards: Eastmoney board id → constituents fixture. */
const BOARD_FIXTURES: Readonly<Record<string, string>> = { BK0500: CSI300_CONSTITUENTS_FIXTURE };
/** The recorded 688635 `stock/get` fields (docs/upstream-spec.md §12 item 3). */
const RECORDED_STOCK_GET_FIXTURE = "stocklist/stock_get_688635.json";

const A_SHARE_HEADER = ["code", "name", "总市值", "流通市值", "行业", "总股本", "流通股"] as const;
/** Columns kept from `hk_stock_list_2017_abu.csv`. */
export const HK_SUBSET_HEADER = ["symbol", "co_name", "industry", "mv", "equity", "hk_equity"] as const;

/** What the server lends the list handlers: its request log, faults, delays and bar fixtures. */
export interface ListReplayHooks {
  /** Append to the replay's request log. */
  log(entry: ReplayRequest): void;
  /**
   * Take the first active fault that applies to a request for these secids (consuming one of its
   * `times`): clist passes none, so only faults without a `secid` apply to it.
   */
  takeFault(secids: readonly string[]): { readonly kind: FaultKind; readonly delayMs: number } | undefined;
  /** Wait the server's latency plus `extraMs`; false when the response closed or the server stops meanwhile. */
  wait(extraMs: number, res: ServerResponse): Promise<boolean>;
  /** The bar fixtures: the last bar of a held symbol supplies its price fields. */
  readonly store: FixtureStore;
  /** The page served by the `captcha` fault; a small synthetic page when absent. */
  readonly captchaHtml?: string;
  /**
   * clist field values set by a test (`ReplayServer.setListFields`), by code, served over the
   * fixture's: NOT recorded data (the fixtures have no f9, f10, f11, f22, f23, f24, f25, f115).
   */
  readonly listFields?: ReadonlyMap<string, Readonly<Record<string, Value>>>;
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180)
// ---------------------------------------------------------------------------------------------

/**
 * Parse RFC 4180 CSV text into rows of fields: fields separated by commas, records by CRLF or LF;
 * a field in double quotes may hold commas, line breaks and `""` (one quote). A leading BOM is
 * dropped; a final line break does not make an empty record.
 * @throws {Error} on an unterminated quoted field or a quote inside an unquoted field.
 */
export function parseCsv(text: string): string[][] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let atFieldStart = true;
  const endField = () => {
    row.push(field);
    field = "";
    atFieldStart = true;
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (i < source.length) {
    const c = source[i]!;
    if (atFieldStart && c === '"') {
      // quoted field: runs to the next quote not followed by another quote
      i++;
      for (;;) {
        const quote = source.indexOf('"', i);
        if (quote < 0) throw new Error(`CSV: unterminated quoted field starting in record ${rows.length + 1}`);
        field += source.slice(i, quote);
        if (source[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      const next = source[i];
      if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
        throw new Error(`CSV: text after a closing quote in record ${rows.length + 1}`);
      }
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (c === ",") {
      endField();
      i++;
    } else if (c === "\r" && source[i + 1] === "\n") {
      endRow();
      i += 2;
    } else if (c === "\n" || c === "\r") {
      endRow();
      i++;
    } else if (c === '"') {
      throw new Error(`CSV: quote inside an unquoted field in record ${rows.length + 1}`);
    } else {
      field += c;
      i++;
    }
  }
  if (!atFieldStart || field !== "" || row.length > 0) endRow();
  return rows;
}

/** One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// ---------------------------------------------------------------------------------------------
// The list universe
// ---------------------------------------------------------------------------------------------

/** A served field value: a number, text, or `"-"` (missing). */
export type Value = number | string;

/** One listed stock as the replay serves it. */
export interface ListedStock {
  /** 6-digit A-share or 5-digit HK code. */
  readonly code: string;
  /** Eastmoney market id: 1 Shanghai, 0 Shenzhen and Beijing, 116 Hong Kong. */
  readonly marketId: number;
  /** `fs` classification: `m` (market), `t` (board type), `s` (BSE flag) as upstream filters them. */
  readonly fs: { readonly m: number; readonly t: number; readonly s?: number };
  /** clist fields (f1..f23, f115), `"-"` where there is no value. */
  readonly clist: Readonly<Record<string, Value>>;
  /** stock/get fields (f43, f57, f58, f84, f85, f116, f117, f127, f189). */
  readonly info: Readonly<Record<string, Value>>;
  /** Date of the bar the price fields come from, or null. */
  readonly barDate: string | null;
}

/** Every listed stock, and the stock/get responses. */
export interface ListUniverse {
  /** In ascending code order (A-shares, then HK). */
  readonly stocks: readonly ListedStock[];
  /** By secid `m.code`. */
  readonly bySecid: ReadonlyMap<string, ListedStock>;
  /** The recorded 688635 response: envelope and data, keyed by secid. */
  readonly recorded: ReadonlyMap<string, { envelope: Record<string, unknown>; data: Record<string, unknown> }>;
  /** HK source rows skipped because their symbol is not a 5-digit code. */
  readonly skipped: readonly string[];
  /** Index boards (`BK0500`) → their constituents, in code order. */
  readonly boards: ReadonlyMap<string, readonly ListedStock[]>;
}

function fixturesDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@quantdb/replay/package.json")), "fixtures");
}

function fixtureText(rel: string): string {
  const bytes = readFileSync(join(fixturesDir(), rel));
  const text = (rel.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function checkHeader(rel: string, header: readonly string[] | undefined, expected: readonly string[]): void {
  if (!header || header.length !== expected.length || expected.some((name, i) => header[i] !== name)) {
    throw new Error(`fixture ${rel}: header ${JSON.stringify(header)}, expected ${expected.join(",")}`);
  }
}

/** A decimal text (pandas float: `19405918198.0`, `1214891454.6599998`) → number rounded to `decimals` places. */
function decimal(text: string, decimals: number, rel: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new Error(`fixture ${rel}: bad number ${JSON.stringify(text)}`);
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/**
 * A Chinese-unit amount (`8.64亿`, `7550.60万`, `-`) → the whole number it stands for
 * (亿 = 10^8, 万 = 10^4), computed from the digits exactly; `"-"` for missing.
 */
export function chineseAmount(text: string): Value {
  if (text === "-" || text === "") return "-";
  const match = /^(\d+)(?:\.(\d+))?(亿|万)?$/.exec(text);
  if (!match) throw new Error(`bad amount ${JSON.stringify(text)}`);
  const [, whole, fraction = "", unit] = match;
  const exponent = unit === "亿" ? 8 : unit === "万" ? 4 : 0;
  if (fraction.length > exponent) return Number(`${whole}.${fraction}`) * 10 ** exponent;
  return Number(whole! + fraction + "0".repeat(exponent - fraction.length));
}

/** Eastmoney market id and `fs` class of a list code (A-share prefixes per the shared data README §5). */
function classify(code: string): Pick<ListedStock, "marketId" | "fs"> | null {
  if (/^\d{5}$/.test(code)) return { marketId: 116, fs: { m: 128, t: code.startsWith("08") ? 4 : 3 } };
  if (!/^\d{6}$/.test(code)) return null;
  if (code.startsWith("60")) return { marketId: 1, fs: { m: 1, t: 2 } };
  if (code.startsWith("68")) return { marketId: 1, fs: { m: 1, t: 23 } };
  if (code.startsWith("00")) return { marketId: 0, fs: { m: 0, t: 6 } };
  if (code.startsWith("30")) return { marketId: 0, fs: { m: 0, t: 80 } };
  if (/^(43|83|87|92)/.test(code)) return { marketId: 0, fs: { m: 0, t: 81, s: 2048 } };
  return null;
}

/** Price fields of a symbol from the last bar of its default snapshot (see the fixtures README). */
function barFields(
  store: FixtureStore,
  secid: string,
  hk: boolean,
): { date: string; fields: Record<string, Value> } | null {
  const dataset = store.get(datasetKey(secid, hk ? "0" : "1"));
  const bar = dataset?.snapshots.get(dataset.defaultSnapshot)?.bars.at(-1);
  if (!dataset || !bar) return null;
  const [date, open, close, high, low, volume, amount, amplitude, pct, change, turnover] = bar.kline.split(",") as [
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
  const num = (text: string): Value => (text === "-" || text === "" ? "-" : Number(text));
  const closeValue = Number(close);
  const scale = 10 ** dataset.decimal;
  const prevClose = change === "-" ? "-" : Math.round((closeValue - Number(change)) * scale) / scale;
  return {
    date,
    fields: {
      f2: closeValue,
      f3: num(pct),
      f4: num(change),
      f5: num(volume),
      f6: num(amount),
      f7: num(amplitude),
      f8: num(turnover),
      f15: num(high),
      f16: num(low),
      f17: num(open),
      f18: prevClose,
    },
  };
}

const NO_PRICE: Readonly<Record<string, Value>> = {
  f2: "-",
  f3: "-",
  f4: "-",
  f5: "-",
  f6: "-",
  f7: "-",
  f8: "-",
  f15: "-",
  f16: "-",
  f17: "-",
  f18: "-",
};

function listedStock(
  store: FixtureStore,
  code: string,
  name: string,
  industry: string,
  caps: { total: Value; float: Value },
  shares: { total: Value; float: Value },
): ListedStock | null {
  const classified = classify(code);
  if (!classified) return null;
  const hk = classified.marketId === 116;
  const bar = barFields(store, `${classified.marketId}.${code}`, hk);
  const price = bar?.fields ?? NO_PRICE;
  const whole = (value: Value): Value => (typeof value === "number" ? Math.round(value) : value);
  return {
    code,
    ...classified,
    barDate: bar?.date ?? null,
    clist: {
      f1: hk ? 3 : 2,
      ...price,
      f9: "-",
      f12: code,
      f13: classified.marketId,
      f14: name,
      f20: whole(caps.total),
      f21: whole(caps.float),
      f23: "-",
      f115: "-",
    },
    info: {
      f43: price.f2!,
      f57: code,
      f58: name,
      f84: shares.total,
      f85: shares.float,
      f116: caps.total,
      f117: caps.float,
      f127: industry === "" ? "-" : industry,
      f189: "-",
    },
  };
}

function buildUniverse(store: FixtureStore): ListUniverse {
  const stocks: ListedStock[] = [];
  const aRows = parseCsv(fixtureText(A_SHARE_LIST_FIXTURE));
  checkHeader(A_SHARE_LIST_FIXTURE, aRows[0], A_SHARE_HEADER);
  for (const cells of aRows.slice(1)) {
    const [code, name, totalCap, floatCap, industry, totalShares, floatShares] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const d = (text: string, places: number) => decimal(text, places, A_SHARE_LIST_FIXTURE);
    const stock = listedStock(
      store,
      code,
      name,
      industry,
      { total: d(totalCap, 2), float: d(floatCap, 2) },
      { total: d(totalShares, 0), float: d(floatShares, 0) },
    );
    if (!stock) throw new Error(`fixture ${A_SHARE_LIST_FIXTURE}: code ${code} has no known exchange prefix`);
    stocks.push(stock);
  }
  const hkRows = parseCsv(fixtureText(HK_LIST_FIXTURE));
  checkHeader(HK_LIST_FIXTURE, hkRows[0], HK_SUBSET_HEADER);
  const skipped: string[] = [];
  for (const cells of hkRows.slice(1)) {
    const [symbol, name, industry, mv, equity, hkEquity] = cells as [string, string, string, string, string, string];
    const stock = /^\d{5}$/.test(symbol)
      ? listedStock(
          store,
          symbol,
          name,
          industry,
          { total: chineseAmount(mv), float: "-" },
          { total: chineseAmount(equity), float: chineseAmount(hkEquity) },
        )
      : null;
    if (stock) stocks.push(stock);
    else skipped.push(symbol);
  }
  stocks.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const bySecid = new Map<string, ListedStock>();
  for (const stock of stocks) {
    const secid = `${stock.marketId}.${stock.code}`;
    if (bySecid.has(secid)) throw new Error(`stock list fixtures: ${secid} listed twice`);
    bySecid.set(secid, stock);
  }
  const recorded = new Map<string, { envelope: Record<string, unknown>; data: Record<string, unknown> }>();
  const response = JSON.parse(fixtureText(RECORDED_STOCK_GET_FIXTURE)) as {
    secid: string;
    envelope: Record<string, unknown>;
    data: Record<string, unknown>;
  };
  recorded.set(response.secid, { envelope: response.envelope, data: response.data });
  const boards = new Map<string, ListedStock[]>();
  const byCode = new Map(stocks.filter((stock) => stock.marketId !== 116).map((stock) => [stock.code, stock]));
  for (const [board, rel] of Object.entries(BOARD_FIXTURES)) {
    const rows = parseCsv(fixtureText(rel));
    checkHeader(rel, rows[0], ["Symbol", "Name"]);
    const members = rows.slice(1).map(([symbol, name]) => {
      const code = (symbol ?? "").split(".")[0] ?? "";
      // A constituent listed after the 2024-06 list: its name from the constituents file, no other field.
      const member =
        byCode.get(code) ??
        listedStock(store, code, name ?? "", "", { total: "-", float: "-" }, { total: "-", float: "-" });
      if (!member) throw new Error(`fixture ${rel}: ${symbol} is not an A-share code`);
      return member;
    });
    boards.set(
      board,
      members.sort((a, b) => (a.code < b.code ? -1 : 1)),
    );
  }
  return { stocks, bySecid, recorded, skipped, boards };
}

const universes = new WeakMap<FixtureStore, ListUniverse>();

/** The list universe over a bar store (built once per store). Throws if a fixture is missing or malformed. */
export function listUniverse(store: FixtureStore): ListUniverse {
  let universe = universes.get(store);
  if (!universe) {
    universe = buildUniverse(store);
    universes.set(store, universe);
  }
  return universe;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** The newer recorded push2 envelope (docs/upstream-spec.md §1.3) around clist `data`. */
function clistEnvelope(data: unknown): Record<string, unknown> {
  return { rc: 0, rt: 6, svr: 183641822, lt: 1, full: 1, dlmkts: "", dsc: "0", data };
}

/** The envelope of the recorded `stock/get` response (docs/upstream-spec.md §12 item 3). */
function stockGetEnvelope(data: unknown): Record<string, unknown> {
  return { rc: 0, rt: 4, svr: 177617577, lt: 1, full: 1, dlmkts: "", dsc: "0", data };
}

/** AKShare's clist field list (docs/upstream-spec.md §6.1), served when a request names none. */
const DEFAULT_CLIST_FIELDS =
  "f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f12,f13,f14,f15,f16,f17,f18,f20,f21,f23,f24,f25,f22,f11,f62,f128,f136,f115,f152";
const DEFAULT_STOCK_GET_FIELDS = "f43,f57,f58,f84,f85,f116,f117,f127,f189";

/** Requested field ids, de-duplicated, in ascending numeric order (how upstream orders most keys). */
function requestedFields(text: string | undefined, fallback: string): string[] {
  const ids = (text && text.trim() !== "" ? text : fallback)
    .split(",")
    .map((f) => f.trim())
    .filter((f) => /^f\d+$/.test(f));
  return [...new Set(ids)].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

function pick(values: Readonly<Record<string, Value | unknown>>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = values[f] ?? "-";
  return out;
}

/** Does a stock pass an `fs` filter? Terms are OR'ed (comma), conditions in a term AND'ed (space or `+`). */
export function matchesFs(stock: Pick<ListedStock, "fs">, fs: string): boolean {
  return fs.split(",").some((term) => {
    const conditions = term
      .trim()
      .split(/[\s+]+/)
      .filter(Boolean);
    return (
      conditions.length > 0 &&
      conditions.every((condition) => {
        const match = /^([a-z]):(\d+)$/.exec(condition);
        if (!match) return false; // f:8 (new listings), b:BKxxxx (sectors): not modelled, match nothing
        const value = Number(match[2]);
        if (match[1] === "m") return stock.fs.m === value;
        if (match[1] === "t") return stock.fs.t === value;
        if (match[1] === "s") return stock.fs.s === value;
        return false;
      })
    );
  });
}

function positiveInt(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

/** Order of two field values: numbers numerically, text by code point, `"-"` last in either direction. */
function compareValues(a: unknown, b: unknown, descending: boolean): number {
  const missing = (v: unknown) => v === "-" || v === undefined || v === null;
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  const order =
    typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return descending ? -order : order;
}

/**
 * The clist `data` for a query, or null (no match, page past the end).
 * @param overrides field values a test set per code, served over the fixture's (never recorded data)
 */
function clistData(
  universe: ListUniverse,
  query: Record<string, string>,
  overrides?: ReadonlyMap<string, Readonly<Record<string, Value>>>,
): Record<string, unknown> | null {
  const fs = query.fs ?? "";
  // An index board (`b:BK0500`, optionally `+f:!50` as Eastmoney's pages send): its recorded members.
  const board = /^b:(BK\d{4})(?:[\s+]f:!50)?$/.exec(fs.trim());
  const matching = board
    ? [...(universe.boards.get(board[1]!) ?? [])]
    : universe.stocks.filter((stock) => matchesFs(stock, fs));
  const fid = query.fid && /^f\d+$/.test(query.fid) ? query.fid : undefined;
  if (fid) {
    const descending = query.po !== "0";
    matching.sort((a, b) => compareValues(a.clist[fid], b.clist[fid], descending) || (a.code < b.code ? -1 : 1));
  }
  const pageSize = Math.min(positiveInt(query.pz) ?? CLIST_DEFAULT_PAGE_SIZE, CLIST_MAX_PAGE_SIZE);
  const page = positiveInt(query.pn) ?? 1;
  const slice = matching.slice((page - 1) * pageSize, page * pageSize);
  if (slice.length === 0) return null;
  const fields = requestedFields(query.fields, DEFAULT_CLIST_FIELDS);
  const rows = slice.map((stock) => pick({ ...stock.clist, ...overrides?.get(stock.code) }, fields));
  const diff = query.np === "1" ? rows : Object.fromEntries(rows.map((row, i) => [String(i), row]));
  return { total: matching.length, diff };
}

/** The stock/get `data` for a query (secid lookup), with its envelope; data null for an unknown secid. */
function stockGetResponse(universe: ListUniverse, query: Record<string, string>): Record<string, unknown> {
  const secid = query.secid ?? "";
  const fields = requestedFields(query.fields, DEFAULT_STOCK_GET_FIELDS);
  const recorded = universe.recorded.get(secid);
  if (recorded) return { ...recorded.envelope, data: pick(recorded.data, fields) };
  const stock = universe.bySecid.get(secid);
  return stockGetEnvelope(stock ? pick(stock.info, fields) : null);
}

const JSONP_RE = /^[A-Za-z_$][\w$.]*$/;
/** The synthetic slider-captcha page of the "captcha" fault (not a recorded Eastmoney page). */
const CAPTCHA_HTML =
  '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>安全验证</title></head><body><div ' +
  'id="captcha">请完成安全验证</div><!-- @quantdb/replay: synthetic captcha --></body></html>\n';

function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(text, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": body.length });
  res.end(body);
}

/** True for the paths {@link handleListRequest} serves. */
export function isListPath(pathname: string): boolean {
  return pathname === CLIST_PATH || pathname === STOCK_GET_PATH;
}

/**
 * Serve `GET /api/qt/clist/get` or `GET /api/qt/stock/get`: log the request, apply the next fault
 * (`reset`, `http500`, `slow`, `captcha`, `malformed`, `data-null`, `bad-row`: clist's last row loses
 * `f12`, stock/get's `f84` becomes text), then answer as JSON (JSONP with a valid `cb`).
 */
export async function handleListRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  hooks: ListReplayHooks,
): Promise<void> {
  try {
    await serveList(req, res, url, hooks);
  } catch (error) {
    send(res, 500, "text/plain; charset=utf-8", `replay error: ${String(error)}\n`);
  }
}

async function serveList(req: IncomingMessage, res: ServerResponse, url: URL, hooks: ListReplayHooks): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
    return;
  }
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  const isClist = url.pathname === CLIST_PATH;
  const entry: ReplayRequest = { at: Date.now(), path: url.pathname, query };
  if (!isClist && query.secid !== undefined) entry.secid = query.secid;
  hooks.log(entry);
  const fault = hooks.takeFault(isClist || query.secid === undefined ? [] : [query.secid]);
  if (!(await hooks.wait(fault?.kind === "slow" ? fault.delayMs : 0, res))) return;
  if (fault?.kind === "reset") {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "http500") return send(res, 500, "text/plain; charset=utf-8", "500 Internal Server Error\n");
  if (fault?.kind === "captcha") return send(res, 200, "text/html; charset=utf-8", hooks.captchaHtml ?? CAPTCHA_HTML);

  const universe = listUniverse(hooks.store);
  let body: Record<string, unknown>;
  if (isClist) {
    let data = fault?.kind === "data-null" ? null : clistData(universe, query, hooks.listFields);
    if (fault?.kind === "bad-row" && data) {
      const rows = Array.isArray(data.diff)
        ? [...(data.diff as Record<string, unknown>[])]
        : Object.values(data.diff as Record<string, Record<string, unknown>>);
      const { f12: _dropped, ...last } = rows.at(-1)!;
      rows[rows.length - 1] = last;
      data = {
        ...data,
        diff: Array.isArray(data.diff) ? rows : Object.fromEntries(rows.map((row, i) => [String(i), row])),
      };
    }
    body = clistEnvelope(data);
  } else {
    body = stockGetResponse(universe, query);
    if (fault?.kind === "data-null") body = { ...body, data: null };
    if (fault?.kind === "bad-row" && body.data)
      body = { ...body, data: { ...(body.data as Record<string, unknown>), f84: "not-a-number" } };
  }
  let text = JSON.stringify(body);
  if (fault?.kind === "malformed") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const callback = query.cb !== undefined && JSONP_RE.test(query.cb) ? query.cb : undefined;
  if (callback !== undefined) return send(res, 200, "application/javascript; charset=utf-8", `${callback}(${text});`);
  send(res, 200, "application/json; charset=utf-8", text);
}
