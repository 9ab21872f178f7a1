import { createRequire } from "node:module";
import { dirname, join } from "node:path";
/**
 * Fixture loading for the replay server: real recorded daily bars, turned into Eastmoney
 * `push2his …/api/qt/stock/kline/get` kline strings once per process.
 *
 * Every kline string has the 11 fields f51..f61, in this order:
 * `date,open,close,high,low,volume,amount,amplitude,pct,change,turnover`
 * with the date an exchange-local (CST) trading date `YYYY-MM-DD`, prices in CNY, volume in
 * lots (手, 100 shares), amount in CNY, and amplitude / pct / turnover in percent.
 * See `../fixtures/README.md` for what is recorded and what is derived.
 */

import { readFileSync } from "node:fs";

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
  /** Close price in CNY (adjusted per the dataset's `fqt`); used for `preKPrice`. */
  readonly close: number;
  /** Open price in CNY (adjusted per the dataset's `fqt`); `preKPrice` fallback for a first bar. */
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
   * Close (CNY) of the bar just before `bars[0]` when the source recorded it (the recorded
   * Eastmoney response's own `preKPrice`); otherwise undefined and the first bar's open is used.
   */
  readonly basePreKPrice?: number;
  /** Fixture file the bars come from, relative to the package's `fixtures/` directory. */
  readonly source: string;
}

/** All snapshots of one `(secid, fqt)` pair. */
export interface Dataset {
  /** Eastmoney secid, `<market>.<code>`. */
  readonly secid: string;
  /** 6-digit exchange code. */
  readonly code: string;
  /** Eastmoney market id: 1 = Shanghai, 0 = Shenzhen and Beijing. */
  readonly market: number;
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

/** Key of a dataset in the {@link FixtureStore}: `"<secid>|<fqt>"`. */
export function datasetKey(secid: string, fqt: string): string {
  return `${secid}|${fqt}`;
}

/**
 * Eastmoney market id for an A-share code: `6xxxxx` (Shanghai) → 1; Shenzhen and Beijing
 * (`0`, `3`, `4`, `8`, `92` prefixes) → 0. Only the fixture codes need to be handled.
 */
export function marketOf(code: string): number {
  return code.startsWith("6") ? 1 : 0;
}

let cached: FixtureStore | undefined;

/** Load (once per process) and return every fixture dataset. Throws if a fixture file is missing or malformed. */
export function loadFixtures(): FixtureStore {
  cached ??= buildStore();
  return cached;
}

function fixtureText(rel: string): string {
  const text = readFileSync(join(fixturesDir(), rel), "utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function csvRows(rel: string, expectedHeader: readonly string[]): string[][] {
  const lines = fixtureText(rel).split(/\r?\n/).filter((line) => line.length > 0);
  const header = (lines[0] ?? "").split(",");
  expectedHeader.forEach((col, i) => {
    if (header[i] !== col) throw new Error(`fixture ${rel}: column ${i} is ${header[i]}, expected ${col}`);
  });
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    if (cells.length < expectedHeader.length) throw new Error(`fixture ${rel}: row ${i + 2} has ${cells.length} fields`);
    return cells;
  });
}

function toKey(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`bad fixture date ${date}`);
  return date.replaceAll("-", "");
}

function checkAscending(rel: string, bars: readonly Bar[]): void {
  for (let i = 1; i < bars.length; i++) {
    if (bars[i]!.key <= bars[i - 1]!.key) throw new Error(`fixture ${rel}: dates not strictly ascending at ${bars[i]!.date}`);
  }
}

/** Header of the qfq CSVs (akshare `stock_zh_a_hist` columns = Eastmoney f51..f61). */
const QFQ_HEADER = ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"];
/** Header of the unadjusted Yahoo CSVs. Note: high/low come BEFORE close, volume is in shares. */
const RAW_HEADER = ["日期", "开盘", "最高", "最低", "收盘", "成交量"];

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

/** Integer cents → "12.34" / "-0.05" (exact, no binary floating point). */
function formatCents(cents: number): string {
  const abs = Math.abs(cents);
  const text = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
  return cents < 0 ? `-${text}` : text;
}

/** A ratio in percent → 2-dp string, rounding half away from zero after removing binary noise. */
function formatPercent(value: number): string {
  const hundredths = Math.round(Number((Math.abs(value) * 100).toFixed(6)));
  return formatCents(value < 0 ? -hundredths : hundredths);
}

/** Price text with float32 noise (e.g. `1426.5799560546875`) → integer cents. */
function toCents(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`bad price ${text}`);
  return Math.round(value * 100);
}

/**
 * Unadjusted Yahoo CSV → Eastmoney-shaped bars. Prices rounded to 2 dp; volume shares → lots
 * (`Math.round(shares / 100)`); change / pct / amplitude derived from the previous row's close
 * (`"-"` on the first row); amount and turnover are not in the source and are served as `"-"`.
 */
function rawSnapshot(code: string): Snapshot {
  const rel = `raw/${code}.csv`;
  let prevClose: number | undefined;
  const bars = csvRows(rel, RAW_HEADER).map((cells): Bar => {
    const [date, openText, highText, lowText, closeText, sharesText] = cells as [string, string, string, string, string, string];
    const open = toCents(openText);
    const high = toCents(highText);
    const low = toCents(lowText);
    const close = toCents(closeText);
    const shares = Number(sharesText);
    if (!Number.isFinite(shares)) throw new Error(`fixture ${rel}: bad volume ${sharesText} on ${date}`);
    const lots = Math.round(shares / 100);
    let amplitude = "-";
    let pct = "-";
    let change = "-";
    if (prevClose !== undefined) {
      change = formatCents(close - prevClose);
      pct = formatPercent(((close - prevClose) / prevClose) * 100);
      amplitude = formatPercent(((high - low) / prevClose) * 100);
    }
    prevClose = close;
    const kline = [date, formatCents(open), formatCents(close), formatCents(high), formatCents(low), String(lots), "-", amplitude, pct, change, "-"].join(",");
    return { date, key: toKey(date), open: open / 100, close: close / 100, kline };
  });
  checkAscending(rel, bars);
  return { name: bars.at(-1)!.date, bars, source: rel };
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
  const add = (code: string, fqt: string, snapshots: Snapshot[]): void => {
    const market = marketOf(code);
    const secid = `${market}.${code}`;
    const name = names[code];
    if (name === undefined) throw new Error(`fixtures/names.json has no name for ${code}`);
    store.set(datasetKey(secid, fqt), {
      secid,
      code,
      market,
      name,
      fqt,
      snapshots: new Map(snapshots.map((s) => [s.name, s])),
      defaultSnapshot: snapshots[0]!.name,
    });
  };
  for (const code of QFQ_CODES) {
    const snapshots = [qfqSnapshot(code)];
    if (code === "000001") {
      const recorded = recordedSnapshot("eastmoney_raw_json/000001.json");
      if (recorded.code !== code || recorded.market !== marketOf(code)) throw new Error("recorded 000001.json is not 0.000001");
      snapshots.push(recorded.snapshot);
    }
    add(code, "1", snapshots);
  }
  for (const code of RAW_CODES) add(code, "0", [rawSnapshot(code)]);
  return store;
}
