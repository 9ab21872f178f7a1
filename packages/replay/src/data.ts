import { createRequire } from "node:module";
import { dirname, join } from "node:path";
/**
 * Fixture loading for the replay server: real recorded daily bars, turned into Eastmoney
 * `push2his …/api/qt/stock/kline/get` kline strings once per process.
 *
 * Every kline string has the 11 fields f51..f61, in this order:
 * `date,open,close,high,low,volume,amount,amplitude,pct,change,turnover`
 * with the date an exchange-local trading date `YYYY-MM-DD` and amplitude / pct / turnover in
 * percent. A-shares (markets 0 and 1): prices in CNY with 2 decimals, volume in lots (手, 100
 * shares), amount in CNY. Hong Kong (market 116): prices in HKD with 3 decimals, volume in
 * shares, amount in HKD.
 * See `../fixtures/README.md` for what is recorded and what is derived.
 */

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/**
 * The fixtures folder, found through the package itself (not `import.meta.url`), so it still
 * resolves when this module is bundled into another package's output (the API's dist).
 */
function fixturesDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@quantdb/replay/package.json")), "fixtures");
}

/** One daily bar of a dataset, ready to serve. */
export interface Bar {
  /** Exchange-local trading date, `YYYY-MM-DD`. */
  readonly date: string;
  /** The same date as `YYYYMMDD`, for comparing with the `beg`/`end` query parameters. */
  readonly key: string;
  /** Close price in the dataset's currency (adjusted per its `fqt`); used for `preKPrice`. */
  readonly close: number;
  /** Open price in the dataset's currency (adjusted per its `fqt`); `preKPrice` fallback for a first bar. */
  readonly open: number;
  /** The Eastmoney kline string (11 comma-separated fields f51..f61). */
  readonly kline: string;
}

/** One version ("as of" date) of a dataset's bars. qfq history is rewritten after every ex-date. */
export interface Snapshot {
  /** Snapshot label: the last bar's date (`YYYY-MM-DD`), i.e. the date the series is "as of". */
  readonly name: string;
  /** Bars in ascending date order. */
  readonly bars: readonly Bar[];
  /**
   * Close of the bar just before `bars[0]` when the source recorded it (the recorded
   * Eastmoney response's own `preKPrice`); otherwise undefined and the first bar's open is used.
   */
  readonly basePreKPrice?: number;
  /** Fixture file the bars come from, relative to the package's `fixtures/` directory. */
  readonly source: string;
  /** Dates of source rows that could not be parsed at all (Yahoo `null` cells) and are not served. */
  readonly skipped?: readonly string[];
}

/** All snapshots of one `(secid, fqt)` pair. */
export interface Dataset {
  /** Eastmoney secid, `<market>.<code>`. */
  readonly secid: string;
  /** Exchange code: 6 digits for A-shares, 5 digits (zero-padded) for Hong Kong. */
  readonly code: string;
  /** Eastmoney market id: 1 = Shanghai, 0 = Shenzhen and Beijing, 116 = Hong Kong. */
  readonly market: number;
  /** Price decimals (Eastmoney `data.decimal`): 2 for A-shares, 3 for Hong Kong. */
  readonly decimal: number;
  /** Security name (Chinese short name). */
  readonly name: string;
  /** Adjustment mode: "0" unadjusted, "1" forward-adjusted (qfq). */
  readonly fqt: string;
  /** Snapshots by label. */
  readonly snapshots: ReadonlyMap<string, Snapshot>;
  /** Label of the snapshot served when none was chosen. */
  readonly defaultSnapshot: string;
}

/** Every dataset the replay serves, keyed by {@link datasetKey}. */
export type FixtureStore = ReadonlyMap<string, Dataset>;

