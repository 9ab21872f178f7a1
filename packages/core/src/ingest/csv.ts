/**
 * Bulk import rules: which CSV column layout a file uses and how its rows become QuantDB bars.
 * Parsing the CSV text itself is the caller's job (a CSV library); this module sees a header and
 * string cells.
 */
import { finalThroughOn, type Calendars } from "../calendar/index.ts";
import { InputError } from "../errors.ts";
import { parseDateInput, type IsoDate } from "../dates.ts";
import { eastmoneyVolumeToShares } from "../eastmoney/ids.ts";
import { checkBars, type QualityProblem } from "../history/quality.ts";
import { marketOfExchange, priceDecimalsOf as marketPriceDecimals } from "../markets/registry.ts";
import type { Adjust, DailyBar } from "../history/types.ts";
import type { Instrument } from "../symbols/index.ts";

/**
 * CSV column layouts QuantDB reads:
 * - `akshare`: AKShare's `stock_zh_a_hist` / `stock_hk_hist` output, Chinese headers
 *   `日期,开盘,收盘,最高,最低,成交量,成交额,振幅,涨跌幅,涨跌额,换手率` (an optional `股票代码`
 *   column and extra columns such as moving averages are ignored). A-share volume is in lots (手).
 * - `quantdb`: what `quantdb export --format csv` writes: `date,open,high,low,close,volume,amount,
 *   amplitude,pct_change,change,turnover_rate`, optionally with `symbol`, `market` and `adjust`
 *   columns. Volume is in shares.
 */
export type CsvLayout = "akshare" | "quantdb";

/** The exchange whose volume unit (lots) AKShare's stock_zh_a_hist layout uses when a file names no symbol. */
const AKSHARE_LOTS_EXCHANGE = "SH";

/** The accepted layouts, as documented. */
export const CSV_LAYOUTS: readonly CsvLayout[] = ["akshare", "quantdb"];

const AKSHARE_COLUMNS = {
  date: "日期",
  open: "开盘",
  close: "收盘",
  high: "最高",
  low: "最低",
  volume: "成交量",
  amount: "成交额",
  amplitude: "振幅",
  pct_change: "涨跌幅",
  change: "涨跌额",
  turnover_rate: "换手率",
} as const;

const QUANTDB_REQUIRED = ["date", "open", "high", "low", "close", "volume"] as const;
const AKSHARE_REQUIRED = ["date", "open", "close", "high", "low", "volume"] as const;
const BAR_FIELDS = [
  "date",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "amount",
  "amplitude",
  "pct_change",
  "change",
  "turnover_rate",
] as const;
type BarField = (typeof BAR_FIELDS)[number];

function clean(header: readonly string[]): string[] {
  return header.map((h) => h.replace(/^\uFEFF/, "").trim());
}

/**
 * Which layout a header row is in.
 * @throws {InputError} `VALIDATION_ERROR` when the header has neither layout's required columns.
 */
export function detectCsvLayout(header: readonly string[]): CsvLayout {
  const names = new Set(clean(header));
  if (AKSHARE_REQUIRED.every((f) => names.has(AKSHARE_COLUMNS[f]))) return "akshare";
  if (QUANTDB_REQUIRED.every((f) => names.has(f))) return "quantdb";
  throw new InputError(
    "VALIDATION_ERROR",
    "CSV header matches no known layout: expected AKShare's 日期,开盘,收盘,最高,最低,成交量,… or QuantDB's " +
      `date,open,high,low,close,volume,… (got ${clean(header).join(",")})`,
    { header: clean(header) },
  );
}

/** One bar read from a CSV row, with the row's own symbol/adjust columns when the file has them. */
export interface CsvBar {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  /** The row's `symbol` cell (QuantDB layout), else undefined. */
  symbol: string | undefined;
  /** The row's `adjust` cell (QuantDB layout; `none` or empty = unadjusted), else undefined. */
  adjust: string | undefined;
  bar: DailyBar;
}

function number(cell: string | undefined, field: string, line: number, required: boolean): number | null {
  const text = (cell ?? "").trim();
  if (text === "" || text === "-" || text.toLowerCase() === "nan" || text.toLowerCase() === "null") {
    if (required) throw new InputError("VALIDATION_ERROR", `line ${line}: ${field} is empty`, { line, field });
    return null;
  }
  const value = Number(text);
  if (!Number.isFinite(value))
    throw new InputError("VALIDATION_ERROR", `line ${line}: ${field} '${text}' is not a number`, {
      line,
      field,
      value: text,
    });
  return value;
}

/**
 * Turn CSV rows into bars in QuantDB's units.
 * @param layout the file's layout (see {@link detectCsvLayout})
 * @param header the header row as read
 * @param rows data rows (string cells, in header order)
 * @param market the instrument's market when known: AKShare A-share volumes are lots and are
 *   multiplied by 100 (shares); HK volumes are already shares.
 * @throws {InputError} `VALIDATION_ERROR` naming the line for an unreadable date or number.
 */
