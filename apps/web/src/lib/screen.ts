/**
 * The screen page (issue 18): a screen as its URL writes it, the `POST /api/v1/screen` request it
 * stands for, and what the page shows of the answer (links, columns, CSV). Pure functions, no I/O and
 * no screening: the API filters, ranks and explains; these only carry the user's choices to it.
 *
 * URL: `/screen?universe=000300&as_of=2024-05-22&adjust=hfq&filter=pct_change_20:gt:0&filter=close:between:10:100
 * &rank=pct_change_20:desc&rank=volatility_20:asc:0.5&limit=20` — or `symbols=600519,300750` for an explicit list,
 * `top=30` with a crypto universe. `filter` and `rank` repeat, one per row; operators by name (lt le gt ge eq
 * between); `adjust` is written when it is not the default qfq (`adjust=` is unadjusted).
 */
import type { ScreenAnswer, ScreenRequest } from "@quantdb/sdk";
import { cryptoHref, normalizeSymbol, parseCryptoSymbol } from "./crypto.ts";

/** The universes the page offers by name (the API's index, market and crypto universes). */
export const UNIVERSES = ["000300", "000016", "000905", "SH", "SZ", "BJ", "HK", "crypto:binance:USDT"] as const;
/** The universe choice of an explicit list (`symbols=` in the URL). */
export const SYMBOLS_UNIVERSE = "symbols";

/** The API's filter operators, and their names in the URL. */
export const OPS = ["<", "<=", ">", ">=", "==", "between"] as const;
type Op = (typeof OPS)[number];
const OP_NAMES: Record<Op, string> = { "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", between: "between" };
const OP_OF_NAME = new Map(Object.entries(OP_NAMES).map(([op, name]) => [name, op]));

/** Fields offered as suggestions (the API accepts others, e.g. `ma60`, `pct_change_5`). */
export const FIELD_SUGGESTIONS = [
  "close",
  "pct_change_20",
  "volatility_20",
  "amount_avg_20",
  "turnover_avg_20",
  "ma20",
  "ema20",
  "macd_dif",
  "macd_dea",
  "macd",
  "kdj_k",
  "kdj_d",
  "kdj_j",
  "rsi6",
  "boll_mid",
  "boll_upper",
  "boll_lower",
  "atr14",
  "market_cap",
  "float_market_cap",
  "pe_ttm",
  "pb",
] as const;

/** A filter row as typed: `value` is the bound (the low one for between), `high` between's high bound. */
export interface FilterRow {
  field: string;
  op: string;
  value: string;
  high: string;
}

/** A ranking row as typed: order asc or desc, weight empty for the API's default (1). */
export interface RankRow {
  field: string;
  order: string;
  weight: string;
}

/** A screen as the form holds it: text, as typed or as the URL carried it. */
export interface ScreenForm {
  /** One of {@link UNIVERSES}, another universe the URL named, or {@link SYMBOLS_UNIVERSE}. */
  universe: string;
  /** The explicit list, comma or space separated (used when `universe` is {@link SYMBOLS_UNIVERSE}). */
  symbols: string;
  /** YYYY-MM-DD, or empty for the API's default (the last final session). */
  asOf: string;
  adjust: string;
  filters: FilterRow[];
  rankBy: RankRow[];
  /** Results returned; empty for the API's default. */
  limit: string;
  /** Crypto universes: pairs screened; empty for the API's default. */
  top: string;
}

type Params = Record<string, string | string[] | undefined>;

