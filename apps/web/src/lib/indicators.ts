/**
 * The indicator panes of the stock and index pages, chosen in the URL: `?indicators=macd,kdj,rsi,boll`.
 * Each entry is passed to the API's indicators endpoint as it is (`rsi:14` and `boll:20:2` carry their
 * parameters), so the API reports a bad one with its own message. Every value drawn is a column of the
 * API's answer: the dashboard computes none.
 */
import type { Indicators } from "@quantdb/sdk";

/** The panes in the order they are stacked: MACD, KDJ, RSI below the volume, BOLL over the price chart. */
export const PANES = ["macd", "kdj", "rsi", "boll"] as const;
export type Pane = (typeof PANES)[number];

/** The pane an entry of the URL list draws (`rsi:14` → `rsi`), or null for an entry that names none. */
export function paneOf(entry: string): Pane | null {
  const name = entry.split(":")[0]!.toLowerCase();
  return (PANES as readonly string[]).includes(name) ? (name as Pane) : null;
}

/** The entries of the `indicators` URL parameter: trimmed, empty ones dropped, each kept once. */
export function parseIndicators(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(",").map((entry) => entry.trim()))].filter((entry) => entry !== "");
}

/**
 * `entries` with `pane` switched on (added with the API's default parameters, unless an entry already
 * draws it) or off (every entry that draws it removed).
 */
export function togglePane(entries: readonly string[], pane: Pane, on: boolean): string[] {
  const kept = entries.filter((entry) => paneOf(entry) !== pane);
  if (!on) return kept;
  return entries.some((entry) => paneOf(entry) === pane) ? [...entries] : [...kept, pane];
}

/** The URL form of the list: commas and colons left as they are, for a readable `?indicators=macd,rsi:14`. */
export function indicatorsParam(entries: readonly string[]): string {
  return entries.map((entry) => encodeURIComponent(entry).replace(/%3A/gi, ":")).join(",");
}

/** The columns of the answer that `pane` draws: `macd_dif`, `macd_dea`, `macd`; `rsi6`; …; none if not asked. */
export function paneColumns(answer: Indicators, pane: Pane): string[] {
  const fixed: Record<Exclude<Pane, "rsi">, readonly string[]> = {
    macd: ["macd_dif", "macd_dea", "macd"],
    kdj: ["kdj_k", "kdj_d", "kdj_j"],
    boll: ["boll_mid", "boll_upper", "boll_lower"],
  };
  return answer.indicators.filter((column) =>
    pane === "rsi" ? /^rsi\d+$/.test(column) : fixed[pane].includes(column),
  );
}

/** One value per indicator column, as the API sent it (null where it cannot be computed). */
export type IndicatorValues = Record<string, number | null>;

/**
 * The answer's values in the order of `dates` (the price chart's bars), so the panes share its x axis
 * index for index; a date the answer lacks gets no values.
 */
export function valuesByDate(answer: Indicators, dates: readonly string[]): IndicatorValues[] {
  const rows = new Map<string, IndicatorValues>();
  for (const row of answer.data) {
    const values: IndicatorValues = {};
    for (const column of answer.indicators) {
      const value = row[column];
      values[column] = typeof value === "number" ? value : null;
    }
    rows.set(String(row.date), values);
  }
  return dates.map((date) => rows.get(date) ?? {});
}