export function csvRowsToBars(
  layout: CsvLayout,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  market?: Instrument["market"],
): CsvBar[] {
  const names = clean(header);
  const index = (name: string) => names.indexOf(name);
  const columns = new Map<BarField, number>();
  for (const field of BAR_FIELDS) columns.set(field, index(layout === "akshare" ? AKSHARE_COLUMNS[field] : field));
  const symbolColumn = layout === "quantdb" ? index("symbol") : -1;
  const adjustColumn = layout === "quantdb" ? index("adjust") : -1;
  // AKShare reports volume as Eastmoney does (A-share lots); a file of unknown symbol is read as
  // stock_zh_a_hist's, i.e. A-share lots. QuantDB's own layout is in shares already.
  const toShares = (volume: number) =>
    layout === "akshare" ? eastmoneyVolumeToShares(market ?? AKSHARE_LOTS_EXCHANGE, volume) : Math.round(volume);
  const required = new Set<string>(QUANTDB_REQUIRED);

  return rows.map((row, i) => {
    const line = i + 2;
    const cell = (field: BarField) => {
      const at = columns.get(field)!;
      return at >= 0 ? row[at] : undefined;
    };
    const dateText = (cell("date") ?? "").trim();
    const date: IsoDate | null = parseDateInput(dateText.slice(0, 10));
    if (!date)
      throw new InputError("VALIDATION_ERROR", `line ${line}: date '${dateText}' is not a date`, {
        line,
        field: "date",
        value: dateText,
      });
    const n = (field: BarField) => number(cell(field), field, line, required.has(field));
    const volume = n("volume")!;
    return {
      line,
      symbol: symbolColumn >= 0 ? row[symbolColumn]?.trim() || undefined : undefined,
      adjust: adjustColumn >= 0 ? (row[adjustColumn]?.trim() ?? "") : undefined,
      bar: {
        date,
        open: n("open")!,
        high: n("high")!,
        low: n("low")!,
        close: n("close")!,
        volume: toShares(volume),
        amount: n("amount"),
        amplitude: n("amplitude"),
        pct_change: n("pct_change"),
        change: n("change"),
        turnover_rate: n("turnover_rate"),
      },
    };
  });
}

/** The adjustment named in a QuantDB-layout `adjust` cell (`none`/empty = unadjusted). */
export function csvAdjust(cell: string | undefined, fallback: Adjust): Adjust {
  if (cell === undefined) return fallback;
  const value = cell.trim().toLowerCase();
  if (value === "" || value === "none") return "";
  if (value === "qfq" || value === "hfq") return value;
  throw new InputError("INVALID_ADJUST", `adjust '${cell}' in the CSV: expected none, qfq or hfq`, { adjust: cell });
}

/** The header QuantDB writes in its own CSV layout (export) and reads back (import). */
export const QUANTDB_CSV_HEADER = ["symbol", "market", "adjust", ...BAR_FIELDS, "provisional", "partial"] as const;

/**
 * The span an imported series marks as held: its first through last bar, clipped to the last
 * final session (a bar of a session not final yet is never stored). Null when nothing is final.
 */
export function importSpan(bars: readonly DailyBar[], finalThrough: IsoDate): { start: IsoDate; end: IsoDate } | null {
  if (bars.length === 0) return null;
  const start = bars[0]!.date;
  const last = bars[bars.length - 1]!.date;
  const end = last < finalThrough ? last : finalThrough;
  return start <= end ? { start, end } : null;
}

/** The symbol a file name states, e.g. `600519.csv`, `sh600519_qfq.csv`, `0700.HK.csv` → text to parse. */
export function symbolFromFileName(fileName: string): string | null {
  const base = fileName.replace(/\.[Cc][Ss][Vv]$/, "");
  const hk = /^(\d{1,5}\.HK)/i.exec(base);
  if (hk) return hk[1]!;
  const a = /^((?:sh|sz|bj)?\d{6}(?:\.(?:SH|SS|SZ|BJ))?)/i.exec(base);
  return a ? a[1]! : null;
}

/** Decimals upstream quotes prices with: the market's (3 for HK stocks, 2 otherwise; as the history service). */
export function priceDecimalsOf(symbol: Instrument): number {
  return marketPriceDecimals(symbol);
}

/**
 * The last exchange-local date whose bar is final at `now`: today once its close plus the margin
 * has passed (or when today is a known non-session day), else yesterday.
 * @param calendars the system's calendars (extended at run time)
 */
export function finalThroughAt(
  symbol: Instrument,
  now: Date,
  calendars: Calendars,
  marginMinutes = marketOfExchange(symbol.market).finalAfterCloseMinutes,
): IsoDate {
  return finalThroughOn(calendars.forMarket(symbol.market), now, marginMinutes * 60_000);
}

/** A series ready to store, or the quality problems that reject it. */
export type PreparedImport =
  | { ok: true; span: { start: IsoDate; end: IsoDate } | null; bars: DailyBar[] }
  | { ok: false; problems: QualityProblem[] };

/**
 * Check one imported series (bars of one instrument and adjustment) with the same quality gate as
 * upstream data and work out the span it marks as held. Bars are sorted by date; duplicates,
 * non-sessions and inconsistent prices are problems, and a series with any problem is rejected
 * whole (nothing of it is stored).
 * @param calendars the system's calendars (extended at run time): sessions are checked against them
 */
export function prepareImport(
  symbol: Instrument,
  adjust: Adjust,
  bars: readonly DailyBar[],
  now: Date,
  calendars: Calendars,
): PreparedImport {
  const sorted = [...bars].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const calendar = calendars.forMarket(symbol.market);
  const problems = checkBars(sorted, { calendar, adjust, priceDecimals: priceDecimalsOf(symbol) });
  if (problems.length > 0) return { ok: false, problems };
  const span = importSpan(sorted, finalThroughAt(symbol, now, calendars));
  return { ok: true, span, bars: span ? sorted.filter((bar) => bar.date <= span.end) : [] };
}
