/**
 * AKTools compatibility: QuantDB's cached bars and trading calendar as the JSON that AKTools
 * (AKShare's HTTP wrapper) answers `GET /api/public/{akshare_function}` with, so an AKTools user
 * switches to QuantDB by changing the base URL. Pure rules: which parameters each function takes
 * and their defaults, the AKShare frame each function returns (column names, order, dtypes, units),
 * and the byte-level serialisation of that frame. The HTTP route only parses and answers.
 *
 * Sources read for each rule (repository: path):
 *
 * - Route, parameter passing, serialisation, errors: akfamily/aktools `aktools/main.py` (router
 *   mounted at prefix `/api`) and `aktools/core/api.py` (`@app_core.get("/public/{item_id}")`,
 *   verbatim fork Hadesong/aktools `aktools/core/api.py`, header "Date: 2024/1/12"): the query
 *   string is URL-decoded and every value passed to `ak.<item_id>(**params)` as a **string**; the
 *   frame is serialised as `received_df.to_json(orient="records", date_format="iso")`, parsed back
 *   with `json.loads` and answered with Starlette's `JSONResponse`. Unknown function: 404
 *   `{"error": "未找到该接口，请升级 AKShare 到最新版本…"}`; a `KeyError` (bad `period` / `adjust`):
 *   404 `{"error": "请输入正确的参数错误 …"}`; any other exception (an unknown parameter is a
 *   `TypeError`): unhandled, 500 `Internal Server Error`.
 * - Records: pandas-dev/pandas `pandas/_libs/src/vendored/ujson/python/objToJSON.c`
 *   (`Object_beginTypeContext`): a float NaN becomes `null`; `datetime.date` objects (what
 *   `.dt.date` leaves in an object column) go through `PyDateTimeToIsoCallback` at the default
 *   `date_unit="ms"`, i.e. `YYYY-MM-DDT00:00:00.000`, with no `Z` for naive values since
 *   pandas-dev/pandas PR #46730 (pandas 1.5; `pandas/_libs/src/datetime/pd_datetime.c`
 *   `PyDateTimeToIso`, `is_tz_aware`); strings stay strings; int64 stays an integer.
 * - Final bytes: encode/starlette `starlette/responses.py` `JSONResponse.render`:
 *   `json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))`,
 *   media type `application/json`. So Chinese keys are raw UTF-8, nothing is indented, and a float
 *   is printed as Python's `repr(float)` (`8686920192.0`, `1e-05`), an int without a decimal point.
 * - `stock_zh_a_hist(symbol="000001", period="daily", start_date="19700101", end_date="20500101",
 *   adjust="", timeout=None)`: akfamily/akshare `akshare/stock_feature/stock_hist_em.py` (and
 *   docs/upstream-spec.md §2). Columns `日期, 股票代码, 开盘, 收盘, 最高, 最低, 成交量,
 *   成交额, 振幅, 涨跌幅, 涨跌额, 换手率` (akfamily/akshare `docs/data/stock/stock.md`: 股票代码 "不带市场标识的
 *   股票代码", 成交量 int64 "注意单位: 手"); `日期` is `pd.to_datetime(...).dt.date`; prices, amount and
 *   percentages are `pd.to_numeric` of Eastmoney's decimal text, so float64; volume is integer text,
 *   so int64. `period` and `adjust` are dict look-ups (`KeyError` otherwise); dates filter server-side.
 * - `stock_hk_hist(symbol="00593", period="daily", start_date="19700101", end_date="22220101",
 *   adjust="")`: same file (fork FromZero2One/akshare, "Date: 2025/3/10"), docs/upstream-spec.md §4.
 *   Columns `日期, 开盘, 收盘, 最高, 最低, 成交量, 成交额, 振幅, 涨跌幅, 涨跌额, 换手率` (no 股票代码);
 *   `日期` ends as `.dt.date`; volume in **shares** (docs: "注意单位: 股"); dates filter client-side
 *   (`temp_df[start_date:end_date]`, inclusive).
 * - `index_zh_a_hist(symbol="000859", period="daily", start_date="19700101", end_date="22220101")`:
 *   akfamily/akshare `akshare/index/index_zh_em.py` ("Date: 2025/3/11"), docs/upstream-spec.md §5.1. Same 11
 *   columns as HK, volume in **lots**, and `日期` is **left as Eastmoney's `YYYY-MM-DD` string**
 *   (the frame is sliced on a datetime index that is then dropped), so it serialises unchanged. No
 *   `adjust` parameter.
 * - `tool_trade_date_hist_sina()`: akfamily/akshare `akshare/tool/trade_date_hist.py`, upstream-spec
 *   §8. One column `trade_date` of `datetime.date`, ascending, with 1992-05-04 added.
 * - `stock_zh_a_spot_em()` and `stock_hk_spot_em()`: akfamily/akshare
 *   `akshare/stock_feature/stock_hist_em.py` (fork FromZero2One/akshare, "Date: 2025/3/10") and
 *   `akshare/utils/func.py` `fetch_paginated_data` ("Date: 2025/3/10", verbatim copy in the index):
 *   the pages are concatenated, sorted by f3 (涨跌幅) descending (`sort_values`, NaN last) and
 *   numbered `序号` = 1..n (int); columns as listed below, numbers `pd.to_numeric(errors="coerce")`
 *   (so a `"-"` makes NaN → `null`, and an integer column with a gap float64); A-share 成交量 in lots
 *   (docs/upstream-spec.md §6.1), HK 成交量 in shares (§6.2).
 * - `stock_individual_info_em(symbol, timeout=None)`: akfamily/akshare `akshare/stock/stock_info_em.py`
 *   and docs/upstream-spec.md §7.1: a two-column frame `item, value`, one row per kept `stock/get` field in
 *   field order (f43 最新, f57 股票代码, f58 股票简称, f84 总股本, f85 流通股, f116 总市值, f117 流通市值,
 *   f127 行业, f189 上市时间); `value` is an object column, so each value keeps its JSON type: floats
 *   (`fltt=2`), strings, and 上市时间 an integer `YYYYMMDD`.
 */