function one(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

function many(params: Params, key: string): string[] {
  const value = params[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The symbols of a list as typed (commas or white space between), crypto pairs in their canonical spelling. */
function symbolList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map(normalizeSymbol)
    .filter(Boolean);
}

export function isCryptoUniverse(universe: string): boolean {
  return /^crypto:/i.test(universe);
}

/** The form before anything is chosen: CSI 300 ranked by 20-session return. */
const DEFAULT_FORM: ScreenForm = {
  universe: "000300",
  symbols: "",
  asOf: "",
  adjust: "qfq",
  filters: [],
  rankBy: [{ field: "pct_change_20", order: "desc", weight: "" }],
  limit: "",
  top: "",
};

/**
 * The screen of a page URL, and whether the URL holds one to run (it names a universe or a list).
 * Values are taken as written, so the API reports a bad one with its own message.
 */
export function parseScreen(params: Params): { form: ScreenForm; run: boolean } {
  const named = one(params, "universe")?.trim() ?? "";
  const symbols = one(params, "symbols") ?? "";
  const run = named !== "" || symbols.trim() !== "";
  if (!run) return { form: { ...DEFAULT_FORM }, run };
  const filters = many(params, "filter").map((text): FilterRow => {
    const [field = "", op = "", value = "", high = ""] = text.split(":");
    return { field, op: OP_OF_NAME.get(op) ?? op, value, high };
  });
  const rankBy = many(params, "rank").map((text): RankRow => {
    const [field = "", order = "", weight = ""] = text.split(":");
    return { field, order: order || "desc", weight };
  });
  return {
    form: {
      universe: named || SYMBOLS_UNIVERSE,
      symbols: symbolList(symbols).join(","),
      asOf: one(params, "as_of") ?? "",
      adjust: one(params, "adjust") ?? "qfq",
      filters,
      rankBy,
      limit: one(params, "limit") ?? "",
      top: one(params, "top") ?? "",
    },
    run,
  };
}

/** A query value, percent-encoded but for the separators the page's parameters use (`:`, `,`, `/`). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/%3A/gi, ":").replace(/%2C/gi, ",").replace(/%2F/gi, "/");
}

/** The query string of a screen's page URL (without `?`); {@link parseScreen} reads it back. */
export function screenQuery(form: ScreenForm): string {
  const entries: [string, string][] = [];
  if (form.universe === SYMBOLS_UNIVERSE) entries.push(["symbols", symbolList(form.symbols).join(",")]);
  else entries.push(["universe", form.universe]);
  if (form.asOf) entries.push(["as_of", form.asOf]);
  if (form.adjust !== "qfq") entries.push(["adjust", form.adjust]);
  for (const f of form.filters) {
    const op = OP_NAMES[f.op as Op] ?? f.op;
    entries.push(["filter", [f.field, op, f.value, ...(f.op === "between" ? [f.high] : [])].join(":")]);
  }
  for (const r of form.rankBy) entries.push(["rank", [r.field, r.order, ...(r.weight ? [r.weight] : [])].join(":")]);
  if (form.limit) entries.push(["limit", form.limit]);
  if (form.top && isCryptoUniverse(form.universe)) entries.push(["top", form.top]);
  return entries.map(([key, value]) => `${key}=${encode(value)}`).join("&");
}

/** A number as typed; NaN when empty or not a number (sent as null, which the API refuses with its message). */
function number(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text);
}

type Filter = NonNullable<ScreenRequest["filters"]>[number];
type Rank = NonNullable<ScreenRequest["rank_by"]>[number];

/** The `POST /api/v1/screen` body of a screen: what the URL holds, the API's defaults left to the API. */
export function screenRequest(form: ScreenForm): ScreenRequest {
  const request: ScreenRequest = {
    universe: form.universe === SYMBOLS_UNIVERSE ? { symbols: symbolList(form.symbols) } : form.universe,
  };
  // qfq is the API's default for stocks; left out, a universe of crypto pairs gets theirs (unadjusted)
  if (form.adjust !== "qfq") request.adjust = form.adjust;
  if (form.asOf) request.as_of = form.asOf;
  if (form.filters.length > 0)
    request.filters = form.filters.map(
      (f): Filter => ({
        field: f.field,
        op: f.op as Filter["op"],
        value: f.op === "between" ? [number(f.value), number(f.high)] : number(f.value),
      }),
    );
  if (form.rankBy.length > 0)
    request.rank_by = form.rankBy.map((r): Rank => {
      const rank: Rank = { field: r.field, order: r.order as Rank["order"] };
      if (r.weight.trim() !== "") rank.weight = number(r.weight);
      return rank;
    });
  if (form.limit.trim() !== "") request.limit = number(form.limit);
  if (form.top.trim() !== "" && isCryptoUniverse(form.universe)) request.top = number(form.top);
  return request;
}

/** The page of a result's symbol: the stock page, or the pair page of a crypto pair (`binance:BTC/USDT`). */
export function symbolHref(symbol: string): string {
  const pair = parseCryptoSymbol(symbol);
  return pair ? cryptoHref(pair) : `/stock/${encodeURIComponent(symbol)}`;
}

type Result = ScreenAnswer["results"][number];

/** The value columns of an answer: every field of any result's `values`, in the API's order (close first). */
export function valueColumns(results: readonly Result[]): string[] {
  const columns = new Set<string>();
  for (const result of results) for (const field of Object.keys(result.values)) columns.add(field);
  return [...columns];
}

/** A score as the table shows it: 4 decimals, or — when the screen ranks by nothing. */
export function formatScore(score: number | null): string {
  return score === null ? "—" : score.toFixed(4);
}

/** A field value as the table shows it: grouped digits, at most 4 decimals (2 from 1000 up). */
export function formatValue(value: number | undefined): string {
  if (value === undefined) return "—";
  return value.toLocaleString("en-US", { maximumFractionDigits: Math.abs(value) >= 1000 ? 2 : 4 });
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The results as CSV: rank, symbol, market, name, score, date, provisional, then one column per value
 * field; numbers as the API sent them, null or absent as empty.
 */
export function screenCsv(results: readonly Result[]): string {
  const fields = valueColumns(results);
  const header = ["rank", "symbol", "market", "name", "score", "date", "provisional", ...fields];
  const rows = results.map((r, i) =>
    [i + 1, r.symbol, r.market, r.name, r.score, r.date, r.provisional, ...fields.map((f) => r.values[f])]
      .map(csvCell)
      .join(","),
  );
  return [header.join(","), ...rows].join("\n");
}
