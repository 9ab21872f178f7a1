/**
 * Many symbols at once: one history request per symbol, a bounded number in flight, each symbol's
 * failure kept to itself. Upstream calls are bounded by the missing spans, not by the symbol count:
 * a batch of cached symbols makes none.
 */
import pLimit from "p-limit";
import type { Clock } from "../clock.ts";
import { InputError, QuantDbError } from "../errors.ts";
import { parseHistoryQuery, type HistoryQueryInput } from "./request.ts";
import type { HistoryResult, HistoryService } from "./service.ts";

/** Most symbols one batch may name. */
export const BATCH_LIMIT = 100;

/** One symbol's outcome: a result or an error, never both. */
export type BatchOutcome = { symbol: string; result: HistoryResult } | { symbol: string; error: QuantDbError };

/**
 * Run a history request for every symbol with the same range, adjustment and period.
 * @param symbols as the caller wrote them (duplicates are answered once)
 * @param concurrency requests in flight at once @default 4
 * @throws {InputError} `VALIDATION_ERROR` for an empty list or more than {@link BATCH_LIMIT} symbols;
 *   everything else (bad symbol, upstream failure) is reported per symbol.
 */
export async function getManyBars(
  history: HistoryService,
  clock: Clock,
  symbols: readonly string[],
  query: Omit<HistoryQueryInput, "symbol" | "kind">,
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<BatchOutcome[]> {
  const unique = [...new Set(symbols.map((s) => s.trim()))];
  if (unique.length === 0 || unique.every((s) => s === "")) throw new InputError("VALIDATION_ERROR", "symbols must name at least one symbol");
  if (unique.length > BATCH_LIMIT) {
    throw new InputError("VALIDATION_ERROR", `At most ${BATCH_LIMIT} symbols per batch, got ${unique.length}`, { limit: BATCH_LIMIT });
  }
  const limit = pLimit(options.concurrency ?? 4);
  return Promise.all(
    unique.map((symbol) =>
      limit(async (): Promise<BatchOutcome> => {
        try {
          const parsed = parseHistoryQuery({ ...query, symbol }, clock);
          return { symbol, result: await history.getBars(parsed, options.signal ? { signal: options.signal } : {}) };
        } catch (error) {
          if (error instanceof QuantDbError) return { symbol, error };
          throw error;
        }
      }),
    ),
  );
}