import type { Clock } from "../clock.ts";
import type { ExchangeCalendar } from "../calendar/index.ts";
import type { IsoDate } from "../dates.ts";
import { InputError, QuantDbError } from "../errors.ts";
import type { StockListEntry } from "../lists/types.ts";
import { market, sharesToLots } from "../markets/registry.ts";
import { parseStockSymbol, type StockSymbol } from "../symbols/index.ts";
import { parseDateParam } from "../params.ts";
import { parsePeriod } from "./periods.ts";
import { parseAdjust, parseHistoryQuery, type HistoryQuery } from "./request.ts";
import type { HistoryResult, ServedBar } from "./service.ts";

/** The AKShare history functions QuantDB serves from its bar cache. */
export type AktoolsHistoryFunction = "stock_zh_a_hist" | "stock_hk_hist" | "index_zh_a_hist";

/** The AKShare calendar function QuantDB serves from its exchange calendar. */
export type AktoolsCalendarFunction = "tool_trade_date_hist_sina";

/** The AKShare snapshot and company-information functions, served from the stock-list services. */
export type AktoolsMarketFunction = "stock_zh_a_spot_em" | "stock_hk_spot_em" | "stock_individual_info_em";

/** Every AKShare function this module knows. */
export type AktoolsFunction = AktoolsHistoryFunction | AktoolsCalendarFunction | AktoolsMarketFunction;

/** The history functions, in the order they are documented. */
export const AKTOOLS_HISTORY_FUNCTIONS: readonly AktoolsHistoryFunction[] = [
  "stock_zh_a_hist",
  "stock_hk_hist",
  "index_zh_a_hist",
];

/**
 * How a column leaves pandas:
 * - `date`: `datetime.date` objects, serialised `YYYY-MM-DDT00:00:00.000`;
 * - `text`: strings, unchanged (also dates AKShare leaves as Eastmoney's `YYYY-MM-DD` text);
 * - `float`: float64, Python float repr, `null` for NaN;
 * - `count`: `pd.to_numeric` of integer text: int64, unless a value is missing or fractional, which
 *   makes the whole column float64 (as pandas would);
 * - `object`: mixed Python values, each serialised by its own type: a `number` cell as a Python
 *   float, a `bigint` cell as a Python int, a string as a string.
 */
