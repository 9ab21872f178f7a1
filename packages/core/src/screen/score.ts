/**
 * Filtering and multi-factor ranking of a screen (the coin-selection scoring of issue 18): each
 * `rank_by` field's percentile rank over the symbols that passed the filters, `(rank − 1)/(n − 1)`
 * in [0, 1] with ties given their average rank, rank 1 the worst; the score is the weighted mean
 * of the percentile ranks.
 */

/** A comparison a filter makes. */
export type FilterOp = "<" | "<=" | ">" | ">=" | "==" | "between";

/** The filter operators, as 400 messages and the docs state them. */
export const FILTER_OPS: readonly FilterOp[] = ["<", "<=", ">", ">=", "==", "between"];

/** One filter: `value` is a number, or `[low, high]` (inclusive) for `between`. */
export interface ScreenFilter {
  field: string;
  op: FilterOp;
  value: number | readonly [number, number];
}

/** One ranking factor: `desc` ranks larger values higher (better), `asc` smaller. */
export interface RankFactor {
  field: string;
  order: "asc" | "desc";
  /** Positive weight in the score. @default 1 */
  weight: number;
}

/** Does `value` pass `filter`? (`==` compares exactly, as JSON numbers arrive.) */
export function passes(value: number, filter: ScreenFilter): boolean {
  const v = filter.value;
  if (filter.op === "between") {
    const [low, high] = v as readonly [number, number];
    return value >= low && value <= high;
  }
  const x = v as number;
  switch (filter.op) {
    case "<":
      return value < x;
    case "<=":
      return value <= x;
    case ">":
      return value > x;
    case ">=":
      return value >= x;
    case "==":
      return value === x;
  }
}

/**
 * Percentile ranks of `values` (aligned with the input), `(rank − 1)/(n − 1)` with ties averaged;
 * with `order: "desc"` the largest value ranks n (percentile 1), with `asc` the smallest does. A
 * single value gets 1.
 */
export function percentileRanks(values: readonly number[], order: "asc" | "desc"): number[] {
  const n = values.length;
  if (n === 1) return [1];
  // Ascending by "goodness": worst first, so position + 1 is the rank.
  const index = values
    .map((_, i) => i)
    .sort((a, b) => (order === "desc" ? values[a]! - values[b]! : values[b]! - values[a]!));
  const ranks = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[index[j + 1]!] === values[index[i]!]) j++;
    const average = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[index[k]!] = average;
    i = j + 1;
  }
  return ranks.map((rank) => (rank - 1) / (n - 1));
}

/**
 * The score of every symbol: Σ wᵢ·prᵢ / Σ wᵢ over the factors (aligned with `rows`).
 * @param rows each symbol's field values; every factor's field must be present
 */
export function scores(rows: readonly Readonly<Record<string, number>>[], factors: readonly RankFactor[]): number[] {
  const total = factors.reduce((a, f) => a + f.weight, 0);
  const out = rows.map(() => 0);
  for (const factor of factors) {
    const ranks = percentileRanks(
      rows.map((row) => row[factor.field]!),
      factor.order,
    );
    ranks.forEach((pr, i) => {
      out[i]! += factor.weight * pr;
    });
  }
  return out.map((sum) => sum / total);
}
