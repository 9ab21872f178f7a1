/**
 * Many symbols' history at once. Upstream calls are bounded by the missing spans, not by the
 * symbol count: a batch of cached symbols makes none.
 */
import { runPerSymbol, type BatchOutcome } from "../batch.ts";
import type { Clock } from "../clock.ts";
import { parseHistoryQuery, type HistoryQueryInput } from "./request.ts";
import type { HistoryResult, HistoryService } from "./service.ts";

export { BATCH_LIMIT } from "../batch.ts";

/**
 * Run a history request for every symbol with the same range, adjustment and period (with
 * `forceRefresh`, each symbol's held series is re-fetched and replaced first, as on the single-stock
 * endpoint).
 * @throws {InputError} `VALIDATION_ERROR` for an empty list or too many symbols; everything else
 *   (bad symbol, bad date, upstream failure) is reported per symbol.
 */
export function getManyBars(
  history: HistoryService,
  clock: Clock,
  symbols: readonly string[],
  query: Omit<HistoryQueryInput, "symbol" | "kind">,
  options: { concurrency?: number; signal?: AbortSignal; forceRefresh?: boolean } = {},
): Promise<BatchOutcome<HistoryResult>[]> {
  const perSymbol = {
    ...(options.signal ? { signal: options.signal } : {}),
    forceRefresh: options.forceRefresh ?? false,
  };
  return runPerSymbol(
    symbols,
    (symbol) => history.getBars(parseHistoryQuery({ ...query, symbol }, clock), perSymbol),
    options,
  );
}