export type AktoolsColumnKind = "date" | "text" | "float" | "count" | "object";

/** One column of an AKShare frame. */
export interface AktoolsColumn {
  /** Column name as AKShare spells it, e.g. `日期`, `成交量`, `trade_date`. */
  name: string;
  kind: AktoolsColumnKind;
  /** Unit or meaning, for documentation (e.g. "lots (手, 100 shares)"). */
  description: string;
}

/** A cell: a date (`YYYY-MM-DD`) or text, a number, a Python int (`bigint`, object columns), or missing. */
export type AktoolsCell = string | number | bigint | null;

/** A frame as AKShare would return it: ordered columns and rows of cells in that order. */
export interface AktoolsFrame {
  columns: readonly AktoolsColumn[];
  rows: readonly (readonly AktoolsCell[])[];
}

const col = (name: string, kind: AktoolsColumnKind, description: string): AktoolsColumn => ({
  name,
  kind,
  description,
});

function barColumns(
  date: AktoolsColumn,
  code: AktoolsColumn | null,
  units: { price: string; amount: string; volume: string },
): AktoolsColumn[] {
  return [
    date,
    ...(code ? [code] : []),
    col("开盘", "float", `open, ${units.price}`),
    col("收盘", "float", `close, ${units.price}`),
    col("最高", "float", `high, ${units.price}`),
    col("最低", "float", `low, ${units.price}`),
    col("成交量", "count", units.volume),
    col("成交额", "float", `amount (traded value), ${units.amount}, never adjusted`),
    col("振幅", "float", "amplitude, percent"),
    col("涨跌幅", "float", "change, percent"),
    col("涨跌额", "float", `change, ${units.price}`),
    col("换手率", "float", "turnover rate, percent"),
  ];
}

const DATE_OBJECT = col("日期", "date", "trading date, datetime.date, serialised YYYY-MM-DDT00:00:00.000");
const LOTS = "volume in lots (手, 100 shares), integer";

/** The columns of each function's frame, in AKShare's order. */
export const AKTOOLS_COLUMNS: Readonly<Record<AktoolsFunction, readonly AktoolsColumn[]>> = {
  stock_zh_a_hist: barColumns(DATE_OBJECT, col("股票代码", "text", "6-digit code without market prefix"), {
    price: "CNY, adjusted per adjust",
    amount: "CNY",
    volume: LOTS,
  }),
  stock_hk_hist: barColumns(DATE_OBJECT, null, {
    price: "HKD, adjusted per adjust",
    amount: "HKD",
    volume: "volume in shares (股), integer",
  }),
  index_zh_a_hist: barColumns(col("日期", "text", "trading date as Eastmoney's text, YYYY-MM-DD"), null, {
    price: "points",
    amount: "CNY",
    volume: LOTS,
  }),
  tool_trade_date_hist_sina: [
    col("trade_date", "date", "A-share trading session, datetime.date, serialised YYYY-MM-DDT00:00:00.000"),
  ],
  stock_zh_a_spot_em: [
    col("序号", "count", "rank by 涨跌幅, descending, from 1"),
    col("代码", "text", "6-digit code"),
    col("名称", "text", "short name"),
    col("最新价", "float", "last price, CNY"),
    col("涨跌幅", "float", "change, percent"),
    col("涨跌额", "float", "change, CNY"),
    col("成交量", "count", "volume today in lots (手, 100 shares)"),
    col("成交额", "float", "amount today, CNY"),
    col("振幅", "float", "amplitude, percent [Eastmoney clist f7]"),
    col("最高", "float", "high, CNY"),
    col("最低", "float", "low, CNY"),
    col("今开", "float", "open, CNY"),
    col("昨收", "float", "previous close, CNY"),
    col("量比", "float", "volume ratio [f10]"),
    col("换手率", "float", "turnover rate, percent"),
    col("市盈率-动态", "float", "P/E, dynamic"),
    col("市净率", "float", "P/B"),
    col("总市值", "count", "total market cap, CNY (Eastmoney sends whole yuan)"),
    col("流通市值", "count", "free-float market cap, CNY"),
    col("涨速", "float", "price speed, percent per minute [f22]"),
    col("5分钟涨跌", "float", "5-minute change, percent [f11]"),
    col("60日涨跌幅", "float", "60-day change, percent [f24]"),
    col("年初至今涨跌幅", "float", "year-to-date change, percent [f25]"),
  ],
  stock_hk_spot_em: [
    col("序号", "count", "rank by 涨跌幅, descending, from 1"),
    col("代码", "text", "5-digit code"),
    col("名称", "text", "short name"),
    col("最新价", "float", "last price, HKD"),
    col("涨跌额", "float", "change, HKD"),
    col("涨跌幅", "float", "change, percent"),
    col("今开", "float", "open, HKD"),
    col("最高", "float", "high, HKD"),
    col("最低", "float", "low, HKD"),
    col("昨收", "float", "previous close, HKD"),
    col("成交量", "count", "volume today in shares (股)"),
    col("成交额", "float", "amount today, HKD"),
  ],
  stock_individual_info_em: [
    col("item", "text", "最新, 股票代码, 股票简称, 总股本, 流通股, 总市值, 流通市值, 行业, 上市时间"),
    col(
      "value",
      "object",
      "last price (float, CNY), code (text), name (text), total and float shares (float), market caps (float, " +
        "CNY), industry (text), listing date (int YYYYMMDD)",
    ),
  ],
};