/** Codes with qfq (fqt=1) bars from `fixtures/qfq/<code>.csv`. */
const QFQ_CODES = ["000001", "600519", "300750", "430047", "830799", "688981"] as const;
/** Codes with unadjusted (fqt=0) bars from `fixtures/raw/<code>.csv`. */
const RAW_CODES = ["000001", "600519", "300750"] as const;
/** Hong Kong codes with unadjusted (fqt=0) Yahoo bars: code → `fixtures/hk_yahoo_raw/<file>`. */
const HK_RAW_FILES = { "00700": "0700.HK.csv.gz", "09988": "9988.HK.csv.gz" } as const;
/**
 * Hong Kong codes with Yahoo dividend-adjusted bars served as qfq (fqt=1): code → `fixtures/hk_yahoo_adjusted/<file>`.
 */
const HK_ADJUSTED_FILES = { "00700": "0700.HK.csv.gz" } as const;

/** Key of a dataset in the {@link FixtureStore}: `"<secid>|<fqt>"`. */
export function datasetKey(secid: string, fqt: string): string {
  return `${secid}|${fqt}`;
}

/**
 * Eastmoney market id for a fixture code: a 5-digit Hong Kong code → 116; for 6-digit A-share
 * codes, `6xxxxx` (Shanghai) → 1 and Shenzhen and Beijing (`0`, `3`, `4`, `8`, `92` prefixes) → 0.
 * Only the fixture codes need to be handled.
 */
function marketOf(code: string): number {
  if (/^\d{5}$/.test(code)) return 116;
  return code.startsWith("6") ? 1 : 0;
}

let cached: FixtureStore | undefined;

/** Load (once per process) and return every fixture dataset. Throws if a fixture file is missing or malformed. */
export function loadFixtures(): FixtureStore {
  cached ??= buildStore();
  return cached;
}

/** A fixture file's text (UTF-8, BOM removed); `*.gz` files are gunzipped first. */
function fixtureText(rel: string): string {
  const bytes = readFileSync(join(fixturesDir(), rel));
  const text = (rel.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function csvRows(rel: string, expectedHeader: readonly string[]): string[][] {
  return parseCsv(rel, fixtureText(rel), expectedHeader);
}

/** Simple CSV (no quoting) → data rows, after checking that the header starts with `expectedHeader`. */
function parseCsv(rel: string, text: string, expectedHeader: readonly string[]): string[][] {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = (lines[0] ?? "").split(",");
  expectedHeader.forEach((col, i) => {
    if (header[i] !== col) throw new Error(`fixture ${rel}: column ${i} is ${header[i]}, expected ${col}`);
  });
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    if (cells.length < expectedHeader.length)
      throw new Error(`fixture ${rel}: row ${i + 2} has ${cells.length} fields`);
    return cells;
  });
}

function toKey(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`bad fixture date ${date}`);
  return date.replaceAll("-", "");
}

function checkAscending(rel: string, bars: readonly Bar[]): void {
  for (let i = 1; i < bars.length; i++) {
    if (bars[i]!.key <= bars[i - 1]!.key)
      throw new Error(`fixture ${rel}: dates not strictly ascending at ${bars[i]!.date}`);
  }
}

/** Header of the qfq CSVs (akshare `stock_zh_a_hist` columns = Eastmoney f51..f61). */
const QFQ_HEADER = ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"];

/** qfq CSV → bars; the 11 source cells are served verbatim (extra MA columns are ignored). */
function qfqSnapshot(code: string): Snapshot {
  const rel = `qfq/${code}.csv`;
  const bars = csvRows(rel, QFQ_HEADER).map((cells): Bar => {
    const fields = cells.slice(0, 11);
    const date = fields[0]!;
    return { date, key: toKey(date), open: Number(fields[1]), close: Number(fields[2]), kline: fields.join(",") };
  });
  checkAscending(rel, bars);
  return { name: bars.at(-1)!.date, bars, source: rel };
}

/**
 * Integer units of 10^-decimals → fixed text, e.g. (1234, 2) → "12.34", (-50, 3) → "-0.050" (exact, no binary floating
 * point).
 */
function formatFixed(units: number, decimals: number): string {
  const scale = 10 ** decimals;
  const abs = Math.abs(units);
  const text = `${Math.floor(abs / scale)}.${String(abs % scale).padStart(decimals, "0")}`;
  return units < 0 ? `-${text}` : text;
}