/** A parameter of an AKShare function: its name and AKShare's default (`null` = required). */
export interface AktoolsParam {
  name: string;
  /** AKShare's default value; `null` when QuantDB requires the parameter. */
  default: string | null;
  description: string;
}

/**
 * The symbol each AKShare history function uses when the call names none (its signature's
 * default): AKTools passes only the query parameters it received, so a request without `symbol`
 * gets this instrument's bars.
 */
export const AKSHARE_DEFAULT_SYMBOL: Readonly<Record<AktoolsHistoryFunction, string>> = {
  stock_zh_a_hist: "000001",
  stock_hk_hist: "00593",
  index_zh_a_hist: "000859",
};

const SYMBOL = (example: string): AktoolsParam => ({
  name: "symbol",
  default: null,
  description: `code, e.g. ${example} (required)`,
});
const HISTORY_SYMBOL = (fn: AktoolsHistoryFunction, example: string): AktoolsParam => ({
  name: "symbol",
  default: AKSHARE_DEFAULT_SYMBOL[fn],
  description: `code, e.g. ${example}; AKShare's default ${AKSHARE_DEFAULT_SYMBOL[fn]} when absent`,
});
const PERIOD: AktoolsParam = {
  name: "period",
  default: "daily",
  description: "daily, weekly or monthly (weekly/monthly derived from cached daily bars)",
};
const ADJUST: AktoolsParam = {
  name: "adjust",
  default: "",
  description: '"" unadjusted, qfq forward-adjusted, hfq backward-adjusted',
};
const START: AktoolsParam = {
  name: "start_date",
  default: "19700101",
  description: "first date, YYYYMMDD (YYYY-MM-DD also accepted)",
};
const end = (value: string): AktoolsParam => ({
  name: "end_date",
  default: value,
  description: "last date, YYYYMMDD (YYYY-MM-DD also accepted)",
});

/** Each function's parameters, as its AKShare signature names them, with AKShare's defaults. */
export const AKTOOLS_PARAMS: Readonly<Record<AktoolsFunction, readonly AktoolsParam[]>> = {
  stock_zh_a_hist: [
    HISTORY_SYMBOL("stock_zh_a_hist", "600519, 000001, 830799"),
    PERIOD,
    START,
    end("20500101"),
    ADJUST,
    {
      name: "timeout",
      default: "None",
      description: "accepted for compatibility and ignored (QuantDB applies its own upstream timeout)",
    },
  ],
  stock_hk_hist: [HISTORY_SYMBOL("stock_hk_hist", "00700"), PERIOD, START, end("22220101"), ADJUST],
  index_zh_a_hist: [
    HISTORY_SYMBOL("index_zh_a_hist", "000300, 000001 (SSE Composite), 399001"),
    PERIOD,
    START,
    end("22220101"),
  ],
  tool_trade_date_hist_sina: [],
  stock_zh_a_spot_em: [],
  stock_hk_spot_em: [],
  stock_individual_info_em: [
    SYMBOL("600519"),
    { name: "timeout", default: "None", description: "accepted for compatibility and ignored" },
  ],
};

/** Query parameters as received (name → value). */
export type AktoolsParams = Readonly<Record<string, string | undefined>>;

/**
 * Reject parameters the AKShare function does not take (AKTools would fail with a `TypeError`).
 * @throws {InputError} `VALIDATION_ERROR` naming the parameter and listing the accepted ones.
 */
export function checkAktoolsParams(fn: AktoolsFunction, params: AktoolsParams): void {
  const accepted = AKTOOLS_PARAMS[fn].map((p) => p.name);
  for (const name of Object.keys(params)) {
    if (!accepted.includes(name)) {
      const list = accepted.length > 0 ? accepted.join(", ") : "none";
      throw new InputError("VALIDATION_ERROR", `Invalid parameter '${name}': ${fn} takes ${list}`, {
        param: name,
        accepted,
      });
    }
  }
}

const MARKETS: Record<AktoolsHistoryFunction, { kind: "stock" | "index"; markets: readonly string[]; what: string }> = {
  stock_zh_a_hist: {
    kind: "stock",
    markets: market("CN").exchanges,
    what: "an A-share stock (Shanghai, Shenzhen, Beijing); use stock_hk_hist for Hong Kong",
  },
  stock_hk_hist: {
    kind: "stock",
    markets: market("HK").exchanges,
    what: "a Hong Kong stock; use stock_zh_a_hist for A-shares",
  },
  index_zh_a_hist: {
    kind: "index",
    markets: market("CN").indexCompilers,
    what: "a CN index (SSE, SZSE, BSE, CSI); HK indices are served by /api/v1/index/historical/{symbol}",
  },
};

/**
 * What an AKShare history call asks for: a QuantDB history query, or nothing at all — the empty
 * DataFrame AKShare returns without asking (or after upstream answered no bars), which AKTools
 * serialises as `200 []`. `reason` says why, for logs and tests.
 */
export type AktoolsHistoryCall = { query: HistoryQuery; empty?: undefined } | { query?: undefined; empty: string };

/**
 * Validate an AKShare history call, deciding each case as AKShare does (docs/aktools-compat.md):
 * - a missing `symbol` takes AKShare's default ({@link AKSHARE_DEFAULT_SYMBOL});
 * - `period` and `adjust` outside AKShare's choices, dates that are not dates, and parameters the
 *   function does not take are errors (AKShare raises: AKTools answers 404 or 500; QuantDB a 400
 *   naming the parameter);
 * - `start_date` after `end_date` is an empty answer for every function (Eastmoney's server-side
 *   filter, or AKShare's own slice, leaves no bar);
 * - for `stock_zh_a_hist`, a symbol that is empty, not a symbol, or not an A-share stock is an empty
 *   answer: AKShare builds the secid from the text (`1.` for codes starting with 6, else `0.`) and
 *   Eastmoney answers `data:null`, which AKShare turns into an empty frame. (`stock_hk_hist` and
 *   `index_zh_a_hist` index into `data` without that check and fail, so QuantDB keeps its 400.)
 * Missing parameters take AKShare's defaults (period daily, adjust "", start_date 19700101, end_date
 * 20500101 or 22220101): such a range is clipped by the history service to the exchange's known
 * sessions up to today, so it costs one upstream call for what is not cached. A Hong Kong code of
 * 1–4 digits is zero-padded to 5 (AKShare wants 5).
 * @throws {InputError} `VALIDATION_ERROR` (unknown parameter, empty symbol for HK or index),
 *   `INVALID_SYMBOL` (HK or index functions: not a symbol of the function's market),
 *   `INVALID_PERIOD`, `INVALID_ADJUST`, `INVALID_DATE`; each names the parameter.
 */