/** A ratio in percent → 2-dp string, rounding half away from zero after removing binary noise. */
function formatPercent(value: number): string {
  const hundredths = Math.round(Number((Math.abs(value) * 100).toFixed(6)));
  return formatFixed(value < 0 ? -hundredths : hundredths, 2);
}

/** Price text with float32 noise (e.g. `1426.5799560546875`) → integer units of 10^-decimals (cents for 2). */
function toUnits(text: string, decimals: number): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`bad price ${text}`);
  return Math.round(value * 10 ** decimals);
}

/** How an OHLCV CSV without Eastmoney's derived fields (Yahoo downloads) maps onto kline strings. */
export interface OhlcvFormat {
  /** The file's header, cell by cell (checked on load; the file may have no further columns). */
  readonly header: readonly string[];
  /** Header names of the date, open, high, low, close and volume (in shares) columns. */
  readonly columns: {
    readonly date: string;
    readonly open: string;
    readonly high: string;
    readonly low: string;
    readonly close: string;
    readonly volume: string;
  };
  /** Text every date cell has after its `YYYY-MM-DD` part (e.g. `" 00:00:00+08:00"`), or "" for a bare date. */
  readonly dateSuffix: string;
  /** Price decimals served (Eastmoney `decimal`): 2 for A-shares, 3 for Hong Kong. */
  readonly decimals: number;
  /** Shares per served volume unit: 100 for A-shares (lots, 手), 1 for Hong Kong (shares). */
  readonly sharesPerUnit: number;
}

/** Unadjusted A-share Yahoo CSVs (`raw/*.csv`). Note: high/low come BEFORE close, volume is in shares. */
const A_SHARE_YAHOO_RAW: OhlcvFormat = {
  header: ["日期", "开盘", "最高", "最低", "收盘", "成交量"],
  columns: { date: "日期", open: "开盘", high: "最高", low: "最低", close: "收盘", volume: "成交量" },
  dateSuffix: "",
  decimals: 2,
  sharesPerUnit: 100,
};

/**
 * Hong Kong Yahoo CSVs with split-adjusted (not dividend-adjusted) `Close` (`hk_yahoo_raw/*.csv.gz`); `Adj Close` is
 * not served.
 */
export const HK_YAHOO_RAW: OhlcvFormat = {
  header: ["Date", "High", "Low", "Open", "Close", "Volume", "Adj Close"],
  columns: { date: "Date", open: "Open", high: "High", low: "Low", close: "Close", volume: "Volume" },
  dateSuffix: "",
  decimals: 3,
  sharesPerUnit: 1,
};

/** Hong Kong yfinance `Ticker.history` CSVs, dividend-adjusted OHLC (`hk_yahoo_adjusted/*.csv.gz`). */
const HK_YAHOO_ADJUSTED: OhlcvFormat = {
  header: ["Date", "Open", "High", "Low", "Close", "Volume", "Dividends", "Stock Splits"],
  columns: { date: "Date", open: "Open", high: "High", low: "Low", close: "Close", volume: "Volume" },
  dateSuffix: " 00:00:00+08:00",
  decimals: 3,
  sharesPerUnit: 1,
};

/**
 * Sina index CSVs (AKShare `stock_zh_index_daily`): `date,open,high,low,close,volume`, volume in shares. Served as
 * Eastmoney index klines: volume in lots, prices as recorded (3 decimals).
 */
const CN_INDEX_SINA: OhlcvFormat = {
  header: ["date", "open", "high", "low", "close", "volume"],
  columns: { date: "date", open: "open", high: "high", low: "low", close: "close", volume: "volume" },
  dateSuffix: "",
  decimals: 3,
  sharesPerUnit: 100,
};

/** Yahoo's Hang Seng Index CSV (`Date,High,Low,Open,Close,Volume,Adj Close`), 2 decimals, volume as recorded. */
const HK_INDEX_YAHOO: OhlcvFormat = { ...HK_YAHOO_RAW, decimals: 2 };