export function parseAktoolsHistoryCall(
  fn: AktoolsHistoryFunction,
  params: AktoolsParams,
  clock: Clock,
): AktoolsHistoryCall {
  checkAktoolsParams(fn, params);
  const rule = MARKETS[fn];
  const defaults = Object.fromEntries(AKTOOLS_PARAMS[fn].map((p) => [p.name, p.default]));
  const value = (name: string) => params[name] ?? defaults[name] ?? undefined;
  // What AKShare checks before it asks upstream (dict look-ups), and the dates.
  const period = parsePeriod(value("period"));
  const adjust = parseAdjust(value("adjust"));
  const start = parseDateParam("start_date", value("start_date") ?? "");
  const end = parseDateParam("end_date", value("end_date") ?? "");
  const lenient = fn === "stock_zh_a_hist";
  const raw = params["symbol"] === undefined ? AKSHARE_DEFAULT_SYMBOL[fn] : params["symbol"].trim();
  if (!raw) {
    if (lenient) return { empty: "symbol is empty" };
    throw new InputError("VALIDATION_ERROR", `Invalid parameter 'symbol': empty; ${fn} needs ${rule.what}`, {
      param: "symbol",
    });
  }
  if (start > end) return { empty: `start_date ${start} is after end_date ${end}` };
  const symbol = fn === "stock_hk_hist" && /^\d{1,4}$/.test(raw) ? raw.padStart(5, "0") : raw;
  let query: HistoryQuery;
  try {
    query = parseHistoryQuery({ symbol, kind: rule.kind, start_date: start, end_date: end, adjust, period }, clock);
  } catch (error) {
    if (lenient && error instanceof InputError && error.code === "INVALID_SYMBOL")
      return { empty: `'${raw}' is not an A-share stock symbol` };
    throw error;
  }
  if (!rule.markets.includes(query.symbol.market)) {
    if (lenient) return { empty: `'${raw}' is not an A-share stock symbol` };
    throw new InputError("INVALID_SYMBOL", `Invalid symbol '${raw}': ${fn} takes ${rule.what}`, {
      param: "symbol",
      symbol: raw,
      function: fn,
    });
  }
  return { query };
}

/** Volume as AKShare reports it: lots for A-shares and CN indices, shares for Hong Kong. */
function akshareVolume(fn: AktoolsHistoryFunction, shares: number): number {
  return fn === "stock_hk_hist" ? shares : sharesToLots(market("CN"), shares);
}

function barRow(fn: AktoolsHistoryFunction, bar: ServedBar, code: string): AktoolsCell[] {
  const values: AktoolsCell[] = [
    bar.open,
    bar.close,
    bar.high,
    bar.low,
    akshareVolume(fn, bar.volume),
    bar.amount,
    bar.amplitude,
    bar.pct_change,
    bar.change,
    bar.turnover_rate,
  ];
  return fn === "stock_zh_a_hist" ? [bar.date, code, ...values] : [bar.date, ...values];
}

/**
 * The AKShare frame of a history answer: one row per bar dated within [start, end] (AKShare filters
 * weekly and monthly bars by their date too), volume in lots for A-shares and CN indices (QuantDB
 * holds shares: ÷100) and in shares for Hong Kong, `股票代码` the 6-digit code for
 * `stock_zh_a_hist`. Today's provisional bar is included, as AKShare includes Eastmoney's live bar.
 */
export function aktoolsHistoryFrame(fn: AktoolsHistoryFunction, result: HistoryResult): AktoolsFrame {
  const rows = result.bars
    .filter((bar) => bar.date >= result.start && bar.date <= result.end)
    .map((bar) => barRow(fn, bar, result.symbol.code));
  return { columns: AKTOOLS_COLUMNS[fn], rows };
}

/**
 * `tool_trade_date_hist_sina`'s frame from an exchange calendar: every session from the first
 * through `knownThrough` (Sina's list, which AKShare decodes, also runs to the end of the announced
 * year). The bundled CN calendar already holds 1992-05-04, the session AKShare appends.
 */
export function aktoolsTradeDateFrame(calendar: ExchangeCalendar): AktoolsFrame {
  const rows = calendar.sessionsBetween(calendar.firstSession, calendar.knownThrough).map((date: IsoDate) => [date]);
  return { columns: AKTOOLS_COLUMNS.tool_trade_date_hist_sina, rows };
}

/** Eastmoney's missing-value marker, which AKShare keeps as-is in text and object columns. */
const MISSING = "-";

/** Ascending by 涨跌幅 descending, missing last; ties by code (pandas' quicksort leaves them unordered). */
function byPctChangeDescending(a: StockListEntry, b: StockListEntry): number {
  if (a.pct_change !== b.pct_change) {
    if (a.pct_change === null) return 1;
    if (b.pct_change === null) return -1;
    return b.pct_change - a.pct_change;
  }
  return a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
}

/**
 * The frame of `stock_zh_a_spot_em` (entries of the SH, SZ and BJ snapshots together) or
 * `stock_hk_spot_em` (the HK snapshot): rows sorted by 涨跌幅 descending (missing last), `序号` their
 * rank from 1, A-share volume in lots (QuantDB holds shares: ÷100), HK volume in shares. 振幅, 量比,
 * 涨速, 5分钟涨跌, 60日涨跌幅 and 年初至今涨跌幅 are the snapshot's f7, f10, f22, f11, f24 and f25, as
 * AKShare requests them; null where upstream sent `"-"` (or in a snapshot stored before QuantDB asked
 * for them). A missing name is Eastmoney's `"-"`, which AKShare keeps as text (QuantDB stores it as null).
 */
export function aktoolsSpotFrame(
  fn: "stock_zh_a_spot_em" | "stock_hk_spot_em",
  entries: readonly StockListEntry[],
): AktoolsFrame {
  const sorted = [...entries].sort(byPctChangeDescending);
  const rows = sorted.map((e, i): AktoolsCell[] =>
    fn === "stock_zh_a_spot_em"
      ? [
          i + 1,
          e.symbol,
          e.name ?? MISSING,
          e.price,
          e.pct_change,
          e.change,
          e.volume === null ? null : sharesToLots(market("CN"), e.volume),
          e.amount,
          e.amplitude,
          e.high,
          e.low,
          e.open,
          e.prev_close,
          e.volume_ratio,
          e.turnover_rate,
          e.pe_ratio,
          e.pb_ratio,
          e.market_cap,
          e.float_market_cap,
          e.change_speed,
          e.change_5min,
          e.change_60d,
          e.change_ytd,
        ]
      : [
          i + 1,
          e.symbol,
          e.name ?? MISSING,
          e.price,
          e.change,
          e.pct_change,
          e.open,
          e.high,
          e.low,
          e.prev_close,
          e.volume,
          e.amount,
        ],
  );
  return { columns: AKTOOLS_COLUMNS[fn], rows };
}

/**
 * Validate a `stock_individual_info_em` call: `symbol` is required and must be an A-share stock
 * (AKShare resolves it through its SH/SZ/BJ code map).
 * @throws {InputError} `VALIDATION_ERROR` (unknown or missing parameter) or `INVALID_SYMBOL`, naming the parameter.
 */
export function parseAktoolsInfoSymbol(params: AktoolsParams): StockSymbol {
  checkAktoolsParams("stock_individual_info_em", params);
  const raw = params["symbol"]?.trim();
  if (!raw)
    throw new InputError(
      "VALIDATION_ERROR",
      "Missing parameter 'symbol': stock_individual_info_em needs an A-share stock code",
      { param: "symbol" },
    );
  const symbol = parseStockSymbol(raw);
  if (!market("CN").exchanges.includes(symbol.market)) {
    throw new InputError(
      "INVALID_SYMBOL",
      `Invalid symbol '${raw}': stock_individual_info_em takes an A-share stock (Shanghai, Shenzhen, Beijing)`,
      { param: "symbol", symbol: raw },
    );
  }
  return symbol;
}