/**
 * Index datasets: secid → fixture, name and format. A bare code is ambiguous (`000001` is also a
 * Shenzhen stock); index datasets are keyed by their own secid (`1.000001`, `100.HSI`).
 */
const INDEX_FILES = [
  {
    secid: "1.000001",
    code: "000001",
    name: "上证指数",
    file: "index/sh000001_sina_2010_2026.csv.gz",
    format: CN_INDEX_SINA,
  },
  {
    secid: "1.000300",
    code: "000300",
    name: "沪深300",
    file: "index/sh000300_sina_2010_2026.csv.gz",
    format: CN_INDEX_SINA,
  },
  { secid: "100.HSI", code: "HSI", name: "恒生指数", file: "index/HSI_yahoo_2010_2022.csv.gz", format: HK_INDEX_YAHOO },
] as const;

/** Yahoo's marker for a row it has no values for; such a row cannot be served and is skipped. */
const MISSING_CELL = new Set(["null", ""]);

/**
 * OHLCV CSV text → Eastmoney-shaped bars. Prices rounded to `format.decimals`; volume shares →
 * `Math.round(shares / format.sharesPerUnit)` (exact for the integer Hong Kong share counts);
 * change / pct / amplitude derived from the previous served row's close (`"-"` on the first row);
 * amount and turnover are not in the source and are served as `"-"`. Rows are otherwise served
 * as the source has them (zero-volume filler rows, high < low, ...). A row with a `null` / empty
 * price or volume cell is skipped and listed in `skipped`; any other unparseable cell throws.
 */
export function ohlcvSnapshot(rel: string, text: string, format: OhlcvFormat): Snapshot {
  const { columns, decimals, dateSuffix, sharesPerUnit } = format;
  const rows = parseCsv(rel, text, format.header);
  const index = (name: string): number => {
    const at = format.header.indexOf(name);
    if (at < 0) throw new Error(`format for ${rel}: no column ${name}`);
    return at;
  };
  const at = {
    date: index(columns.date),
    open: index(columns.open),
    high: index(columns.high),
    low: index(columns.low),
    close: index(columns.close),
    volume: index(columns.volume),
  };
  const skipped: string[] = [];
  const bars: Bar[] = [];
  let prevClose: number | undefined;
  for (const cells of rows) {
    const dateCell = cells[at.date]!;
    const date = dateCell.slice(0, 10);
    if (dateCell.slice(10) !== dateSuffix)
      throw new Error(`fixture ${rel}: date ${dateCell} does not end with ${JSON.stringify(dateSuffix)}`);
    const texts = [cells[at.open]!, cells[at.high]!, cells[at.low]!, cells[at.close]!, cells[at.volume]!];
    if (texts.some((t) => MISSING_CELL.has(t.trim()))) {
      skipped.push(date);
      continue;
    }
    const [open, high, low, close] = texts.slice(0, 4).map((t) => toUnits(t, decimals)) as [
      number,
      number,
      number,
      number,
    ];
    const shares = Number(texts[4]);
    if (!Number.isFinite(shares)) throw new Error(`fixture ${rel}: bad volume ${texts[4]} on ${date}`);
    const volume = Math.round(shares / sharesPerUnit);
    let amplitude = "-";
    let pct = "-";
    let change = "-";
    if (prevClose !== undefined) {
      change = formatFixed(close - prevClose, decimals);
      if (prevClose !== 0) {
        pct = formatPercent(((close - prevClose) / prevClose) * 100);
        amplitude = formatPercent(((high - low) / prevClose) * 100);
      }
    }
    prevClose = close;
    const price = (units: number): string => formatFixed(units, decimals);
    const kline = [
      date,
      price(open),
      price(close),
      price(high),
      price(low),
      String(volume),
      "-",
      amplitude,
      pct,
      change,
      "-",
    ].join(",");
    const scale = 10 ** decimals;
    bars.push({ date, key: toKey(date), open: open / scale, close: close / scale, kline });
  }
  if (bars.length === 0) throw new Error(`fixture ${rel}: no bars`);
  checkAscending(rel, bars);
  return { name: bars.at(-1)!.date, bars, source: rel, ...(skipped.length > 0 ? { skipped } : {}) };
}