/** The company facts `stock_individual_info_em` reports (QuantDB's stored company profile). */
export interface AktoolsCompanyInfo {
  /** 6-digit code. */
  code: string;
  name: string | null;
  industry: string | null;
  /** Listing date, `YYYY-MM-DD`. */
  listingDate: IsoDate | null;
  /** Shares. */
  totalShares: number | null;
  floatShares: number | null;
  /** Trading currency. */
  totalMarketCap: number | null;
  floatMarketCap: number | null;
}

/**
 * `stock_individual_info_em`'s item/value frame, in AKShare's row order: 最新 (the last price, a
 * float), 股票代码, 股票简称, 总股本, 流通股 (shares, floats), 总市值, 流通市值 (floats), 行业, 上市时间
 * (an integer `YYYYMMDD`). A missing value is Eastmoney's `"-"`, as AKShare keeps it.
 * @param price the last price (`f43`), or null when unknown
 */
export function aktoolsInfoFrame(info: AktoolsCompanyInfo, price: number | null): AktoolsFrame {
  const listed = info.listingDate === null ? null : BigInt(info.listingDate.replaceAll("-", ""));
  const rows: [string, AktoolsCell][] = [
    ["最新", price],
    ["股票代码", info.code],
    ["股票简称", info.name],
    ["总股本", info.totalShares],
    ["流通股", info.floatShares],
    ["总市值", info.totalMarketCap],
    ["流通市值", info.floatMarketCap],
    ["行业", info.industry],
    ["上市时间", listed],
  ];
  return {
    columns: AKTOOLS_COLUMNS.stock_individual_info_em,
    rows: rows.map(([item, value]) => [item, value ?? MISSING]),
  };
}

/**
 * Python's `repr(float)` (shortest round-trip digits; exponent form below 1e-4 and from 1e16,
 * with a sign and at least two exponent digits; `.0` on integral values).
 * @example pythonFloatRepr(8686920192) // "8686920192.0"
 * @example pythonFloatRepr(0.00001) // "1e-05"
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest digits that round-trip, like repr.
  const [mantissa, exp] = Math.abs(value).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return `${sign}${digits}${"0".repeat(e + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

function cellJson(kind: AktoolsColumnKind, value: AktoolsCell, integral: boolean): string {
  if (value === null || (typeof value === "number" && Number.isNaN(value))) return "null";
  if (kind === "date") return JSON.stringify(`${String(value)}T00:00:00.000`);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  if (kind === "count" && integral) return String(value);
  return pythonFloatRepr(value);
}

/**
 * Serialise a frame exactly as AKTools does (`to_json(orient="records", date_format="iso")` →
 * `json.loads` → Starlette `JSONResponse`): a compact JSON array of objects, keys in column order,
 * non-ASCII unescaped, `null` for missing values, dates `YYYY-MM-DDT00:00:00.000`, float64 columns
 * in Python float repr (`1685.01`, `8686920192.0`), int64 columns as integers. An empty frame is `[]`.
 * (pandas' `double_precision=10` rounding is a no-op here: QuantDB's values carry at most 3 decimals.)
 */
export function aktoolsJson(frame: AktoolsFrame): string {
  const { columns, rows } = frame;
  const integral = columns.map(
    (column, i) =>
      column.kind === "count" && rows.every((row) => typeof row[i] === "number" && Number.isInteger(row[i])),
  );
  const keys = columns.map((column) => `${JSON.stringify(column.name)}:`);
  const records = rows.map(
    (row) => `{${columns.map((column, i) => keys[i] + cellJson(column.kind, row[i] ?? null, integral[i]!)).join(",")}}`,
  );
  return `[${records.join(",")}]`;
}

/**
 * The answer to a function QuantDB does not serve: 404 `NOT_FOUND` naming the supported ones.
 * @param supported the functions this deployment serves, in documentation order
 */
export function unsupportedAktoolsFunction(name: string, supported: readonly string[]): QuantDbError {
  return new QuantDbError(
    "NOT_FOUND",
    `AKShare function '${name}' is not served by QuantDB. Supported: ${supported.join(", ")}`,
    {
      function: name,
      supported,
    },
  );
}