/** A Yahoo OHLCV fixture file (plain or gzipped) → bars, see {@link ohlcvSnapshot}. */
function yahooSnapshot(rel: string, format: OhlcvFormat): Snapshot {
  return ohlcvSnapshot(rel, fixtureText(rel), format);
}

interface RecordedKlineResponse {
  data: { code: string; market: number; name: string; preKPrice: number; klines: string[] } | null;
}

/** A recorded Eastmoney kline response → bars (kline strings served verbatim) plus its `preKPrice`. */
function recordedSnapshot(rel: string): { snapshot: Snapshot; code: string; market: number; name: string } {
  const parsed = JSON.parse(fixtureText(rel)) as RecordedKlineResponse;
  const data = parsed.data;
  if (!data || !Array.isArray(data.klines)) throw new Error(`fixture ${rel}: no data.klines`);
  const bars = data.klines.map((kline): Bar => {
    const fields = kline.split(",");
    if (fields.length !== 11) throw new Error(`fixture ${rel}: kline with ${fields.length} fields: ${kline}`);
    const date = fields[0]!;
    return { date, key: toKey(date), open: Number(fields[1]), close: Number(fields[2]), kline };
  });
  checkAscending(rel, bars);
  return {
    snapshot: { name: bars.at(-1)!.date, bars, basePreKPrice: data.preKPrice, source: rel },
    code: data.code,
    market: data.market,
    name: data.name,
  };
}

function buildStore(): FixtureStore {
  const names = JSON.parse(fixtureText("names.json")) as Record<string, string>;
  const store = new Map<string, Dataset>();
  const add = (
    code: string,
    fqt: string,
    snapshots: Snapshot[],
    decimal = 2,
    index?: { secid: string; name: string },
  ): void => {
    const market = index ? Number(index.secid.split(".")[0]) : marketOf(code);
    const secid = index?.secid ?? `${market}.${code}`;
    const name = index?.name ?? names[code];
    if (name === undefined) throw new Error(`fixtures/names.json has no name for ${code}`);
    store.set(datasetKey(secid, fqt), {
      secid,
      code,
      market,
      name,
      decimal,
      fqt,
      snapshots: new Map(snapshots.map((s) => [s.name, s])),
      defaultSnapshot: snapshots[0]!.name,
    });
  };
  for (const code of QFQ_CODES) {
    const snapshots = [qfqSnapshot(code)];
    if (code === "000001") {
      const recorded = recordedSnapshot("eastmoney_raw_json/000001.json");
      if (recorded.code !== code || recorded.market !== marketOf(code))
        throw new Error("recorded 000001.json is not 0.000001");
      snapshots.push(recorded.snapshot);
    }
    add(code, "1", snapshots);
  }
  for (const code of RAW_CODES) add(code, "0", [yahooSnapshot(`raw/${code}.csv`, A_SHARE_YAHOO_RAW)]);
  for (const [code, file] of Object.entries(HK_RAW_FILES))
    add(code, "0", [yahooSnapshot(`hk_yahoo_raw/${file}`, HK_YAHOO_RAW)], HK_YAHOO_RAW.decimals);
  for (const [code, file] of Object.entries(HK_ADJUSTED_FILES)) {
    add(code, "1", [yahooSnapshot(`hk_yahoo_adjusted/${file}`, HK_YAHOO_ADJUSTED)], HK_YAHOO_ADJUSTED.decimals);
  }
  for (const index of INDEX_FILES)
    add(index.code, "0", [yahooSnapshot(index.file, index.format)], index.format.decimals, index);
  return store;
}

/**
 * The recorded body of Sina's A-share trading-date list (`klc_td_sh.txt`, 2023 edition: 8,069
 * dates 1990-12-19 → 2023-12-29), verbatim.
 */
export function sinaTradeDatesBody(): string {
  return fixtureText("sina/klc_td_sh_2023.txt");
}
